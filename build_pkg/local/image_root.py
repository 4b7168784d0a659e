"""An image function's root file system for `invoke --image`: its own layers, unpacked in
order (whiteouts honoured) into a folder of the build cache, reused while the image's digest
is the same, read-only as Lambda's /var/task is. The layers this build made come from
terraform/images/; the base's are fetched from its registry once and kept by digest."""

from __future__ import annotations

import json
import os
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from ..cache import cache_root, ensure_entry, evict_least_recent, in_use
from ..errors import ImageError
from ..image import oci
from ..image.base import parse_reference
from ..image.ecr import ecr_auth
from ..image.registry import Registry, Repository
from ..image.unpack import unpack_layers
from ..progress import Reporter
from ..project import Project

ROOTS_KEPT = 4


@contextmanager
def image_root(project: Project, manifest: dict, name: str, report: Reporter) -> Iterator[Path]:
    """The unpacked root of function `name`'s image (its /var/task is the task root)."""
    entry = next((f for f in manifest.get("functions", []) if f.get("name") == name), None)
    images = manifest.get("images")
    if manifest.get("package_type") != "image" or not isinstance(images, dict) or not entry:
        raise ImageError(f"{project.rel(project.manifest_path)} names no image of {name}; build with --image first")
    folder = project.root / images["layout"]
    digest = entry["image_digest"]
    path = oci.blob_path(folder, digest)
    try:
        document = json.loads(path.read_bytes())
    except (OSError, ValueError):
        raise ImageError(f"{project.rel(path)}: the image of {name} is not in the layout; build again") from None
    layers = [layer["digest"] for layer in document["layers"]]
    base = parse_reference(images["base"]["reference"], "the manifest's base").repository
    blobs = [_blob(folder, layer, base, report) for layer in layers]
    parent = cache_root() / "task"
    root = parent / f"image-{digest.removeprefix('sha256:')[:24]}"

    def unpack(work: Path) -> None:
        unpack_layers(blobs, work)
        _read_only(work / "var" / "task")

    with in_use(root):
        ensure_entry(root, unpack)
        evict_least_recent(parent, ROOTS_KEPT)
        yield root


def _blob(folder: Path, digest: str, repository: Repository, report: Reporter) -> Path:
    """The layer's blob, its content checked against its digest (the unpacked root is kept
    by the image's digest, so it must be made from exactly the blobs that digest names)."""
    own = oci.blob_path(folder, digest)
    if own.is_file():
        if oci.file_digest(own) != digest:
            raise ImageError(f"{own}: damaged (its content is not its digest); build again")
        return own
    kept = cache_root() / "image" / "blobs" / digest.removeprefix("sha256:")
    if kept.is_file() and oci.file_digest(kept) == digest:
        return kept
    base = Registry(repository, ecr_auth(repository))
    report.step(f"fetching base layer {digest[:19]}... from {base.repository} (once; kept in the build cache)")
    kept.parent.mkdir(parents=True, exist_ok=True)
    partial = kept.with_name(f".{kept.name}.{os.getpid()}.part")
    try:
        with open(partial, "wb") as out:
            base.download_blob(digest, out)
        os.replace(partial, kept)
    finally:
        partial.unlink(missing_ok=True)
    return kept


def _read_only(task: Path) -> None:
    if not task.is_dir():
        return
    for dirpath, _, filenames in os.walk(task):
        for file in filenames:
            full = os.path.join(dirpath, file)
            if not os.path.islink(full):
                os.chmod(full, os.stat(full).st_mode & 0o555)
        os.chmod(dirpath, 0o555)
