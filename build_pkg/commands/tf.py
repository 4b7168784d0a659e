"""`tf`: write the Terraform file of every function that lacks one."""

from __future__ import annotations

import json

import click

from .options import Context, function_names, function_settings_options, json_option, settings_from_options


@click.command()
@click.argument("names", nargs=-1, metavar="[NAME]...", shell_complete=function_names)
@click.option("--check", "check_only", is_flag=True,
              help="Write nothing: list functions without a file, files without a function, a stale "
                   "s3_notifications.tf and files `terraform fmt` would rewrite; exit 1 if any.")
@click.option("--fmt", "fmt", is_flag=True, help="Rewrite the files of terraform/ as `terraform fmt` does.")
@function_settings_options
@json_option
@click.pass_obj
def tf(obj: Context, names, check_only, fmt, as_json, **options) -> None:
    """Write terraform/lambda_<name>.tf for every function that lacks one.

    Each file is one call of terraform/modules/worker_function, terraform
    fmt-clean. An existing file is never rewritten: it is the team's to edit
    (--fmt formats the whole tree as `terraform fmt` does, on request).
    Trigger and setting options apply to the one function NAME given.
    """
    from ..infra.fmt import format_tree, unformatted
    from ..infra.write import sources_to_add, stale_notifications, status, sync_notifications, write_missing
    from ..package.discover import discover

    project = obj.project()
    if fmt:
        changed = format_tree(project)
        if as_json:
            click.echo(json.dumps({"formatted": changed}, indent=2))
        for rel in [] if as_json else changed:
            click.echo(f"formatted {rel}")
        if not changed and not as_json:
            click.echo("tf: every file is formatted")
        return
    functions = discover(project.root, project.functions_dir, check_handlers=False)
    if check_only:
        state = status(project, functions)
        messy = unformatted(project)
        problems = state.problems() + stale_notifications(project) + [
            f"{rel}: not as `terraform fmt` writes it (CI checks that); run `build-pkg.py tf --fmt`" for rel in messy]
        if as_json:
            click.echo(json.dumps({"missing": [f.name for f in state.missing], "orphans": list(state.orphans),
                                   "unformatted": messy}, indent=2))
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
