"""`logs` and `metrics`: what a deployed function logs and how it runs."""

from __future__ import annotations

import datetime as dt
import json
import time

import click

from .. import aws
from .options import Context, function_names, json_option, region_option, target_env_option


def _deployed(obj: Context, function: str, env: str | None, region: str | None):
    """(deployed name, the region to ask) of FUNCTION, as the traffic commands name it."""
    from ..deploy.targets import resolve

    target = resolve(obj.project, [function], env)[0]
    values = target.environment.values if target.environment else None
    return target.function, aws.region(region, values)


@click.command("logs")
@click.argument("function", shell_complete=function_names)
@target_env_option
@click.option("--since", default="10m", show_default=True, metavar="WHEN",
              help="From this long ago (30s, 10m, 1h, 2d, 1w) or this ISO time (2026-12-01T09:30:00Z).")
@click.option("--filter", "pattern", metavar="PATTERN",
              help="Only events matching PATTERN, in CloudWatch's filter syntax (ERROR, \"two words\", "
                   "{ $.level = \"ERROR\" }).")
@click.option("--request-id", metavar="ID", help="Only the lines of that invocation.")
@click.option("-f", "--follow", is_flag=True, help="Keep printing new events until Ctrl-C.")
@region_option
@click.option("--json", "as_json", is_flag=True, help="One JSON object per event: timestamp, stream, message, id.")
@click.pass_obj
def logs(obj: Context, function, env, since, pattern, request_id, follow, region, as_json) -> None:
    """Print FUNCTION's CloudWatch log events, newest last.

    FUNCTION is a function of functions/ with --env (hello --env dev), or a
    deployed name; its log group is /aws/lambda/<deployed name>, which every
    version and alias writes to (an adopted function's own name included).
    Each event is its time (UTC) and message; --follow polls every 2 s and
    prints each event once, in order, until Ctrl-C.
    """
    from ..operate import logs as cloudwatch_logs

    name, region_name = _deployed(obj, function, env, region)
    query = cloudwatch_logs.LogQuery(f"/aws/lambda/{name}", cloudwatch_logs.parse_since(since, int(time.time() * 1000)),
                                     pattern, request_id)
    client = aws.client("logs", region_name)

    def emit(event) -> None:
        click.echo(event.as_json() if as_json else event.line())

    if not follow:
        for event in cloudwatch_logs.fetch(client, query):
            emit(event)
        return
    try:
        cloudwatch_logs.follow(client, query, emit)
    except KeyboardInterrupt:  # how a follow ends
        return


@click.command("metrics")
@click.argument("function", required=False, shell_complete=function_names)
@click.option("--all", "every", is_flag=True, help="Every function of the repository in --env.")
@target_env_option
@click.option("--since", default="1h", show_default=True, metavar="WHEN",
              help="The window: from this long ago (10m, 1h, 2d, 1w) or this ISO time, until now.")
@region_option
@json_option
@click.pass_obj
def metrics(obj: Context, function, every, env, since, region, as_json) -> None:
    """Show invocations, errors, throttles and p50/p99 duration from CloudWatch.

    For FUNCTION (with --env, or a deployed name), or with --all for every
    function of the repository in --env: one row each, with a sparkline of the
    invocations over the window (up to 30 periods).
    """
    from ..errors import UsageError
    from ..operate import metrics as lambda_metrics
    from ..operate.logs import parse_since

    if bool(function) == every:
        raise UsageError("give FUNCTION or --all (with --env), one of them")
    if every:
        names, region_name = _every(obj, env, region)
    else:
        deployed, region_name = _deployed(obj, function, env, region)
        names = {function: deployed}
    end = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    start = dt.datetime.fromtimestamp(parse_since(since, int(end.timestamp() * 1000)) / 1000, dt.timezone.utc)
    if start >= end:
        raise UsageError(f"--since {since}: the window must start before now")
    rows = lambda_metrics.read(aws.client("cloudwatch", region_name), names, start, end)
    if not every and names[function] == function and not rows[0].invocations and rows[0].p50_ms is None:
        click.echo(f"warning: no metrics for {function} in the window; it is not a function of functions/, "
                   "so it was taken as a deployed name: is it deployed under that name, here?", err=True)
    if as_json:
        click.echo(json.dumps({"start": start.isoformat(), "end": end.isoformat(),
                               "functions": [row.as_dict() for row in rows]}, indent=2))
        return
    click.echo(f"{start:%Y-%m-%d %H:%M} to {end:%Y-%m-%d %H:%M} UTC")
    for line in lambda_metrics.table(rows):
        click.echo(line)


def _every(obj: Context, env: str | None, region: str | None) -> tuple[dict[str, str], str | None]:
    from ..errors import UsageError
    from ..deploy.targets import resolve
    from ..package.discover import discover

    if not env:
        raise UsageError("--all needs --env ENV: which environment's functions")
    project = obj.project()
    names = [f.name for f in discover(project.root, project.functions_dir, check_handlers=False)]
    targets = resolve(obj.project, names, env)
    values = targets[0].environment.values if targets else None
    return {name: target.function for name, target in zip(names, targets)}, aws.region(region, values)


COMMANDS = (logs, metrics)
