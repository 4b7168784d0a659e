"""The build, as one pipeline every command that builds runs (`build`, `release`, `invoke`,
`start-api`/`start-lambda`, `status --env`, canary's rebuild):

    package   functions/ + the lock -> dists.zip (+ layer.zip) and the manifest   (package/build)
    images    one OCI image per function, when the project wants images          (image/build)
    openapi   the resolvers' routes -> openapi.json, read from the packed zip      (pipeline/routes)
    verify    the staged files are the bytes the manifest names
    commit    every output replaces the previous one together                     (pipeline/staging)

then the optional steps a caller asks for: push (the images to a registry), report (the
size treemap page), upload (the package and layer to S3). Nothing is written into
terraform/ before the commit: a phase that fails leaves every previous output as it was,
and its error says which phase it was. One build of a repository runs at a time.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable, TypeVar

from ..api.openapi import OPENAPI_NAME
from ..cache import exclusive
from ..errors import BuildPkgError
from ..fsutil import file_sha256
from ..image.build import LAYOUT_NAME, ImageOptions, layout_path, resolve_base, with_images, without_images
from ..infra.function_config import environments, import_roots
from ..package.build import BuildOptions, BuildResult, describe_changes, make_package
from ..package.discover import Function
from ..package.inputs import Inputs
from ..package.limits import mb
from ..progress import Reporter
from ..project import LAYER_NAME, MANIFEST_NAME, PACKAGE_NAME, Project
from .routes import ApiResult, openapi_document, routes_gone
from .staging import Staging

T = TypeVar("T")


@dataclass(frozen=True)
class AfterSteps:
    """The optional steps after the commit, each run only when asked for."""

    push_to: str | None = None  # push: the images to this repository
    report_file: Path | None = None  # report: the `size --html` treemap page, written here
    s3_bucket: str | None = None  # upload: the package (and the layer) to this bucket


@dataclass(frozen=True)
class Built:
    result: BuildResult
    api: ApiResult
    written: tuple[str, ...] = ()  # the outputs the commit replaced or removed, as shown
    pushed: object | None = None  # the registry's PushReport
    stored: object | None = None  # the package's StoredPackage in S3
    stored_layer: object | None = None

    @property
    def manifest(self) -> dict:
        return self.result.manifest


def build(inputs: Inputs, options: BuildOptions, images: ImageOptions, report: Reporter,
          functions: list[Function] | None = None, after: AfterSteps = AfterSteps()) -> Built:
    """Every phase, the commit, then the steps of `after`."""
    project = inputs.project
    name = "build-" + hashlib.sha256(str(project.root.resolve()).encode()).hexdigest()[:16]
    with exclusive(name, lambda: report.step(f"waiting for another build of {project.root} to finish")), \
            Staging(project.terraform_dir, last=MANIFEST_NAME) as staging:
        built = _phases(inputs, options, images, report, functions, staging)
    return _after(project, built, after, report)


def _phases(inputs: Inputs, options: BuildOptions, images: ImageOptions, report: Reporter,
            functions: list[Function] | None, staging: Staging) -> Built:
    project, target = inputs.project, inputs.target
    base = phase("images", lambda: resolve_base(project, target.runtime, target.arch, images, report))
    if base is not None:
        options = replace(options, package_type="image")
    found = phase("package", lambda: environments(project))
    options = replace(options, import_roots=tuple((name, import_roots(dict(env))) for name, env in found),
                      environment_values=tuple((name, tuple(v for _, v in env)) for name, env in found))
    result = phase("package", lambda: make_package(inputs, options, report, functions))
    for output, data in result.outputs.items():
        staging.write(output, data) if data is not None else staging.remove(output)

    if base is None:
        staged = phase("images", lambda: without_images(project, result, report))
    else:
        staged = phase("images", lambda: with_images(inputs, options, base, result, _layout_folder(staging, project),
                                                     report))
    if staged.remove_layout:
        staging.remove(LAYOUT_NAME)
    result = staged.result
    manifest = result.manifest

    package = staging.path(PACKAGE_NAME)
    layer = staging.path(LAYER_NAME) if manifest.get("layer") else None
    api, document = phase("openapi", lambda: openapi_document(project, manifest, target, package, layer, report))
    gone = routes_gone(project, manifest, result.previous, set(api.functions), report)
    manifest = {k: v for k, v in manifest.items() if k != "rest_routes_gone"} | (
        {"rest_routes_gone": gone} if gone else {})  # what `check` refuses until it is meant
    result = replace(result, manifest=manifest)
    if document is None:
        staging.remove(OPENAPI_NAME)
    elif not _same_bytes(project.terraform_dir / OPENAPI_NAME, document):
        staging.write(OPENAPI_NAME, document)

    data = (json.dumps(manifest, indent=2) + "\n").encode()
    if not _same_bytes(project.manifest_path, data):
        staging.write(MANIFEST_NAME, data)
    phase("verify", lambda: _verify(staging, manifest))
    changes = staging.changes()
    phase("commit", staging.commit)
    written = _describe_commit(project, changes, manifest)
    if written:
        report.step(written)
    if not result.up_to_date:
        report.step(describe_changes(result))
    shown = tuple(project.rel(project.terraform_dir / n) for n in sorted(changes))
    return Built(result, api, shown)


def phase(name: str, run: Callable[[], T], after_commit: bool = False) -> T:
    """Run one phase (or, `after_commit`, one optional step); its error says which one
    failed and what that left written."""
    try:
        return run()
    except BuildPkgError as exc:
        if not getattr(exc, "phase", None):
            exc.phase = name
            left = "the build's outputs were written" if after_commit else "nothing was written"
            exc.args = (f"{exc} (the {name} {'step' if after_commit else 'phase'} failed; {left})", *exc.args[1:])
        raise


def _layout_folder(staging: Staging, project: Project) -> Callable[[], Path]:
    """The staged image layout, seeded with the current layout's blobs (hard links: content
    addressed, never changed in place), so unchanged layers are not written again."""
    def make() -> Path:
        folder = staging.folder(LAYOUT_NAME)
        current = layout_path(project) / "blobs" / "sha256"
        if current.is_dir():
            blobs = folder / "blobs" / "sha256"
            blobs.mkdir(parents=True)
            for blob in current.iterdir():
                try:
                    os.link(blob, blobs / blob.name)
                except OSError:  # another file system, or no hard links: copy
                    shutil.copyfile(blob, blobs / blob.name)
        return folder
    return make


def _verify(staging: Staging, manifest: dict) -> None:
    """The staged zip and layer are the bytes the manifest names (what Terraform will hash)."""
    expected = {PACKAGE_NAME: manifest.get("sha256"), LAYER_NAME: (manifest.get("layer") or {}).get("sha256")}
    for output, sha256 in expected.items():
        if staging.changes().get(output) == "write" and file_sha256(staging.path(output)) != sha256:
            raise BuildPkgError(f"the staged {output} does not hash to the sha256 its manifest names; run the "
                                "build again (with -v to see the steps)")


def _describe_commit(project: Project, changes: dict[str, str], manifest: dict) -> str:
    wrote = [n for n, c in changes.items() if c == "write" and n != MANIFEST_NAME]
    removed = [n for n, c in changes.items() if c == "remove"]
    if not wrote and not removed:
        return ""
    sizes = {PACKAGE_NAME: manifest.get("zipped_bytes"), LAYER_NAME: (manifest.get("layer") or {}).get("zipped_bytes")}
    shown = [project.rel(project.terraform_dir / n) + ("/" if n == LAYOUT_NAME else "")
             + (f" ({mb(sizes[n])})" if sizes.get(n) else "") for n in sorted(wrote, key=_order)]
    text = f"wrote {', '.join(shown)}" if shown else ""
    if removed:
        gone = ", ".join(project.rel(project.terraform_dir / n) for n in sorted(removed))
        text += ("; " if text else "") + f"removed {gone}"
    return text


def _order(name: str) -> tuple[int, str]:
    return ([PACKAGE_NAME, LAYER_NAME, LAYOUT_NAME, OPENAPI_NAME].index(name)
            if name in (PACKAGE_NAME, LAYER_NAME, LAYOUT_NAME, OPENAPI_NAME) else 9, name)


def _same_bytes(path: Path, data: bytes) -> bool:
    try:
        return path.read_bytes() == data
    except OSError:
        return False


def _after(project: Project, built: Built, after: AfterSteps, report: Reporter) -> Built:
    manifest = built.manifest
    if after.push_to:
        from ..image.push import push_images

        built = replace(built, pushed=phase("push", lambda: push_images(project, manifest, after.push_to, report), True))
    if after.report_file:
        from ..package.sizes import write_html_report

        phase("report", lambda: write_html_report(project, Path(after.report_file)), True)
        report.step(f"wrote {after.report_file} (treemap of the package; open it in a browser)")
    if after.s3_bucket:
        from .upload import upload_package

        stored = phase("upload", lambda: upload_package(project.package_path, manifest["sha256"], after.s3_bucket),
                       True)
        report.step(f"package {'uploaded to' if stored.uploaded else 'already in'} s3://{stored.bucket}/{stored.key}")
        built = replace(built, stored=stored)
        if manifest.get("layer"):
            layer = phase("upload", lambda: upload_package(project.layer_path, manifest["layer"]["content_sha256"],
                                                            after.s3_bucket, prefix="layers"), True)
            report.step(f"layer {'uploaded to' if layer.uploaded else 'already in'} s3://{layer.bucket}/{layer.key}")
            built = replace(built, stored_layer=layer)
    return built
