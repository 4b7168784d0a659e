"""Builder for a worker monorepo of AWS Lambda functions.

`build-pkg.py` is a thin shim over `build_pkg.cli`. Folders name capabilities
(package/, infra/, local/, deploy/) and import only downwards, to the helpers
beside this file; `commands/` holds one module per command. The cores are pure
(discover functions, read the lock, plan archive entries, render HCL); I/O sits
at the edges (the installer, the atomic writers, the cache, the CLI).
"""

__version__ = "0.1.0"
