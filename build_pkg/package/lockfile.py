"""Read Pipfile and Pipfile.lock directly (no pipenv at build time).

`pipenv requirements` would drop the per-package index and hide entries that
cannot be hash-checked; reading the JSON ourselves keeps both visible.
"""

from __future__ import annotations

import hashlib
import json
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from packaging.markers import InvalidMarker, Marker

from ..errors import LockError
from ..fixes import LOCK
from ..lockcheck import problem as lock_problem
from .target import Target

_HASH_RE = re.compile(r"^sha256:[0-9a-f]{64}$")
_VCS_KEYS = ("git", "hg", "svn", "bzr")
# Pipfile sections that are not package categories (plette's PIPFILE_SECTIONS).
_NON_CATEGORY_SECTIONS = {
    "source", "packages", "dev-packages", "requires", "scripts", "pipfile", "pipenv",
    "default", "develop",
}


@dataclass(frozen=True)
class LockedPackage:
    name: str
    version: str | None  # "==1.2.3" for registry entries
    hashes: tuple[str, ...]
    markers: str | None
    index: str | None
    extras: tuple[str, ...]
    vcs: str | None = None  # "git+URL@REF" for VCS entries
    path: str | None = None  # local path entries, as the lock writes them
    location: str | None = None  # `path` resolved against the lock's directory (not the cwd)

    @property
    def kind(self) -> str:
        if self.vcs:
            return "vcs"
        if self.path:
            return "path"
        return "registry"

    @property
    def hash_checkable(self) -> bool:
        return self.kind == "registry" and bool(self.hashes)

    def requirement(self) -> str:
        """One requirements.txt line for the installer (markers already evaluated)."""
        extras = f"[{','.join(self.extras)}]" if self.extras else ""
        if self.vcs:
            return f"{self.name}{extras} @ {self.vcs}"
        if self.path:
            return f"{self.name}{extras} @ {Path(self.location or self.path).resolve().as_uri()}"
        hashes = " ".join(f"--hash={h}" for h in self.hashes)
        return f"{self.name}{extras}{self.version} {hashes}".rstrip()

    def key(self) -> dict:
        """What decides the installed bytes of this entry (for cache keys)."""
        return {
            "name": self.name, "version": self.version, "hashes": sorted(self.hashes),
            "extras": list(self.extras), "vcs": self.vcs, "path": self.path,
        }


@dataclass(frozen=True)
class Lock:
    path: Path
    pipfile_hash: str
    sources: tuple[dict, ...]
    python_version: str | None
    packages: tuple[LockedPackage, ...] = field(default_factory=tuple)

    def for_target(self, target: Target) -> list[LockedPackage]:
        """The packages whose markers hold on the Lambda platform, by name."""
        env = target.marker_environment()
        chosen = []
        for package in self.packages:
            if package.markers:
                try:
                    if not Marker(package.markers).evaluate(env):
                        continue
                except InvalidMarker as exc:
                    raise LockError(
                        f"{self.path.name}: package {package.name!r} has invalid markers "
                        f"{package.markers!r} ({exc}); run {LOCK}"
                    ) from None
            chosen.append(package)
        return chosen


def pipfile_hash(pipfile: dict) -> str:
    """The hash pipenv stores in `_meta.hash.sha256` (plette's `Pipfile.get_hash`)."""
    data = {
        "_meta": {"sources": pipfile["source"], "requires": pipfile.get("requires", {})},
        "default": pipfile.get("packages", {}),
        "develop": pipfile.get("dev-packages", {}),
    }
    for category, values in pipfile.items():
        if category not in _NON_CATEGORY_SECTIONS:
            data[category] = values
    content = json.dumps(data, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(content.encode("utf-8")).hexdigest()


def read_pipfile(path: Path) -> dict:
    if not path.is_file():
        raise LockError(f"{path.name} not found in {path.parent}: pass the worker repository with -C DIR")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise LockError(f"{path.name} is not valid TOML ({exc}); fix it, then run {LOCK}") from None
    if not data.get("source"):
        raise LockError(f"{path.name} has no [[source]] section; add one, then run {LOCK}")
    return data


def read_lock(path: Path, section: str = "default") -> Lock:
    """Parse Pipfile.lock; every problem is a one-line LockError naming the file.

    `section` is "default" (the run-time [packages]) or "develop" ([dev-packages]).
    """
    name = path.name
    if not path.is_file():
        raise LockError(f"{name} not found in {path.parent}: run {LOCK}")
    unreadable = lock_problem(path)
    if unreadable:
        raise LockError(unreadable)
    data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or not isinstance(data.get("_meta"), dict):
        raise LockError(f"{name} has no _meta section; regenerate it with {LOCK}")
    meta = data["_meta"]
    lock_hash = _mapping(meta, "hash", name).get("sha256")
    if not isinstance(lock_hash, str):
        raise LockError(f"{name} has no _meta.hash.sha256; regenerate it with {LOCK}")
    sources = meta.get("sources") or []
    if not isinstance(sources, list) or not all(isinstance(s, dict) for s in sources):
        raise LockError(f"{name}: _meta.sources is not a list of sources; regenerate it with {LOCK}")
    python_version = _mapping(meta, "requires", name).get("python_version")
    default = data.get(section, {})
    if not isinstance(default, dict):
        raise LockError(f"{name}: '{section}' is not a mapping; regenerate it with {LOCK}")
    base = path.parent.absolute()
    packages = tuple(_parse_entry(name, pkg, entry, base) for pkg, entry in sorted(default.items()))
    return Lock(
        path=path,
        pipfile_hash=lock_hash,
        sources=tuple(sources),
        python_version=python_version if isinstance(python_version, str) else None,
        packages=packages,
    )


def _mapping(meta: dict, key: str, lock_name: str) -> dict:
    value = meta.get(key) or {}
    if not isinstance(value, dict):
        raise LockError(f"{lock_name}: _meta.{key} is not a mapping; regenerate it with {LOCK}")
    return value


def _strings(entry: dict, key: str, pkg: str, lock_name: str) -> tuple[str, ...]:
    value = entry.get(key) or ()
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        raise LockError(f"{lock_name}: package {pkg!r} has {key} that are not a list of strings; "
                        f"regenerate it with {LOCK}")
    return tuple(value)


def _optional_string(entry: dict, key: str, pkg: str, lock_name: str) -> str | None:
    value = entry.get(key)
    if value is not None and not isinstance(value, str):
        raise LockError(f"{lock_name}: package {pkg!r} has a {key} that is not a string; "
                        f"regenerate it with {LOCK}")
    return value or None


def _parse_entry(lock_name: str, pkg: str, entry: object, base: Path) -> LockedPackage:
    if not isinstance(entry, dict):
        raise LockError(f"{lock_name}: entry {pkg!r} is not a mapping; regenerate it with {LOCK}")
    if not isinstance(entry.get("hashes") or [], list):
        raise LockError(f"{lock_name}: package {pkg!r} has hashes that are not a list; regenerate it with {LOCK}")
    hashes = tuple(entry.get("hashes") or ())
    for digest in hashes:
        if not isinstance(digest, str) or not _HASH_RE.match(digest):
            raise LockError(
                f"{lock_name}: package {pkg!r} has a malformed hash {digest!r} "
                f"(want sha256:<64 hex digits>); regenerate it with {LOCK}"
            )
    vcs = None
    for scheme in _VCS_KEYS:
        if scheme in entry:
            url = _optional_string(entry, scheme, pkg, lock_name)
            ref = _optional_string(entry, "ref", pkg, lock_name)
            vcs = f"{scheme}+{url}" + (f"@{ref}" if ref else "")
    path = _optional_string(entry, "path", pkg, lock_name) or _optional_string(entry, "file", pkg, lock_name)
    version = entry.get("version")
    if not vcs and not path and not (isinstance(version, str) and version.startswith("==")):
        raise LockError(
            f"{lock_name}: package {pkg!r} has no pinned version, VCS ref or path; "
            f"regenerate it with {LOCK}"
        )
    return LockedPackage(
        name=pkg,
        version=version,
        hashes=hashes,
        markers=_optional_string(entry, "markers", pkg, lock_name),
        index=_optional_string(entry, "index", pkg, lock_name),
        extras=tuple(sorted(_strings(entry, "extras", pkg, lock_name))),
        vcs=vcs,
        path=path,
        location=str(base / path) if path and "://" not in path else None,
    )


def check_fresh(pipfile: dict, pipfile_name: str, lock: Lock) -> None:
    """Refuse a lock that was made from another version of the Pipfile."""
    actual = pipfile_hash(pipfile)
    if actual != lock.pipfile_hash:
        raise LockError(
            f"{lock.path.name} is out of date with {pipfile_name} "
            f"(Pipfile hash {actual[:12]}..., lock has {lock.pipfile_hash[:12]}...): run {LOCK}"
        )


def check_hashable(packages: list[LockedPackage], allowed: set[str], lock_name: str) -> None:
    """Entries that cannot be hash-checked are installed only when named explicitly."""
    for package in packages:
        if package.hash_checkable or package.name in allowed:
            continue
        what = {"vcs": "a VCS checkout", "path": "a local path"}.get(package.kind, "an entry without hashes")
        raise LockError(
            f"{lock_name}: {package.name!r} is {what} and cannot be hash-checked; "
            f"pin a released version, or allow it with --allow-unhashed {package.name}"
        )
