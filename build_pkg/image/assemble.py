"""Function images from what the zip build already holds: one dependency layer every image
shares (the cached records the zip and the Lambda layer are made from, under /var/task as
the AWS base images expect) and one thin code layer per function (its closure), on the base.

Every layer's mtime is the constant 0, not SOURCE_DATE_EPOCH: the image digest is the
function's deploy identity, and a commit's time must not redeploy every function.
"""

from __future__ import annotations

import json
import zlib
from dataclasses import dataclass
from pathlib import Path

from ..cache import discard, ensure_entry, touch
from ..errors import LimitError
from ..package import limits
from . import layer as layers, oci

TASK_ROOT = "var/task/"
FORMAT = 1  # of the layers' bytes: bump when what goes into a layer changes
MTIME = 0
LAMBDA_IMAGE_LIMIT = 10 * 1024**3  # uncompressed, all layers (Lambda's quota)


@dataclass(frozen=True)
class FunctionImage:
    name: str
    image: oci.Image
    code: layers.Layer


@dataclass(frozen=True)
class Assembled:
    images: dict[str, FunctionImage]
    dependency_layer: layers.Layer
    dependency_blob: Path  # where the shared layer's blob is kept (the build cache)

    def blobs(self) -> dict[str, bytes | Path]:
        found: dict[str, bytes | Path] = {self.dependency_layer.digest: self.dependency_blob}
        for item in self.images.values():
            found[item.code.digest] = item.code.blob
        return found


def dependency_layer(files, content: str, cache_dir: Path) -> tuple[layers.Layer, Path]:
    """The shared layer of `files` ((Compressed, body) pairs from the dependency cache), kept in
    the build cache by `content` (the digest of exactly those files) so a code edit reuses it."""
    entry = cache_dir / f"deps-{FORMAT}-{content.removeprefix('sha256:')[:40]}"

    def make(work: Path) -> None:
        built = layers.build((layers.File(TASK_ROOT + file.name, file.mode, _inflate(file, body))
                              for file, body in files), MTIME)
        (work / "layer.tar.gz").write_bytes(built.blob)
        (work / "layer.json").write_text(json.dumps({"digest": built.digest, "diff_id": built.diff_id,
                                                     "uncompressed_size": built.uncompressed_size}))

    for _attempt in range(2):
        ensure_entry(entry, make)
        try:
            meta = json.loads((entry / "layer.json").read_text())
            blob_path = entry / "layer.tar.gz"
            if oci.file_digest(blob_path) == meta["digest"]:
                touch(entry)
                # The blob is not read into memory: the layout and a push read it from its file.
                return _sized(layers.Layer(b"", meta["digest"], meta["diff_id"], meta["uncompressed_size"]),
                              blob_path), blob_path
        except (OSError, ValueError, KeyError):
            pass
        discard(entry)  # damaged: built again once
    raise LimitError(f"{entry}: the cached image layer cannot be kept; check the disk")


def code_layer(closure: list[str], sources: dict[str, tuple[int, bytes]]) -> layers.Layer:
    """A function's own files under /var/task: `closure` names them, `sources` holds
    {arcname: (mode, bytes)} of functions/."""
    return layers.build((layers.File(TASK_ROOT + arc, *sources[arc]) for arc in closure), MTIME)


def assemble(base: oci.Base, functions: list[tuple[str, str, list[str]]], sources: dict[str, tuple[int, bytes]],
             dependency: tuple[layers.Layer, Path], created: str = "1970-01-01T00:00:00Z") -> Assembled:
    """`functions` as (name, handler, closure). Each image: base, dependencies, code."""
    shared, blob_path = dependency
    images = {}
    for name, handler, closure in functions:
        code = code_layer(closure, sources)
        images[name] = FunctionImage(name, oci.image(base, [shared, code], handler, created), code)
    return Assembled(images, shared, blob_path)


def check_size(assembled: Assembled, base: oci.Base, shown: str) -> int:
    """The largest image's size against Lambda's 10 GB (uncompressed). The base's layers count
    at their compressed size, as only their descriptors are here: a lower bound, said so."""
    base_bytes = sum(d["size"] for d in base.layers)
    largest = max((base_bytes + assembled.dependency_layer.uncompressed_size + item.code.uncompressed_size
                   for item in assembled.images.values()), default=0)
    if largest > LAMBDA_IMAGE_LIMIT:
        raise LimitError(f"{shown}: an image would hold at least {limits.mb(largest)} (the base counted compressed), "
                         f"over Lambda's {limits.mb(LAMBDA_IMAGE_LIMIT)} for an image; move large dependencies out "
                         "of Pipfile.lock [packages]")
    return largest


def _sized(shared: layers.Layer, blob_path: Path) -> layers.Layer:
    """The shared layer with its size from its file (its blob stays on disk)."""
    return layers.Layer(b"", shared.digest, shared.diff_id, shared.uncompressed_size, blob_path.stat().st_size)


def _inflate(file, body) -> bytes:
    return bytes(body) if file.method == 0 else zlib.decompress(bytes(body), -15)
