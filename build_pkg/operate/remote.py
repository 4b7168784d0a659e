"""`invoke NAME --remote ENV`: the deployed function, through its alias (boto3).

The same shape as a local run: the result (or Lambda's error document) on stdout, the
log's tail (the last 4 KB Lambda returns) decoded on stderr, a function error a failure.
The REPORT line of the tail gives duration, init duration and memory, as locally. An
invocation is never retried (botocore would retry a timeout, running the function twice)
and may take Lambda's 15 minutes.
"""

from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass

from .. import aws
from ..errors import AwsError, OperateError

_REPORT = re.compile(r"REPORT RequestId: \S+\s+Duration: ([\d.]+) ms.*?Max Memory Used: (\d+) MB"
                     r"(?:.*?Init Duration: ([\d.]+) ms)?")


@dataclass(frozen=True)
class RemoteOutcome:
    request_id: str
    status: str  # "ok" | "error" | "accepted" (an event invocation)
    document: object
    version: str | None  # the version that ran
    log: str = ""
    duration_ms: float | None = None
    init_ms: float | None = None
    max_memory_mb: int | None = None

    @property
    def failed(self) -> bool:
        return self.status == "error"


def client(region: str | None):
    """A Lambda client that never retries an invocation and waits as long as Lambda may run."""
    from botocore.config import Config

    return aws.client("lambda", region, Config(retries={"max_attempts": 1, "mode": "standard"}, read_timeout=910,
                                               connect_timeout=10))


def invoke(lam, function: str, qualifier: str, payload: bytes, asynchronous: bool = False) -> RemoteOutcome:
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        reply = lam.invoke(FunctionName=function, Qualifier=qualifier, Payload=payload,
                           InvocationType="Event" if asynchronous else "RequestResponse",
                           **({} if asynchronous else {"LogType": "Tail"}))
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "")
        if code == "ResourceNotFoundException":
            raise OperateError(f"{function}: not deployed here, or no {qualifier!r} alias or version "
                               "(check --remote ENV, --qualifier and --region)") from None
        raise OperateError(f"{function}: invoke failed: {exc}") from None
    except BotoCoreError as exc:
        raise AwsError(f"{function}: invoke failed: {aws.explain(exc)}") from None
    request_id = reply.get("ResponseMetadata", {}).get("RequestId", "")
    if asynchronous:
        return RemoteOutcome(request_id, "accepted", {"StatusCode": reply.get("StatusCode")}, None)
    body = reply["Payload"].read()
    try:
        document = json.loads(body) if body else None
    except ValueError:
        document = body.decode("utf-8", "replace")
    log = base64.b64decode(reply.get("LogResult") or "").decode("utf-8", "replace")
    report = _REPORT.search(log)
    return RemoteOutcome(request_id, "error" if reply.get("FunctionError") else "ok", document,
                         reply.get("ExecutedVersion"), log,
                         float(report.group(1)) if report else None,
                         float(report.group(3)) if report and report.group(3) else None,
                         int(report.group(2)) if report else None)
