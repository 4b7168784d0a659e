"""What every sample event shares: the options people change, and the fixed account,
region, time and ids that make a sample the same on every run (and in a test's expected
output). Pure."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from ..api.gateway import Gateway

ACCOUNT = "123456789012"
REGION = "us-east-1"
TIME = "2026-01-15T12:00:00Z"
EPOCH_MS = 1768478400000


@dataclass(frozen=True)
class EventOptions:
    body: str | None = None
    bucket: str = "example-bucket"
    key: str = "incoming/report.csv"
    method: str = "GET"
    path: str = "/items"
    count: int = 1
    keys: tuple[str, ...] = ()  # dynamodb: the table's key attributes (default: from the item)
    old_body: str | None = None  # dynamodb-modify: the item before the change (default: its keys alone)
    source: str = "com.example.orders"  # eventbridge: the custom event's source
    detail_type: str = "OrderPlaced"  # eventbridge: its detail-type
    route: str | None = None  # http, rest: the route's template (/items/{id}) when it is not the path
    path_parameters: tuple[tuple[str, str], ...] = ()  # http, rest: the route's parameters, filled from the path
    query: str = ""  # http, rest: the query string, without its `?`
    gateway: Gateway | None = None  # http, rest: the API as deployed (stage, variables, region); None: defaults
    region: str = REGION  # where the source is: the local environment's region and account in a repository
    account: str = ACCOUNT


def stable_uuid(seed: str) -> str:
    """A stable UUID-shaped id derived from `seed`."""
    h = hashlib.sha256(seed.encode()).hexdigest()
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:32]}"


def message(o: EventOptions, i: int) -> str:
    """The i-th record's body: --body, else a small JSON message."""
    import json

    return o.body if o.body is not None else json.dumps({"id": i + 1, "message": "hello"})
