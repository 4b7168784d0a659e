"""`size`: what takes the space in the package, against Lambda's limits."""

from __future__ import annotations

import json

import click

from .options import Context, json_option


@click.command("size")
@click.option("--top", type=click.IntRange(1, 1000), default=15, show_default=True, help="How many entries to list.")
@json_option
@click.pass_obj
def size(obj: Context, top, as_json) -> None:
    """Show what takes the space in terraform/dists.zip, against Lambda's limits.

    Lists the largest top-level entries (a dependency, a function, worker_lib)
    with their unzipped and zipped sizes, and the package's totals against the
    250 MB unzipped limit and the 50 MB direct-upload limit.
    """
    from ..package.sizes import read

    project = obj.project()
    sizes = read(project.package_path, project.rel(project.package_path), top)
    if as_json:
        click.echo(json.dumps(sizes.as_dict(), indent=2))
        return
    for line in sizes.table():
        click.echo(line)


COMMANDS = (size,)
