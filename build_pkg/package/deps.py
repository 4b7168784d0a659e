"""The locked dependencies, compressed and cached one package at a time.

Each locked package has its own cache entry: its files compressed once (see
zipwriter), keyed by everything that decides those bytes (the lock entry,
runtime, architecture, installer, compressor and the packing code). A lock
change that bumps one package installs and compresses that package alone; the
zip and the layer are both assembled from the same cached bodies. An entry is
written under a temporary name and renamed into place, and its index records its
blob's sha256 and a digest of the index itself (every recorded CRC, size and
offset), so a partial or corrupt entry is detected and rebuilt, not trusted.

Each entry also records every file's sha256 (of its uncompressed bytes) and the
package's declared requirements: the first is what function identities are made
of (see identity), the second what the development-tools advice checks.
"""

from __future__ import annotations

import email.parser
import hashlib
import json
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from . import zipwriter
from .identity import FileDigest, content_digest
from ..cache import cache_root, discard, ensure_entry, scratch, touch
from ..errors import InstallError
from .install import build_constraints, check_machines, install, installer_version, owners
from .lockfile import Lock, LockedPackage
from ..progress import Reporter
from .sources import SourceFile, walk_dependencies
from .target import Target
from ..versions import builder_digest

CACHE_FORMAT = 5  # bump when the entry's own layout (index, blob) changes
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
    digests: tuple[str, ...]  # sha256 hex of each file's uncompressed bytes
    requires: tuple[tuple[str, str | None], ...]  # METADATA Requires-Dist: (name, marker)
    blob: bytes

    def bodies(self):
        view = memoryview(self.blob)
        for file, offset, sha in zip(self.files, self.offsets, self.digests):
            yield file, view[offset:offset + file.csize], sha


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

    def _unique(self) -> list[tuple[zipwriter.Compressed, memoryview, str]]:
        """Every installed file once, by name. Two packages that install the same path
        (a shared namespace `__init__.py`) give it once, from the first by name."""
        seen: dict[str, tuple[zipwriter.Compressed, memoryview, str]] = {}
        for package in self.packages:
            for file, body, sha in package.bodies():
                seen.setdefault(file.name, (file, body, sha))
        return [seen[name] for name in sorted(seen)]

    def files(self) -> list[tuple[zipwriter.Compressed, memoryview]]:
        return [(file, body) for file, body, _ in self._unique()]

    def entries(self, stamp: tuple[int, int], prefix: str = ""):
        """The zip entries of the dependencies, named `prefix + path`."""
        return [zipwriter.entry(file, body, stamp, prefix) for file, body, _ in self._unique()]

    def requirements(self) -> dict[str, tuple[tuple[str, str | None], ...]]:
        """Each package's declared requirements (METADATA Requires-Dist), by locked name."""
        return {p.name: p.requires for p in self.packages}

    def content(self) -> str:
        """A digest of exactly the files these dependencies put into a package (names, modes,
        bytes): what a function runs of them, whatever installed or compressed them."""
        return content_digest(FileDigest(file.name, file.mode, sha) for file, _, sha in self._unique())


def package_key(package: LockedPackage, target: Target, installer: str, constraints: str = "") -> str:
    material = {
        "format": CACHE_FORMAT,
        "builder": builder_digest(PACKING_CODE),
        "package": package.key() | {"tree": _path_digest(package)},
        "runtime": target.runtime,
        "arch": target.arch,
        "installer": installer,
        "compressor": zipwriter.COMPRESSOR,
        "build_constraints": constraints,  # what a package published only as source is built with
    }
    return hashlib.sha256(json.dumps(material, sort_keys=True).encode()).hexdigest()


@dataclass(frozen=True)
class Keys:
    """Each locked package's cache key, and the key of the whole set (its packages' keys,
    by name): computed once per build, before the up-to-date check needs the set's."""

    installer: str
    packages: dict[str, str]  # locked name -> key
    set: str


def cache_keys(packages: list[LockedPackage], target: Target, project_root: Path | None = None) -> Keys:
    installer = installer_version()
    constraints = hashlib.sha256(build_constraints(project_root).read_bytes()).hexdigest()
    keys = {p.name: package_key(p, target, installer, constraints) for p in packages}
    whole = hashlib.sha256(json.dumps(sorted(keys.items())).encode()).hexdigest()
    return Keys(installer, keys, whole)


def _path_digest(package: LockedPackage) -> str | None:
    """A local path entry's bytes can change under the same lock: key on its content."""
    if not package.path:
        return None
    root = Path(package.location or package.path)
    digest = hashlib.sha256()
    files = [root] if root.is_file() else _files_followed(root)
    for file in files:
        digest.update(file.relative_to(root).as_posix().encode() + b"\0" + file.read_bytes())
    return digest.hexdigest()


def _files_followed(root: Path) -> list[Path]:
    """Every file under `root` as the installer reads it: through symlinked folders too (a
    package's src/ linked to a shared folder; Path.rglob does not follow those on 3.12), each
    real folder once (a link loop ends)."""
    found, seen = [], set()
    for folder, dirnames, filenames in os.walk(root, followlinks=True):
        real = os.path.realpath(folder)
        if real in seen:
            dirnames[:] = []
            continue
        seen.add(real)
        dirnames[:] = sorted(d for d in dirnames if d != ".git")
        found += [Path(folder) / name for name in filenames if (Path(folder) / name).is_file()]
    return sorted(found)


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
            requires = _requirements(grouped[package.name])
            built: list[PackageFiles] = []
            entry = root / keys[package.name]
            ensure_entry(entry, lambda tmp: built.append(_write_entry(tmp, keys[package.name], package.name,
                                                                      version, mine, requires)))
            # Same key, same bytes, whichever process's entry won the rename.
            made[package.name] = built[0] if built else _load(entry, keys[package.name], report)
            if made[package.name] is None:
                raise InstallError(f"the dependency cache entry {entry} could not be read back; "
                                   "check the disk, or remove the cache directory")
    return made


def _compress_all(files: list[SourceFile], done) -> dict[str, tuple[zipwriter.Compressed, bytes, str]]:
    # libdeflate and hashlib release the GIL, so threads use every core. Largest files
    # first: a single big shared object started last would leave the other cores idle.
    def compress(file: SourceFile):
        data = file.path.read_bytes()
        return *zipwriter.compress(file.arcname, data, file.mode), hashlib.sha256(data).hexdigest()

    by_size = sorted(files, key=lambda f: -(f.size if f.size >= 0 else f.path.stat().st_size))
    compressed = {}
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        for meta, body, sha in pool.map(compress, by_size):
            compressed[meta.name] = (meta, body, sha)
            done()
    return compressed


def _requirements(files: list[SourceFile]) -> tuple[tuple[str, str | None], ...]:
    """The Requires-Dist lines of a package's METADATA: (name, marker or None)."""
    for file in files:
        parts = file.arcname.split("/")
        if len(parts) == 2 and parts[0].endswith(".dist-info") and parts[1] == "METADATA":
            message = email.parser.BytesParser().parsebytes(file.path.read_bytes(), headersonly=True)
            found = []
            for line in message.get_all("Requires-Dist") or []:
                requirement, _, marker = str(line).partition(";")
                name = requirement.strip().split("[", 1)[0]
                for stop in " (<>=!~@":
                    name = name.split(stop, 1)[0]
                found.append((name.strip(), marker.strip() or None))
            return tuple(found)
    return ()


def _index_digest(index: dict) -> str:
    """sha256 of everything the index records, itself excluded."""
    body = {k: v for k, v in index.items() if k != "index_sha256"}
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()


def _write_entry(work: Path, key: str, name: str, version: str, compressed, requires) -> PackageFiles:
    """Write the bodies and their index (last, so a partial entry has none); return them."""
    compressed = sorted(compressed, key=lambda item: item[0].name)
    rows, offset = [], 0
    for meta, body, sha in compressed:
        rows.append([meta.name, meta.mode, meta.crc, meta.size, meta.csize, meta.method, offset, sha])
        offset += len(body)
    blob = b"".join(body for _, body, _ in compressed)
    (work / _BLOB).write_bytes(blob)
    index = {"format": CACHE_FORMAT, "key": key, "name": name, "version": version, "blob_size": offset,
             "blob_sha256": hashlib.sha256(blob).hexdigest(), "files": rows,
             "requires": [list(r) for r in requires]}
    index["index_sha256"] = _index_digest(index)
    (work / _INDEX).write_text(json.dumps(index))
    return _from_index(index, blob)


def _load(entry: Path, key: str, report: Reporter) -> PackageFiles | None:
    try:
        index = json.loads((entry / _INDEX).read_text())
        blob = (entry / _BLOB).read_bytes()
        if index["format"] != CACHE_FORMAT or index["key"] != key:
            raise ValueError("index is for another key")
        if index.get("index_sha256") != _index_digest(index):
            raise ValueError("its index does not match its recorded sha256")
        if len(blob) != index["blob_size"] or hashlib.sha256(blob).hexdigest() != index["blob_sha256"]:
            raise ValueError("bodies do not match their recorded sha256")
        return _from_index(index, blob)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        report.warn(f"dependency cache entry {entry} is corrupt ({exc}); rebuilding it")
        discard(entry)
        return None


def _from_index(index: dict, blob: bytes) -> PackageFiles:
    files, offsets, digests = [], [], []
    end = 0
    for name, mode, crc, size, csize, method, offset, sha in index["files"]:
        if offset != end or offset + csize > len(blob):
            raise ValueError(f"{name}: its body lies outside the entry")
        end = offset + csize
        files.append(zipwriter.Compressed(name, mode, crc, size, csize, method))
        offsets.append(offset)
        digests.append(sha)
    requires = tuple((name, marker) for name, marker in index["requires"])
    return PackageFiles(index["name"], index["version"], tuple(files), tuple(offsets), tuple(digests), requires, blob)
