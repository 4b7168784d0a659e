"""The base every function image starts from: the AWS Lambda Python base image of the runtime
and architecture, pinned by digest, read as JSON only (its manifest and config, fetched once
and kept in the build cache; its layers are never downloaded to build, only copied registry to
registry when a push needs them).

A reference is `HOST/NAME[:TAG]@sha256:HEX`. The digest may name a multi-architecture index
(what `public.ecr.aws/lambda/python:3.12` is): the architecture's own manifest is picked from
it, as `docker pull --platform` does, and that manifest's layers go into the function images,
which stay single-architecture (Lambda refuses an index). A reference without a digest is
resolved on every build and warned about: it moves when the tag does.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from ..errors import RegistryError, SettingError
from ..fsutil import atomic_write
from .oci import INDEX_TYPE, Base, digest_of
from .ecr import ecr_auth
from .registry import DOCKER_LIST, Registry, Repository, parse_repository

# The AWS base images of each runtime, by digest. Move a pin (or set `base_image` in
# terraform/main.tf) to take AWS's weekly rebuild; every function's image digest moves with it.
# The digests are of the multi-architecture index of each tag, as published in public
# Dockerfiles; re-resolve one with
#   skopeo inspect --format '{{.Digest}}' docker://public.ecr.aws/lambda/python:3.12
PINNED = {
    "python3.12": "public.ecr.aws/lambda/python:3.12@sha256:0628ddc11919f85f4261517d356392dbbc6b3181568d87a376ae2e814464c230",
    "python3.13": "public.ecr.aws/lambda/python:3.13@sha256:e29b87b66ee86899ac3f1e7ae19f7d761ac4504d58432810f917531f9b92687f",
}
_PLATFORM = {"x86_64": "amd64", "arm64": "arm64"}
_DIGEST = re.compile(r"^sha256:[0-9a-f]{64}$")
# Docker's layer types hold the same gzipped tars as OCI's; the images this builder writes are
# OCI manifests throughout, so the base's descriptors are given OCI's names (digests unchanged).
_LAYER_TYPES = {"application/vnd.docker.image.rootfs.diff.tar.gzip": "application/vnd.oci.image.layer.v1.tar+gzip",
                "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip":
                    "application/vnd.oci.image.layer.v1.tar+gzip"}


@dataclass(frozen=True)
class Reference:
    repository: Repository
    tag: str | None
    digest: str | None

    def __str__(self) -> str:
        return f"{self.repository}{':' + self.tag if self.tag else ''}{'@' + self.digest if self.digest else ''}"


@dataclass(frozen=True)
class ResolvedBase:
    reference: Reference
    manifest_digest: str  # the architecture's own manifest (what the layers come from)
    base: Base
    pinned: bool  # false: a tag, resolved this run

    def as_dict(self) -> dict:
        return {"reference": str(self.reference), "manifest_digest": self.manifest_digest,
                "layers": len(self.base.layers), "bytes": sum(d["size"] for d in self.base.layers)}


def parse_reference(text: str, origin: str) -> Reference:
    name, at, digest = text.strip().partition("@")
    if at and not _DIGEST.match(digest):
        raise SettingError(f"{origin}: {text!r} has no valid digest; give HOST/NAME[:TAG]@sha256:<64 hex digits>")
    host, slash, rest = name.partition("/")
    tag = None
    if ":" in rest.rsplit("/", 1)[-1]:
        rest, _, tag = rest.rpartition(":")
    try:
        repository = parse_repository(f"{host}{slash}{rest}")
    except RegistryError:
        raise SettingError(f"{origin}: {text!r} is not an image reference; give HOST/NAME[:TAG]@sha256:..., "
                           f"as {PINNED['python3.12']}") from None
    return Reference(repository, tag, digest or None)


def default_reference(runtime: str) -> str:
    try:
        return PINNED[runtime]
    except KeyError:
        raise SettingError(f"no AWS base image is pinned for {runtime} (pinned: {', '.join(sorted(PINNED))}); "
                           "pass --base-image HOST/NAME@sha256:..., or set base_image in terraform/main.tf") from None


def resolve(reference: Reference, arch: str, cache_dir: Path) -> ResolvedBase:
    """The base's config and layer descriptors for `arch`, from the cache when pinned (a base
    in a private ECR repository, such as a pull-through cache, is read with an ECR login)."""
    entry = cache_dir / f"{(reference.digest or '').removeprefix('sha256:')}-{arch}.json"
    if reference.digest:
        cached = _read_cached(entry, reference)
        if cached is not None:
            return cached
    registry = Registry(reference.repository, ecr_auth(reference.repository))
    body, media_type = registry.get_manifest(reference.digest or reference.tag or "latest")
    if reference.digest and digest_of(body) != reference.digest:
        raise RegistryError(f"{reference}: the registry's manifest has another digest; the pin is wrong or "
                            "the registry is not the one you meant")
    document = _json(body, reference)
    if media_type in (INDEX_TYPE, DOCKER_LIST) or "manifests" in document:
        chosen = _pick(document, arch, reference)
        body, _ = registry.get_manifest(chosen)
        if digest_of(body) != chosen:
            raise RegistryError(f"{reference}: the {arch} manifest came back with other content; try again")
        document = _json(body, reference)
    config_digest = document.get("config", {}).get("digest", "")
    config = registry.get_blob(config_digest)
    resolved = _resolved(reference, digest_of(body), document, config)
    if reference.digest:
        cache_dir.mkdir(parents=True, exist_ok=True)
        atomic_write(entry, json.dumps({"manifest": body.decode(), "config": config.decode()}).encode())
    return resolved


def _read_cached(entry: Path, reference: Reference) -> ResolvedBase | None:
    """The cached JSON, checked against its own digests (a damaged entry is fetched again)."""
    try:
        saved = json.loads(entry.read_text())
        body, config = saved["manifest"].encode(), saved["config"].encode()
        document = json.loads(body)
        if digest_of(config) != document["config"]["digest"]:
            return None
        return _resolved(reference, digest_of(body), document, config)
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def _resolved(reference: Reference, manifest_digest: str, document: dict, config: bytes) -> ResolvedBase:
    layers = tuple({"mediaType": _LAYER_TYPES.get(d["mediaType"], d["mediaType"]), "digest": d["digest"],
                    "size": d["size"]} for d in document.get("layers", []))
    base = Base(json.loads(config), layers)
    return ResolvedBase(reference, manifest_digest, base, pinned=reference.digest is not None)


def _pick(index: dict, arch: str, reference: Reference) -> str:
    wanted = _PLATFORM[arch]
    for entry in index.get("manifests", []):
        platform = entry.get("platform") or {}
        if platform.get("os") == "linux" and platform.get("architecture") == wanted:
            return entry["digest"]
    raise RegistryError(f"{reference}: has no linux/{wanted} image for {arch}; pick a base that has one")


def _json(body: bytes, reference: Reference) -> dict:
    try:
        document = json.loads(body)
    except ValueError:
        document = None
    if not isinstance(document, dict):
        raise RegistryError(f"{reference}: the registry's manifest is not JSON")
    return document
