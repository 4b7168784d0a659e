"""API Gateway's Lambda proxy, as a pure translation: an HTTP request and a route in, the
event API Gateway sends out (REST API: payload 1.0; HTTP API: payload 2.0); the function's
result in, the HTTP response API Gateway would send out. `start-api` serves it and
`event rest` fills its sample from it.

What is not modelled: authorizers, API keys, usage plans, request validation by the
document's models, binary media types (a REST body is sent as text when it is UTF-8,
base64 otherwise), mapping templates, and the integration timeout (29 s): a function error
or timeout is the 502 of an error result.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import re
import uuid
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, unquote

ACCOUNT = "123456789012"
LOCAL_STAGE = "local"
# What API Gateway answers itself, as (status, headers, body).
MISSING_TOKEN = (403, (("Content-Type", "application/json"), ("x-amzn-ErrorType", "MissingAuthenticationTokenException")),
                 b'{"message":"Missing Authentication Token"}')
NOT_FOUND = (404, (("Content-Type", "application/json"),), b'{"message":"Not Found"}')
BAD_GATEWAY = (502, (("Content-Type", "application/json"),), b'{"message":"Internal server error"}')
_TEXT_TYPES = re.compile(r"^(text/|application/(json|xml|javascript|x-www-form-urlencoded)|.*\+(json|xml))", re.I)


@dataclass(frozen=True)
class Route:
    method: str  # upper case, or "ANY"
    path: str  # a template: /orders/{order_id}, /files/{proxy+}; "$default" for an HTTP API's catch-all
    function: str
    kind: str  # "rest" (payload 1.0) | "http" (payload 2.0)

    @property
    def key(self) -> str:
        return "$default" if self.path == "$default" else f"{self.method} {self.path}"


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


@dataclass(frozen=True)
class Response:
    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes
    problem: str = ""  # why API Gateway would answer 502


def match(routes: list[Route], method: str, path: str) -> tuple[Route, dict[str, str]] | None:
    """The route a request takes, as API Gateway picks it; REST routes first (one port
    serves both APIs locally). A REST API picks the resource first (literal segments before
    `{param}` before a greedy `{param+}`), then the method on it (exact, else ANY): a
    resource without the method is the REST API's answer (403), not another route's. An
    HTTP API ranks whole routes (the most specific path, an exact method before ANY), then
    `$default`."""
    segments = [unquote(s) for s in path.strip("/").split("/")] if path.strip("/") else []
    rest = [r for r in routes if r.kind == "rest"]
    resource = _best([(r, r.path) for r in rest], segments)
    if resource is not None:
        _, template, params = resource
        on_it = [r for r in rest if r.path == template]
        chosen = next((r for r in on_it if r.method == method.upper()), None) or \
            next((r for r in on_it if r.method == "ANY"), None)
        return (chosen, params) if chosen else None
    http = [r for r in routes if r.kind != "rest"]
    best = _best([(r, r.path) for r in http if r.path != "$default" and r.method in (method.upper(), "ANY")],
                 segments, prefer_exact=method.upper())
    if best is not None:
        return best[0], best[2]
    fallback = next((r for r in http if r.path == "$default"), None)
    return (fallback, {}) if fallback else None


def _best(candidates: list[tuple[Route, str]], segments: list[str], prefer_exact: str | None = None):
    """(route, template, params) of the most specific template that matches, or None."""
    best, best_rank = None, None
    for route, template in candidates:
        found = _match_segments(_template(template), segments)
        if found is None:
            continue
        rank = (found[0], prefer_exact is not None and route.method == prefer_exact)
        if best_rank is None or rank > best_rank:
            best, best_rank = (route, template, found[1]), rank
    return best


def _template(path: str) -> list[str]:
    return [s for s in path.strip("/").split("/") if s]


def _match_segments(template: list[str], segments: list[str]) -> tuple[tuple, dict[str, str]] | None:
    params, rank = {}, []
    for i, part in enumerate(template):
        if part.startswith("{") and part.endswith("+}"):
            rest = segments[i:]
            if not rest or i != len(template) - 1:
                return None
            params[part[1:-2]] = "/".join(rest)
            return tuple(rank + [0]), params
        if i >= len(segments):
            return None
        if part.startswith("{") and part.endswith("}"):
            if not segments[i]:
                return None
            params[part[1:-1]] = segments[i]
            rank.append(1)
        elif part == segments[i]:
            rank.append(2)
        else:
            return None
    if len(segments) != len(template):
        return None
    return tuple(rank + [3]), params


def _body(request: Request, always_text: bool) -> tuple[str | None, bool]:
    if not request.body:
        return None, False
    content_type = next((v for k, v in request.headers if k.lower() == "content-type"), "")
    try:
        text = request.body.decode("utf-8")
    except UnicodeDecodeError:
        return base64.b64encode(request.body).decode(), True
    if always_text or _TEXT_TYPES.match(content_type) or not content_type:
        return text, False
    return base64.b64encode(request.body).decode(), True


def _user_agent(request: Request) -> str | None:
    return next((v for k, v in request.headers if k.lower() == "user-agent"), None)


def rest_event(request: Request, route: Route, params: dict[str, str], stage: str = LOCAL_STAGE,
               stage_variables: dict[str, str] | None = None) -> dict:
    """The REST API's Lambda proxy event (payload 1.0)."""
    multi_headers: dict[str, list[str]] = {}
    for name, value in request.headers:
        multi_headers.setdefault(name, []).append(value)
    multi_query: dict[str, list[str]] = {}
    for name, value in parse_qsl(request.query, keep_blank_values=True):
        multi_query.setdefault(name, []).append(value)
    body, encoded = _body(request, always_text=True)
    host = next((v for k, v in request.headers if k.lower() == "host"), "localhost")
    return {
        "resource": route.path,
        "path": request.path,
        "httpMethod": request.method,
        "headers": {k: v[-1] for k, v in multi_headers.items()} or None,
        "multiValueHeaders": multi_headers or None,
        "queryStringParameters": {k: v[-1] for k, v in multi_query.items()} or None,
        "multiValueQueryStringParameters": multi_query or None,
        "pathParameters": params or None,
        "stageVariables": stage_variables or None,
        "requestContext": {
            "accountId": ACCOUNT,
            "apiId": "local",
            "domainName": host,
            "resourceId": "local",
            "resourcePath": route.path,
            "httpMethod": request.method,
            "path": f"/{stage}{request.path}",
            "protocol": "HTTP/1.1",
            "requestId": request.request_id,
            "requestTime": request.at.strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "requestTimeEpoch": int(request.at.timestamp() * 1000),
            "stage": stage,
            "identity": {"sourceIp": request.source_ip, "userAgent": _user_agent(request), "accountId": None,
                         "caller": None, "user": None, "userArn": None, "cognitoIdentityId": None,
                         "cognitoIdentityPoolId": None, "cognitoAuthenticationType": None,
                         "cognitoAuthenticationProvider": None, "accessKey": None, "apiKey": None},
        },
        "body": body,
        "isBase64Encoded": encoded,
    }


def http_event(request: Request, route: Route, params: dict[str, str]) -> dict:
    """The HTTP API's Lambda proxy event (payload 2.0): headers lower-cased and joined with
    commas, cookies apart, the query's repeated keys joined with commas."""
    headers: dict[str, str] = {}
    cookies: list[str] = []
    for name, value in request.headers:
        if name.lower() == "cookie":
            cookies += [c.strip() for c in value.split(";") if c.strip()]
            continue
        key = name.lower()
        headers[key] = f"{headers[key]},{value}" if key in headers else value
    query: dict[str, str] = {}
    for name, value in parse_qsl(request.query, keep_blank_values=True):
        query[name] = f"{query[name]},{value}" if name in query else value
    body, encoded = _body(request, always_text=False)
    host = headers.get("host", "localhost")
    event = {
        "version": "2.0",
        "routeKey": route.key,
        "rawPath": request.path,
        "rawQueryString": request.query,
        "headers": headers,
        "requestContext": {
            "accountId": ACCOUNT,
            "apiId": "local",
            "domainName": host,
            "domainPrefix": host.split(".")[0],
            "http": {"method": request.method, "path": request.path, "protocol": "HTTP/1.1",
                     "sourceIp": request.source_ip, "userAgent": _user_agent(request) or ""},
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


def response(result: object, kind: str) -> Response:
    """The HTTP response for a function's result; a result API Gateway cannot read is its 502,
    with the reason in `problem` (API Gateway's execution log would say "Malformed Lambda
    proxy response")."""
    if kind == "http" and not (isinstance(result, dict) and "statusCode" in result):
        # Payload 2.0 infers a response from any JSON result without a statusCode.
        body = result if isinstance(result, str) else json.dumps(result)
        return Response(200, (("Content-Type", "application/json"),), body.encode())
    if not isinstance(result, dict):
        return _malformed(f"the result is a {type(result).__name__}, not an object with a statusCode")
    if not _valid_status(result.get("statusCode")):
        return _malformed(f"statusCode {result.get('statusCode')!r} is not an HTTP status")
    single = result.get("headers") or {}
    # Payload 2.0 has no multiValueHeaders (repeated values are joined with commas, cookies apart).
    multi = (result.get("multiValueHeaders") or {}) if kind == "rest" else {}
    if not isinstance(single, dict) or not isinstance(multi, dict):
        return _malformed("headers and multiValueHeaders must be objects")
    # Payload 1.0: both lists are merged; a pair in both is sent once.
    headers = [(name, v) for name, values in multi.items()
               for v in (values if isinstance(values, list) else [values]) if v is not None]
    headers += [(name, value) for name, value in single.items() if value is not None and (name, value) not in headers]
    headers = [(str(name), str(value)) for name, value in headers]
    if kind == "http":
        headers += [("Set-Cookie", str(c)) for c in result.get("cookies") or []]
    if any(ch in part for name, value in headers for part in (name, value) for ch in "\r\n"):
        return _malformed("a header name or value holds a line break")
    if not any(name.lower() == "content-type" for name, _ in headers):
        headers.append(("Content-Type", "application/json"))
    body = result.get("body")
    if body is None:
        data = b""
    elif not isinstance(body, str):
        if kind == "rest":
            return _malformed(f"body is a {type(body).__name__}; payload 1.0 takes a string")
        data = json.dumps(body).encode()
    elif result.get("isBase64Encoded"):
        try:
            data = base64.b64decode(body, validate=True)
        except ValueError:
            return _malformed("isBase64Encoded is true and body is not base64")
    else:
        data = body.encode()
    return Response(int(result["statusCode"]), tuple(headers), data)


def _malformed(why: str) -> Response:
    return Response(*BAD_GATEWAY, problem=f"malformed Lambda proxy response: {why}")


def _valid_status(value) -> bool:
    try:
        return 100 <= int(value) <= 599
    except (TypeError, ValueError):
        return False


def rest_routes(document: dict) -> list[Route]:
    """The routes of terraform/openapi.json, each to the function its integration names."""
    found = []
    for path, item in (document.get("paths") or {}).items():
        for method, operation in item.items():
            uri = ((operation or {}).get("x-amazon-apigateway-integration") or {}).get("uri", "") \
                if isinstance(operation, dict) else ""
            named = re.fullmatch(r"\$\{uri_([A-Za-z0-9_]+)\}", uri)
            if named:
                found.append(Route("ANY" if method == "x-amazon-apigateway-any-method" else method.upper(), path,
                                   named.group(1), "rest"))
    return found


def http_route(key: str, function: str) -> Route:
    """An HTTP API route key of a .tf's `http_routes` ("GET /items/{id}", "ANY /x", "$default")."""
    if key.strip() == "$default":
        return Route("ANY", "$default", function, "http")
    method, _, path = key.strip().partition(" ")
    return Route(method.upper(), path.strip() or "/", function, "http")
