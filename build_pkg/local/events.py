"""Realistic sample events for local runs and tests, as Lambda's event sources send them:
the notification sources (EventBridge, SQS, SNS, S3) and the HTTP front doors (API Gateway's
REST and HTTP APIs, an Application Load Balancer) here, the polled and batched streams in
`stream_events`.

Pure: options in, a dict out. Identifiers and times are fixed so a sample is
the same on every run (and in a test's expected output); the parts people
change come from the options.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json

from ..api.gateway import Gateway, Request, http_event, rest_event
from ..api.proxy import Route
from ..errors import UsageError
from . import stream_events
from .event_parts import EPOCH_MS, TIME, EventOptions, message, stable_uuid as _uuid

__all__ = ["EVENT_TYPES", "EventOptions", "sample"]

EVENT_TYPES = ("schedule", "eventbridge", "sqs", "sqs-fifo", "sns", "s3", "s3-put", "s3-delete", "http", "rest",
               "alb", "dynamodb", "dynamodb-modify", "dynamodb-remove", "kinesis", "firehose", "cloudwatch-logs")


ONE_RECORD = ("sns", "s3", "s3-put", "s3-delete")  # Lambda gets one notification per invocation
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")


def sample(kind: str, options: EventOptions = EventOptions()) -> dict:
    if kind not in EVENT_TYPES:
        raise UsageError(f"unknown event type {kind!r}; one of {', '.join(EVENT_TYPES)}")
    if kind in ONE_RECORD and options.count != 1:
        raise UsageError(f"--count {options.count}: a {kind} event carries one record (Lambda is invoked once per "
                         "notification); --count is for the batch sources")
    if kind in ("http", "rest", "alb") and options.method not in METHODS:
        raise UsageError(f"--method {options.method}: not an HTTP method API Gateway routes; one of {', '.join(METHODS)}")
    return _BUILDERS[kind](options)


def _schedule(o: EventOptions) -> dict:
    return {
        "version": "0",
        "id": _uuid("schedule"),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": o.account,
        "time": TIME,
        "region": o.region,
        "resources": [f"arn:aws:events:{o.region}:{o.account}:rule/example-schedule"],
        "detail": {},
    }


def _eventbridge(o: EventOptions) -> dict:
    """A custom event put on a bus (PutEvents): --source, --detail-type, --body as its detail."""
    try:
        detail = json.loads(o.body) if o.body is not None else {"orderId": "o-1", "total": 42}
    except ValueError as exc:
        raise UsageError(f"--body for an eventbridge event is its detail, a JSON object ({exc})") from None
    if not isinstance(detail, dict):
        raise UsageError("--body for an eventbridge event is its detail: a JSON object")
    return {"version": "0", "id": _uuid("eventbridge"), "detail-type": o.detail_type, "source": o.source,
            "account": o.account, "time": TIME, "region": o.region, "resources": [], "detail": detail}


def _sqs(o: EventOptions, fifo: bool = False) -> dict:
    queue = "example-queue.fifo" if fifo else "example-queue"
    records = []
    for i in range(o.count):
        body = message(o, i)
        attributes = {
            "ApproximateReceiveCount": "1",
            "SentTimestamp": str(EPOCH_MS),
            "SenderId": "AIDAIENQZJOLO23YVJ4VO",
            "ApproximateFirstReceiveTimestamp": str(EPOCH_MS + 5),
        }
        if fifo:  # a FIFO queue's order and deduplication
            # Each its own deduplication id: SQS drops a second message with the same one.
            attributes |= {"SequenceNumber": f"1862760000000000{i:04d}", "MessageGroupId": "example-group",
                           "MessageDeduplicationId": hashlib.sha256(f"{i}:{body}".encode()).hexdigest()}
        records.append({
            "messageId": _uuid(f"sqs-{i}"),
            "receiptHandle": f"AQEB{hashlib.sha256(f'rh-{i}'.encode()).hexdigest()}",
            "body": body,
            "attributes": attributes,
            "messageAttributes": {},
            "md5OfBody": hashlib.md5(body.encode()).hexdigest(),
            "eventSource": "aws:sqs",
            "eventSourceARN": f"arn:aws:sqs:{o.region}:{o.account}:{queue}",
            "awsRegion": o.region,
        })
    return {"Records": records}


def _sns(o: EventOptions) -> dict:
    topic = f"arn:aws:sns:{o.region}:{o.account}:example-topic"
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
                "Message": message(o, i),
                "Timestamp": "2026-01-15T12:00:00.000Z",
                "SignatureVersion": "1",
                "Signature": "EXAMPLE",
                "SigningCertUrl": f"https://sns.{o.region}.amazonaws.com/SimpleNotificationService-example.pem",
                "UnsubscribeUrl": f"https://sns.{o.region}.amazonaws.com/?Action=Unsubscribe&SubscriptionArn={subscription}",
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
            "awsRegion": o.region,
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


def _alb(o: EventOptions) -> dict:
    """An Application Load Balancer's request to a Lambda target (multi-value headers off):
    header names lower-cased, the query string as sent (not decoded)."""
    headers = {"accept": "*/*", "host": f"example-alb-123578498.{o.region}.elb.amazonaws.com",
               "user-agent": "curl/8.5.0", "x-amzn-trace-id": "Root=1-6968d640-" + hashlib.sha256(b"alb").hexdigest()[:24],
               "x-forwarded-for": "203.0.113.10", "x-forwarded-port": "80", "x-forwarded-proto": "http"}
    if o.body is not None:
        headers["content-type"] = "application/json"
    return {
        "requestContext": {"elb": {"targetGroupArn": f"arn:aws:elasticloadbalancing:{o.region}:{o.account}:"
                                                     "targetgroup/example-target/49e9d65c45c6791a"}},
        "httpMethod": o.method,
        "path": o.path,
        "queryStringParameters": dict(pair.partition("=")[::2] for pair in o.query.split("&") if pair),
        "headers": headers,
        "body": o.body or "",
        "isBase64Encoded": False,
    }


_BUILDERS = {
    "schedule": _schedule,
    "eventbridge": _eventbridge,
    "sqs": _sqs,
    "sqs-fifo": lambda o: _sqs(o, fifo=True),
    "sns": _sns,
    "s3": lambda o: _s3(o, True),  # what `new --trigger s3` subscribes to: object created
    "s3-put": lambda o: _s3(o, True),
    "s3-delete": lambda o: _s3(o, False),
    "http": _http,
    "rest": _rest,
    "alb": _alb,
    "dynamodb": stream_events.dynamodb,
    "dynamodb-modify": lambda o: stream_events.dynamodb(o, "MODIFY"),
    "dynamodb-remove": lambda o: stream_events.dynamodb(o, "REMOVE"),
    "kinesis": stream_events.kinesis,
    "firehose": stream_events.firehose,
    "cloudwatch-logs": stream_events.cloudwatch_logs,
}
