"""`prune`: delete published versions no alias uses, beyond the newest N."""

from __future__ import annotations

import json

import click

from .. import aws
from ..deploy.prune import DEFAULT_KEEP
from ..errors import UsageError
from .options import Context, function_names, json_option, region_option


@click.command("prune")
@click.argument("functions", nargs=-1, metavar="[FUNCTION]...", shell_complete=function_names)
@click.option("--all", "all_", is_flag=True, help="Every function of functions/ as deployed in --env.")
@click.option("--env", "env", metavar="ENV",
              help="The environment (terraform/env/ENV.tfvars): of every function with --all, or whose "
                   "deployed function a short name of functions/ means; also its region.")
@click.option("--keep", type=click.IntRange(min=1), default=DEFAULT_KEEP, show_default=True,
              help="How many of the newest versions to keep besides those an alias uses.")
@click.option("--dry-run", is_flag=True, help="Say what would be deleted; delete nothing.")
@region_option
@json_option
@click.pass_obj
def prune(obj: Context, functions, all_, env, keep, dry_run, region, as_json) -> None:
    """Delete FUNCTION's published versions that no alias points to, beyond the newest --keep.

    FUNCTION is a function of functions/ with --env, or a deployed Lambda name
    (<project>-<env>-<name>). Lambda keeps
    every published version (75 GB of code per region) and Terraform deletes
    none; versions an alias uses (its version or a canary weight) always stay.
    For an image function, the images only the deleted versions ran are deleted
    from their ECR repository too.
    """
    from ..deploy.prune import deployed_names, prune as run_prune
    from ..deploy.targets import resolve
    from ..infra.environments import values_of

    names = [target.function for target in resolve(obj.project, list(functions), env)]
    if all_:
        if not env:
            raise UsageError("--all needs --env ENV (which environment's deployed names)")
        names += deployed_names(obj.project(), env)
    if not names:
        raise UsageError("name a FUNCTION, or pass --all --env ENV")
    lam = aws.client("lambda", aws.region(region, values_of(obj.project(), env) if env else None))
    results = [run_prune(name, keep, dry_run, lam) for name in names]
    if as_json:
        click.echo(json.dumps([r.__dict__ for r in results], indent=2))
        return
    verb = "would delete" if dry_run else "deleted"
    for r in results:
        click.echo(f"{r.function}: {verb} {len(r.deleted)} version(s) ({', '.join(r.deleted) or 'none'}); "
                   f"kept {', '.join(r.kept) or 'none'} (aliases use {', '.join(r.in_use) or 'none'})"
                   + (f"; {verb} {len(r.images_deleted)} image(s) only those versions ran" if r.images_deleted else ""))


COMMANDS = (prune,)
