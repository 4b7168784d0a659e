"""The real Lambda runtime client (awslambdaric), installed apart from everything else.

`invoke` runs a function with an import path of the unpacked package (Lambda's
/var/task), the layer's python/, and this folder (Lambda's /var/runtime). The
client, its two dependencies and the AWS SDK that Lambda's runtimes carry
(boto3 and what it needs) are installed from the builder's own Pipfile.lock
([dev-packages], hashes checked) for the interpreter that will run them, once
per key, like the dependency cache.
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
# What Lambda's Python runtimes carry in /var/runtime beside the client: the AWS SDK. A
# function that imports boto3 without locking it runs in Lambda, so it runs here too (the
# task root and the layers still come first, as there).
RUNTIME_SDK = ("boto3", "botocore", "jmespath", "s3transfer", "urllib3", "python-dateutil", "six")
RUNTIME_IMPORTS = frozenset({"boto3", "botocore", "jmespath", "s3transfer", "urllib3", "dateutil", "six",
                             "awslambdaric", "simplejson", "snapshot_restore_py"})
BUILDER_LOCK = Path(__file__).resolve().parents[2] / "Pipfile.lock"


def interpreter_for(target: Target) -> str:
    """A Python of the runtime's version: this one, or pythonX.Y from PATH."""
    if f"{sys.version_info.major}.{sys.version_info.minor}" == target.python_version:
        return sys.executable
    found = shutil.which(f"python{target.python_version}")
    how = (f"install Python {target.python_version} (for example `pyenv install {target.python_version}`), "
           "or invoke with --runtime for the local Python")
    if not found:
        raise InstallError(f"invoke runs a {target.runtime} package with Python {target.python_version}, "
                           f"and none is on PATH; {how}")
    # A version manager's shim is on PATH whether or not that version is installed (pyenv's exits 127).
    try:
        proc = subprocess.run([found, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                              capture_output=True, text=True, timeout=60)
    except OSError as exc:
        raise InstallError(f"{found} (for {target.runtime}) cannot be started ({exc.strerror}); {how}") from None
    if proc.returncode != 0 or proc.stdout.strip() != target.python_version:
        said = (proc.stderr.strip().splitlines() or [proc.stdout.strip() or "no output"])[0][:120]
        raise InstallError(f"{found} (for {target.runtime}) does not run Python {target.python_version} "
                           f"(exit {proc.returncode}: {said}); {how}")
    return found


def ensure(python: str, report: Reporter) -> Path:
    """The folder holding awslambdaric for `python`, installed on first use."""
    lock = read_lock(BUILDER_LOCK, section="develop")
    wanted = CLIENT_PACKAGES + RUNTIME_SDK
    entries = [p for p in lock.packages if p.name in wanted]
    if len(entries) != len(wanted):
        raise InstallError(f"{BUILDER_LOCK}: [dev-packages] must lock {', '.join(wanted)}; run {LOCK}")
    version = subprocess.run([python, "-c", "import sys; print(sys.implementation.cache_tag)"],
                             capture_output=True, text=True, check=True).stdout.strip()
    key = hashlib.sha256(json.dumps([[p.key() for p in entries], version, os.uname().machine]).encode()).hexdigest()
    folder = cache_root() / "runtime-client" / key[:24]
    if folder.is_dir():
        touch(folder)
        return folder
    report.step(f"invoke: installing the Lambda runtime client and SDK "
                f"({', '.join(p.name + (p.version or '') for p in entries)})")

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
