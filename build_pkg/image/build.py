"""The images phase of the build: after the zip, one OCI image per function in
terraform/images/ (an image layout), each function's `image_digest` in the manifest as its
deploy identity. The build pipeline (build_pkg/pipeline) stages and commits the layout.

A project chooses images with `package_type = "image"` in terraform/main.tf's locals (or
`build --image`); zip stays the default. The images are rebuilt only when what they are
made from moved (the zip build's inputs, the base's digest, this code), and an unchanged
layout is verified blob by blob, as the zip is by its sha256, before it is trusted.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from ..cache import cache_root
from ..package import deps, main_locals
from ..package.build import BuildOptions, BuildResult
from ..package.inputs import Inputs
from ..package.limits import mb
from ..package.sources import walk_functions
from ..progress import Reporter
from ..project import Project
from ..versions import builder_digest
from . import assemble, base as bases, oci

SETTING = "package_type"
BASE_SETTING = "base_image"
LAYOUT_NAME = "images"


@dataclass(frozen=True)
class ImageOptions:
    enabled: bool | None = None  # None: `package_type` in terraform/main.tf
    base_image: str | None = None  # None: `base_image` in main.tf, else the pinned AWS base


def layout_path(project: Project):
    return project.terraform_dir / LAYOUT_NAME


def wanted(project: Project, options: ImageOptions) -> bool:
    if options.enabled is not None:
        return options.enabled
    return main_locals.choice(project, SETTING, ('"zip"', '"image"'), '"zip"') == '"image"'


def last_base(project: Project) -> str | None:
    """The base the last image build used (its manifest says), for a local run to rebuild on
    the same one: `build --image --base-image X`, then `invoke NAME --image`."""
    try:
        images = json.loads(project.manifest_path.read_text()).get("images") or {}
        reference = (images.get("base") or {}).get("reference")
        return reference if isinstance(reference, str) and reference else None
    except (OSError, ValueError, AttributeError):
        return None


def base_reference(project: Project, runtime: str, options: ImageOptions) -> bases.Reference:
    if options.base_image:
        return bases.parse_reference(options.base_image, "--base-image")
    written = main_locals.string_or_null(project, BASE_SETTING)
    if written:
        return bases.parse_reference(written, f"{project.rel(project.main_tf)} {BASE_SETTING}")
    return bases.parse_reference(bases.default_reference(runtime), "the pinned base")


def resolve_base(project: Project, runtime: str, arch: str, image: ImageOptions, report: Reporter
                 ) -> bases.ResolvedBase | None:
    """The base the images will be built on, read before the zip is packed (a base that
    cannot be read costs no packing); None when this build makes no images."""
    if not wanted(project, image):
        return None
    reference = base_reference(project, runtime, image)
    resolved = bases.resolve(reference, arch, cache_root() / "image")
    if not resolved.pinned:
        report.warn(f"base image {reference} has no digest: the images follow whatever the tag names today; "
                    "pin it as HOST/NAME:TAG@sha256:...")
    return resolved


@dataclass(frozen=True)
class Staged:
    """What the images phase leaves for the commit: the manifest (with or without images) and
    whether the layout goes (a zip-only build after image builds)."""

    result: BuildResult
    remove_layout: bool = False


def without_images(project: Project, result: BuildResult, report: Reporter) -> Staged:
    """A zip build: the manifest names no images, and a layout from earlier builds goes."""
    manifest = result.manifest
    if manifest.get("package_type") == "image" or "images" in manifest:
        manifest = {k: v for k, v in manifest.items() if k != "images"} | {"package_type": "zip"}
        manifest["functions"] = [{k: v for k, v in f.items() if not k.startswith("image_")}
                                 for f in manifest["functions"]]
        result = replace(result, manifest=manifest)
    folder = layout_path(project)
    if folder.exists():
        report.step(f"removing {project.rel(folder)}/: this build makes no images (pass --image, or set "
                    'package_type = "image" in terraform/main.tf, to keep them)')
    return Staged(result, remove_layout=folder.exists())


def with_images(inputs: Inputs, options: BuildOptions, resolved: bases.ResolvedBase, result: BuildResult,
                layout_folder: Callable[[], Path], report: Reporter) -> Staged:
    """One image per function on `resolved`, written into the folder `layout_folder()` gives
    (seeded with the current layout's blobs) unless the current layout is up to date."""
    project, target = inputs.project, inputs.target
    key = _inputs_key(result.manifest, resolved)
    folder = layout_path(project)
    if not options.force and _current(result.manifest, key, folder):
        report.step(f"{project.rel(folder)} is up to date")
        return Staged(result)
    sources, dependencies = result.sources, result.dependencies
    if sources is None or dependencies is None:  # the zip was up to date: its parts come from the caches
        walk = walk_functions(project.functions_dir, project.root)
        sources = [(f, f.path.read_bytes()) for f in walk.files]
        dependencies = deps.ensure(inputs.fresh_lock(), list(inputs.packages), target,
                                   deps.cache_keys(list(inputs.packages), target, project.root), report)
    files = {f.arcname: (f.mode, data) for f, data in sources}
    shared = assemble.dependency_layer(dependencies.files(), dependencies.content(), cache_root() / "image")
    made = assemble.assemble(resolved.base, [(f["name"], f["handler"], f["closure"])
                                             for f in result.manifest["functions"]], files, shared)
    largest = assemble.check_size(made, resolved.base, project.rel(folder))
    oci.write_layout(layout_folder(), {name: item.image for name, item in made.images.items()}, made.blobs())
    manifest = _manifest(result.manifest, made, resolved, key, project.rel(folder), largest)
    changed = _changed(result.previous, manifest)
    report.step(f"images: {len(made.images)} on {resolved.reference.repository} "
                f"({mb(made.dependency_layer.size)} dependency layer, shared)")
    report.step(f"images changed: {len(changed)} of {len(made.images)} functions"
                + (f" ({', '.join(changed[:8])}{' and more' if len(changed) > 8 else ''})" if changed else ""))
    return Staged(replace(result, manifest=manifest, up_to_date=False, changed=changed))


def _inputs_key(manifest: dict, resolved: bases.ResolvedBase) -> str:
    material = {"zip_inputs": manifest.get("inputs"), "base": resolved.manifest_digest,
                "base_reference": str(resolved.reference),  # where a push copies the base's layers from
                "format": assemble.FORMAT, "builder": builder_digest()}
    return hashlib.sha256(json.dumps(material, sort_keys=True).encode()).hexdigest()


def _current(manifest: dict, key: str, folder) -> bool:
    """The manifest's images were made from these inputs, and the layout still holds each of
    them whole: its index names exactly those digests, and every blob they use that was built
    here hashes to its name (the base's layers are not in the layout)."""
    images = manifest.get("images")
    if not isinstance(images, dict) or images.get("inputs") != key:
        return False
    expected = {f.get("name"): f.get("image_digest") for f in manifest.get("functions", [])}
    if oci.read_index(folder) != expected:
        return False
    base_layers = set(images.get("base_layers", []))
    checked: set[str] = set()
    try:
        for digest in expected.values():
            document = json.loads(_verified(folder, digest))
            for blob in [document["config"]["digest"]] + [d["digest"] for d in document["layers"]]:
                if blob not in base_layers and blob not in checked:
                    if oci.file_digest(oci.blob_path(folder, blob)) != blob:
                        return False
                    checked.add(blob)
    except (OSError, ValueError, KeyError, TypeError):
        return False
    return True


def _verified(folder, digest: str) -> bytes:
    """A manifest blob's bytes; ValueError when they are not its digest's."""
    data = oci.blob_path(folder, digest).read_bytes()
    if oci.digest_of(data) != digest:
        raise ValueError(f"{digest}: damaged")
    return data


def _manifest(manifest: dict, made: assemble.Assembled, resolved: bases.ResolvedBase, key: str, layout: str,
              largest: int) -> dict:
    functions = []
    for entry in manifest["functions"]:
        item = made.images[entry["name"]]
        functions.append({**{k: v for k, v in entry.items() if not k.startswith("image_")},
                          "image_digest": item.image.digest, "image_code_layer": item.code.digest,
                          "image_code_bytes": item.code.uncompressed_size})
    return {**manifest, "package_type": "image", "functions": functions, "images": {
        "layout": layout, "base": resolved.as_dict(), "base_layers": [d["digest"] for d in resolved.base.layers],
        "dependency_layer": made.dependency_layer.descriptor() | {
            "uncompressed_size": made.dependency_layer.uncompressed_size},
        "largest_image_bytes": largest, "inputs": key,
    }}


def _changed(previous: dict | None, manifest: dict) -> tuple[str, ...]:
    before = {f.get("name"): f.get("image_digest") for f in (previous or {}).get("functions", [])
              if isinstance(f, dict)}
    return tuple(f["name"] for f in manifest["functions"] if before.get(f["name"]) != f["image_digest"])
