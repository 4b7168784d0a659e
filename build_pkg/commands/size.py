"""`size`: what takes the space in the package, against Lambda's limits."""

from __future__ import annotations

import json
from pathlib import Path

import click

from .options import Context, json_option


@click.command("size")
@click.option("--top", type=click.IntRange(1, 1000), default=15, show_default=True, help="How many entries to list.")
@click.option("--html", "html_file", metavar="FILE", type=click.Path(dir_okay=False),
              help="Also write an interactive treemap of the package (and layer) to FILE: one self-contained page.")
@json_option
@click.pass_obj
def size(obj: Context, top, html_file, as_json) -> None:
    """Show what takes the space in terraform/dists.zip, against Lambda's limits.

    Lists the largest top-level entries (a dependency, a function, worker_lib)
    with their unzipped and zipped sizes, and the package's totals against the
    250 MB unzipped limit and the 50 MB direct-upload limit. With the dependency
    layer, the code and terraform/layer.zip are shown apart, and the unzipped
    limit counts them together, as Lambda does. --html FILE writes a page with a
    treemap of every dependency, worker_lib and each function (click to look
    inside; hover for zipped bytes, files and the share of Lambda's limits).
    """
    from ..package.layer import PREFIX
    from ..package.sizes import built_layer, read, write_html_report

    project = obj.project()
    sizes = read(project.package_path, project.rel(project.package_path), top)
    layer_path = built_layer(project)
    layer = read(layer_path, project.rel(layer_path), top, strip=PREFIX) if layer_path else None
    if html_file:
        write_html_report(project, Path(html_file))
        obj.reporter(quiet=as_json).step(f"wrote {html_file} (treemap of the package; open it in a browser)")
    if as_json:
        click.echo(json.dumps({**sizes.as_dict(), "layer": layer.as_dict() if layer else None}, indent=2))
        return
    if layer is None:
        for line in sizes.table():
            click.echo(line)
        return
    click.echo(f"{project.rel(project.package_path)} (the functions' code):")
    for line in sizes.table(with_layer=layer):
        click.echo(line)
    click.echo("")
    click.echo(f"{project.rel(layer_path)} (the dependency layer, under python/):")
    for line in layer.table():
        click.echo(line)


COMMANDS = (size,)
