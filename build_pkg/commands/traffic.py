"""`canary`, `promote`, `rollback`, `status`: traffic on a deployed function's live alias."""

from __future__ import annotations

import json

import click

from .options import json_option


def _print(split, as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps({"function": split.function, "primary": split.primary, "shares": split.shares()}))
    else:
        click.echo(split.describe())


@click.command("canary")
@click.argument("function")
@click.option("--percent", type=click.FloatRange(0, 100, min_open=True, max_open=True), required=True,
              help="Share of traffic for the newest version.")
@json_option
def canary(function, percent, as_json) -> None:
    """Send PERCENT of FUNCTION's live alias to its newest version, the rest to the previous one.

    FUNCTION is the deployed Lambda name (<project>-<env>-<name>).
    """
    from ..deploy import traffic

    _print(traffic.canary(function, percent), as_json)


@click.command("promote")
@click.argument("function")
@json_option
def promote(function, as_json) -> None:
    """Send all of FUNCTION's live alias to its newest version."""
    from ..deploy import traffic

    _print(traffic.promote(function), as_json)


@click.command("rollback")
@click.argument("function")
@json_option
def rollback(function, as_json) -> None:
    """Send all of FUNCTION's live alias back to the previous version."""
    from ..deploy import traffic

    _print(traffic.rollback(function), as_json)


@click.command("status")
@click.argument("function")
@json_option
def status(function, as_json) -> None:
    """Show how FUNCTION's live alias splits traffic between versions."""
    from ..deploy import traffic

    _print(traffic.status(function), as_json)


COMMANDS = (canary, promote, rollback, status)
