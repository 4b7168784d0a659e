"""The OpenAPI phase of the build: routes from the code. Each function that uses a
Powertools resolver describes its own routes, by the resolver's own OpenAPI generation run
inside the built package (the isolated interpreter `invoke` uses, with only the package,
the layer and the runtime's SDK on its path: user code is never imported into the
builder), one process for all the functions whose document is not cached. The documents
are brought to OpenAPI 3.0, merged into terraform/openapi.json and validated. A function's
answer is kept in the build cache by its code identity, so a build where no function
changed runs nothing, and `check` compares the routes the last build read.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import subprocess
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path

from ..api import import_rules, openapi
from ..api.openapi import OPENAPI_NAME
from ..cache import cache_root
from ..errors import FunctionError
from ..fixes import ADD
from ..fsutil import atomic_write
from ..infra.environments import project_name
from ..infra.function_config import config_of
from ..progress import Reporter
from ..project import Project
from ..sandbox import client as runtime_client
from ..sandbox.unpack import unpacked

# Both names in one file: every spelling of the import (`from aws_lambda_powertools import
# Logger, event_handler`, an alias, importlib) is caught, and a file that names both without
# a resolver only costs its function a look in the package's interpreter.
_MARKERS = ("aws_lambda_powertools", "event_handler")
_TIMEOUT_S = 60
# Run in the package's interpreter, once for every function whose document is missing: import
# each entry module, ask each REST resolver it holds for its document (an HTTP API, ALB or
# Function URL resolver expects other events: it is not put on the REST API); one JSON object out, with
# the error of a module that failed to import (its traceback's last line) instead.
_SCRIPT = """
import importlib, json, os, sys, traceback
sys.path[:0] = [os.environ['TASK'], *json.loads(os.environ['EXTRA'])]
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, APIGatewayRestResolver

def routes(app):
    return [r for r in app._static_routes + app._dynamic_routes if r.include_in_schema]

def plain(app):
    # What the resolver's own generation gives without pydantic: each route's method, path
    # and path parameters (no models).
    paths = {}
    for route in routes(app):
        names = [part[1:-1] for part in route.openapi_path.split('/') if part.startswith('{')]
        operation = {'operationId': route.operation_id, 'responses': {'200': {'description': 'Successful Response'}},
                     'parameters': [{'name': n, 'in': 'path', 'required': True, 'schema': {'type': 'string'}}
                                    for n in names]}
        if route.summary:
            operation['summary'] = route.summary
        paths.setdefault(route.openapi_path, {})[route.method.lower()] = operation
    return {'openapi': '3.0.3', 'info': {'title': 'Powertools API', 'version': '1.0.0'}, 'paths': paths}

found = {}
envs, base = json.loads(os.environ['ENVS']), dict(os.environ)
for name in json.loads(os.environ['MODULES']):
    os.environ.clear()
    os.environ.update(base)
    os.environ.update(envs.get(name, {}))
    try:
        module = importlib.import_module(name)
        apps = list(vars(module).values())
        rest = [v for v in apps if isinstance(v, APIGatewayRestResolver)]
        http = [v for v in apps if isinstance(v, APIGatewayHttpResolver)]
        try:
            documents, models = [json.loads(app.get_openapi_json_schema()) for app in rest], True
        except ModuleNotFoundError as exc:
            if exc.name != 'pydantic':
                raise
            documents, models = [plain(app) for app in rest], False
        found[name] = {'rest': documents, 'models': models,
                       'http': sorted({r.method + ' ' + r.openapi_path for app in http for r in routes(app)})}
    except BaseException as exc:
        found[name] = {'error': traceback.format_exception_only(type(exc), exc)[-1].strip()}
print(json.dumps(found))
"""


@dataclass(frozen=True)
class ApiResult:
    path: Path | None  # terraform/openapi.json, or None when no function serves routes
    functions: tuple[str, ...]  # the functions whose resolvers gave routes
    generated: tuple[str, ...]  # of those, the ones whose document was made this run (not cached)
    routes: tuple[tuple[str, str], ...]


def uses_resolver(project: Project, function: dict, seen: dict[str, bool] | None = None) -> bool:
    """The function's closure imports Powertools' event handlers (its resolver may live in
    another module the entry imports). `seen`: what each file said already, so the files
    functions share (worker_lib) are read once per build, not once per function."""
    seen = {} if seen is None else seen
    for arc in function.get("closure") or [function["source"].removeprefix("functions/")]:
        if arc not in seen:
            try:
                text = (project.functions_dir / arc).read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                text = ""
            seen[arc] = all(marker in text for marker in _MARKERS)
        if seen[arc]:
            return True
    return False


def code_routes(project: Project, manifest: dict, target, package: Path, layer: Path | None,
                report: Reporter) -> tuple[dict[str, dict], list[str]]:
    """Each resolver function's answer (its REST documents, its HTTP API route keys, whether
    the documents have models), from the cache or read now from `package` (and `layer`);
    and the functions read now."""
    seen: dict[str, bool] = {}
    wanted = [f for f in manifest["functions"] if uses_resolver(project, f, seen)]
    answers = {f["name"]: cached(project, f) for f in wanted}
    missing = [f for f in wanted if answers[f["name"]] is None]
    fresh = _generate(project, missing, target, package, layer, report) if missing else {}
    answers.update(fresh)
    _warn_without_models(project, manifest, wanted, answers, report)
    return answers, sorted(fresh)


def _warn_without_models(project: Project, manifest: dict, wanted: list[dict], answers: dict,
                         report: Reporter) -> None:
    """Once per repository and change of which REST functions go without models, or of the
    lock: the same warning on every build would teach people to skip the warnings."""
    plain = sorted(f["source"] for f in wanted if (answers.get(f["name"]) or {}).get("rest")
                   and not answers[f["name"]].get("models"))
    if not plain:
        return
    key = hashlib.sha256(json.dumps([str(project.root), plain, manifest.get("dependencies")],
                                    sort_keys=True).encode()).hexdigest()
    marker = cache_root() / "api" / f"warned-{key[:32]}"
    if marker.exists():
        return
    more = f" (and {len(plain) - 1} more)" if len(plain) > 1 else ""
    report.warn(f"{plain[0]}{more}: its REST routes are described without request or response models, since "
                f"Pipfile.lock [packages] lacks pydantic (Powertools needs it for those); add it "
                f"({ADD.replace('NAME', 'pydantic')}) for models in terraform/{OPENAPI_NAME}")
    atomic_write(marker, b"")


def openapi_document(project: Project, manifest: dict, target, package: Path, layer: Path | None,
                     report: Reporter) -> tuple[ApiResult, bytes | None]:
    """terraform/openapi.json's bytes from the functions' resolvers in the packed `package`
    (None: no function serves REST routes, so there is no document), validated."""
    out = project.terraform_dir / OPENAPI_NAME
    answers, generated = code_routes(project, manifest, target, package, layer, report)
    documents = {}
    for function in manifest["functions"]:
        answer = answers.get(function["name"])
        own = [openapi.down_convert(document) for document in (answer or {}).get("rest") or []]
        if own:  # a module with several resolvers serves their routes as one function
            documents[function["name"]] = (function["source"], _combined(own))
    if not documents:
        return ApiResult(None, (), tuple(generated), ()), None
    # The project's name, never the checkout folder's: the same tree gives the same document
    # (and the REST API no new deployment) wherever it is cloned.
    merged, dropped = import_rules.for_api_gateway(openapi.merge(documents, f"{project_name(project)} REST API"))
    if dropped:
        report.warn(import_rules.warning(dropped))
    data = openapi.dumps(merged)
    if not _same_bytes(out, data):  # the same bytes were validated when they were written
        openapi.validate(merged)
    found = tuple(sorted({name for name in documents}))
    count, functions = len(openapi.routes(merged)), len(found)
    report.step(f"{project.rel(out)}: {count} route{'s' if count != 1 else ''} of {functions} "
                f"function{'s' if functions != 1 else ''} "
                f"(of {len(answers)} resolvers, {len(generated)} read from the code, {len(answers) - len(generated)} "
                f"from the cache)")
    return ApiResult(out, found, tuple(generated), tuple(openapi.routes(merged))), data


NO_ROUTES = "# build-pkg: no REST routes"


def routes_gone(project: Project, manifest: dict, previous: dict | None, documents: dict,
                report: Reporter) -> dict[str, list[str]]:
    """The functions that still exist and served REST routes at an earlier build but serve
    none now, with those routes: the next apply removes them (with the last ones, the REST
    API, its deployment and its stage). Said when it happens, and kept in the manifest (for
    `check` to refuse) until the routes come back or the function's module says
    `# build-pkg: no REST routes` (or the function goes)."""
    sources = {f["name"]: f["source"] for f in manifest["functions"]}
    gone = {name: routes for name, routes in ((previous or {}).get("rest_routes_gone") or {}).items()
            if name in sources and name not in documents}
    try:
        before = json.loads((project.terraform_dir / OPENAPI_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        before = {}
    for (method, path), name in _served(before).items():
        if name in sources and name not in documents:
            gone.setdefault(name, []).append(f"{method} {path}")
            if len(gone[name]) == 1:
                whole = "" if documents else ", and with no route left the REST API itself (its deployment and stage)"
                report.warn(f"{sources[name]}: served REST routes at the last build and serves none now: the next "
                            f"apply removes them{whole}; if that is not meant, see how it makes its resolver, and "
                            f"if it is, add `{NO_ROUTES}` to it")
    return {name: sorted(set(routes)) for name, routes in sorted(gone.items())
            if NO_ROUTES.lower() not in _text(project, sources[name]).lower()}


def _served(document: dict) -> dict[tuple[str, str], str]:
    """(METHOD, path) -> the function the document sends it to (its `${uri_<function>}`)."""
    found = {}
    for path, item in (document.get("paths") or {}).items():
        for method, operation in (item or {}).items():
            uri = ((operation or {}).get("x-amazon-apigateway-integration") or {}).get("uri", "") \
                if isinstance(operation, dict) else ""
            match = re.fullmatch(r"\$\{uri_([A-Za-z0-9_]+)\}", uri)
            if match:
                found[(method.upper(), path)] = match.group(1)
    return found


def _text(project: Project, source: str) -> str:
    try:
        return (project.root / source).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


def _same_bytes(path: Path, data: bytes) -> bool:
    try:
        return path.read_bytes() == data
    except OSError:
        return False


def _combined(documents: list[dict]) -> dict:
    combined = {**documents[0], "paths": {}, "components": {"schemas": {}}}
    for document in documents:
        for path, item in (document.get("paths") or {}).items():
            combined["paths"].setdefault(path, {}).update(item)
        combined["components"]["schemas"].update((document.get("components") or {}).get("schemas") or {})
    return combined


FORMAT = 4  # of the cached answers: bump when the script above changes what it reads


def _cache_entry(project: Project, function: dict) -> Path:
    """By the function's code identity and the environment its module is read with."""
    key = hashlib.sha256(json.dumps([function["code_sha256"], _environment(project, function)],
                                    sort_keys=True).encode()).hexdigest()
    return cache_root() / "api" / f"{FORMAT}-{key}.json"


def cached(project: Project, function: dict) -> dict | None:
    """The answer the last build read for `function` at its current code identity."""
    try:
        found = json.loads(_cache_entry(project, function).read_text())
        return found if isinstance(found, dict) and "rest" in found else None
    except (OSError, ValueError):
        return None


def _generate(project: Project, functions: list[dict], target, package: Path, layer: Path | None,
              report: Reporter) -> dict[str, dict]:
    python = runtime_client.interpreter_for(target)
    client_dir = runtime_client.ensure(python, report)
    with unpacked(package) as task, (unpacked(layer) if layer else nullcontext()) as opt:
        extra = ([str(opt / "python")] if opt else []) + [str(client_dir)]
        modules = {function["handler"].rsplit(".", 1)[0]: function for function in functions}
        # No credentials, no instance role: module-level code reads its routes, never AWS. Each
        # module sees its own .tf's environment values (a table name read at import time).
        envs = {module: _environment(project, function) for module, function in modules.items()}
        env = {"TASK": str(task), "EXTRA": json.dumps(extra), "MODULES": json.dumps(sorted(modules)),
               "ENVS": json.dumps(envs), "PATH": "/usr/bin:/bin", "AWS_DEFAULT_REGION": "us-east-1",
               "AWS_REGION": "us-east-1", "AWS_EC2_METADATA_DISABLED": "true"}
        try:
            proc = subprocess.run([python, "-I", "-S", "-B", "-c", _SCRIPT], env=env, capture_output=True, text=True,
                                  timeout=_TIMEOUT_S, stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            raise FunctionError(f"reading the routes of {', '.join(f['source'] for f in functions)} took over "
                                f"{_TIMEOUT_S} s; keep work out of module level") from None
        try:
            answers = json.loads(proc.stdout.strip().splitlines()[-1])
        except (ValueError, IndexError):
            last = (proc.stderr.strip().splitlines() or ["no output"])[-1]
            raise FunctionError(f"the routes of {functions[0]['source']} could not be read ({last})") from None
    made = {}
    for module, function in modules.items():
        answer = answers.get(module, {"error": "no answer"})
        if "error" in answer and "No module named 'pydantic'" in answer["error"]:
            raise FunctionError(f"{function['source']}: Powertools describes its routes with pydantic, which "
                                f"Pipfile.lock [packages] lacks; add it ({ADD.replace('NAME', 'pydantic')})")
        if "error" in answer:
            advice = (f"{function['source']}: its routes could not be read from its resolver ({answer['error']}); "
                      "its module must import with only its .tf's literal environment values and no AWS calls at "
                      "module level (the build reads routes that way)" + _missing_variable(answer["error"]))
            if _names_rest_resolver(project, function):
                raise FunctionError(advice)
            # Its routes only feed `check` (an HTTP API resolver's): the build goes on, and reads them next time.
            report.warn(advice + "; `check` cannot compare its routes until it does")
            continue
        atomic_write(_cache_entry(project, function), json.dumps(answer).encode())
        made[function["name"]] = answer
    return made


def _environment(project: Project, function: dict) -> dict[str, str]:
    # Its notes (an expression it cannot evaluate: set it with invoke's --env) are invoke's,
    # not the build's: the build says what to do when a module fails for want of one.
    silent = Reporter(quiet=True, stream=io.StringIO())
    own = dict(config_of(project, function["name"], silent).environment)
    return {"POWERTOOLS_SERVICE_NAME": function["name"], "AWS_LAMBDA_FUNCTION_NAME": function["name"], **own}


def _missing_variable(error: str) -> str:
    """For `KeyError: 'TABLE'`: read it inside the handler (or give it a literal in the .tf)."""
    match = re.fullmatch(r"KeyError: '([A-Za-z_][A-Za-z0-9_]*)'", error)
    if not match:
        return ""
    return (f"; read {match.group(1)} inside the handler or with os.environ.get, or give it a literal value in "
            "the .tf")


def _names_rest_resolver(project: Project, function: dict) -> bool:
    """Its closure's text names a REST resolver: its routes are the REST API's."""
    for arc in function.get("closure") or [function["source"].removeprefix("functions/")]:
        try:
            if "RestResolver" in (project.functions_dir / arc).read_text(encoding="utf-8"):
                return True
        except (OSError, UnicodeDecodeError):
            continue
    return False
