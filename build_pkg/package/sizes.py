"""`size`: what takes the space in a built package, against Lambda's limits."""

from __future__ import annotations

import json
import zipfile
from dataclasses import dataclass
from pathlib import Path

from ..errors import BuildPkgError
from ..project import Project
from .limits import DIRECT_UPLOAD_LIMIT, DIRECT_UPLOAD_MAX, UNZIPPED_LIMIT, UNZIPPED_MAX, mb, top_level


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

    def table(self, with_layer: "PackageSizes | None" = None) -> list[str]:
        """The lines `size` prints: one row per entry, then the totals against the limits
        (with a layer, the unzipped limit counts the code and the layer together)."""
        width = max([len(r["name"]) for r in self.largest] + [8])
        lines = [f"{'entry'.ljust(width)}  {'unzipped':>10}  {'zipped':>10}  {'files':>6}"]
        for row in self.largest:
            lines.append(f"{row['name'].ljust(width)}  {mb(row['unzipped_bytes']):>10}  "
                         f"{mb(row['zipped_bytes']):>10}  {row['files']:>6}")
        if with_layer is not None:
            together = self.unzipped + with_layer.unzipped
            lines.append(
                f"total: {mb(self.unzipped)} unzipped ({mb(together)} with the layer: {together / UNZIPPED_MAX:.0%} "
                f"of Lambda's {UNZIPPED_LIMIT} for a function and its layers), {mb(self.zipped)} zipped "
                f"({self.zipped / DIRECT_UPLOAD_MAX:.0%} of the {DIRECT_UPLOAD_LIMIT} direct upload), {self.files} files")
            return lines
        lines.append(
            f"total: {mb(self.unzipped)} unzipped ({self.unzipped / UNZIPPED_MAX:.0%} of Lambda's "
            f"{UNZIPPED_LIMIT}), {mb(self.zipped)} zipped ({self.zipped / DIRECT_UPLOAD_MAX:.0%} of the "
            f"{DIRECT_UPLOAD_LIMIT} direct upload), {self.files} files")
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


def read(package: Path, shown: str, top: int = 15, strip: str = "") -> PackageSizes:
    """Sizes of the built package at `package` (`shown` names it in messages); entries
    are grouped by their first folder after `strip` (the layer's python/)."""
    if not package.exists():
        raise BuildPkgError(f"{shown} not found; run `build-pkg.py build` first")
    try:
        with zipfile.ZipFile(package) as archive:
            infos = archive.infolist()
    except zipfile.BadZipFile as exc:
        raise BuildPkgError(f"{shown} is not a zip ({exc}); rebuild it with --force") from None
    rows = breakdown(((i.filename.removeprefix(strip), i.file_size, i.compress_size) for i in infos), top)
    return PackageSizes(package.stat().st_size, sum(i.file_size for i in infos), len(infos), tuple(rows))


def built_layer(project: Project, manifest: dict | None = None) -> Path | None:
    """terraform/layer.zip when the last build made one (its manifest says so), else None."""
    if manifest is None:
        try:
            manifest = json.loads(project.manifest_path.read_text())
        except (OSError, ValueError):
            return None
    if not isinstance(manifest, dict) or not manifest.get("layer"):
        return None
    if not project.layer_path.is_file():
        raise BuildPkgError(f"{project.rel(project.manifest_path)} names a dependency layer but "
                            f"{project.rel(project.layer_path)} is missing; run `build-pkg.py build`")
    return project.layer_path


def write_html_report(project: Project, path: Path) -> None:
    """The `size --html` page (`build --report` too), written atomically to `path`."""
    from ..fsutil import atomic_write

    page = html_report(project).encode("utf-8")
    try:
        atomic_write(path, page)
    except OSError as exc:
        raise BuildPkgError(f"{path}: cannot write the page ({exc.strerror}); pass a file in a folder you can "
                            "write to") from None


def html_report(project: Project) -> str:
    """The `size --html` page of the built package (and layer), from the zips and the manifest."""
    from . import treemap
    from .layer import PREFIX

    try:
        manifest = json.loads(project.manifest_path.read_text())
    except (OSError, ValueError):
        raise BuildPkgError(f"{project.rel(project.manifest_path)} not found or unreadable; "
                            "run `build-pkg.py build` first") from None
    paths = [(project.package_path, "")]
    layer = built_layer(project, manifest)
    if layer:
        paths.append((layer, PREFIX))
    parts = []
    for path, strip in paths:
        shown = project.rel(path)
        if not path.exists():
            raise BuildPkgError(f"{shown} not found; run `build-pkg.py build` first")
        try:
            with zipfile.ZipFile(path) as archive:
                entries = tuple((i.filename.removeprefix(strip), i.file_size, i.compress_size)
                                for i in archive.infolist())
        except zipfile.BadZipFile as exc:
            raise BuildPkgError(f"{shown} is not a zip ({exc}); rebuild it with --force") from None
        parts.append(treemap.Part(path.name, entries, path.stat().st_size))
    dependencies = {top: f"{d['name']} {d['version']}" for d in manifest.get("dependencies", [])
                    for top in d.get("top_level", [])}
    functions = {f["source"].removeprefix("functions/").split("/", 1)[0]: f"function {f['name']}"
                 for f in manifest.get("functions", [])}
    return treemap.page(f"What takes the space in {project.rel(project.package_path)}"
                        + (" and its layer" if layer else ""), parts, treemap.Groups(dependencies, functions))
