"""Code shared by the worker functions; bundled into every package beside them."""
