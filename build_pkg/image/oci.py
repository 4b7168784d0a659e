"""Single-architecture OCI images and the image layout folder that holds them.

An image is its base's config and layers plus this builder's layers (the dependencies, one
function's code), `Cmd` set to the function's handler and the base's entrypoint, working
folder and environment kept, as Lambda runs the AWS base images. Config and manifest are
canonical JSON (sorted keys, no spaces) with a fixed `created`, so their digests follow the
content alone. Only manifests are made, never an index of several: Lambda refuses those.
The layout (`oci-layout`, `index.json`, `blobs/sha256/`) is what skopeo and umoci read.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from ..fsutil import atomic_write, file_sha256
from .layer import Layer

MANIFEST_TYPE = "application/vnd.oci.image.manifest.v1+json"
CONFIG_TYPE = "application/vnd.oci.image.config.v1+json"
INDEX_TYPE = "application/vnd.oci.image.index.v1+json"
_TAG_ANNOTATION = "org.opencontainers.image.ref.name"


def canonical(document: dict) -> bytes:
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def digest_of(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class Base:
    """A base image as its registry describes it: the config, and its layers' descriptors
    (their blobs need not be here to build; a push copies them from the base's registry)."""

    config: dict
    layers: tuple[dict, ...]  # {"mediaType", "digest", "size"}, bottom first


@dataclass(frozen=True)
class Image:
    config: bytes
    manifest: bytes

    @property
    def digest(self) -> str:
        return digest_of(self.manifest)

    def descriptor(self) -> dict:
        return {"mediaType": MANIFEST_TYPE, "digest": self.digest, "size": len(self.manifest)}


def image(base: Base, layers: list[Layer], handler: str, created: str = "1970-01-01T00:00:00Z") -> Image:
    """`base` plus `layers` (bottom first), running `handler` (`lambda_hello.handler`)."""
    config = json.loads(json.dumps(base.config))  # a copy
    run = config.setdefault("config", {})
    run["Cmd"] = [handler]
    rootfs = config.setdefault("rootfs", {"type": "layers", "diff_ids": []})
    rootfs["diff_ids"] = list(rootfs.get("diff_ids", [])) + [layer.diff_id for layer in layers]
    config["history"] = list(config.get("history", [])) + [
        {"created": created, "created_by": "build-pkg.py build --image"} for _ in layers]
    config["created"] = created
    config_bytes = canonical(config)
    manifest = {
        "schemaVersion": 2,
        "mediaType": MANIFEST_TYPE,
        "config": {"mediaType": CONFIG_TYPE, "digest": digest_of(config_bytes), "size": len(config_bytes)},
        "layers": [dict(d) for d in base.layers] + [layer.descriptor() for layer in layers],
    }
    return Image(config_bytes, canonical(manifest))


def write_layout(folder: Path, images: dict[str, Image], blobs: dict[str, bytes | Path]) -> None:
    """The image layout at `folder`: `images` by tag, with the layer blobs they use that `blobs`
    holds by digest (as bytes, or a file holding them; configs and manifests are added here).

    Blobs are content-addressed, so the folder is updated in place: a blob already there with
    the right content is kept, a missing or damaged one written whole (to a temporary name,
    then renamed), `index.json` replaced last, and only then blobs nothing uses removed. A
    process killed at any point leaves the previous index and everything it names.
    """
    folder = Path(folder)
    store = folder / "blobs" / "sha256"
    store.mkdir(parents=True, exist_ok=True)
    everything: dict[str, bytes | Path] = {}
    for built in images.values():
        everything[digest_of(built.config)] = built.config
        everything[built.digest] = built.manifest
        for layer in json.loads(built.manifest)["layers"]:
            if layer["digest"] in blobs:  # the base's layers are not here: a push copies them
                everything[layer["digest"]] = blobs[layer["digest"]]
    for digest, data in sorted(everything.items()):
        path = store / digest.removeprefix("sha256:")
        if path.is_file() and file_digest(path) == digest:
            continue
        atomic_write(path, data if isinstance(data, (bytes, bytearray)) else Path(data).read_bytes())
    atomic_write(folder / "oci-layout", canonical({"imageLayoutVersion": "1.0.0"}))
    index = {"schemaVersion": 2, "mediaType": INDEX_TYPE,
             "manifests": [{**built.descriptor(), "annotations": {_TAG_ANNOTATION: tag}}
                           for tag, built in sorted(images.items())]}
    atomic_write(folder / "index.json", canonical(index))
    keep = {digest.removeprefix("sha256:") for digest in everything}
    for path in store.iterdir():
        if path.name not in keep:
            path.unlink(missing_ok=True)


def read_index(folder: Path) -> dict[str, str]:
    """{tag: manifest digest} of the layout at `folder` ({} when there is none)."""
    try:
        index = json.loads((Path(folder) / "index.json").read_bytes())
        return {entry["annotations"][_TAG_ANNOTATION]: entry["digest"] for entry in index["manifests"]}
    except (OSError, ValueError, KeyError, TypeError):
        return {}


def blob_path(folder: Path, digest: str) -> Path:
    return Path(folder) / "blobs" / "sha256" / digest.removeprefix("sha256:")


def file_digest(path: Path) -> str:
    """`sha256:<hex>` of a file, as blobs are named."""
    return "sha256:" + file_sha256(Path(path))
