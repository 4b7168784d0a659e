"""The real Lambda runtime client (awslambdaric), installed apart from everything else.

`invoke` runs a function with an import path of exactly two folders: the
unpacked package (Lambda's /var/task) and this one (Lambda's /var/runtime).
The client and its two dependencies are installed from the builder's own
Pipfile.lock ([dev-packages], hashes checked) for the interpreter that will
run them, once per key, like the dependency cache.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from ..cache import cache_root, ensure_entry, touch
from ..errors import InstallError
from ..fixes import LOCK
from ..package.install import index_args
from ..package.lockfile import read_lock
from ..package.target import Target
from ..progress import Reporter

CLIENT_PACKAGES = ("awslambdaric", "simplejson", "snapshot-restore-py")
BUILDER_LOCK = Path(__file__).resolve().parents[2] / "Pipfile.lock"


def interpreter_for(target: Target) -> str:
    """A Python of the runtime's version: this one, or pythonX.Y from PATH."""
    if f"{sys.version_info.major}.{sys.version_info.minor}" == target.python_version:
        return sys.executable
    found = shutil.which(f"python{target.python_version}")
    if not found:
        raise InstallError(
            f"invoke runs a {target.runtime} package with Python {target.python_version}, and none is on PATH; "
            f"install it (for example with pyenv) or build for the local Python's runtime"
        )
    return found


def ensure(python: str, report: Reporter) -> Path:
    """The folder holding awslambdaric for `python`, installed on first use."""
    lock = read_lock(BUILDER_LOCK, section="develop")
    entries = [p for p in lock.packages if p.name in CLIENT_PACKAGES]
    if len(entries) != len(CLIENT_PACKAGES):
        raise InstallError(f"{BUILDER_LOCK}: [dev-packages] must lock {', '.join(CLIENT_PACKAGES)}; run {LOCK}")
    version = subprocess.run([python, "-c", "import sys; print(sys.implementation.cache_tag)"],
                             capture_output=True, text=True, check=True).stdout.strip()
    key = hashlib.sha256(json.dumps([[p.key() for p in entries], version, os.uname().machine]).encode()).hexdigest()
    folder = cache_root() / "runtime-client" / key[:24]
    if folder.is_dir():
        touch(folder)
        return folder
    report.step(f"invoke: installing the Lambda runtime client ({', '.join(p.name + (p.version or '') for p in entries)})")

    def install(work: Path) -> None:
        requirements = work / ".requirements.txt"
        requirements.write_text("".join(p.requirement() + "\n" for p in entries))
        from uv import find_uv_bin

        proc = subprocess.run(
            [find_uv_bin(), "pip", "install", "--target", str(work), "--python", python,
             "--require-hashes", "--no-deps", "--no-build", "--no-compile-bytecode", "-r", str(requirements)]
            + index_args(lock), capture_output=True, text=True)
        if proc.returncode != 0:
            last = (proc.stderr.strip().splitlines() or ["no output"])[-1]
            raise InstallError(f"installing the Lambda runtime client failed: {last}")
        requirements.unlink()

    return ensure_entry(folder, install)
