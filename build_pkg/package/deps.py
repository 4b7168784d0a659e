"""The locked dependencies, compressed and cached one package at a time.

Each locked package has its own cache entry: its files compressed once (see
zipwriter), keyed by everything that decides those bytes (the lock entry,
runtime, architecture, installer, compressor and the packing code). A lock
change that bumps one package installs and compresses that package alone; the
zip and the layer are both assembled from the same cached bodies. An entry is
written under a temporary name and renamed into place, and its index records its
blob's sha256, so a partial or corrupt entry is detected and rebuilt, not trusted.
"""

from __future__ import annotations

import hashlib
import json
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from . import zipwriter
from ..cache import cache_root, discard, ensure_entry, scratch, touch
from ..errors import InstallError
from .install import check_machines, install, installer_version, owners
from .lockfile import Lock, LockedPackage
from ..progress import Reporter
from .sources import SourceFile, walk_dependencies
from .target import Target
from ..versions import builder_digest

CACHE_FORMAT = 4  # bump when the entry's own layout (index, blob) changes
# The modules whose code decides a package entry's bytes: part of its key.
PACKING_CODE = ("deps", "install", "sdists", "sources", "zipwriter", "elf", "lockfile", "target")
_INDEX = "index.json"
_BLOB = "bodies.bin"


@dataclass(frozen=True)
class PackageFiles:
    """One locked package's installed files, compressed."""

    name: str
    version: str  # as locked ("1.2.3"), or its kind ("vcs", "path")
    files: tuple[zipwriter.Compressed, ...]
    offsets: tuple[int, ...]
    blob: bytes

    def bodies(self):
        view = memoryview(self.blob)
        for file, offset in zip(self.files, self.offsets):
            yield file, view[offset:offset + file.csize]


@dataclass(frozen=True)
class Dependencies:
    key: str  # of the whole set: changes when any package does
    packages: tuple[PackageFiles, ...]  # by name
    installer: str

    @property
    def versions(self) -> tuple[tuple[str, str], ...]:
        return tuple((p.name, p.version) for p in self.packages)

    def top_levels(self) -> dict[str, list[str]]:
        """Each package's top-level names in the zip (its folders, modules, dist-info)."""
        return {p.name: sorted({file.name.split("/", 1)[0] for file in p.files}) for p in self.packages}

    def files(self) -> list[tuple[zipwriter.Compressed, memoryview]]:
        """Every installed file once, by name. Two packages that install the same path
        (a shared namespace `__init__.py`) give it once, from the first by name."""
        seen: dict[str, tuple[zipwriter.Compressed, memoryview]] = {}
        for package in self.packages:
            for file, body in package.bodies():
                seen.setdefault(file.name, (file, body))
        return [seen[name] for name in sorted(seen)]

    def entries(self, stamp: tuple[int, int], prefix: str = ""):
        """The zip entries of the dependencies, named `prefix + path`."""
        return [zipwriter.entry(file, body, stamp, prefix) for file, body in self.files()]


def package_key(package: LockedPackage, target: Target, installer: str) -> str:
    material = {
        "format": CACHE_FORMAT,
        "builder": builder_digest(PACKING_CODE),
        "package": package.key() | {"tree": _path_digest(package)},
        "runtime": target.runtime,
        "arch": target.arch,
        "installer": installer,
        "compressor": zipwriter.COMPRESSOR,
    }
    return hashlib.sha256(json.dumps(material, sort_keys=True).encode()).hexdigest()


@dataclass(frozen=True)
class Keys:
    """Each locked package's cache key, and the key of the whole set (its packages' keys,
    by name): computed once per build, before the up-to-date check needs the set's."""

    installer: str
    packages: dict[str, str]  # locked name -> key
    set: str


def cache_keys(packages: list[LockedPackage], target: Target) -> Keys:
    installer = installer_version()
    keys = {p.name: package_key(p, target, installer) for p in packages}
    whole = hashlib.sha256(json.dumps(sorted(keys.items())).encode()).hexdigest()
    return Keys(installer, keys, whole)


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


def ensure(lock: Lock, packages: list[LockedPackage], target: Target, all_keys: Keys, report: Reporter
           ) -> Dependencies:
    """The compressed files of every package in `packages` (their keys in `all_keys`): from
    the cache, and those the cache lacks installed together in one installer run."""
    installer, keys = all_keys.installer, all_keys.packages
    root = cache_root() / "deps"
    found: dict[str, PackageFiles] = {}
    for package in packages:
        entry = root / keys[package.name]
        if entry.is_dir() and (loaded := _load(entry, keys[package.name], report)):
            touch(entry)
            found[package.name] = loaded
    missing = [p for p in packages if p.name not in found]
    if not missing:
        report.step(f"dependencies: cache hit ({len(packages)} packages, key {all_keys.set[:12]})")
    else:
        cached = f"{len(found)} of {len(packages)} cached; " if found else ""
        report.step(f"dependencies: {cached}installing {_names(missing)} for {target} with {installer}")
        found |= _install_missing(lock, missing, target, keys, root, report)
    ordered = tuple(found[name] for name in sorted(found))
    return Dependencies(all_keys.set, ordered, installer)


def _names(packages: list[LockedPackage], shown: int = 4) -> str:
    names = [p.name + (p.version or "") for p in packages[:shown]]
    more = f" and {len(packages) - shown} more" if len(packages) > shown else ""
    return f"{len(packages)} package{'s' if len(packages) != 1 else ''} ({', '.join(names)}{more})"


def _install_missing(lock: Lock, missing: list[LockedPackage], target: Target, keys: dict[str, str], root: Path,
                     report: Reporter) -> dict[str, PackageFiles]:
    with scratch(root) as work:
        site = work / "site"
        site.mkdir()
        with report.bar(f"installing {len(missing)} package{'s' if len(missing) != 1 else ''}"):
            install(lock, missing, target, site, work, report)
        files = walk_dependencies(site)
        check_machines(files, target, lock.path.name)
        grouped = owners(site, files, missing, lock.path.name)
        with report.bar("compressing", total=len(files), unit="files") as bar:
            compressed = _compress_all(files, bar.update)
        made: dict[str, PackageFiles] = {}
        for package in missing:
            mine = [compressed[file.arcname] for file in grouped[package.name]]
            version = (package.version or "").removeprefix("==") or package.kind
            built: list[PackageFiles] = []
            entry = root / keys[package.name]
            ensure_entry(entry, lambda tmp: built.append(_write_entry(tmp, keys[package.name], package.name,
                                                                      version, mine)))
            # Same key, same bytes, whichever process's entry won the rename.
            made[package.name] = built[0] if built else _load(entry, keys[package.name], report)
            if made[package.name] is None:
                raise InstallError(f"the dependency cache entry {entry} could not be read back; "
                                   "check the disk, or remove the cache directory")
    return made


def _compress_all(files: list[SourceFile], done) -> dict[str, tuple[zipwriter.Compressed, bytes]]:
    # libdeflate releases the GIL, so threads use every core. Largest files first: a
    # single big shared object started last would leave the other cores idle.
    def compress(file: SourceFile):
        return zipwriter.compress(file.arcname, file.path.read_bytes(), file.mode)

    by_size = sorted(files, key=lambda f: -(f.size if f.size >= 0 else f.path.stat().st_size))
    compressed = {}
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        for meta, body in pool.map(compress, by_size):
            compressed[meta.name] = (meta, body)
            done()
    return compressed


def _write_entry(work: Path, key: str, name: str, version: str, compressed) -> PackageFiles:
    """Write the bodies and their index (last, so a partial entry has none); return them."""
    compressed = sorted(compressed, key=lambda item: item[0].name)
    rows, offset = [], 0
    for meta, body in compressed:
        rows.append([*meta.__dict__.values(), offset])
        offset += len(body)
    blob = b"".join(body for _, body in compressed)
    (work / _BLOB).write_bytes(blob)
    index = {"format": CACHE_FORMAT, "key": key, "name": name, "version": version, "blob_size": offset,
             "blob_sha256": hashlib.sha256(blob).hexdigest(), "files": rows}
    (work / _INDEX).write_text(json.dumps(index))
    return _from_index(index, blob)


def _load(entry: Path, key: str, report: Reporter) -> PackageFiles | None:
    try:
        index = json.loads((entry / _INDEX).read_text())
        blob = (entry / _BLOB).read_bytes()
        if index["format"] != CACHE_FORMAT or index["key"] != key:
            raise ValueError("index is for another key")
        if len(blob) != index["blob_size"] or hashlib.sha256(blob).hexdigest() != index["blob_sha256"]:
            raise ValueError("bodies do not match their recorded sha256")
        return _from_index(index, blob)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        report.warn(f"dependency cache entry {entry} is corrupt ({exc}); rebuilding it")
        discard(entry)
        return None


def _from_index(index: dict, blob: bytes) -> PackageFiles:
    files, offsets = [], []
    for row in index["files"]:
        *fields, offset = row
        files.append(zipwriter.Compressed(*fields))
        offsets.append(offset)
    return PackageFiles(index["name"], index["version"], tuple(files), tuple(offsets), blob)
