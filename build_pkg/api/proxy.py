"""API Gateway's routing, pure: the routes of the project's APIs (the REST API's OpenAPI
document, the HTTP API's route keys) and the one a request takes, as API Gateway picks it;
and what API Gateway answers itself. The translation of a request into the function's event
and of its result into the reply is `gateway`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote

# What API Gateway answers itself, as (status, headers, body).
MISSING_TOKEN = (403, (("Content-Type", "application/json"), ("x-amzn-ErrorType", "MissingAuthenticationTokenException")),
                 b'{"message":"Missing Authentication Token"}')
NOT_FOUND = (404, (("Content-Type", "application/json"),), b'{"message":"Not Found"}')
BAD_GATEWAY = (502, (("Content-Type", "application/json"),), b'{"message":"Internal server error"}')


@dataclass(frozen=True)
class Route:
    method: str  # upper case, or "ANY"
    path: str  # a template: /orders/{order_id}, /files/{proxy+}; "$default" for an HTTP API's catch-all
    function: str
    kind: str  # "rest" (payload 1.0) | "http" (payload 2.0)

    @property
    def key(self) -> str:
        return "$default" if self.path == "$default" else f"{self.method} {self.path}"


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
