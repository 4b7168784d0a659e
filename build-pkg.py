#!/usr/bin/env python3
"""Entry point of the worker builder; the code lives in build_pkg/ (never in functions/)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from build_pkg.cli import main  # noqa: E402

if __name__ == "__main__":
    # Shell completion: `_BUILD_PKG_COMPLETE=bash_source` (or zsh_source) prints the script (README).
    main(prog_name="build-pkg.py", complete_var="_BUILD_PKG_COMPLETE")
