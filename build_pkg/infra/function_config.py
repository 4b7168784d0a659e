"""A function's settings for a local run, from its terraform/lambda_<name>.tf: memory,
timeout, literal environment values (and `var.buckets["KEY"]`-style references, taken from
the local environment's tfvars) and the HTTP API route keys it serves. Apart from invoke,
so the route reader, which asks on every build, does not import the runtime."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from ..errors import InvokeError
from .environments import Environment
from .environments import read as read_environments
from .parse import blocks, parse_text
from .render import MODULE_SOURCE, tf_filename
from ..package.discover import FLAT_PREFIX, Function
from ..progress import Reporter
from ..project import Project


@dataclass(frozen=True)
class FunctionConfig:
    memory: int = 128
    timeout: int = 30
    environment: tuple[tuple[str, str], ...] = ()
    source: str | None = None  # the .tf these came from
    http_routes: tuple[str, ...] = ()  # the HTTP API route keys the .tf serves


def function_config(project: Project, function: Function, report: Reporter) -> FunctionConfig:
    """Memory, timeout and literal environment values from terraform/lambda_<name>.tf."""
    return config_of(project, function.name, report)


def config_of(project: Project, name: str, report: Reporter) -> FunctionConfig:
    """As function_config, by the function's name."""
    path = project.terraform_dir / tf_filename(name)
    if not path.exists():
        report.warn(f"{project.rel(path)} not found; using memory 128 MB and timeout 30 s")
        return FunctionConfig()
    parsed = parse_text(project.rel(path), path.read_text())
    if parsed.data is None:
        raise InvokeError(f"{parsed.rel}: {parsed.error}; fix the file (build-pkg.py check)")
    for _, body in blocks(parsed.data, "module"):
        if body.get("source") != MODULE_SOURCE:
            continue
        environment = []
        local_env = None
        for key, value in sorted((body.get("environment") or {}).items()):
            if isinstance(value, str) and "${" not in value:
                environment.append((key, value))
                continue
            # var.buckets["KEY"] and its kind take the local environment's value (dev when there is one).
            match = _SOURCE_REF.match(value) if isinstance(value, str) else None
            if match:
                local_env = local_env or local_environment(project)
                resolved = local_env.source(match.group(1), match.group(2)) if local_env else None
                if isinstance(resolved, str):
                    environment.append((key, resolved))
                    report.detail(f"{parsed.rel}: {key} = {resolved} (from {local_env.file})")
                    continue
            report.warn(f"{parsed.rel}: environment {key} is an expression; set it with --env {key}=VALUE")
        routes = body.get("http_routes")
        return FunctionConfig(_int(body.get("memory_size"), 128), _int(body.get("timeout"), 30),
                              tuple(environment), parsed.rel,
                              tuple(r for r in routes if isinstance(r, str)) if isinstance(routes, list) else ())
    return FunctionConfig()


_SOURCE_REF = re.compile(r'^\$\{var\.(queues|topics|buckets)\["([^"]+)"\]\}$')


def local_environment(project: Project) -> Environment | None:
    environments = read_environments(project)
    return next((e for e in environments if e.name == "dev"), environments[0] if environments else None)


def _int(value, default: int) -> int:
    return value if isinstance(value, int) else default


def environments(project: Project) -> tuple[tuple[str, tuple[tuple[str, str], ...]], ...]:
    """Per function (by its .tf's name), the literal environment values its module call sets,
    for the build: Lambda reads them, so what they name (a PYTHONPATH folder, a data file, a
    settings module) is part of what the function runs. The tree's parse is cached by content
    (shared with `check`); a file that does not parse adds nothing here (check reports it)."""
    from .tree import parse_tree

    found = []
    for call in parse_tree(project).calls():
        environment = call.args.get("environment")
        if not isinstance(environment, dict):  # an expression (an adopted function's merge(...)): no literals
            continue
        values = tuple(sorted((key, value) for key, value in environment.items()
                              if isinstance(value, str) and "${" not in value.replace("$${", "")))
        if values:
            found.append((Path(call.file.rel).stem.removeprefix(FLAT_PREFIX), values))
    return tuple(sorted(found))


def import_roots(environment: dict[str, str]) -> tuple[str, ...]:
    """The folders under functions/ a function's PYTHONPATH adds to Lambda's import path:
    `/var/task/vendor`, or `vendor` (relative to Lambda's working folder, /var/task), gives
    `vendor`; a folder elsewhere is none of the package's."""
    roots = []
    for entry in environment.get("PYTHONPATH", "").split(":"):
        if entry.startswith(TASK_ROOT) or (entry and not entry.startswith("/")):
            root = entry.removeprefix(TASK_ROOT).strip("/").removeprefix("./")
            if root and root != ".":
                roots.append(root)
    return tuple(roots)


TASK_ROOT = "/var/task/"
