"""The local servers on 127.0.0.1: `start-api` (the project's routes, as API Gateway proxies
them to Lambda) and `start-lambda` (Lambda's Invoke API, for boto3 with `endpoint_url`).
Both run the functions of one LocalFunctions, warm; each request is one line on stderr.
The HTTP side they share (backlog, connection bound, timeouts, bodies) is `http_server`.
"""

from __future__ import annotations

import base64
import json
import re
import sys
import time
import uuid
from dataclasses import replace
from urllib.parse import parse_qs, unquote, urlsplit

from ..api import gateway, proxy
from ..errors import InvokeError
from .http_server import HOST, Handler, listen, serve  # noqa: F401 (the servers' entry points)
from .runtime import EVENT_LIMIT, REQUEST_LIMIT
_INVOKE_PATH = re.compile(r"^/2015-03-31/functions/([^/]+)/invocations$")
# Lambda's Invoke input constraints, as its API reference states them; a request outside
# them is a ValidationException naming each, before anything is looked up.
_NAME_PATTERN = (r"(arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}(-gov)?-[a-z]+-\d{1}:)?(\d{12}:)?(function:)?"
                 r"([a-zA-Z0-9-_\.]+)(:(\$LATEST|[a-zA-Z0-9-_]+))?")
_QUALIFIER_PATTERN = r"(|[a-zA-Z0-9$_-]+)"
_LOG_TAIL_BYTES = 4096  # what Lambda returns of the log with LogType Tail
API_BODY_LIMIT = 10 * 1024 * 1024  # API Gateway's request payload quota (REST and HTTP APIs)


class ApiHandler(Handler):
    """Each request as its route's proxy event; the function's result as API Gateway's reply."""

    body_limit = API_BODY_LIMIT

    def _too_large(self, size: int, began: float) -> None:
        self._send(413, (("Content-Type", "application/json"),), b'{"message":"Request Too Long"}')
        self._note(413, None, began)

    def _serve(self) -> None:
        began = time.monotonic()
        body = self._read_body(began)
        if body is None:
            return
        url = urlsplit(self.path)
        functions = self.functions
        found = proxy.match(functions.routes, self.command, url.path)
        if found is None:
            has_rest = any(r.kind == "rest" for r in functions.routes)
            reply = proxy.MISSING_TOKEN if has_rest else proxy.NOT_FOUND
            self._send(*reply)
            return self._note(reply[0], None, began)
        route, params = found
        request = gateway.Request(self.command, url.path, url.query, tuple(self.headers.items()), body,
                                  self.client_address[0])
        api = replace(functions.gateway, port=self.server.server_address[1], proto="http")
        event = (gateway.rest_event if route.kind == "rest" else gateway.http_event)(request, route, params, api)
        try:
            outcome = functions.pool.invoke(route.function, json.dumps(event).encode())
        except InvokeError:
            if self.stopping():
                return
            self._send(*proxy.BAD_GATEWAY)  # the function went away in a rebuild
            return self._note(502, route.function, began)
        if self.stopping():  # its runtime was stopped with the server: no answer was made
            return
        if outcome.failed:
            reply = gateway.Response(*proxy.BAD_GATEWAY, problem=_failure(outcome.document))
        else:
            reply = gateway.response(outcome.document, route.kind, api, request.header("Accept"))
        if reply.problem:  # what API Gateway's execution log would say
            print(f"{route.function}: 502: {reply.problem}", file=sys.stderr, flush=True)
        headers = reply.headers + (("x-amzn-RequestId", request.request_id),)
        self._send(reply.status, headers, reply.body)
        self._note(reply.status, route.function, began)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _serve  # noqa: N815


def _failure(document) -> str:
    if isinstance(document, dict):
        return f"the function failed: {document.get('errorType', 'error')}: {document.get('errorMessage', '')}".strip()
    return "the function failed"


class LambdaHandler(Handler):
    """Lambda's Invoke API (2015-03-31): RequestResponse, Event and DryRun, LogType Tail."""

    body_limit = REQUEST_LIMIT

    def _too_large(self, size: int, began: float) -> None:
        if (self.headers.get("X-Amz-Invocation-Type") or "") == "Event":
            return self._error(413, "RequestEntityTooLargeException", f"{size} byte payload is too large for "
                               f"the Event invocation type (limit {EVENT_LIMIT} bytes)", began)
        self._error(413, "RequestEntityTooLargeException",
                    f"Request must be smaller than {REQUEST_LIMIT} bytes for the InvokeFunction operation", began)

    def _unsupported(self) -> None:
        """Any other operation (get-function, list-functions, invoke-async, ...): an AWS-shaped
        JSON error naming it, not http.server's HTML page."""
        began = time.monotonic()
        if self._read_body(began) is None:
            return
        self._error(404, "UnknownOperationException",
                    f"start-lambda serves Invoke only (POST /2015-03-31/functions/NAME/invocations), "
                    f"not {self.command} {urlsplit(self.path).path}", began)

    do_GET = do_PUT = do_DELETE = do_PATCH = do_HEAD = _unsupported  # noqa: N815

    def do_POST(self) -> None:  # noqa: N802
        began = time.monotonic()
        payload = self._read_body(began)
        if payload is None:
            return
        payload = payload or b"{}"
        url = urlsplit(self.path)
        matched = _INVOKE_PATH.match(url.path)
        if not matched:
            return self._error(404, "UnknownOperationException", f"unknown operation {url.path}", began)
        asked = unquote(matched.group(1))
        qualifier = (parse_qs(url.query).get("Qualifier") or [""])[0]
        kind = self.headers.get("X-Amz-Invocation-Type") or "RequestResponse"
        invalid = _invalid(asked, qualifier, kind, self.headers.get("X-Amz-Log-Type") or "None")
        if invalid:
            return self._error(400, "ValidationException", invalid, began)
        named = _function_named(asked, self.functions.gateway.region, self.functions.gateway.account)
        if isinstance(named, str):
            return self._error(404, "ResourceNotFoundException", named, began)
        short, in_name, arn = named
        name = self.functions.resolve(short) if short else None
        if name is None:
            return self._error(404, "ResourceNotFoundException", f"Function not found: {arn}", began)
        if in_name and qualifier and in_name != qualifier:
            return self._error(400, "InvalidParameterValueException",
                               "The derived qualifier from the function name does not match the specified "
                               "qualifier.", began)
        qualifier = qualifier or in_name
        if qualifier not in ("", "$LATEST", "live"):  # what runs here: the code of $LATEST, which `live` names
            return self._error(404, "ResourceNotFoundException",
                               f"Function not found: arn:aws:lambda:{self.functions.gateway.region}:{self.functions.gateway.account}:"
                               f"function:{self.functions.deployed_name(name)}:{qualifier}", began)
        try:
            json.loads(payload)
        except ValueError:
            return self._error(400, "InvalidRequestContentException",
                               "Could not parse request body into json: the payload is not JSON", began)
        client_context = self._client_context()
        if client_context is False:
            return self._error(400, "InvalidRequestContentException",
                               "Client context must be a valid Base64-encoded JSON object.", began)
        if kind == "Event" and len(payload) > EVENT_LIMIT:
            return self._error(413, "RequestEntityTooLargeException", f"{len(payload)} byte payload is too large for "
                               f"the Event invocation type (limit {EVENT_LIMIT} bytes)", began)
        if kind == "DryRun":
            # Lambda names no executed version for a dry run
            self._send(204, (("x-amzn-RequestId", str(uuid.uuid4())),), b"")
            return self._note(204, name, began)
        if kind == "Event":
            self.functions.run_later(name, payload)
            # nor for an event: it has not run yet
            self._send(202, (("x-amzn-RequestId", str(uuid.uuid4())),), b"")
            return self._note(202, name, began)
        try:
            outcome = self.functions.pool.invoke(name, payload, client_context)  # synchronous calls only, as Lambda
        except InvokeError as exc:
            if self.stopping():
                return
            return self._error(404, "ResourceNotFoundException", str(exc), began)
        if self.stopping():  # its runtime was stopped with the server: no answer was made
            return
        headers = [("Content-Type", "application/json"), ("X-Amz-Executed-Version", "$LATEST"),
                   ("x-amzn-RequestId", outcome.request_id)]
        if outcome.failed:
            headers.append(("X-Amz-Function-Error", "Unhandled"))
        if (self.headers.get("X-Amz-Log-Type") or "").lower() == "tail":
            headers.append(("X-Amz-Log-Result", base64.b64encode(outcome.log[-_LOG_TAIL_BYTES:]).decode()))
        self._send(200, headers, json.dumps(outcome.document).encode())
        self._note(200, name, began)

    def _client_context(self) -> str | None | bool:
        """X-Amz-Client-Context (boto3's ClientContext: base64 of a JSON object) as JSON text;
        None without one; False when it is not base64 of a JSON object (AWS refuses it)."""
        raw = self.headers.get("X-Amz-Client-Context")
        if not raw:
            return None
        try:
            text = base64.b64decode(raw, validate=True).decode("utf-8")
            return text if isinstance(json.loads(text), dict) else False
        except (ValueError, UnicodeDecodeError):
            return False

    def _error(self, status: int, error_type: str, message: str, began: float) -> None:
        body = json.dumps({"Type": "User", "message": message}).encode()
        self._send(status, (("Content-Type", "application/json"), ("x-amzn-ErrorType", error_type)), body)
        self._note(status, None, began)


def _invalid(name: str, qualifier: str, kind: str, log_type: str) -> str:
    """Lambda's message for the constraints the request breaks ("" when none)."""
    broken = []
    if not 1 <= len(name) <= 170:
        broken.append(f"Value '{name}' at 'functionName' failed to satisfy constraint: Member must have length "
                      "less than or equal to 170")
    elif not re.fullmatch(_NAME_PATTERN, name):
        broken.append(f"Value '{name}' at 'functionName' failed to satisfy constraint: Member must satisfy regular "
                      f"expression pattern: {_NAME_PATTERN}")
    if len(qualifier) > 128:
        broken.append(f"Value '{qualifier}' at 'qualifier' failed to satisfy constraint: Member must have length "
                      "less than or equal to 128")
    elif not re.fullmatch(_QUALIFIER_PATTERN, qualifier):
        broken.append(f"Value '{qualifier}' at 'qualifier' failed to satisfy constraint: Member must satisfy "
                      f"regular expression pattern: {_QUALIFIER_PATTERN}")
    if kind not in ("Event", "RequestResponse", "DryRun"):
        broken.append(f"Value '{kind}' at 'invocationType' failed to satisfy constraint: Member must satisfy enum "
                      "value set: [Event, RequestResponse, DryRun]")
    if log_type not in ("None", "Tail"):
        broken.append(f"Value '{log_type}' at 'logType' failed to satisfy constraint: Member must satisfy enum value "
                      "set: [None, Tail]")
    if not broken:
        return ""
    count = f"{len(broken)} validation error{'s' if len(broken) > 1 else ''} detected: "
    return count + "; ".join(broken)


def _function_named(asked: str, region: str, account: str) -> tuple[str | None, str, str] | str:
    """(name, qualifier from the name, the ARN Lambda would name) of an Invoke's FunctionName
    (NAME, NAME:QUALIFIER, ACCOUNT:function:NAME or a full ARN), or the message Lambda
    answers an ARN of another region with. Another account's function is not here: its
    name is None."""
    parts = asked.split(":")
    account_asked = account
    if parts[0] == "arn" and len(parts) >= 7 and parts[5] == "function":
        if parts[3] != region:
            return f"Functions from '{parts[3]}' are not reachable in this region ('{region}')"
        account_asked, rest = parts[4], parts[6:]
    elif len(parts) >= 3 and parts[1] == "function":
        account_asked, rest = parts[0], parts[2:]
    else:
        rest = parts
    name, qualifier = rest[0], ":".join(rest[1:])
    arn = f"arn:aws:lambda:{region}:{account_asked}:function:{name}" + (f":{qualifier}" if qualifier else "")
    return (name if account_asked == account else None, qualifier, arn)
