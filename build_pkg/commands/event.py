"""`event`: print a sample event of a trigger type."""

from __future__ import annotations

import json

import click

from ..local.events import EVENT_TYPES, EventOptions, sample


@click.command()
@click.argument("event_type", metavar="TYPE", type=click.Choice(EVENT_TYPES))
@click.option("--body", help="Message body (sqs, sns, kinesis, firehose), log line (cloudwatch-logs), request body "
                             "(http, rest, alb), detail (eventbridge) or the item as JSON (dynamodb*).")
@click.option("--old-body", help="The item before the change, as JSON (dynamodb-modify). [default: its keys alone]")
@click.option("--source", default="com.example.orders", show_default=True, help="The event's source (eventbridge).")
@click.option("--detail-type", default="OrderPlaced", show_default=True, help="Its detail-type (eventbridge).")
@click.option("--bucket", default="example-bucket", show_default=True, help="Bucket (s3, s3-put, s3-delete).")
@click.option("--key", default="incoming/report.csv", show_default=True, help="Object key (s3, s3-put, s3-delete).")
@click.option("--method", default="GET", show_default=True, help="HTTP method (http, rest, alb).")
@click.option("--path", "path_", metavar="PATH", default="/items", show_default=True,
              help="Request path, with a query string if any (http, rest, alb): /items?limit=2.")
@click.option("--count", type=click.IntRange(1, 10000), default=1, show_default=True,
              help="Records in the batch (sqs*, sns, s3-*, dynamodb*, kinesis, firehose; log events of "
                   "cloudwatch-logs).")
@click.option("--keys", metavar="NAME[,NAME]",
              help="The table's key attributes, from the item (dynamodb*). [default: pk and sk, else id, else the "
                   "item's first attribute]")
@click.option("--json", "as_json", is_flag=True, help="Accepted as on every command; the event is JSON either way.")
@click.pass_obj
def event(obj, event_type, body, old_body, source, detail_type, bucket, key, method, path_, count, keys,
          as_json) -> None:
    """Print a sample event of TYPE as JSON, as its event source sends it.

    TYPE is one of: schedule (EventBridge scheduled event), eventbridge (a
    custom event), sqs, sqs-fifo, sns, s3 or s3-put (object created: what
    `new --trigger s3` subscribes to), s3-delete, http (API Gateway HTTP API,
    payload 2.0), rest (API Gateway REST proxy), alb (Application Load
    Balancer), dynamodb (stream INSERT), dynamodb-modify, dynamodb-remove,
    kinesis, firehose, cloudwatch-logs (a subscription's gzip+base64 data).
    Save it and pass it to `invoke --event FILE`. Inside a
    worker repository, an http or rest event takes the project's route that
    --method and --path match (its template as resource or routeKey, its path
    parameters filled), as API Gateway would; a warning says when none does.
    """
    path_, _, query = path_.partition("?")
    options = EventOptions(body=body, bucket=bucket, key=key, method=method.upper(), path=path_ or "/", count=count,
                           keys=tuple(k.strip() for k in (keys or "").split(",") if k.strip()), query=query,
                           old_body=old_body, source=source, detail_type=detail_type)
    options = _in_the_repository(obj, options)
    if event_type in ("http", "rest"):
        options = _with_route(obj, event_type, options)
    click.echo(json.dumps(sample(event_type, options), indent=2))


def _in_the_repository(obj, options: EventOptions) -> EventOptions:
    """Inside a worker repository, the sources are where local runs run: the environment's
    region and account (dev's tfvars, as invoke and the servers use them)."""
    from dataclasses import replace

    from ..errors import ProjectError
    from ..infra.function_config import local_environment

    try:
        environment = local_environment(obj.project())
    except ProjectError:
        return options
    if environment is None:
        return options
    return replace(options, region=environment.region or options.region,
                   account=environment.account or options.account)


def _with_route(obj, kind: str, options: EventOptions) -> EventOptions:
    from dataclasses import replace

    from ..errors import ProjectError
    from ..local.routes import local_gateway, matching_route

    try:
        project = obj.project()
    except ProjectError:
        return options  # outside a worker repository: the path as it is
    found, routes = matching_route(project, kind, options.method, options.path)
    options = replace(options, gateway=local_gateway(project, routes))
    if found is None:
        if routes:
            shown = ", ".join(r.key for r in routes[:5]) + (" ..." if len(routes) > 5 else "")
            click.echo(f"warning: no {kind} route of the project matches {options.method} {options.path} "
                       f"(it has {shown}); the event names the path as its route", err=True)
        return options
    route, params = found
    click.echo(f"{options.method} {options.path} takes the route {route.key} of {route.function}", err=True)
    return replace(options, route=route.path, path_parameters=tuple(sorted(params.items())))


COMMANDS = (event,)
