"""An image's layers unpacked in order into one folder, as a container runtime makes its root
file system: later layers replace earlier files, whiteouts (`.wh.NAME`) delete what lower
layers put there, an opaque whiteout (`.wh..wh..opq`) empties its folder first.

Nothing is written outside the folder: a member whose path leaves it (`..`, an absolute
path, or a parent that an earlier layer made a symlink out) stops the unpack with an error.
Devices and FIFOs are skipped (nothing here runs as root); owners are not kept.
"""

from __future__ import annotations

import os
import shutil
import tarfile
from collections.abc import Iterable
from pathlib import Path, PurePosixPath

from ..errors import ImageError

WHITEOUT = ".wh."
OPAQUE = ".wh..wh..opq"


def unpack_layers(blobs: Iterable[Path], root: Path) -> None:
    """Each gzipped (or plain) tar in `blobs`, bottom first, into `root`."""
    root.mkdir(parents=True, exist_ok=True)
    real_root = root.resolve()
    for blob in blobs:
        with tarfile.open(blob, mode="r:*") as archive:
            for member in archive:
                _apply(archive, member, root, real_root, blob.name)


def _apply(archive: tarfile.TarFile, member: tarfile.TarInfo, root: Path, real_root: Path, layer: str) -> None:
    relative = _relative(member.name, layer)
    if relative is None:
        return  # the layer's root itself
    name = relative.name
    parent = root.joinpath(*relative.parent.parts)
    _inside(parent, real_root, member.name, layer)
    if name == OPAQUE:
        if parent.is_dir() and not parent.is_symlink():
            for child in list(parent.iterdir()):
                _remove(child)
        return
    if name.startswith(WHITEOUT):
        hidden = name[len(WHITEOUT):]
        if hidden in ("", ".", "..") or "/" in hidden:
            raise ImageError(f"image layer {layer}: whiteout {member.name} names no file under its folder; "
                             "the layer is not safe to unpack")
        _remove(parent / hidden)
        return
    target = parent / name
    if member.isdir():
        if target.is_symlink() or (target.exists() and not target.is_dir()):
            _remove(target)
        target.mkdir(parents=True, exist_ok=True)
        os.chmod(target, 0o755 | (member.mode & 0o7777 & ~0o7000))
        return
    parent.mkdir(parents=True, exist_ok=True)
    _inside(parent, real_root, member.name, layer)
    if target.exists() or target.is_symlink():
        _remove(target)
    if member.issym():
        os.symlink(member.linkname, target)
    elif member.islnk():
        source = _relative(member.linkname, layer)
        if source is None:
            raise ImageError(f"image layer {layer}: {member.name} links to the root")
        linked = root.joinpath(*source.parts)
        _inside(linked.parent, real_root, member.linkname, layer)
        shutil.copy2(linked, target, follow_symlinks=False)
    elif member.isfile():
        with archive.extractfile(member) as data, open(target, "wb") as out:
            shutil.copyfileobj(data, out, 1 << 20)
        os.chmod(target, member.mode & 0o777 | 0o600)


def _relative(name: str, layer: str) -> PurePosixPath | None:
    path = PurePosixPath(name.lstrip("/"))
    parts = [p for p in path.parts if p not in ("", ".")]
    if ".." in parts:
        raise ImageError(f"image layer {layer}: {name} leaves the image's root; the layer is not safe to unpack")
    return PurePosixPath(*parts) if parts else None


def _inside(folder: Path, real_root: Path, name: str, layer: str) -> None:
    """`folder`, with its symlinks followed, is still under the root."""
    resolved = folder.resolve()
    if resolved != real_root and real_root not in resolved.parents:
        raise ImageError(f"image layer {layer}: {name} would be written outside the image's root "
                          "(through a symlink); the layer is not safe to unpack")


def _remove(path: Path) -> None:
    if path.is_symlink() or path.is_file():
        path.unlink(missing_ok=True)
    elif path.is_dir():
        for dirpath, dirnames, _ in os.walk(path):
            os.chmod(dirpath, 0o755)  # a read-only folder from a lower layer can still go
        shutil.rmtree(path)
