"""Lambda's size limits, checked before anything is written."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Iterable

from ..errors import LimitError

DIRECT_UPLOAD_MAX = 50 * 1024 * 1024  # zipped, for a direct upload; larger goes through S3
UNZIPPED_MAX = 262_144_000  # function + layers, unzipped
# The limits as Lambda's documentation names them (its MB is 1,048,576 bytes), with the bytes.
UNZIPPED_LIMIT = "250 MB (262,144,000 bytes)"
DIRECT_UPLOAD_LIMIT = "50 MB (52,428,800 bytes)"


@dataclass(frozen=True)
class SizeReport:
    zipped: int
    unzipped: int
    files: int
    largest: tuple[tuple[str, int], ...]  # (top-level name, unzipped bytes), largest first

    def as_dict(self) -> dict:
        return {
            "zipped_bytes": self.zipped,
            "unzipped_bytes": self.unzipped,
            "files": self.files,
            "largest": [{"name": name, "unzipped_bytes": size} for name, size in self.largest],
        }


def top_level(arcname: str) -> str:
    """What a file belongs to: its first path component ("botocore", "six.py")."""
    return arcname.split("/", 1)[0]


def measure(files: Iterable[tuple[str, int]], zipped: int, top: int = 5) -> SizeReport:
    """Sizes from (arcname, unzipped size) pairs and the zip's length."""
    by_top: Counter[str] = Counter()
    count = 0
    for arcname, size in files:
        by_top[top_level(arcname)] += size
        count += 1
    largest = tuple(sorted(by_top.items(), key=lambda kv: (-kv[1], kv[0]))[:top])
    return SizeReport(zipped, sum(by_top.values()), count, largest)


def check(report: SizeReport, package_name: str) -> list[str]:
    """Raise past the hard limit; return warnings for limits that change how to deploy."""
    biggest = ", ".join(f"{name} {mb(size)}" for name, size in report.largest[:3])
    if report.unzipped > UNZIPPED_MAX:
        raise LimitError(
            f"{package_name} would be {mb(report.unzipped)} unzipped, over Lambda's "
            f"{UNZIPPED_LIMIT} limit (largest: {biggest}); remove dependencies or split the functions"
        )
    warnings = []
    if report.zipped > DIRECT_UPLOAD_MAX:
        warnings.append(
            f"{package_name} is {mb(report.zipped)} zipped, over the {DIRECT_UPLOAD_LIMIT} "
            f"direct-upload limit: deploy it through S3 (largest: {biggest})"
        )
    return warnings


def mb(size: int) -> str:
    """Bytes as people read them: kB below 0.1 MB, where "0.0 MB" would say nothing."""
    if size < 100_000:
        return f"{size / 1000:.1f} kB"
    return f"{size / 1_000_000:.1f} MB"


def check_with_layer(code: SizeReport, code_name: str, layer: SizeReport, layer_name: str) -> list[str]:
    """Lambda counts a function's code and its layers together against the unzipped limit;
    each zip alone against the direct-upload limit."""
    if code.unzipped + layer.unzipped > UNZIPPED_MAX:
        biggest = ", ".join(f"{name} {mb(size)}" for name, size in layer.largest[:3])
        raise LimitError(
            f"{code_name} ({mb(code.unzipped)}) and {layer_name} ({mb(layer.unzipped)}) would be "
            f"{mb(code.unzipped + layer.unzipped)} unzipped together, over Lambda's {UNZIPPED_LIMIT} limit "
            f"for a function and its layers (largest: {biggest}); remove dependencies or split the functions"
        )
    return check(code, code_name) + [w for w in check(layer, layer_name)]
