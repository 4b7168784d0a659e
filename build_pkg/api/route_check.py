"""Routes in code against the routes Terraform serves (pure): what `check` reports.

A REST resolver's routes reach API Gateway through terraform/openapi.json, which `build`
writes; a route of the code missing from it (or one it still sends to a function whose code
no longer has it) means the file is older than the code. An HTTP API resolver's routes are
served by the route keys of its function's `http_routes`: a route of the code that no key
reaches is unreachable once deployed, and a key that reaches no route of the code answers
every request with the resolver's 404.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .proxy import Route, http_route, match

_PARAM = re.compile(r"\{[^}/]+\}")


@dataclass(frozen=True)
class CodeRoutes:
    source: str  # functions/...
    rest: tuple[tuple[str, str], ...]  # (METHOD, /path/{param}) of its REST resolvers
    http: tuple[str, ...]  # "METHOD /path/{param}" of its HTTP API resolvers


def _shape(path: str) -> str:
    return _PARAM.sub("{}", path)


def _reaches(key: Route, method: str, path: str) -> bool:
    """Whether a request to the code's route (its parameters taken as any segment) takes `key`."""
    probe = _PARAM.sub("x", path)
    found = match([key], method, probe)
    return found is not None


def route_problems(code: dict[str, CodeRoutes], http_keys: dict[str, tuple[str, tuple[str, ...]]],
                   openapi: list[Route] | None, openapi_rel: str) -> list[tuple[str, str]]:
    """(file, message) for each route served on one side only. `http_keys`: function ->
    (its .tf, its http_routes); `openapi`: the routes of terraform/openapi.json, or None."""
    problems = []
    served = {(r.function, r.method, _shape(r.path)) for r in openapi or []}
    for name, routes in sorted(code.items()):
        for method, path in routes.rest:
            if (name, method, _shape(path)) not in served:
                problems.append((routes.source, f"route {method} {path} of its REST resolver is not in {openapi_rel}; "
                                                "run `build-pkg.py build` to write it"))
        tf, keys = http_keys.get(name, ("", ()))
        parsed = [http_route(key, name) for key in keys]
        for key in routes.http:
            method, _, path = key.partition(" ")
            if not any(_reaches(route, method, path) for route in parsed):
                where = tf or "its .tf"
                problems.append((routes.source, f"route {key} of its HTTP API resolver is served by no route key; "
                                                f"add \"{key}\" to http_routes in {where}"))
        if routes.http:
            shapes = {(k.partition(" ")[0], _shape(k.partition(" ")[2])) for k in routes.http}
            for route in parsed:
                catch_all = route.path == "$default" or route.path.rstrip("}").endswith("+")
                if catch_all or (route.method, _shape(route.path)) in shapes or \
                        any(m == route.method or route.method == "ANY" for m, s in shapes if s == _shape(route.path)):
                    continue
                problems.append((tf, f"http_routes has {route.key}, which no route of the HTTP API resolver in "
                                     f"{routes.source} serves (it would answer 404); remove it or add the route"))
    code_rest = {(name, m, _shape(p)) for name, routes in code.items() for m, p in routes.rest}
    for route in openapi or []:
        if route.function in code and (route.function, route.method, _shape(route.path)) not in code_rest:
            problems.append((openapi_rel, f"{route.key} routes to {route.function}, whose code no longer serves it; "
                                          "run `build-pkg.py build` to write the file again"))
    return problems
