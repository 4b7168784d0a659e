"""What the builder's tests share besides fixtures: where things are, worker repositories
made from the example (tests/data/worker), and small helpers. Imported by name
(`from builder_support import ...`), never as `conftest`: a team's own
tests/functions/conftest.py would take that name.
"""

from __future__ import annotations

import copy
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

# The checkout: the builder's own files (build_pkg/, docs/, the Makefile, the workflows).
# Its functions/, terraform/, tests/functions/ and tests/events/ are the team's: builder
# tests never touch them (team_guard fails a test that does).
REPO = Path(__file__).resolve().parents[1]
BUILD_PKG = REPO / "build-pkg.py"
# The builder's example repository: every builder test works on a copy of it.
WORKER = REPO / "tests" / "data" / "worker"


def project_lock() -> dict:
    return json.loads((WORKER / "Pipfile.lock").read_text())


class WorkerRepo:
    """A copy of the example repository (tests/data/worker: functions/, terraform/, Pipfile,
    lock; with `team_tests`, its tests/functions/ too) to build and break."""

    def __init__(self, root: Path, team_tests: bool = False):
        self.root = root
        root.mkdir(parents=True, exist_ok=True)
        ignore = shutil.ignore_patterns("__pycache__")
        for name in ("functions", "terraform"):
            shutil.copytree(WORKER / name, root / name, ignore=ignore)
        for name in ("Pipfile", "Pipfile.lock"):
            shutil.copy(WORKER / name, root / name)
        if team_tests:
            shutil.copytree(WORKER / "tests", root / "tests", ignore=ignore)

    @property
    def zip_path(self) -> Path:
        return self.root / "terraform" / "dists.zip"

    @property
    def manifest_path(self) -> Path:
        return self.root / "terraform" / "dists.manifest.json"

    def manifest(self) -> dict:
        return json.loads(self.manifest_path.read_text())

    def lock(self) -> dict:
        return json.loads((self.root / "Pipfile.lock").read_text())

    def write_lock(self, data: dict) -> None:
        (self.root / "Pipfile.lock").write_text(json.dumps(data, indent=4))

    def keep_only(self, *names: str) -> None:
        """Reduce the lock's [packages] to `names` (taken from the real lock: real hashes)."""
        data = self.lock()
        data["default"] = {n: copy.deepcopy(data["default"][n]) for n in names}
        self.write_lock(data)

    def write(self, rel: str, text: str) -> Path:
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        return path


TEAM_PARTS = ("functions/", "terraform/", "tests/functions/", "tests/events/")


def checkout_copy(root: Path) -> Path:
    """A clone of this checkout as a team starting from it would have it: the builder's
    tracked files (and new ones not ignored) with the example repository's functions/,
    terraform/ and tests/functions/ in place of the team's own."""
    listed = subprocess.run(["git", "-C", str(REPO), "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                            capture_output=True, text=True, check=True).stdout
    for rel in listed.split("\0"):
        source = REPO / rel
        if rel and not rel.startswith(TEAM_PARTS) and source.is_file():
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, root / rel, follow_symlinks=False)
    for name in ("functions", "terraform", "tests/functions"):
        shutil.copytree(WORKER / name, root / name, ignore=shutil.ignore_patterns("__pycache__"))
    return root


def run_build_pkg(*args: str, env: dict | None = None, cwd: Path | None = None, umask: int | None = None) -> subprocess.CompletedProcess:
    """build-pkg.py in a separate process (for umask, TZ and cache isolation)."""
    full_env = {**os.environ, **(env or {})}
    preexec = (lambda: os.umask(umask)) if umask is not None else None
    return subprocess.run([sys.executable, str(BUILD_PKG), *args], capture_output=True, text=True,
                          env=full_env, cwd=cwd, preexec_fn=preexec)


def use_real_tree_offline(tf_dir: Path) -> None:
    """The real tree, released offline: a local backend per environment and the test hooks
    (tests/data/release_hooks) beside the real module, root and function files."""
    hooks = REPO / "tests" / "data" / "release_hooks"
    for path in hooks.rglob("*"):
        if path.is_file():
            target = tf_dir / path.relative_to(hooks)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(path, target)


def lambda_zip(text: str, module: str = "lambda_process_checker.py") -> bytes:
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(module, text)
    return buffer.getvalue()


def sha256_of(path: Path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()


def elf_machine_of(data: bytes) -> int:
    """e_machine of an ELF file, read independently of build_pkg's own reader."""
    import struct

    assert data[:4] == b"\x7fELF", "not an ELF file"
    return struct.unpack_from("<H" if data[5] == 1 else ">H", data, 18)[0]

