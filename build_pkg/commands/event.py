"""`event`: print a sample event of a trigger type."""

from __future__ import annotations

import json

import click

from ..local.events import EVENT_TYPES, EventOptions, sample


@click.command()
@click.argument("event_type", metavar="TYPE", type=click.Choice(EVENT_TYPES))
@click.option("--body", help="Message body (sqs, sns), request body (http, rest) or new item as JSON (dynamodb).")
@click.option("--bucket", default="example-bucket", show_default=True, help="Bucket (s3, s3-put, s3-delete).")
@click.option("--key", default="incoming/report.csv", show_default=True, help="Object key (s3, s3-put, s3-delete).")
@click.option("--method", default="GET", show_default=True, help="HTTP method (http, rest).")
@click.option("--path", "path_", metavar="PATH", default="/items", show_default=True, help="Request path (http, rest).")
@click.option("--count", type=click.IntRange(1, 10000), default=1, show_default=True,
              help="Records in the batch (sqs, sns, s3-*, dynamodb).")
@click.option("--keys", metavar="NAME[,NAME]",
              help="The table's key attributes, from the item (dynamodb). [default: pk and sk, else id, else the "
                   "item's first attribute]")
@click.option("--json", "as_json", is_flag=True, help="Accepted as on every command; the event is JSON either way.")
def event(event_type, body, bucket, key, method, path_, count, keys, as_json) -> None:
    """Print a sample event of TYPE as JSON, as its event source sends it.

    TYPE is one of: schedule (EventBridge scheduled event), sqs, sns, s3 or
    s3-put (object created: what `new --trigger s3` subscribes to), s3-delete,
    http (API Gateway HTTP API, payload 2.0), rest (API Gateway REST proxy),
    dynamodb (stream). Save it and pass it to `invoke --event FILE`.
    """
    options = EventOptions(body=body, bucket=bucket, key=key, method=method.upper(), path=path_, count=count,
                           keys=tuple(k.strip() for k in (keys or "").split(",") if k.strip()))
    click.echo(json.dumps(sample(event_type, options), indent=2))


COMMANDS = (event,)
