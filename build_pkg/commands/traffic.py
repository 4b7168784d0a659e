"""`canary`, `promote`, `rollback`, `status`: traffic on a deployed function's live alias."""

from __future__ import annotations

import json

import click

from .. import aws
from .options import function_names, json_option, region_option


def alias_option(f):
    return click.option("--alias", default="live", show_default=True, metavar="NAME",
                        help="The alias to shift: `live`, or an adopted function's own (e.g. current).")(f)


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
@alias_option
@region_option
@json_option
def canary(function, percent, alias, region, as_json) -> None:
    """Send PERCENT of FUNCTION's live alias to its newest version, the rest to the previous one.

    FUNCTION is the deployed Lambda name (<project>-<env>-<name>, or an adopted
    function's live name).
    """
    from ..deploy import traffic

    _print(traffic.canary(function, percent, aws.client("lambda", region), alias=alias), as_json)


@click.command("promote")
@click.argument("function", shell_complete=function_names)
@alias_option
@region_option
@json_option
def promote(function, alias, region, as_json) -> None:
    """Send all of FUNCTION's live alias to its newest version."""
    from ..deploy import traffic

    _print(traffic.promote(function, aws.client("lambda", region), alias=alias), as_json)


@click.command("rollback")
@click.argument("function", shell_complete=function_names)
@alias_option
@region_option
@json_option
def rollback(function, alias, region, as_json) -> None:
    """Send all of FUNCTION's live alias back to the previous version."""
    from ..deploy import traffic

    _print(traffic.rollback(function, aws.client("lambda", region), alias=alias), as_json)


@click.command("status")
@click.argument("function", shell_complete=function_names)
@alias_option
@region_option
@json_option
def status(function, alias, region, as_json) -> None:
    """Show how FUNCTION's live alias splits traffic between versions."""
    from ..deploy import traffic

    _print(traffic.status(function, aws.client("lambda", region), alias=alias), as_json)


COMMANDS = (canary, promote, rollback, status)
