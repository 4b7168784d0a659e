#!/usr/bin/env python3
"""Entry point of the worker builder; the code lives in build_pkg/ (never in functions/).

It runs in the project's environment (.venv, made by `make build`) whatever shell
it is started from: started by any other Python (a plain `./build-pkg.py` with
no environment activated), it re-runs itself with .venv's Python.
"""

import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
VENV_PYTHON = HERE / ".venv" / "bin" / "python"


def _in_the_environment() -> bool:
    try:
        import click  # noqa: F401
        import deflate  # noqa: F401
    except ImportError:
        return False
    return True


if __name__ == "__main__" and VENV_PYTHON.exists() and Path(sys.prefix).resolve() != (HERE / ".venv").resolve():
    os.execv(str(VENV_PYTHON), [str(VENV_PYTHON), str(Path(__file__).resolve()), *sys.argv[1:]])
if __name__ == "__main__" and not _in_the_environment():
    print(f"error: the builder's environment is not set up ({HERE / '.venv'} is missing or incomplete); "
          f"run `make build` in {HERE} first", file=sys.stderr)
    sys.exit(1)

sys.path.insert(0, str(HERE))

from build_pkg.cli import main  # noqa: E402

if __name__ == "__main__":
    # Shell completion: `_BUILD_PKG_COMPLETE=bash_source` (or zsh_source) prints the script
    # that `completion SHELL` writes (docs/commands.md).
    main(prog_name="build-pkg.py", complete_var="_BUILD_PKG_COMPLETE")
