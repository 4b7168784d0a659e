"""API Gateway's Lambda proxy as one pure translation, used by both `start-api` (each
request it serves) and `event rest`/`event http` (the sample): an HTTP request as the
client sent it and the route it took in, the event API Gateway sends out (REST API:
payload 1.0; HTTP API: payload 2.0); the function's result in, the HTTP response API
Gateway sends back.

What API Gateway adds is added here, the same way for both: the stage's name and (REST)
its variables, `X-Amzn-Trace-Id` and `X-Forwarded-For/-Port/-Proto` (HTTP API: every
header name lower-cased), `requestContext` with `extendedRequestId` (REST), and the
binary media types of the REST API (`binary_media_types` in terraform/variables.tf or the
environment's tfvars): a request body whose Content-Type matches one goes to the function
base64-encoded, any other as text; a result with `isBase64Encoded` goes back as bytes only
when the request's first Accept type matches one, else as its base64 text. An HTTP API has
no such setting: a non-text body is base64, an encoded result always decoded.

Not modelled: authorizers, API keys, usage plans, request validation by the document's
models, mapping templates, the integration timeout (29 s): a function error or timeout is
the 502 of an error result.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import re
import uuid
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from urllib.parse import parse_qsl

from .proxy import BAD_GATEWAY, Route

ACCOUNT = "123456789012"
_FRAMING = ("content-length", "transfer-encoding", "connection")
_REST_KEYS = {"statusCode", "headers", "multiValueHeaders", "body", "isBase64Encoded"}
_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")  # RFC 9110's token: what a header name may be
_FIELD = re.compile(r"[^\x00-\x08\x0a-\x1f\x7f]*")  # no control characters but tab
# What an HTTP API passes as text; anything else (a form post too) arrives base64-encoded.
_TEXT_TYPES = re.compile(r"^(text/|application/(json|xml|javascript)|.*\+(json|xml))", re.I)


@dataclass(frozen=True)
class Gateway:
    """The deployed API a request arrives at: what API Gateway knows that the client did not
    send. The REST stage is the environment's (terraform/rest_api.tf names it so), its
    variables name the alias each function's routes call; the HTTP API's stage is `$default`."""

    stage: str = "dev"
    stage_variables: tuple[tuple[str, str], ...] = ()
    account: str = ACCOUNT
    region: str = "us-east-1"
    api_id: str = "local"
    binary_media_types: tuple[str, ...] = ()
    port: int = 443  # where the client connected, for X-Forwarded-Port/-Proto
    proto: str = "https"


@dataclass(frozen=True)
class Request:
    method: str
    path: str  # as sent, without the query
    query: str = ""
    headers: tuple[tuple[str, str], ...] = ()  # in the order sent, names as sent
    body: bytes = b""
    source_ip: str = "127.0.0.1"
    request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.timezone.utc))

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k.lower() == name.lower()), None)


@dataclass(frozen=True)
class Response:
    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes
    problem: str = ""  # why API Gateway would answer 502


def is_binary(media_type: str | None, binary_media_types: tuple[str, ...]) -> bool:
    """Whether a Content-Type or Accept type is one of the API's binary media types (each
    may use `*` for its type or subtype, `*/*` for every type)."""
    kind = (media_type or "").split(";", 1)[0].strip().lower()
    return bool(kind) and any(fnmatchcase(kind, pattern.strip().lower()) for pattern in binary_media_types)


def _forwarded(request: Request, gateway: Gateway) -> list[tuple[str, str]]:
    """The client's headers and those API Gateway adds: the trace id (X-Ray's Root form, from
    the request's id and time), the client's address appended to X-Forwarded-For, the port and
    scheme it connected to."""
    added = {"x-amzn-trace-id", "x-forwarded-for", "x-forwarded-port", "x-forwarded-proto"}
    kept = [(k, v) for k, v in request.headers if k.lower() not in added]
    chain = request.header("X-Forwarded-For")
    trace = request.header("X-Amzn-Trace-Id") or (
        f"Root=1-{int(request.at.timestamp()):08x}-{hashlib.sha256(request.request_id.encode()).hexdigest()[:24]}")
    return kept + [("X-Amzn-Trace-Id", trace),
                   ("X-Forwarded-For", f"{chain}, {request.source_ip}" if chain else request.source_ip),
                   ("X-Forwarded-Port", str(gateway.port)), ("X-Forwarded-Proto", gateway.proto)]


def _rest_body(request: Request, gateway: Gateway) -> tuple[str | None, bool]:
    """A REST API passes the body as text unless its Content-Type is a binary media type
    (bytes that are not UTF-8 then arrive as API Gateway's text does: replaced)."""
    if not request.body:
        return None, False
    if is_binary(request.header("Content-Type"), gateway.binary_media_types):
        return base64.b64encode(request.body).decode(), True
    return request.body.decode("utf-8", errors="replace"), False


def _http_body(request: Request) -> tuple[str | None, bool]:
    """An HTTP API passes text types (and a body without a type) as text, anything else base64."""
    if not request.body:
        return None, False
    content_type = request.header("Content-Type") or ""
    try:
        text = request.body.decode("utf-8")
    except UnicodeDecodeError:
        return base64.b64encode(request.body).decode(), True
    if _TEXT_TYPES.match(content_type) or not content_type:
        return text, False
    return base64.b64encode(request.body).decode(), True


def _extended_id(request_id: str) -> str:
    return base64.b64encode(hashlib.sha256(request_id.encode()).digest()[:11]).decode()[:15] + "="


def rest_event(request: Request, route: Route, params: dict[str, str], gateway: Gateway = Gateway()) -> dict:
    """The REST API's Lambda proxy event (payload 1.0): header names as the client sent them."""
    multi_headers: dict[str, list[str]] = {}
    for name, value in _forwarded(request, gateway):
        multi_headers.setdefault(name, []).append(value)
    multi_query: dict[str, list[str]] = {}
    for name, value in parse_qsl(request.query, keep_blank_values=True):
        multi_query.setdefault(name, []).append(value)
    body, encoded = _rest_body(request, gateway)
    host = request.header("Host") or f"{gateway.api_id}.execute-api.{gateway.region}.amazonaws.com"
    return {
        "resource": route.path,
        "path": request.path,
        "httpMethod": request.method,
        "headers": {k: v[-1] for k, v in multi_headers.items()} or None,
        "multiValueHeaders": multi_headers or None,
        "queryStringParameters": {k: v[-1] for k, v in multi_query.items()} or None,
        "multiValueQueryStringParameters": multi_query or None,
        "pathParameters": params or None,
        "stageVariables": dict(gateway.stage_variables) or None,
        "requestContext": {
            "accountId": gateway.account,
            "apiId": gateway.api_id,
            "domainName": host,
            "domainPrefix": host.split(".")[0],
            "extendedRequestId": _extended_id(request.request_id),
            "resourceId": hashlib.sha256(route.path.encode()).hexdigest()[:6],
            "resourcePath": route.path,
            "httpMethod": request.method,
            "path": f"/{gateway.stage}{request.path}",
            "protocol": "HTTP/1.1",
            "requestId": request.request_id,
            "requestTime": request.at.strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "requestTimeEpoch": int(request.at.timestamp() * 1000),
            "stage": gateway.stage,
            "identity": {"sourceIp": request.source_ip, "userAgent": request.header("User-Agent"),
                         "accountId": None, "caller": None, "user": None, "userArn": None,
                         "cognitoIdentityId": None, "cognitoIdentityPoolId": None,
                         "cognitoAuthenticationType": None, "cognitoAuthenticationProvider": None,
                         "accessKey": None, "apiKey": None, "principalOrgId": None},
        },
        "body": body,
        "isBase64Encoded": encoded,
    }


def http_event(request: Request, route: Route, params: dict[str, str], gateway: Gateway = Gateway()) -> dict:
    """The HTTP API's Lambda proxy event (payload 2.0): headers lower-cased and joined with
    commas, cookies apart, the query's repeated keys joined with commas."""
    headers: dict[str, str] = {}
    cookies: list[str] = []
    for name, value in _forwarded(request, gateway):
        if name.lower() == "cookie":
            cookies += [c.strip() for c in value.split(";") if c.strip()]
            continue
        key = name.lower()
        headers[key] = f"{headers[key]},{value}" if key in headers else value
    query: dict[str, str] = {}
    for name, value in parse_qsl(request.query, keep_blank_values=True):
        query[name] = f"{query[name]},{value}" if name in query else value
    body, encoded = _http_body(request)
    host = headers.get("host") or f"{gateway.api_id}.execute-api.{gateway.region}.amazonaws.com"
    event = {
        "version": "2.0",
        "routeKey": route.key,
        "rawPath": request.path,
        "rawQueryString": request.query,
        "headers": headers,
        "requestContext": {
            "accountId": gateway.account,
            "apiId": gateway.api_id,
            "domainName": host,
            "domainPrefix": host.split(".")[0],
            "http": {"method": request.method, "path": request.path, "protocol": "HTTP/1.1",
                     "sourceIp": request.source_ip, "userAgent": request.header("User-Agent") or ""},
            "requestId": request.request_id,
            "routeKey": route.key,
            "stage": "$default",
            "time": request.at.strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "timeEpoch": int(request.at.timestamp() * 1000),
        },
        "isBase64Encoded": encoded,
    }
    if cookies:
        event["cookies"] = cookies
    if query:
        event["queryStringParameters"] = query
    if params:
        event["pathParameters"] = params
    if body is not None:
        event["body"] = body
    return event


def _first_accepted(accept: str | None) -> str:
    """The first type of an Accept header; none is anything (which only `*/*` matches)."""
    return (accept or "").split(",", 1)[0].split(";", 1)[0].strip() or "*/*"


def response(result: object, kind: str, gateway: Gateway = Gateway(), accept: str | None = None) -> Response:
    """The HTTP response for a function's result; a result API Gateway cannot read is its 502,
    with the reason in `problem` (API Gateway's execution log would say "Malformed Lambda
    proxy response"). `accept` is the request's Accept header: a REST API decodes a base64
    body only when its first type is a binary media type."""
    if kind == "http" and not (isinstance(result, dict) and "statusCode" in result):
        # Payload 2.0 infers a response from any JSON result without a statusCode.
        body = result if isinstance(result, str) else json.dumps(result)
        return Response(200, (("Content-Type", "application/json"),), body.encode())
    if not isinstance(result, dict):
        return _malformed(f"the result is a {type(result).__name__}, not an object with a statusCode")
    if not _valid_status(result.get("statusCode")):
        return _malformed(f"statusCode {result.get('statusCode')!r} is not an HTTP status")
    unknown = sorted(set(result) - _REST_KEYS) if kind == "rest" else []
    if unknown:  # a REST API reads these five keys and refuses a result with others (`cookies` is 2.0's)
        return _malformed(f"{', '.join(unknown)}: not a key of a payload 1.0 result ({', '.join(sorted(_REST_KEYS))})")
    single = result.get("headers") or {}
    # Payload 2.0 has no multiValueHeaders (repeated values are joined with commas, cookies apart).
    multi = (result.get("multiValueHeaders") or {}) if kind == "rest" else {}
    if not isinstance(single, dict) or not isinstance(multi, dict):
        return _malformed("headers and multiValueHeaders must be objects")
    # Payload 1.0: both lists are merged; a pair in both is sent once.
    headers = [(name, v) for name, values in multi.items()
               for v in (values if isinstance(values, list) else [values]) if v is not None]
    headers += [(name, value) for name, value in single.items() if value is not None and (name, value) not in headers]
    if kind == "http":
        headers += [("Set-Cookie", c) for c in result.get("cookies") or []]
    for name, value in headers:
        if not isinstance(name, str) or not _TOKEN.fullmatch(name):
            return _malformed(f"header name {name!r} is not an HTTP token")
        if isinstance(value, (list, dict)) or not _FIELD.fullmatch(_text(value)):
            return _malformed(f"header {name}: {value!r} is not a header value (a string, number or boolean, "
                              "without control characters)")
    # The length and framing of the reply are API Gateway's own: a function's are not passed on.
    headers = [(name, _text(value)) for name, value in headers if name.lower() not in _FRAMING]
    if not any(name.lower() == "content-type" for name, _ in headers):
        headers.append(("Content-Type", "application/json"))
    body = result.get("body")
    if body is None:
        data = b""
    elif not isinstance(body, str):
        if kind == "rest":
            return _malformed(f"body is a {type(body).__name__}; payload 1.0 takes a string")
        data = json.dumps(body).encode()
    elif result.get("isBase64Encoded") is True and (
            kind == "http" or is_binary(_first_accepted(accept), gateway.binary_media_types)):
        try:
            data = base64.b64decode(body, validate=True)
        except ValueError:
            return _malformed("isBase64Encoded is true and body is not base64")
    else:
        data = body.encode()  # a REST API without a matching binary type returns the base64 text as it is
    return Response(int(result["statusCode"]), tuple(headers), data)


def _text(value) -> str:
    """A JSON scalar as a header's text: true, not Python's True."""
    return json.dumps(value) if isinstance(value, bool) else str(value)


def _malformed(why: str) -> Response:
    return Response(*BAD_GATEWAY, problem=f"malformed Lambda proxy response: {why}")


def _valid_status(value) -> bool:
    try:
        return 100 <= int(value) <= 599
    except (TypeError, ValueError):
        return False
