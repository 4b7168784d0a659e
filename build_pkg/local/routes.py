"""Routes from the code: each function that uses a Powertools resolver describes its own
routes, by the resolver's own OpenAPI generation run inside the built package (the isolated
interpreter `invoke` uses, with only the package, the layer and the runtime's SDK on its
path: user code is never imported into the builder). The documents are brought to OpenAPI
3.0, merged into terraform/openapi.json and validated. A function's document is kept in the
build cache by its code identity, so a build where no function changed runs nothing.
"""

from __future__ import annotations

import json
import subprocess
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path

from ..api import openapi
from ..cache import cache_root
from ..errors import FunctionError
from ..fsutil import atomic_write
from ..package.sizes import built_layer
from ..progress import Reporter
from ..project import Project
from . import runtime_client
from .task_root import unpacked

OPENAPI_NAME = "openapi.json"
_MARKERS = ("aws_lambda_powertools.event_handler", "aws_lambda_powertools import event_handler")
_TIMEOUT_S = 60
# Run in the package's interpreter: import the entry module, ask each resolver it defines
# for its document, print them as one JSON list.
_SCRIPT = """
import importlib, json, os, sys
sys.path[:0] = [os.environ['TASK'], *json.loads(os.environ['EXTRA'])]
from aws_lambda_powertools.event_handler.api_gateway import ApiGatewayResolver
module = importlib.import_module(os.environ['MODULE'])
apps = [v for v in vars(module).values() if isinstance(v, ApiGatewayResolver)]
print(json.dumps([json.loads(app.get_openapi_json_schema()) for app in apps]))
"""


@dataclass(frozen=True)
class ApiResult:
    path: Path | None  # terraform/openapi.json, or None when no function serves routes
    functions: tuple[str, ...]  # the functions whose resolvers gave routes
    generated: tuple[str, ...]  # of those, the ones whose document was made this run (not cached)
    routes: tuple[tuple[str, str], ...]


def uses_resolver(project: Project, function: dict) -> bool:
    try:
        text = (project.root / function["source"]).read_text(encoding="utf-8")
    except OSError:
        return False
    return any(marker in text for marker in _MARKERS)


def write_openapi(project: Project, manifest: dict, target, report: Reporter) -> ApiResult:
    """terraform/openapi.json from the functions' resolvers, after `build` made the package."""
    wanted = [f for f in manifest["functions"] if uses_resolver(project, f)]
    out = project.terraform_dir / OPENAPI_NAME
    documents, generated = {}, []
    if wanted:
        cached = {f["name"]: _cached(f) for f in wanted}
        missing = [f for f in wanted if cached[f["name"]] is None]
        if missing:
            fresh = _generate(project, missing, target, report)
            cached.update(fresh)
            generated = sorted(fresh)
        for function in wanted:
            own = [openapi.down_convert(document) for document in cached[function["name"]] or []]
            if own:  # a module with several resolvers serves their routes as one function
                documents[function["name"]] = (function["source"], _combined(own))
    if not documents:
        out.unlink(missing_ok=True)
        return ApiResult(None, (), (), ())
    merged = openapi.merge(documents, f"{project.root.name} REST API")
    openapi.validate(merged)
    atomic_write(out, openapi.dumps(merged))
    found = tuple(sorted({name for name in documents}))
    report.step(f"wrote {project.rel(out)}: {len(openapi.routes(merged))} routes of {len(found)} functions "
                f"({len(generated)} generated, {len(wanted) - len(generated)} from the cache)")
    return ApiResult(out, found, tuple(generated), tuple(openapi.routes(merged)))


def _combined(documents: list[dict]) -> dict:
    combined = {**documents[0], "paths": {}, "components": {"schemas": {}}}
    for document in documents:
        for path, item in (document.get("paths") or {}).items():
            combined["paths"].setdefault(path, {}).update(item)
        combined["components"]["schemas"].update((document.get("components") or {}).get("schemas") or {})
    return combined


def _cache_entry(function: dict) -> Path:
    return cache_root() / "api" / f"{function['code_sha256']}.json"


def _cached(function: dict) -> list | None:
    try:
        found = json.loads(_cache_entry(function).read_text())
        return found if isinstance(found, list) else None
    except (OSError, ValueError):
        return None


def _generate(project: Project, functions: list[dict], target, report: Reporter) -> dict[str, list]:
    python = runtime_client.interpreter_for(target)
    client_dir = runtime_client.ensure(python, report)
    layer = built_layer(project)
    made = {}
    with unpacked(project.package_path) as task, (unpacked(layer) if layer else nullcontext()) as opt:
        extra = ([str(opt / "python")] if opt else []) + [str(client_dir)]
        for function in functions:
            module = function["handler"].rsplit(".", 1)[0]
            env = {"TASK": str(task), "EXTRA": json.dumps(extra), "MODULE": module, "PATH": "/usr/bin:/bin",
                   "AWS_DEFAULT_REGION": "us-east-1", "POWERTOOLS_DEV": "false"}
            try:
                proc = subprocess.run([python, "-I", "-S", "-c", _SCRIPT], env=env, capture_output=True, text=True,
                                      timeout=_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                raise FunctionError(f"{function['source']}: importing it to read its routes took over "
                                    f"{_TIMEOUT_S} s; keep work out of module level") from None
            if proc.returncode != 0:
                last = (proc.stderr.strip().splitlines() or ["no output"])[-1]
                raise FunctionError(f"{function['source']}: its routes could not be read from its resolver "
                                    f"({last}); run `build-pkg.py invoke {function['name']}` to see it fail")
            documents = json.loads(proc.stdout.strip().splitlines()[-1])
            atomic_write(_cache_entry(function), json.dumps(documents).encode())
            made[function["name"]] = documents
    return made
