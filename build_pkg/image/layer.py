"""One OCI image layer (a gzipped tar), byte-identical for identical files on any machine. Pure.

What would differ between machines or runs is fixed here, as ko, jib and apko do: entries in
sorted order with every parent folder, one mtime for all (SOURCE_DATE_EPOCH or 0), uid and gid 0
with no user or group names, modes reduced to 0o644/0o755 (folders 0o755), POSIX (pax) headers
only where a path needs one, and gzip from the pinned libdeflate (mtime 0, no file name, OS
"unknown"), never the zlib Python happens to link.
"""

from __future__ import annotations

import hashlib
import io
import tarfile
from collections.abc import Iterable
from dataclasses import dataclass

import deflate

from ..package.zipwriter import COMPRESS_LEVEL

MEDIA_TYPE = "application/vnd.oci.image.layer.v1.tar+gzip"


@dataclass(frozen=True)
class File:
    path: str  # inside the image, without a leading "/": "var/task/lambda_hello.py"
    mode: int  # 0o644 or 0o755
    data: bytes


@dataclass(frozen=True)
class Layer:
    blob: bytes  # the gzipped tar, as stored and pushed
    digest: str  # "sha256:..." of the blob
    diff_id: str  # "sha256:..." of the uncompressed tar (the image config's rootfs)
    uncompressed_size: int
    stored_size: int | None = None  # when the blob is kept in a file rather than in `blob`

    @property
    def size(self) -> int:
        return len(self.blob) if self.stored_size is None else self.stored_size

    def descriptor(self) -> dict:
        return {"mediaType": MEDIA_TYPE, "digest": self.digest, "size": self.size}


def tar_bytes(files: Iterable[File], mtime: int = 0) -> bytes:
    """The uncompressed tar: every parent folder once, then files, all sorted by path."""
    files = sorted(files, key=lambda f: f.path.encode())
    folders = sorted({"/".join(f.path.split("/")[:end]) for f in files for end in range(1, f.path.count("/") + 1)})
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.PAX_FORMAT, encoding="utf-8") as archive:
        entries = [(folder + "/", None) for folder in folders] + [(f.path, f) for f in files]
        for path, file in sorted(entries, key=lambda e: e[0].rstrip("/").encode()):
            info = tarfile.TarInfo(path.rstrip("/"))
            info.mtime, info.uid, info.gid, info.uname, info.gname = mtime, 0, 0, "", ""
            if file is None:
                info.type, info.mode = tarfile.DIRTYPE, 0o755
                archive.addfile(info)
            else:
                info.mode = 0o755 if file.mode & 0o111 else 0o644
                info.size = len(file.data)
                archive.addfile(info, io.BytesIO(file.data))
    return out.getvalue()


def build(files: Iterable[File], mtime: int = 0, level: int = COMPRESS_LEVEL) -> Layer:
    tar = tar_bytes(files, mtime)
    blob = deflate.gzip_compress(tar, level)
    return Layer(blob, "sha256:" + hashlib.sha256(blob).hexdigest(), "sha256:" + hashlib.sha256(tar).hexdigest(),
                 len(tar))
