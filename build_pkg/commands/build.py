"""`build`: terraform/dists.zip and its manifest."""

from __future__ import annotations

import json
from pathlib import Path

import click

from .options import Context, image_options, json_option, layer_option, target_options


@click.command()
@target_options
@click.option("--handler", "handler", default="handler", show_default=True, metavar="NAME",
              help="Name of the function every entry point must define.")
@click.option("--force", is_flag=True, help="Rebuild even when nothing changed.")
@layer_option
@image_options
@click.option("--push", "push_to", metavar="REPOSITORY",
              help="With images: push them to REPOSITORY, an ECR repository URL "
                   "(ACCOUNT.dkr.ecr.REGION.amazonaws.com/NAME) or 127.0.0.1:PORT/NAME, sending only the blobs "
                   "it lacks.")
@click.option("--s3-bucket", metavar="BUCKET",
              help="Also upload the package to s3://BUCKET/packages/<sha256>.zip, and the layer to "
                   "layers/<content_sha256>.zip, the manifest's layer hash (each skipped when its key exists).")
@click.option("--report", "report_file", metavar="FILE", type=click.Path(dir_okay=False),
              help="After the build, write the `size --html` treemap page to FILE.")
@json_option
@click.pass_obj
def build(obj: Context, runtime, arch, allow_unhashed, handler, force, layer, image, base_image, push_to, s3_bucket,
          report_file, as_json) -> None:
    """Build terraform/dists.zip and its manifest, byte-identical for identical inputs.

    Installs the lock's [packages] as wheels for the Lambda platform (hashes
    checked), adds functions/, and writes terraform/dists.zip with
    terraform/dists.manifest.json beside it; with the dependency layer, the
    dependencies go to terraform/layer.zip instead. With images, it also writes
    one OCI image per function to terraform/images/. Functions that use a
    Powertools REST or HTTP resolver describe the API in terraform/openapi.json
    (OpenAPI 3.0, from the resolvers' own generation, after the zip). The
    outputs are replaced together, once every phase (package, images, openapi)
    has succeeded: a failed build leaves the previous ones byte for byte as they
    were. An unchanged tree is not rebuilt.
    """
    from ..errors import UsageError
    from ..image.build import ImageOptions, wanted
    from ..package.build import BuildOptions
    from ..package.limits import mb
    from ..pipeline.run import AfterSteps, build as run_build

    inputs = obj.inputs(runtime, arch, allow_unhashed)
    images = ImageOptions(enabled=image, base_image=base_image)
    makes_images = wanted(inputs.project, images)
    if base_image and not makes_images:
        raise UsageError("--base-image is the base of the images, and this build makes none: pass --image too, or "
                         'set package_type = "image" in terraform/main.tf')
    if push_to:  # before building: a push that cannot happen should not cost a build
        from ..image.registry import parse_repository

        parse_repository(push_to)
        if not makes_images:
            raise UsageError("--push sends images, and this build makes none: pass --image, or set "
                             'package_type = "image" in terraform/main.tf')
    report = obj.reporter(quiet=as_json)
    built = run_build(inputs, BuildOptions(handler=handler, force=force, layer=layer), images, report,
                      after=AfterSteps(push_to, Path(report_file) if report_file else None, s3_bucket))
    result, manifest, api, pushed, stored = built.result, built.manifest, built.api, built.pushed, built.stored
    if as_json:
        click.echo(json.dumps({**manifest, "up_to_date": result.up_to_date, "warnings": list(report.warnings),
                               "changed": list(result.changed), "layer_changed": result.layer_changed,
                               "removed": list(result.removed), "pushed": pushed.as_dict() if pushed else None,
                               "openapi": {"path": inputs.project.rel(api.path), "routes": [" ".join(r) for r in api.routes],
                                           "generated": list(api.generated)} if api.path else None,
                               "s3": f"s3://{stored.bucket}/{stored.key}" if stored else None}, indent=2))
        return
    state = "up to date" if result.up_to_date else "built"
    largest = ", ".join(f"{item['name']} {mb(item['unzipped_bytes'])}" for item in manifest["largest"][:3])
    click.echo(
        f"{manifest['package']} {state}: {len(manifest['functions'])} functions, "
        f"{'code only' if manifest.get('layer') else str(len(manifest['dependencies'])) + ' packages'}, "
        f"{mb(manifest['zipped_bytes'])} zipped "
        f"({mb(manifest['unzipped_bytes'])} unzipped; largest {largest}), "
        f"{manifest['runtime']} {manifest['arch']}, filebase64sha256 {manifest['filebase64sha256']}"
    )
    if manifest.get("layer"):
        layer_info = manifest["layer"]
        click.echo(f"{layer_info['package']} {state}: the {len(manifest['dependencies'])} packages under python/, "
                   f"{mb(layer_info['zipped_bytes'])} zipped ({mb(layer_info['unzipped_bytes'])} unzipped), "
                   f"filebase64sha256 {layer_info['filebase64sha256']}")
    if manifest.get("images"):
        images = manifest["images"]
        click.echo(f"{images['layout']} {state}: {len(manifest['functions'])} images on {images['base']['reference']}, "
                   f"dependency layer {mb(images['dependency_layer']['size'])} (shared), largest image at least "
                   f"{mb(images['largest_image_bytes'])} unpacked")


COMMANDS = (build,)
