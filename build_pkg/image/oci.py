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
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

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


def write_layout(folder: Path, images: dict[str, Image], blobs: dict[str, bytes]) -> None:
    """The image layout at `folder`, replaced whole (built beside it, then renamed): `images`
    by tag, `blobs` every layer blob by digest (configs and manifests are added here)."""
    folder = Path(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", dir=folder.parent))
    try:
        store = staging / "blobs" / "sha256"
        store.mkdir(parents=True)
        everything = dict(blobs)
        for built in images.values():
            everything[digest_of(built.config)] = built.config
            everything[built.digest] = built.manifest
        for digest, data in sorted(everything.items()):
            (store / digest.removeprefix("sha256:")).write_bytes(data)
        (staging / "oci-layout").write_bytes(canonical({"imageLayoutVersion": "1.0.0"}))
        index = {"schemaVersion": 2, "mediaType": INDEX_TYPE,
                 "manifests": [{**built.descriptor(), "annotations": {_TAG_ANNOTATION: tag}}
                               for tag, built in sorted(images.items())]}
        (staging / "index.json").write_bytes(canonical(index))
        old = folder.with_name(f".{folder.name}.old")
        if folder.exists():
            os.replace(folder, old)
        os.replace(staging, folder)
        shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
