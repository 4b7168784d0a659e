"""A small deterministic ZIP writer that can copy pre-compressed entries.

`zipfile` cannot write an entry whose compressed bytes already exist, and
re-deflating tens of megabytes of dependencies on every build is what makes
rebuilds slow. Each file here is compressed once (`compress`), into a body that
depends only on its bytes; its local header (name, timestamp) is made when a zip
is assembled (`entry`), so the same cached body goes into dists.zip as `six.py`
and into the layer as `python/six.py`. A zip is those records in sorted order
plus a central directory. Same records in, same bytes out.
"""

from __future__ import annotations

import struct
import time
import zlib
from dataclasses import dataclass
from typing import BinaryIO, Iterable

import deflate

from ..errors import LimitError
from ..versions import dist_version

# libdeflate (the `deflate` wheel, pinned by Pipfile.lock) rather than the zlib that
# Python happens to link: its output is fixed by a version we pin, whatever the
# machine. Level 6: on the benchmark's 55 MB of dependencies (`bench/bench.py --only
# levels`) level 10 is 1.4% smaller but takes five times as long, and a first build
# is mostly that time; levels past 6 buy under 0.4% each.
COMPRESS_LEVEL = 6
COMPRESSOR = f"libdeflate (deflate {dist_version('deflate', 'deflate')}) level {COMPRESS_LEVEL}"
_DEFLATED, _STORED = 8, 0
_VERSION = 20  # 2.0: deflate, no zip64
_MADE_BY = (3 << 8) | _VERSION  # create_system = 3 (Unix) so external_attr means mode bits
_UTF8_FLAG = 0x800
_S_IFREG = 0o100000
_LOCAL = struct.Struct("<IHHHHHIIIHH")
_CENTRAL = struct.Struct("<IHHHHHHIIIHHHHHII")
_END = struct.Struct("<IHHHHIIH")
_MAX_ENTRIES = 0xFFFF
_MAX_OFFSET = 0xFFFFFFFF
# Already compressed: deflating them again costs time and never saves a byte.
_STORE_SUFFIXES = (".gz", ".tgz", ".bz2", ".xz", ".zst", ".zip", ".whl", ".jar",
                   ".png", ".jpg", ".jpeg", ".gif", ".webp", ".woff", ".woff2")
# 1980-01-01 00:00:00, the earliest DOS timestamp.
DOS_EPOCH = (1980, 1, 1, 0, 0, 0)


@dataclass(frozen=True)
class Compressed:
    """One file's compressed body and what the headers need about it; no name prefix,
    no timestamp, so one body serves every zip it goes into."""

    name: str
    mode: int
    crc: int
    size: int  # uncompressed
    csize: int
    method: int


@dataclass(frozen=True)
class Packed(Compressed):
    """One zip entry's metadata, as its local and central headers say it."""

    dostime: int
    dosdate: int
    record_len: int

    @property
    def flags(self) -> int:
        return 0 if self.name.isascii() else _UTF8_FLAG


def dos_timestamp(source_date_epoch: int | None) -> tuple[int, int]:
    """(time, date) words; SOURCE_DATE_EPOCH in UTC, else 1980-01-01, never local time."""
    if source_date_epoch is None:
        parts = DOS_EPOCH
    else:
        parts = tuple(time.gmtime(max(source_date_epoch, 315532800))[:6])  # clamp to 1980
        parts = min(parts, (2107, 12, 31, 23, 59, 58))
    year, month, day, hour, minute, second = parts
    return (hour << 11) | (minute << 5) | (second // 2), ((year - 1980) << 9) | (month << 5) | day


def compress(name: str, data: bytes, mode: int, level: int = COMPRESS_LEVEL) -> tuple[Compressed, bytes]:
    """Compress one file's bytes. Deflate unless storing is smaller."""
    body, method = data, _STORED
    if data and not name.lower().endswith(_STORE_SUFFIXES):
        deflated = deflate.deflate_compress(data, level)
        if len(deflated) < len(data):
            body, method = deflated, _DEFLATED
    return Compressed(name, mode, zlib.crc32(data), len(data), len(body), method), body


def entry(file: Compressed, body: bytes | memoryview, stamp: tuple[int, int], prefix: str = ""
          ) -> tuple[Packed, bytes, bytes | memoryview]:
    """A compressed file as a zip entry named `prefix + name`: (metadata, local header, body)."""
    name = prefix + file.name
    encoded = name.encode("utf-8")
    dostime, dosdate = stamp
    flags = 0 if name.isascii() else _UTF8_FLAG
    header = _LOCAL.pack(0x04034B50, _VERSION, flags, file.method, dostime, dosdate,
                         file.crc, file.csize, file.size, len(encoded), 0) + encoded
    meta = Packed(name, file.mode, file.crc, file.size, file.csize, file.method, dostime, dosdate,
                  len(header) + file.csize)
    return meta, header, body


def pack(name: str, data: bytes, mode: int, stamp: tuple[int, int]) -> tuple[Packed, bytes, bytes]:
    """Compress one file straight into a zip entry."""
    return entry(*compress(name, data, mode), stamp)


def write(out: BinaryIO, entries: Iterable[tuple[Packed, bytes, bytes | memoryview]]) -> None:
    """Write entries in the order given, then the central directory."""
    central = []
    offset = 0
    count = 0
    for meta, header, body in entries:
        central.append(_central_header(meta, offset))
        out.write(header)
        out.write(body)
        offset += meta.record_len
        count += 1
    if count > _MAX_ENTRIES or offset > _MAX_OFFSET:
        raise LimitError(
            f"the package has {count} files / {offset} bytes, past what a plain zip holds; "
            "split the functions into smaller packages"
        )
    directory = b"".join(central)
    out.write(directory)
    out.write(_END.pack(0x06054B50, 0, 0, count, count, len(directory), offset, 0))


def _central_header(meta: Packed, offset: int) -> bytes:
    encoded = meta.name.encode("utf-8")
    external = ((_S_IFREG | meta.mode) & 0xFFFF) << 16
    return _CENTRAL.pack(
        0x02014B50, _MADE_BY, _VERSION, meta.flags, meta.method, meta.dostime, meta.dosdate,
        meta.crc, meta.csize, meta.size, len(encoded), 0, 0, 0, 0, external, offset,
    ) + encoded


def normal_mode(st_mode: int) -> int:
    """0755 if anyone may execute the file, else 0644: the umask never shows."""
    return 0o755 if st_mode & 0o111 else 0o644
