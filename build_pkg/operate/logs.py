"""`logs`: a deployed function's CloudWatch log events, newest last (boto3).

Every version and alias of a function writes to one log group, /aws/lambda/<its name>
(an adopted function's own name included). FilterLogEvents is read page by page to the
end, so nothing between two pages is skipped; events come back sorted by time. Following
polls from a little before the newest event seen (CloudWatch accepts events up to minutes
late, so a window is read again) and prints each event id once.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from .. import aws
from ..errors import AwsError, OperateError, UsageError

FOLLOW_POLL_S = 2.0
LATE_WINDOW_MS = 120_000  # how late CloudWatch may deliver an event, read again on each poll
_RELATIVE = re.compile(r"^(\d+)\s*(s|m|h|d|w)$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


@dataclass(frozen=True)
class LogQuery:
    group: str
    start_ms: int
    pattern: str | None = None  # CloudWatch's filter syntax
    request_id: str | None = None


@dataclass(frozen=True)
class LogEvent:
    id: str
    timestamp: int  # epoch ms
    stream: str
    message: str

    def line(self) -> str:
        at = dt.datetime.fromtimestamp(self.timestamp / 1000, dt.timezone.utc)
        return f"{at:%Y-%m-%dT%H:%M:%S}.{at.microsecond // 1000:03d}Z {self.message.rstrip()}"

    def as_json(self) -> str:
        at = dt.datetime.fromtimestamp(self.timestamp / 1000, dt.timezone.utc)
        return json.dumps({"timestamp": f"{at:%Y-%m-%dT%H:%M:%S}.{at.microsecond // 1000:03d}Z",
                           "stream": self.stream, "message": self.message.rstrip("\n"), "id": self.id})


def parse_since(text: str, now_ms: int) -> int:
    """`10m`, `1h`, `2d` before now, or an ISO 8601 time (UTC when it names no zone)."""
    value = text.strip()
    relative = _RELATIVE.match(value)
    if relative:
        start = now_ms - int(relative.group(1)) * _UNITS[relative.group(2)] * 1000
        if start < 0:
            raise _too_far(text)
        return start
    try:
        moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise UsageError(f"--since {text!r}: give a duration (30s, 10m, 1h, 2d, 1w) or an ISO time "
                         "(2026-12-01T09:30:00Z)") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.timezone.utc)
    start = int(moment.timestamp() * 1000)
    if start < 0:
        raise _too_far(text)
    return start


def _too_far(text: str) -> UsageError:
    return UsageError(f"--since {text!r} reaches before 1970; give a shorter duration or a later time")


def fetch(logs, query: LogQuery, start_ms: int | None = None) -> list[LogEvent]:
    """Every event from `start_ms` (the query's start by default), sorted by time. With a
    request id: the lines that carry it mark where the invocation ran (its log stream, one
    execution environment running one invocation at a time) and when (START to REPORT);
    every line of that stream in that span is the invocation's, `print()` output included,
    which carries no request id."""
    start = start_ms if start_ms is not None else query.start_ms
    if query.request_id is None:
        return _filtered(logs, query.group, start, query.pattern)
    marks = _filtered(logs, query.group, start, f'"{query.request_id}"')
    spans: dict[str, tuple[int, int]] = {}
    for event in marks:
        if query.request_id in event.message:
            low, high = spans.get(event.stream, (event.timestamp, event.timestamp))
            spans[event.stream] = (min(low, event.timestamp), max(high, event.timestamp))
    found = []
    for stream, (low, high) in sorted(spans.items()):
        found += _filtered(logs, query.group, low, query.pattern, stream=stream, end_ms=high + 1)
    found.sort(key=lambda e: (e.timestamp, e.id))
    return found


def _filtered(logs, group: str, start_ms: int, pattern: str | None, stream: str | None = None,
              end_ms: int | None = None) -> list[LogEvent]:
    kwargs = {"logGroupName": group, "startTime": start_ms}
    if pattern:
        kwargs["filterPattern"] = pattern
    if stream:
        kwargs["logStreamNames"] = [stream]
    if end_ms is not None:
        kwargs["endTime"] = end_ms
    found: list[LogEvent] = []
    token = None
    while True:
        page = _call(logs.filter_log_events, group, **kwargs, **({"nextToken": token} if token else {}))
        found += [LogEvent(e["eventId"], e["timestamp"], e.get("logStreamName", ""), e.get("message", ""))
                  for e in page.get("events", [])]
        next_token = page.get("nextToken")
        if not next_token or next_token == token:
            break
        token = next_token
    found.sort(key=lambda e: (e.timestamp, e.id))
    return found


def follow(logs, query: LogQuery, emit: Callable[[LogEvent], None], poll_s: float = FOLLOW_POLL_S,
           stop: Callable[[], bool] = lambda: False, sleep: Callable[[float], None] = time.sleep) -> None:
    """Print what there is, then poll until `stop()` (or Ctrl-C, which the caller ends on)."""
    seen: dict[str, int] = {}  # event id -> its timestamp, for the late window
    newest = query.start_ms
    for event in _unseen(fetch(logs, query), seen):
        emit(event)
        newest = max(newest, event.timestamp)
    while not stop():
        sleep(poll_s)
        start = max(query.start_ms, newest - LATE_WINDOW_MS)
        for event in _unseen(fetch(logs, query, start), seen):
            emit(event)
            newest = max(newest, event.timestamp)
        for key in [k for k, at in seen.items() if at < newest - 2 * LATE_WINDOW_MS]:
            del seen[key]


def _unseen(events: list[LogEvent], seen: dict[str, int]) -> Iterator[LogEvent]:
    for event in events:
        if event.id not in seen:
            seen[event.id] = event.timestamp
            yield event


def _call(fn, group: str, **kwargs):
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        return fn(**kwargs)
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "")
        if code == "ResourceNotFoundException":
            raise OperateError(f"no log group {group}: the function has not run yet, or is not deployed here "
                               "(check --env and --region)") from None
        if code == "InvalidParameterException" and "filterPattern" in kwargs:
            raise UsageError(f"--filter {kwargs['filterPattern']!r}: CloudWatch refuses it "
                             f"({exc.response['Error'].get('Message', '')})") from None
        raise OperateError(f"{group}: filter_log_events failed: {exc}") from None
    except BotoCoreError as exc:
        raise AwsError(f"{group}: reading logs failed: {aws.explain(exc)}") from None
