"""Sample events of the sources Lambda polls or that batch records for it: Kinesis data
streams, DynamoDB streams (INSERT, MODIFY, REMOVE), Kinesis Data Firehose and CloudWatch
Logs subscriptions (the log events gzip-compressed, then base64, as Lambda receives them).
Pure: options in, a dict out, the same on every run."""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import math

from ..errors import UsageError
from .event_parts import EPOCH_MS, EventOptions, message, stable_uuid


def _sequence(i: int) -> str:
    return f"4959033827149025660855969253836157109592157598913658{8898 + i:04d}"


def kinesis(o: EventOptions) -> dict:
    records = []
    for i in range(o.count):
        sequence = _sequence(i)
        records.append({
            "kinesis": {
                "kinesisSchemaVersion": "1.0",
                "partitionKey": str(i + 1),
                "sequenceNumber": sequence,
                "data": base64.b64encode(message(o, i).encode()).decode(),
                "approximateArrivalTimestamp": EPOCH_MS / 1000 + i / 1000,
            },
            "eventSource": "aws:kinesis",
            "eventVersion": "1.0",
            "eventID": f"shardId-000000000006:{sequence}",
            "eventName": "aws:kinesis:record",
            "invokeIdentityArn": f"arn:aws:iam::{o.account}:role/example-kinesis-role",
            "awsRegion": o.region,
            "eventSourceARN": f"arn:aws:kinesis:{o.region}:{o.account}:stream/example-stream",
        })
    return {"Records": records}


def firehose(o: EventOptions) -> dict:
    return {
        "invocationId": stable_uuid("firehose"),
        "deliveryStreamArn": f"arn:aws:firehose:{o.region}:{o.account}:deliverystream/example-stream",
        "region": o.region,
        "records": [{"recordId": _sequence(i), "approximateArrivalTimestamp": EPOCH_MS + i,
                     "data": base64.b64encode(message(o, i).encode()).decode()} for i in range(o.count)],
    }


def cloudwatch_logs(o: EventOptions) -> dict:
    """A subscription filter's delivery: --count log events of --body (a log line)."""
    payload = {
        "messageType": "DATA_MESSAGE",
        "owner": o.account,
        "logGroup": "/aws/lambda/example-function",
        "logStream": "2026/01/15/[$LATEST]" + hashlib.md5(b"stream").hexdigest(),
        "subscriptionFilters": ["example-filter"],
        "logEvents": [{"id": f"{_sequence(i)}", "timestamp": EPOCH_MS + i,
                       "message": o.body if o.body is not None else f"ERROR example log line {i + 1}"}
                      for i in range(o.count)],
    }
    compressed = gzip.compress(json.dumps(payload).encode(), mtime=0)  # mtime 0: the same bytes every run
    return {"awslogs": {"data": base64.b64encode(compressed).decode()}}


def attribute(value) -> dict:
    """A JSON value as a DynamoDB attribute value."""
    if isinstance(value, bool):
        return {"BOOL": value}
    if isinstance(value, (int, float)):
        digits = repr(value).lstrip("-").split("e")[0].replace(".", "").strip("0")
        if isinstance(value, float) and not math.isfinite(value) or len(digits) > 38:
            raise UsageError(f"{value!r}: a DynamoDB number is finite, with up to 38 significant digits; "
                             "change it in --body")
        return {"N": str(value)}
    if value is None:
        return {"NULL": True}
    if isinstance(value, list):
        return {"L": [attribute(v) for v in value]}
    if isinstance(value, dict):
        return {"M": {k: attribute(v) for k, v in value.items()}}
    return {"S": str(value)}


def _item(text: str | None, option: str) -> dict | None:
    try:
        given = json.loads(text) if text else None
    except ValueError as exc:
        raise UsageError(f"{option} for a dynamodb event is not JSON ({exc}); pass a JSON object (the item)") from None
    if given is not None and (not isinstance(given, dict) or not given):
        raise UsageError(f"{option} for a dynamodb event must be a JSON object with at least one attribute (the item)")
    return given


def dynamodb(o: EventOptions, change: str = "INSERT") -> dict:
    """A stream batch of INSERT (the new item), MODIFY (old and new images) or REMOVE (the
    old image). The default item of MODIFY and REMOVE has a number key, as many tables do."""
    given = _item(o.body, "--body")
    before = _item(o.old_body, "--old-body")
    records = []
    for i in range(o.count):
        default = {"id": str(i + 1), "status": "new"} if change == "INSERT" else {"id": i + 1, "status": "shipped"}
        item = given if given is not None else default
        names = _key_names(item, o.keys)
        keys = {name: item[name] for name in names}
        old = before if before is not None else ({**keys, "status": "new"} if given is None else keys)
        moved = [name for name in names if change == "MODIFY" and old.get(name, item[name]) != item[name]]
        if moved:
            raise UsageError(f"--old-body: {', '.join(moved)} differs from --body; a MODIFY keeps the item's key "
                             "(a new key is a REMOVE and an INSERT)")
        old = {**old, **keys}
        images = {"NewImage": item} if change == "INSERT" else (
            {"OldImage": old, "NewImage": item} if change == "MODIFY" else {"OldImage": item})
        records.append({
            "eventID": hashlib.md5(f"ddb-{change}-{i}".encode()).hexdigest(),
            "eventName": change,
            "eventVersion": "1.1",
            "eventSource": "aws:dynamodb",
            "awsRegion": o.region,
            "dynamodb": {
                "ApproximateCreationDateTime": EPOCH_MS // 1000,
                "Keys": {name: attribute(value) for name, value in keys.items()},
                **{kind: {k: attribute(v) for k, v in image.items()} for kind, image in images.items()},
                "SequenceNumber": f"{111 + i}",
                "SizeBytes": 26,
                "StreamViewType": "NEW_AND_OLD_IMAGES",
            },
            "eventSourceARN": f"arn:aws:dynamodb:{o.region}:{o.account}:table/example/stream/2026-01-15T12:00:00.000",
        })
    return {"Records": records}


def _key_names(item: dict, given: tuple[str, ...]) -> list[str]:
    """The key attributes, taken from the item: --keys, else pk/sk (single-table designs),
    else id, else the item's first attribute."""
    if given:
        missing = [name for name in given if name not in item]
        if missing:
            raise UsageError(f"--keys {', '.join(missing)}: not an attribute of the item; name attributes of --body")
        return list(given)
    for candidates in (("pk", "sk"), ("PK", "SK"), ("id",)):
        found = [name for name in candidates if name in item]
        if found:
            return found
    return [next(iter(item))]
