"""Realistic sample events for local runs and tests, as Lambda's event sources send them.

Pure: options in, a dict out. Identifiers and times are fixed so a sample is
the same on every run (and in a test's expected output); the parts people
change come from the options.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass

from ..api.gateway import Gateway, Request, http_event, rest_event
from ..api.proxy import Route
from ..errors import UsageError

ACCOUNT = "123456789012"
REGION = "us-east-1"
TIME = "2026-01-15T12:00:00Z"
EPOCH_MS = 1768478400000
EVENT_TYPES = ("schedule", "sqs", "sns", "s3", "s3-put", "s3-delete", "http", "rest", "dynamodb")


@dataclass(frozen=True)
class EventOptions:
    body: str | None = None
    bucket: str = "example-bucket"
    key: str = "incoming/report.csv"
    method: str = "GET"
    path: str = "/items"
    count: int = 1
    keys: tuple[str, ...] = ()  # dynamodb: the table's key attributes (default: from the item)
    route: str | None = None  # http, rest: the route's template (/items/{id}) when it is not the path
    path_parameters: tuple[tuple[str, str], ...] = ()  # http, rest: the route's parameters, filled from the path
    query: str = ""  # http, rest: the query string, without its `?`
    gateway: Gateway | None = None  # http, rest: the API as deployed (stage, variables, region); None: defaults


def _uuid(seed: str) -> str:
    """A stable UUID-shaped id derived from `seed`."""
    h = hashlib.sha256(seed.encode()).hexdigest()
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:32]}"


def sample(kind: str, options: EventOptions = EventOptions()) -> dict:
    if kind not in EVENT_TYPES:
        raise UsageError(f"unknown event type {kind!r}; one of {', '.join(EVENT_TYPES)}")
    return _BUILDERS[kind](options)


def _schedule(o: EventOptions) -> dict:
    return {
        "version": "0",
        "id": _uuid("schedule"),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": ACCOUNT,
        "time": TIME,
        "region": REGION,
        "resources": [f"arn:aws:events:{REGION}:{ACCOUNT}:rule/example-schedule"],
        "detail": {},
    }


def _sqs(o: EventOptions) -> dict:
    records = []
    for i in range(o.count):
        body = o.body if o.body is not None else json.dumps({"id": i + 1, "message": "hello"})
        records.append({
            "messageId": _uuid(f"sqs-{i}"),
            "receiptHandle": f"AQEB{hashlib.sha256(f'rh-{i}'.encode()).hexdigest()}",
            "body": body,
            "attributes": {
                "ApproximateReceiveCount": "1",
                "SentTimestamp": str(EPOCH_MS),
                "SenderId": "AIDAIENQZJOLO23YVJ4VO",
                "ApproximateFirstReceiveTimestamp": str(EPOCH_MS + 5),
            },
            "messageAttributes": {},
            "md5OfBody": hashlib.md5(body.encode()).hexdigest(),
            "eventSource": "aws:sqs",
            "eventSourceARN": f"arn:aws:sqs:{REGION}:{ACCOUNT}:example-queue",
            "awsRegion": REGION,
        })
    return {"Records": records}


def _sns(o: EventOptions) -> dict:
    topic = f"arn:aws:sns:{REGION}:{ACCOUNT}:example-topic"
    records = []
    for i in range(o.count):
        subscription = f"{topic}:{_uuid(f'sub-{i}')}"
        records.append({
            "EventSource": "aws:sns",
            "EventVersion": "1.0",
            "EventSubscriptionArn": subscription,
            "Sns": {
                "Type": "Notification",
                "MessageId": _uuid(f"sns-{i}"),
                "TopicArn": topic,
                "Subject": "example",
                "Message": o.body if o.body is not None else json.dumps({"id": i + 1, "message": "hello"}),
                "Timestamp": "2026-01-15T12:00:00.000Z",
                "SignatureVersion": "1",
                "Signature": "EXAMPLE",
                "SigningCertUrl": f"https://sns.{REGION}.amazonaws.com/SimpleNotificationService-example.pem",
                "UnsubscribeUrl": f"https://sns.{REGION}.amazonaws.com/?Action=Unsubscribe&SubscriptionArn={subscription}",
                "MessageAttributes": {},
            },
        })
    return {"Records": records}


def _s3(o: EventOptions, created: bool) -> dict:
    records = []
    for i in range(o.count):
        key = o.key if o.count == 1 else f"{o.key}.{i + 1}"
        obj = {"key": key, "sequencer": f"0065A{i:011X}"}
        if created:
            obj |= {"size": 1024, "eTag": hashlib.md5(key.encode()).hexdigest()}
        records.append({
            "eventVersion": "2.1",
            "eventSource": "aws:s3",
            "awsRegion": REGION,
            "eventTime": "2026-01-15T12:00:00.000Z",
            "eventName": "ObjectCreated:Put" if created else "ObjectRemoved:Delete",
            "userIdentity": {"principalId": "AWS:AIDAINPONIXQXHT3IKHL2"},
            "requestParameters": {"sourceIPAddress": "203.0.113.10"},
            "responseElements": {"x-amz-request-id": "C3D13FE58DE4C810",
                                 "x-amz-id-2": "FMyUVURIY8/IgAtTv8xRjskZQpcIZ9KG4V5Wp6S7S/JRWeUWerMUE5JgHvANOjpD"},
            "s3": {
                "s3SchemaVersion": "1.0",
                "configurationId": "example-notification",
                "bucket": {"name": o.bucket, "ownerIdentity": {"principalId": "A3NL1KOZZKExample"},
                           "arn": f"arn:aws:s3:::{o.bucket}"},
                "object": obj,
            },
        })
    return {"Records": records}


def _request(o: EventOptions, request_id: str, api: Gateway) -> Request:
    """The sample's HTTP request as a client (curl) sends it: fixed ids, time and client
    address, the parts people change from `o`. What API Gateway adds comes from the one
    translation start-api uses."""
    body = o.body.encode() if o.body is not None else b""
    headers = [("Host", f"{api.api_id}.execute-api.{api.region}.amazonaws.com"), ("User-Agent", "curl/8.5.0"),
               ("Accept", "*/*")]
    if body:
        headers.append(("Content-Type", "application/json"))
    return Request(o.method, o.path, o.query, tuple(headers), body, "203.0.113.10", request_id,
                   dt.datetime.fromtimestamp(EPOCH_MS / 1000, dt.timezone.utc))


def _http(o: EventOptions) -> dict:
    """API Gateway HTTP API, payload format 2.0, as start-api sends it."""
    route = Route(o.method, o.route or o.path, "", "http")
    api = o.gateway or Gateway()
    return http_event(_request(o, "JKJaXmPLvHcESHA=", api), route, dict(o.path_parameters), api)


def _rest(o: EventOptions) -> dict:
    """API Gateway REST API, Lambda proxy integration, as start-api sends it (the stage and
    its variables as the environment local runs use deploys them)."""
    route = Route(o.method, o.route or o.path, "", "rest")
    api = o.gateway or Gateway()
    return rest_event(_request(o, _uuid("rest"), api), route, dict(o.path_parameters), api)


def _attribute(value) -> dict:
    """A JSON value as a DynamoDB attribute value."""
    if isinstance(value, bool):
        return {"BOOL": value}
    if isinstance(value, (int, float)):
        return {"N": str(value)}
    if value is None:
        return {"NULL": True}
    if isinstance(value, list):
        return {"L": [_attribute(v) for v in value]}
    if isinstance(value, dict):
        return {"M": {k: _attribute(v) for k, v in value.items()}}
    return {"S": str(value)}


def _dynamodb(o: EventOptions) -> dict:
    try:
        given = json.loads(o.body) if o.body else None
    except ValueError as exc:
        raise UsageError(f"--body for a dynamodb event is not JSON ({exc}); pass a JSON object (the new item)") from None
    if given is not None and (not isinstance(given, dict) or not given):
        raise UsageError("--body for a dynamodb event must be a JSON object with at least one attribute (the new item)")
    records = []
    for i in range(o.count):
        item = given if given is not None else {"id": str(i + 1), "status": "new"}
        names = _key_names(item, o.keys)
        records.append({
            "eventID": hashlib.md5(f"ddb-{i}".encode()).hexdigest(),
            "eventName": "INSERT",
            "eventVersion": "1.1",
            "eventSource": "aws:dynamodb",
            "awsRegion": REGION,
            "dynamodb": {
                "ApproximateCreationDateTime": EPOCH_MS // 1000,
                "Keys": {name: _attribute(item[name]) for name in names},
                "NewImage": {k: _attribute(v) for k, v in item.items()},
                "SequenceNumber": f"{111 + i}",
                "SizeBytes": 26,
                "StreamViewType": "NEW_AND_OLD_IMAGES",
            },
            "eventSourceARN": f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/example/stream/2026-01-15T12:00:00.000",
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


_BUILDERS = {
    "schedule": _schedule,
    "sqs": _sqs,
    "sns": _sns,
    "s3": lambda o: _s3(o, True),  # what `new --trigger s3` subscribes to: object created
    "s3-put": lambda o: _s3(o, True),
    "s3-delete": lambda o: _s3(o, False),
    "http": _http,
    "rest": _rest,
    "dynamodb": _dynamodb,
}
