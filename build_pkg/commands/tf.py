"""`tf`: write the Terraform file of every function that lacks one."""

from __future__ import annotations

import json

import click

from .options import Context, function_names, function_settings_options, json_option, settings_from_options


@click.command()
@click.argument("names", nargs=-1, metavar="[NAME]...", shell_complete=function_names)
@click.option("--check", "check_only", is_flag=True,
              help="Write nothing: list functions without a file, files without a function and a stale "
                   "s3_notifications.tf; exit 1 if any.")
@function_settings_options
@json_option
@click.pass_obj
def tf(obj: Context, names, check_only, as_json, **options) -> None:
    """Write terraform/lambda_<name>.tf for every function that lacks one.

    Each file is one call of terraform/modules/worker_function, terraform
    fmt-clean. An existing file is never rewritten: it is the team's to edit.
    Trigger and setting options apply to the one function NAME given.
    """
    from ..infra.write import sources_to_add, stale_notifications, status, sync_notifications, write_missing
    from ..package.discover import discover

    project = obj.project()
    functions = discover(project.root, project.functions_dir, check_handlers=False)
    if check_only:
        state = status(project, functions)
        problems = state.problems() + stale_notifications(project)
        if as_json:
            click.echo(json.dumps({"missing": [f.name for f in state.missing], "orphans": list(state.orphans)}, indent=2))
        else:
            for line in problems:
                click.echo(line)
            click.echo(state.summary(), err=True)
        if problems:
            raise SystemExit(1)
        return

    paths = write_missing(project, functions, names, settings_from_options(**options))
    generated = sync_notifications(project)
    written = [project.rel(p) for p in paths]
    to_add = sources_to_add(project, paths)
    orphans = status(project, functions).orphans
    if as_json:
        click.echo(json.dumps({"written": written, "generated": generated, "orphans": list(orphans),
                               "to_add": to_add}, indent=2))
        return
    for path in written:
        click.echo(f"wrote {path}")
    if generated:
        click.echo(generated)
    report = obj.reporter()
    for line in to_add:
        report.warn(line)
    for orphan in orphans:
        report.warn(f"{orphan} has no function in functions/ (see `build-pkg.py tf --check`)")
    if not written and not generated:
        click.echo("tf: every function has its Terraform file")


COMMANDS = (tf,)
