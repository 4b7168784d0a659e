"""Install locked packages for the Lambda platform with uv, and say which package
installed which file.

Wheels only and hash-checked by default; source-only packages are built pure
(see sdists); entries that cannot be hash-checked only when allowed. Every
shared object must be for the target CPU. A file belongs to the package whose
dist-info RECORD lists it, which is what lets the cache keep each package apart.
"""

from __future__ import annotations

import csv
import io
import os
import posixpath
import re
import shutil
import subprocess
from pathlib import Path

from . import sdists
from .elf import elf_machine
from ..errors import InstallError, LockError
from ..fixes import LOCK
from .lockfile import Lock, LockedPackage
from ..progress import Reporter
from .sources import SourceFile
from .target import Target
from ..versions import dist_version


CONSTRAINTS_NAME = "build-constraints.txt"
DEFAULT_CONSTRAINTS = Path(__file__).resolve().parent / CONSTRAINTS_NAME


def build_constraints(project_root: Path | None) -> Path:
    """The pinned build backends for packages built from source: the repository's own
    build-constraints.txt beside its Pipfile, else the builder's (see that file)."""
    own = project_root / CONSTRAINTS_NAME if project_root is not None else None
    return own if own is not None and own.is_file() else DEFAULT_CONSTRAINTS


def installer_version() -> str:
    return f"uv {dist_version('uv', 'uv')}"


def install(lock: Lock, packages, target: Target, site: Path, work: Path, report: Reporter) -> None:
    hashed = [p for p in packages if p.hash_checkable]
    unhashed = [p for p in packages if not p.hash_checkable]

    def common(folder: Path) -> list[str]:
        return [
            "--target", str(folder), "--python-platform", target.uv_platform,
            "--python-version", target.full_version, "--no-deps", "--no-installer-metadata",
            # Hardlinks from uv's cache instead of copies: the tree is only read, packed and
            # deleted, and not writing ~50 MB of file data is the difference between ~0.5 s
            # and 1-3 s on a busy disk. uv falls back to copying across filesystems.
            "--no-compile-bytecode", "--link-mode", "hardlink",
        ] + index_args(lock)

    wheels_only = common(site) + ["--require-hashes", "--no-build"]
    if hashed:
        # From uv's cache alone first: the same hash-checked wheels without asking the index
        # again (~0.3 s of a first build); anything the cache lacks fails fast, and then uv
        # goes online as usual.
        proc = _uv(wheels_only + ["--offline"], hashed, work / "hashed.txt", report, quiet_failure=True)
        if proc.returncode != 0:
            report.detail("  uv: not all of it is in uv's cache (expected on a first install); from the index now")
            _empty(site)
            proc = _uv(wheels_only, hashed, work / "hashed.txt", report)
        if proc.returncode != 0:
            if not sdists.is_no_wheel(proc.stderr):
                raise _explain_uv_failure(proc.stderr, hashed, lock, target)
            _install_with_sources(lock, hashed, target, site, work, report, common, wheels_only)
    if unhashed:
        # Named with --allow-unhashed: built from source on this host, so they must be pure Python
        # (the ELF check after installing catches one that is not).
        report.step(f"dependencies: installing {', '.join(p.name for p in unhashed)} without hash checks (allowed)")
        # uv caches a local directory's built wheel by its pyproject.toml, not its modules:
        # without a refresh, an edited module of a path entry would never reach the zip.
        refresh = [arg for p in unhashed if p.kind == "path" for arg in ("--refresh-package", p.name)]
        pinned = ["--build-constraints", str(build_constraints(lock.path.parent))]
        proc = _uv(common(site) + refresh + pinned, unhashed, work / "unhashed.txt", report)
        if proc.returncode != 0:
            raise _explain_uv_failure(proc.stderr, unhashed, lock, target)


def _install_with_sources(lock: Lock, hashed, target: Target, site: Path, work: Path, report: Reporter,
                          common, wheels_only: list[str]) -> None:
    """Some locked packages have no wheel: find them all, install the rest as wheels, and
    build those from their hash-checked sdists, pure Python only."""
    def probe(package: LockedPackage) -> str | None:
        folder = work / f"probe-{package.name}"
        proc = _uv(common(folder) + ["--require-hashes", "--no-build", "--dry-run"], [package],
                   work / f"probe-{package.name}.txt", report)
        return None if proc.returncode == 0 else proc.stderr

    source_only = sdists.find_source_only(hashed, probe)
    if not source_only:  # the first install failed for another reason after all
        proc = _uv(wheels_only, hashed, work / "hashed.txt", report)
        raise _explain_uv_failure(proc.stderr, hashed, lock, target)
    report.step(f"dependencies: {len(source_only)} package(s) published only as source, built from their "
                f"hash-checked sdists: {', '.join(p.name + (p.version or '') for p in source_only)}")
    wheels = [p for p in hashed if p not in source_only]
    if wheels:
        proc = _uv(wheels_only, wheels, work / "hashed.txt", report)
        if proc.returncode != 0:
            raise _explain_uv_failure(proc.stderr, wheels, lock, target)

    pinned = ["--build-constraints", str(build_constraints(lock.path.parent))]

    def build(package: LockedPackage, folder: Path) -> str | None:
        # Built anew: uv keeps a wheel it built by the sdist's hash alone, not by the backend
        # that built it, and the pin is what decides the wheel's bytes here.
        proc = _uv(common(folder) + ["--require-hashes", "--refresh-package", package.name, *pinned], [package],
                   work / f"sdist-{package.name}.txt", report)
        return None if proc.returncode == 0 else proc.stderr

    sdists.build_pure(source_only, site, work, target, lock.path.name, build)


def _empty(folder: Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()


def index_args(lock: Lock) -> list[str]:
    urls = [s["url"] for s in lock.sources if isinstance(s, dict) and s.get("url")]
    args: list[str] = []
    if urls:
        args += ["--index-url", urls[0]]
    for url in urls[1:]:
        args += ["--extra-index-url", url]
    return args


def _uv(args: list[str], packages, requirements: Path, report: Reporter,
        quiet_failure: bool = False) -> subprocess.CompletedProcess:
    """`uv pip install ARGS -r requirements` for `packages`; its output is detail (-v), except
    with `quiet_failure` when it fails (an expected miss the caller explains)."""
    from uv import find_uv_bin  # the uv wheel in the dev environment

    requirements.write_text("".join(p.requirement() + "\n" for p in packages))
    cmd = [find_uv_bin(), "pip", "install", *args, "-r", str(requirements)]
    proc = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, "NO_COLOR": "1"})
    if not (quiet_failure and proc.returncode != 0):
        for line in proc.stderr.splitlines():
            report.detail(f"  uv: {line}")
    return proc


_HASH_MISMATCH = re.compile(r"Hash mismatch for `([^`]+)`")


def _explain_uv_failure(stderr: str, packages, lock: Lock, target: Target) -> Exception:
    lock_name = lock.path.name
    match = _HASH_MISMATCH.search(stderr)
    if match:
        return LockError(
            f"{lock_name}: {match.group(1)}: the downloaded file's sha256 is not among the locked "
            f"hashes; the lock or the index is wrong: re-lock with {LOCK}"
        )
    if sdists.is_no_wheel(stderr):
        name = _first_named(stderr, packages)
        return InstallError(
            f"{lock_name}: {name} has no wheel for {target.runtime} on {target.arch} "
            f"({target.uv_platform}); pin a version that publishes one, or remove it from [packages]"
        )
    return InstallError(f"installing {lock_name} for {target} failed: {installer_cause(stderr, lock)}")


_URL = re.compile(r"(?:git\+)?https?://[^\s)`'\"]+")


def installer_cause(stderr: str, lock: Lock) -> str:
    """uv's own error and its root cause, naming the URL involved, and what to check.

    uv's first line is chatter ("Using CPython 3.11.7 interpreter at ..."); what went
    wrong is its `error:` line and the last `cause:` under it.
    """
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    error = next((line.removeprefix("error:").strip() for line in lines if line.startswith("error:")), None)
    causes = [line.removeprefix("cause:").strip() for line in lines if line.startswith(("cause:", "Caused by:"))]
    if error is None:
        return f"{lines[-1] if lines else 'the installer printed nothing'} (rerun with -v for the installer's output)"
    root = causes[-1] if causes else None
    url = next((m.group(0) for line in lines for m in [_URL.search(line)] if m), None)
    text = error + (f": {root}" if root and root not in error else "")
    if url and url not in text:
        text += f" ({url})"
    indexes = [s.get("url") for s in lock.sources if isinstance(s.get("url"), str)]
    if url and any(url.startswith(index.rstrip("/")) for index in indexes):
        text += "; check the index URL in the Pipfile's [[source]] and that it can be reached"
    elif url:
        text += "; check that URL and that it can be reached"
    return text + " (rerun with -v for the installer's output)"


def _first_named(stderr: str, packages) -> str:
    """The locked package that uv's message mentions first."""
    lowered = stderr.lower()
    best = None
    for package in packages:
        spot = lowered.find(package.name.lower())
        if spot >= 0 and (best is None or spot < best[0]):
            best = (spot, f"{package.name}{package.version or ''}")
    return best[1] if best else "a locked package"


def check_machines(files: list[SourceFile], target: Target, lock_name: str) -> None:
    """Every shared object must be for the target CPU: a host-built one would crash on import."""
    for file in files:
        if ".so" not in file.arcname:
            continue
        with file.path.open("rb") as f:
            machine = elf_machine(f.read(20))
        if machine and machine != target.machine:
            raise InstallError(
                f"{lock_name}: {file.arcname} is built for {machine}, not {target.machine}; "
                "a dependency was built on this host: pin a version with a wheel for the target"
            )


def normalize(name: str) -> str:
    """A project name as PEP 503 compares them: `PyYAML`, `pyyaml` and `py_yaml` are one."""
    return re.sub(r"[-_.]+", "-", name).lower()


def owners(site: Path, files: list[SourceFile], packages: list[LockedPackage], lock_name: str
           ) -> dict[str, list[SourceFile]]:
    """The installed files of each package (by locked name), from the dist-info RECORDs.

    A file no RECORD lists goes with the package that owns its top-level folder;
    one that still has no owner is an error rather than a guess, since the cache
    would otherwise file it under the wrong package.
    """
    by_name = {normalize(p.name): p.name for p in packages}
    claimed: dict[str, str] = {}
    for record in sorted(site.glob("*.dist-info/RECORD")):
        owner = by_name.get(normalize(_dist_name(record.parent)))
        if owner is None:
            raise InstallError(f"{lock_name}: the installer put {record.parent.name} into the package, "
                               f"which the lock does not name; re-lock with {LOCK}")
        for row in csv.reader(io.StringIO(record.read_text(encoding="utf-8", errors="replace"))):
            if row and not row[0].startswith(("..", "/")):
                claimed.setdefault(posixpath.normpath(row[0]), owner)
    tops: dict[str, set[str]] = {}
    for arcname, owner in claimed.items():
        tops.setdefault(arcname.split("/", 1)[0], set()).add(owner)
    grouped: dict[str, list[SourceFile]] = {p.name: [] for p in packages}
    for file in files:
        owner = claimed.get(file.arcname)
        if owner is None:
            candidates = tops.get(file.arcname.split("/", 1)[0], set())
            if len(candidates) != 1:
                raise InstallError(f"{lock_name}: no installed package's RECORD lists {file.arcname}; "
                                   f"the installer output is not what the lock describes: re-lock with {LOCK}")
            owner = next(iter(candidates))
        grouped[owner].append(file)
    return grouped


def _dist_name(dist_info: Path) -> str:
    """The project name in METADATA (the folder name loses characters)."""
    try:
        for line in (dist_info / "METADATA").read_text(encoding="utf-8", errors="replace").splitlines():
            if line.lower().startswith("name:"):
                return line.split(":", 1)[1].strip()
            if not line:
                break
    except OSError:
        pass
    return dist_info.name.removesuffix(".dist-info").rsplit("-", 1)[0]
