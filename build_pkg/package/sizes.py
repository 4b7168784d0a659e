"""`size`: what takes the space in a built package, against Lambda's limits."""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path

from ..errors import BuildPkgError
from .limits import DIRECT_UPLOAD_MAX, UNZIPPED_MAX, mb, top_level


@dataclass(frozen=True)
class PackageSizes:
    zipped: int
    unzipped: int
    files: int
    largest: tuple[dict, ...]  # {"name", "unzipped_bytes", "zipped_bytes", "files"}, largest first

    def as_dict(self) -> dict:
        return {"zipped_bytes": self.zipped, "unzipped_bytes": self.unzipped, "files": self.files,
                "unzipped_limit": UNZIPPED_MAX, "direct_upload_limit": DIRECT_UPLOAD_MAX,
                "largest": list(self.largest)}

    def table(self) -> list[str]:
        """The lines `size` prints: one row per entry, then the totals against the limits."""
        width = max([len(r["name"]) for r in self.largest] + [8])
        lines = [f"{'entry'.ljust(width)}  {'unzipped':>10}  {'zipped':>10}  {'files':>6}"]
        for row in self.largest:
            lines.append(f"{row['name'].ljust(width)}  {mb(row['unzipped_bytes']):>10}  "
                         f"{mb(row['zipped_bytes']):>10}  {row['files']:>6}")
        lines.append(
            f"total: {mb(self.unzipped)} unzipped ({self.unzipped / UNZIPPED_MAX:.0%} of Lambda's "
            f"{mb(UNZIPPED_MAX)}), {mb(self.zipped)} zipped ({self.zipped / DIRECT_UPLOAD_MAX:.0%} of the "
            f"{mb(DIRECT_UPLOAD_MAX)} direct upload), {self.files} files")
        return lines


def breakdown(entries, top: int = 15) -> list[dict]:
    """(name, unzipped, zipped) per top-level entry of a package, largest unzipped first.

    `entries` are (arcname, unzipped size, compressed size) triples.
    """
    groups: dict[str, list[int]] = {}
    for arcname, size, csize in entries:
        group = groups.setdefault(top_level(arcname), [0, 0, 0])
        group[0] += size
        group[1] += csize
        group[2] += 1
    rows = sorted(groups.items(), key=lambda kv: (-kv[1][0], kv[0]))
    return [{"name": name, "unzipped_bytes": u, "zipped_bytes": z, "files": n} for name, (u, z, n) in rows[:top]]


def read(package: Path, shown: str, top: int = 15) -> PackageSizes:
    """Sizes of the built package at `package` (`shown` names it in messages)."""
    if not package.exists():
        raise BuildPkgError(f"{shown} not found; run `build-pkg.py build` first")
    try:
        with zipfile.ZipFile(package) as archive:
            infos = archive.infolist()
    except zipfile.BadZipFile as exc:
        raise BuildPkgError(f"{shown} is not a zip ({exc}); rebuild it with --force") from None
    rows = breakdown(((i.filename, i.file_size, i.compress_size) for i in infos), top)
    return PackageSizes(package.stat().st_size, sum(i.file_size for i in infos), len(infos), tuple(rows))
