"""`canary`, `promote`, `rollback`, `status`: traffic on a deployed function's live alias."""

from __future__ import annotations

import json

import click

from .. import aws
from .options import Context, function_names, json_option, region_option, target_env_option


def alias_option(f):
    return click.option("--alias", metavar="NAME",
                        help="The alias to shift. [default: `live`, or with --env an adopted function's own]")(f)


def _target(obj: Context, function: str, env: str | None, alias: str | None, region: str | None):
    """The deployed function, its alias and a Lambda client in its region."""
    from ..deploy.targets import resolve

    target = resolve(obj.project, [function], env)[0]
    values = target.environment.values if target.environment else None
    return target.function, alias or target.alias, aws.client("lambda", aws.region(region, values))


def _print(split, as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps({"function": split.function, "alias": split.alias, "primary": split.primary,
                               "shares": split.shares()}))
    else:
        click.echo(split.describe())


@click.command("canary")
@click.argument("function", shell_complete=function_names)
@click.option("--percent", type=click.FloatRange(0, 100, min_open=True, max_open=True), required=True,
              help="Share of traffic for the newest version.")
@target_env_option
@alias_option
@region_option
@json_option
@click.pass_obj
def canary(obj: Context, function, percent, env, alias, region, as_json) -> None:
    """Send PERCENT of FUNCTION's live alias to its newest version, the rest to the previous one.

    FUNCTION is a function of functions/ with --env (hello --env dev), or a
    deployed Lambda name (<project>-<env>-<name>, or an adopted function's live
    name).
    """
    from ..deploy import traffic

    name, alias, lam = _target(obj, function, env, alias, region)
    _print(traffic.canary(name, percent, lam, alias=alias), as_json)


@click.command("promote")
@click.argument("function", shell_complete=function_names)
@target_env_option
@alias_option
@region_option
@json_option
@click.pass_obj
def promote(obj: Context, function, env, alias, region, as_json) -> None:
    """Send all of FUNCTION's live alias to its newest version."""
    from ..deploy import traffic

    name, alias, lam = _target(obj, function, env, alias, region)
    _print(traffic.promote(name, lam, alias=alias), as_json)


@click.command("rollback")
@click.argument("function", shell_complete=function_names)
@target_env_option
@alias_option
@region_option
@json_option
@click.pass_obj
def rollback(obj: Context, function, env, alias, region, as_json) -> None:
    """Send all of FUNCTION's live alias back to the previous version."""
    from ..deploy import traffic

    name, alias, lam = _target(obj, function, env, alias, region)
    _print(traffic.rollback(name, lam, alias=alias), as_json)


@click.command("status")
@click.argument("function", shell_complete=function_names)
@target_env_option
@alias_option
@region_option
@json_option
@click.pass_obj
def status(obj: Context, function, env, alias, region, as_json) -> None:
    """Show how FUNCTION's live alias splits traffic between versions."""
    from ..deploy import traffic

    name, alias, lam = _target(obj, function, env, alias, region)
    _print(traffic.status(name, lam, alias=alias), as_json)


COMMANDS = (canary, promote, rollback, status)
