"""Gzipped JSON Lines, byte-stable for the same records."""

from __future__ import annotations

import gzip
import io
import json
from typing import Iterable


def gzip_jsonl(records: Iterable[dict]) -> bytes:
    """One compact JSON object per line, gzipped with mtime 0 so equal input gives equal bytes."""
    buffer = io.BytesIO()
    with gzip.GzipFile(fileobj=buffer, mode="wb", mtime=0) as out:
        for record in records:
            out.write(json.dumps(record, separators=(",", ":"), sort_keys=True).encode() + b"\n")
    return buffer.getvalue()


def read_jsonl_gz(data: bytes) -> list[dict]:
    return [json.loads(line) for line in gzip.decompress(data).splitlines() if line]
