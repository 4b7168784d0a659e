"""The project's routes as the local servers and `event` serve them (terraform/openapi.json,
as the last build wrote it, and each function's http_routes), and `check`'s comparison of
the routes the last build read from the code with what Terraform serves."""

from __future__ import annotations

import json

from ..api import openapi
from ..api.openapi import OPENAPI_NAME
from ..api.gateway import ACCOUNT, Gateway
from ..api.proxy import Route, http_route, match, rest_routes
from ..errors import InvokeError
from ..pipeline.routes import NO_ROUTES, cached, uses_resolver
from ..progress import Reporter
from ..project import Project


def project_routes(project: Project, configs: dict[str, tuple[str, ...]]) -> list[Route]:
    """The routes the project serves: the REST API's (terraform/openapi.json, as the last
    build wrote it) and each function's HTTP API route keys (`configs`: its .tf's
    http_routes), REST first."""
    found: list[Route] = []
    path = project.terraform_dir / OPENAPI_NAME
    if path.exists():
        try:
            found += rest_routes(json.loads(path.read_text()))
        except (OSError, ValueError) as exc:
            raise InvokeError(f"{project.rel(path)}: cannot be read ({exc}); run `build-pkg.py build`") from None
    for name, keys in sorted(configs.items()):
        found += [http_route(key, name) for key in keys]
    return found


def local_gateway(project: Project, routes: list[Route]) -> Gateway:
    """The API a local request arrives at, as the environment local runs use deploys it
    (`dev`, else the first): its stage name and variables (rest_api.tf: each REST function's
    `live`), region, account and binary media types. The same for `start-api` and `event`."""
    import os

    from ..infra.environments import binary_media_types
    from ..infra.function_config import local_environment

    environment = local_environment(project)
    return Gateway(
        stage=(environment.environment or environment.name) if environment else "dev",
        stage_variables=tuple(sorted({(r.function, "live") for r in routes if r.kind == "rest"})),
        account=(environment.account if environment else None) or ACCOUNT,
        region=(environment.region if environment else None) or os.environ.get("AWS_REGION") or "us-east-1",
        binary_media_types=binary_media_types(project, environment))


def matching_route(project: Project, kind: str, method: str, path: str) -> tuple[tuple[Route, dict] | None, list[Route]]:
    """The project's route of `kind` ("rest" or "http") that a request would take, with its
    path parameters, and all the routes of that kind (for a message when none matches)."""
    from ..package.discover import discover
    from ..infra.function_config import function_config

    configs = {}
    if kind == "http":
        quiet = Reporter(quiet=True)
        for function in discover(project.root, project.functions_dir, check_handlers=False):
            configs[function.name] = function_config(project, function, quiet).http_routes
    routes = [r for r in project_routes(project, configs) if r.kind == kind]
    return (match(routes, method, path) if routes else None), routes


def route_check(project: Project) -> tuple[list[tuple[str, str]], list[str]]:
    """(file, message) for each route the code and Terraform disagree on, with the routes
    the last build read from the code (the cache, by each function's code identity), and
    the sources of the resolver functions whose routes no build has read (not compared)."""
    from ..api.route_check import CodeRoutes, route_problems
    from ..package.discover import discover
    from ..infra.function_config import function_config

    try:
        manifest = json.loads(project.manifest_path.read_text())
    except (OSError, ValueError):
        return [], _resolver_sources(project)
    code, unread = {}, []
    built = {f.get("name") for f in manifest.get("functions", [])}
    sources = {f.get("name"): f.get("source") for f in manifest.get("functions", [])}
    gone = [(sources.get(name) or name, f"served REST routes at an earlier build ({', '.join(routes)}) and serves none "
             "now: the next apply removes them, with the last ones the REST API; if that is meant, add "
             f"`{NO_ROUTES}` to it, else see how it makes its resolver")
            for name, routes in sorted((manifest.get("rest_routes_gone") or {}).items())]
    # A function the last build did not have (`new` since): its routes are unread too.
    seen: dict[str, bool] = {}  # each file read once, however many closures hold it
    unread += [f.source for f in discover(project.root, project.functions_dir, check_handlers=False)
               if f.name not in built and uses_resolver(project, {"source": f.source}, seen)]
    for function in manifest.get("functions", []):
        if not uses_resolver(project, function, seen):
            continue
        answer = cached(project, function)
        if answer is None:
            unread.append(function["source"])
            continue
        rest = tuple((method.upper(), path) for document in answer.get("rest") or []
                     for path, item in (document.get("paths") or {}).items() for method in item
                     if method in openapi.METHODS)
        code[function["name"]] = CodeRoutes(function["source"], rest, tuple(answer.get("http") or ()))
    quiet = Reporter(quiet=True)
    http_keys = {}
    for function in discover(project.root, project.functions_dir, check_handlers=False):
        if function.name in code:
            config = function_config(project, function, quiet)
            http_keys[function.name] = (config.source or "", config.http_routes)
    path = project.terraform_dir / OPENAPI_NAME
    served = project_routes(project, {})
    problems = route_problems(code, http_keys, served if path.exists() else None, project.rel(path))
    from ..infra.environments import read as read_environments

    for environment in read_environments(project):
        for name in sorted(n for n in environment.adopted if n in code and code[n].rest):
            problems.append((code[name].source, f"an adopted function ({environment.adopted[name][0]} in "
                                                f"{environment.name}) with REST routes: terraform/rest_api.tf calls "
                                                f"{environment.prefix}-{name}; serve its routes through http_routes"))
    return problems + gone, unread


def _resolver_sources(project: Project) -> list[str]:
    """Without a build: the entry modules that name Powertools' event handlers."""
    from ..package.discover import discover

    return [f.source for f in discover(project.root, project.functions_dir, check_handlers=False)
            if uses_resolver(project, {"source": f.source})]
