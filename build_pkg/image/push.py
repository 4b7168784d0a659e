"""Pushing the last build's images (terraform/images/) to the project's repository.

Blobs go only when the repository lacks them; the base's layers, which the layout does not
hold, are mounted from the base's repository when it is in the same registry (an ECR
pull-through cache of ECR Public) and otherwise copied from the base's registry once. Each
image is pushed by digest and tagged `<function>.<first 16 hex of the digest>`: unique per
content, so immutable tags never clash, and the repository's lifecycle policy can keep the
newest N of each function by tag prefix.
"""

from __future__ import annotations

import json

from ..errors import RegistryError
from ..project import Project
from . import oci
from .base import parse_reference
from .ecr import ecr_auth
from .registry import PushReport, Registry, Repository, parse_repository, push



def tag_for(function: str, digest: str) -> str:
    return f"{function}.{digest.removeprefix('sha256:')[:16]}"


def load_images(project: Project, manifest: dict) -> tuple[dict[str, oci.Image], dict[str, object]]:
    """The images the manifest names, from the layout, and every blob the layout holds."""
    images_info = manifest.get("images")
    if manifest.get("package_type") != "image" or not isinstance(images_info, dict):
        raise RegistryError(f"{project.rel(project.manifest_path)} names no images; build them first with "
                            "`build --image` (or package_type = \"image\" in terraform/main.tf)")
    folder = project.root / images_info["layout"]
    images, blobs = {}, {}
    for function in manifest["functions"]:
        digest = function.get("image_digest") or ""
        path = oci.blob_path(folder, digest)
        try:
            body = path.read_bytes()
        except OSError:
            body = b""
        if oci.digest_of(body) != digest:
            raise RegistryError(f"{project.rel(path)}: the image of {function['name']} is missing or damaged; "
                                "build again")
        document = json.loads(body)
        config_path = oci.blob_path(folder, document["config"]["digest"])
        images[function["name"]] = oci.Image(config_path.read_bytes(), body)
        for layer in document["layers"]:
            layer_path = oci.blob_path(folder, layer["digest"])
            if layer_path.is_file():
                blobs[layer["digest"]] = layer_path
    return images, blobs


def push_images(project: Project, manifest: dict, target: str, report, tag: bool = True) -> PushReport:
    repository = parse_repository(target)
    images, blobs = load_images(project, manifest)
    base_repository = parse_reference(manifest["images"]["base"]["reference"], "the manifest's base").repository
    registry = Registry(repository, ecr_auth(repository))
    base = Registry(base_repository, registry.auth if base_repository.host == repository.host
                    else ecr_auth(base_repository))
    result = push(registry, images, blobs, base)
    if tag:
        for name, built in sorted(images.items()):
            if registry.tag(tag_for(name, built.digest), built):
                result.tags.append(tag_for(name, built.digest))
    report.step(describe(repository, result))
    return result


def describe(repository: Repository, result: PushReport) -> str:
    from ..package.limits import mb

    parts = [f"pushed to {repository}: {len(result.blobs) + len(result.copied)} blobs ({mb(result.bytes_sent)})",
             f"{len(result.manifests)} manifests", f"{result.present} blobs already there"]
    if result.mounted:
        parts.append(f"{len(result.mounted)} base layers mounted")
    if result.copied:
        parts.append(f"{len(result.copied)} base layers copied from the base's registry")
    return ", ".join(parts)
