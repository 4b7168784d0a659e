"""Builder for a worker monorepo of AWS Lambda functions.

`build-pkg.py` is a thin shim over `build_pkg.cli`; the modules here are a pure
core (discover functions, read the lock, plan archive entries) with I/O kept at
the edges (the dependency installer, the atomic writers, the CLI).
"""

__version__ = "0.1.0"
