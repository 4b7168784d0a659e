"""Install the locked dependencies for the Lambda platform, packed and cached.

A cache entry holds the dependencies already packed as zip records (see
zipwriter), so a rebuild copies bytes instead of installing and deflating again.
Its key is everything that decides those bytes; an entry is written under a
temporary name and renamed into place, and its index records the blob's sha256,
so a partial or corrupt entry is detected and rebuilt rather than trusted.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from . import sdists, zipwriter
from ..cache import cache_root, discard, ensure_entry, touch
from .elf import elf_machine
from ..errors import InstallError, LockError
from .lockfile import Lock, LockedPackage
from ..progress import Reporter
from .sources import SourceFile, walk_dependencies
from .target import Target
from ..versions import builder_digest, dist_version

CACHE_FORMAT = 3  # bump when the entry's own layout (index, blob) changes
# The modules whose code decides a dependency entry's bytes: part of its key.
PACKING_CODE = ("deps", "sources", "zipwriter", "elf", "lockfile", "target")
_INDEX = "index.json"
_BLOB = "records.bin"


@dataclass(frozen=True)
class Dependencies:
    key: str
    entries: tuple[zipwriter.Packed, ...]
    offsets: tuple[int, ...]
    blob: bytes
    packages: tuple[tuple[str, str], ...]  # (name, version) as installed
    installer: str

    def records(self):
        view = memoryview(self.blob)
        for meta, offset in zip(self.entries, self.offsets):
            yield meta, view[offset:offset + meta.record_len]


def installer_version() -> str:
    return f"uv {dist_version('uv', 'uv')}"


def cache_key(packages: list[LockedPackage], target: Target, stamp: tuple[int, int], installer: str) -> str:
    material = {
        "format": CACHE_FORMAT,
        "builder": builder_digest(PACKING_CODE),
        "packages": [p.key() | {"tree": _path_digest(p)} for p in packages],
        "runtime": target.runtime,
        "arch": target.arch,
        "installer": installer,
        "compressor": zipwriter.COMPRESSOR,
        "stamp": list(stamp),
    }
    return hashlib.sha256(json.dumps(material, sort_keys=True).encode()).hexdigest()


def _path_digest(package: LockedPackage) -> str | None:
    """A local path entry's bytes can change under the same lock: key on its content."""
    if not package.path:
        return None
    root = Path(package.location or package.path)
    digest = hashlib.sha256()
    files = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file() and ".git" not in p.parts)
    for file in files:
        digest.update(file.relative_to(root).as_posix().encode() + b"\0" + file.read_bytes())
    return digest.hexdigest()


def ensure(lock: Lock, packages: list[LockedPackage], target: Target, stamp: tuple[int, int], report: Reporter) -> Dependencies:
    """The packed dependencies for `packages`, from the cache or freshly installed."""
    installer = installer_version()
    key = cache_key(packages, target, stamp, installer)
    entry_dir = cache_root() / "deps" / key
    if entry_dir.is_dir():
        loaded = _load(entry_dir, key, report)
        if loaded:
            touch(entry_dir)
            report.step(f"dependencies: cache hit ({len(loaded.packages)} packages, key {key[:12]})")
            return loaded
    report.step(f"dependencies: installing {len(packages)} packages for {target} with {installer}")

    built: list[Dependencies] = []  # what this process packed, to skip reading it back

    def build_entry(work: Path) -> None:
        site = work / "site"
        site.mkdir()
        _install(lock, packages, target, site, work, report)
        files = walk_dependencies(site)
        _check_machines(files, target, lock.path.name)
        built.append(_write_entry(work, key, _pack_all(files, stamp), packages, installer))
        shutil.rmtree(site)
        for scratch in work.iterdir():
            if scratch.name.endswith(".txt"):
                scratch.unlink()
            elif scratch.is_dir() and scratch.name.startswith(("probe-", "sdist-")):
                shutil.rmtree(scratch)

    ensure_entry(entry_dir, build_entry)
    if built:  # same key, same bytes, whichever process's entry won the rename
        return built[0]
    loaded = _load(entry_dir, key, report)
    if loaded is None:
        raise InstallError(f"the dependency cache entry {entry_dir} could not be read back; "
                           "check the disk, or remove the cache directory")
    return loaded


def _load(entry_dir: Path, key: str, report: Reporter) -> Dependencies | None:
    try:
        index = json.loads((entry_dir / _INDEX).read_text())
        blob = (entry_dir / _BLOB).read_bytes()
        if index["format"] != CACHE_FORMAT or index["key"] != key:
            raise ValueError("index is for another key")
        if len(blob) != index["blob_size"] or hashlib.sha256(blob).hexdigest() != index["blob_sha256"]:
            raise ValueError("records do not match their recorded sha256")
        return _from_index(index, blob)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        report.warn(f"dependency cache entry {entry_dir} is corrupt ({exc}); rebuilding it")
        discard(entry_dir)
        return None


def _from_index(index: dict, blob: bytes) -> Dependencies:
    entries, offsets = [], []
    for row in index["entries"]:
        *fields, offset = row
        entries.append(zipwriter.Packed(*fields))
        offsets.append(offset)
    return Dependencies(
        key=index["key"], entries=tuple(entries), offsets=tuple(offsets), blob=blob,
        packages=tuple(tuple(p) for p in index["packages"]), installer=index["installer"],
    )


def _install(lock: Lock, packages, target: Target, site: Path, work: Path, report: Reporter) -> None:
    hashed = [p for p in packages if p.hash_checkable]
    unhashed = [p for p in packages if not p.hash_checkable]

    def common(folder: Path) -> list[str]:
        return [
            "--target", str(folder), "--python-platform", target.uv_platform,
            "--python-version", target.python_version, "--no-deps", "--no-installer-metadata",
            # Hardlinks from uv's cache instead of copies: the tree is only read, packed and
            # deleted, and not writing ~50 MB of file data is the difference between ~0.5 s
            # and 1-3 s on a busy disk. uv falls back to copying across filesystems.
            "--no-compile-bytecode", "--link-mode", "hardlink",
        ] + index_args(lock)

    wheels_only = common(site) + ["--require-hashes", "--no-build"]
    if hashed:
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
        proc = _uv(common(site) + refresh, unhashed, work / "unhashed.txt", report)
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

    def build(package: LockedPackage, folder: Path) -> str | None:
        proc = _uv(common(folder) + ["--require-hashes"], [package], work / f"sdist-{package.name}.txt", report)
        return None if proc.returncode == 0 else proc.stderr

    sdists.build_pure(source_only, site, work, target, lock.path.name, build)


def index_args(lock: Lock) -> list[str]:
    urls = [s["url"] for s in lock.sources if isinstance(s, dict) and s.get("url")]
    args: list[str] = []
    if urls:
        args += ["--index-url", urls[0]]
    for url in urls[1:]:
        args += ["--extra-index-url", url]
    return args


def _uv(args: list[str], packages, requirements: Path, report: Reporter) -> subprocess.CompletedProcess:
    """`uv pip install ARGS -r requirements` for `packages`; its output is detail (-v)."""
    from uv import find_uv_bin  # the uv wheel in the dev environment

    requirements.write_text("".join(p.requirement() + "\n" for p in packages))
    cmd = [find_uv_bin(), "pip", "install", *args, "-r", str(requirements)]
    proc = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, "NO_COLOR": "1"})
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
            "hashes; the lock or the index is wrong: re-lock with `pipenv lock`"
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


def _check_machines(files: list[SourceFile], target: Target, lock_name: str) -> None:
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


def _pack_all(files: list[SourceFile], stamp: tuple[int, int]) -> list[tuple[zipwriter.Packed, bytes]]:
    # libdeflate releases the GIL, so threads use every core. Largest files first: a
    # single big shared object started last would leave the other cores idle.
    def pack(file: SourceFile):
        return zipwriter.pack(file.arcname, file.path.read_bytes(), file.mode, stamp)

    by_size = sorted(files, key=lambda f: -f.path.stat().st_size)
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        packed = list(pool.map(pack, by_size))
    return sorted(packed, key=lambda item: item[0].name)


def _write_entry(work: Path, key: str, packed, packages, installer: str) -> Dependencies:
    """Write the records and their index (last, so a partial entry has none); return them."""
    rows, offset = [], 0
    for meta, record in packed:
        rows.append([*meta.__dict__.values(), offset])
        offset += len(record)
    blob = b"".join(record for _, record in packed)
    (work / _BLOB).write_bytes(blob)
    index = {
        "format": CACHE_FORMAT,
        "key": key,
        "blob_size": offset,
        "blob_sha256": hashlib.sha256(blob).hexdigest(),
        "installer": installer,
        "packages": [[p.name, (p.version or "").removeprefix("==") or p.kind] for p in packages],
        "entries": rows,
    }
    (work / _INDEX).write_text(json.dumps(index))
    return _from_index(index, blob)
