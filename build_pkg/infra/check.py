"""`check`: functions/ and terraform/ agree, the lock is fresh, before anything is applied.

Stands in for `terraform validate` (which needs the AWS provider) on the parts
this repository owns: every module call of modules/worker_function is checked
against the discovered functions, the module's declared variables and the
build's runtime, architecture and package path.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from pathlib import Path

from ..errors import BuildPkgError, LockError, SettingError, TargetError
from ..fixes import ADD
from ..package.discover import Function, discover, module_names
from ..package.inputs import Inputs, resolve
from ..package.shadowing import provided_problems, stdlib_problems, top_level_code
from ..pool import pmap, worker_pool
from ..project import Project
from . import code_owner, notifications
from .environments import Environment, missing_sources, name_problems
from .environments import read as read_environments
from .function_config import environments, import_roots
from .parse import TfFile, blocks
from .render import MODULE_DIR, tf_filename
from .schedule import schedule_problem
from .settings import RESERVED_ENV
from .tree import ModuleCall, module_path, parse_tree

_META_ARGUMENTS = {"source", "version", "providers", "count", "for_each", "depends_on"}
_LAMBDA_NAME_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_LOCAL_REF = re.compile(r"^\$\{local\.([A-Za-z0-9_]+)\}$")


@dataclass(frozen=True)
class Problem:
    file: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.message}"


@dataclass(frozen=True)
class CheckResult:
    problems: tuple[Problem, ...]
    functions: int
    definitions: int


def check_project(project: Project, runtime: str | None, arch: str,
                  allow_unhashed: frozenset[str] = frozenset()) -> tuple[CheckResult, tuple[str, ...]]:
    """`check` from the command line: resolve the inputs, then check; a lock or runtime
    that cannot be resolved is itself the problem reported. Returns (result, warnings)."""
    try:
        inputs = resolve(project, runtime, arch, allow_unhashed)
    except (LockError, TargetError) as exc:
        where = "Pipfile.lock" if str(exc).startswith("Pipfile.lock") else "Pipfile"
        return CheckResult((_file_problem(where, str(exc)),), 0, 0), ()
    from ..package.closure import analyse, cache_file
    from ..package.sources import walk_functions

    project = inputs.project
    try:  # once, for check and the analysis both (a tree of 500 functions is read once)
        functions = discover(project.root, project.functions_dir, check_handlers=False)
        files = walk_functions(project.functions_dir, project.root).files
    except BuildPkgError:
        return check(inputs), inputs.warnings  # which reports what is wrong with functions/
    result = check(inputs, functions)
    analysis = analyse(functions, [(f.arcname, f.path.read_bytes()) for f in files], inputs.target.version_tuple,
                       cache_file(project))
    # A syntax error in a module some function imports fails the build: check says it first.
    reported = {p.file for p in result.problems}
    syntax = [_parse_problem(error.split(":", 1)[0], error)[0] for error in analysis.errors]
    syntax = [p for p in syntax if p.file not in reported]
    if syntax:
        result = replace(result, problems=tuple(sorted(result.problems + tuple(syntax),
                                                       key=lambda p: (p.file, p.line or 0, p.message))))
    return result, inputs.warnings + tuple(_import_warnings(inputs, analysis, files))


def _file_problem(where: str, message: str) -> Problem:
    """A message that starts with its file's name (and maybe a line) as a Problem of that file."""
    at = re.match(rf"{re.escape(where)}:(\d+): ", message)  # a line of its own (conflict markers)
    if at:
        return Problem(where, int(at.group(1)), message[at.end():])
    return Problem(where, None, message.removeprefix(f"{where} ").removeprefix(f"{where}: "))


def _import_warnings(inputs: Inputs, analysis, files) -> list[str]:
    """Imports that neither functions/, the lock, the standard library nor the runtime provide."""
    from ..package.provided import dependency_import_names, unprovided

    project = inputs.project
    first_party = {f.arcname.split("/", 1)[0].removesuffix(".py") for f in files}
    # And what a function's PYTHONPATH adds: `import fastcodec` from functions/vendor/.
    for root in {root for _, env in environments(project) for root in import_roots(dict(env))}:
        first_party |= {f.arcname.removeprefix(root + "/").split("/", 1)[0].removesuffix(".py") for f in files
                        if f.arcname.startswith(root + "/")}
    missing = unprovided(analysis, first_party, dependency_import_names(inputs),
                         inputs.target.python_version)
    return [f"{file} imports {name!r}, which neither Pipfile.lock [packages] nor the {inputs.target.runtime} runtime "
            f"provides: it would fail in Lambda with Runtime.ImportModuleError; add it ({ADD})"
            for file, name in missing]


def check(inputs: Inputs, functions: list[Function] | None = None) -> CheckResult:
    """Every problem found, sorted by file and line; `functions` when already discovered."""
    project, target = inputs.project, inputs.target
    problems: list[Problem] = []
    if inputs.lock_problem is not None:
        problems.append(_file_problem("Pipfile.lock", str(inputs.lock_problem)))
    if functions is None:
        try:
            functions = discover(project.root, project.functions_dir, check_handlers=False)
        except BuildPkgError as exc:
            return CheckResult(tuple(problems + [Problem("functions", None, str(exc))]), 0, 0)

    with worker_pool(len(functions)) as pool:
        tree = parse_tree(project, pool)
        # Each function's top-level names, parsed (never imported) in the same workers.
        names = dict(zip((f.source for f in functions),
                         pmap(pool, _names_job, [(str(project.root / f.source), f.source) for f in functions])))
    if tree.missing:
        problems.append(Problem("terraform", None, "not found: create the Terraform tree"))
    problems += [Problem(tf.rel, tf.error_line, tf.error or "does not parse") for tf in tree.unparsed]
    if not tree.missing and (project.terraform_dir / MODULE_DIR / "main.tf").is_file():
        try:
            code_owner.read(project)  # both lifecycle blocks alike: code-only, or Terraform's
        except SettingError as exc:
            rel, _, message = str(exc).partition(": ")
            problems.append(Problem(rel, None, message))
    declared = _module_variables(tree.module_files)
    if declared is None:
        problems.append(Problem(f"terraform/{MODULE_DIR}", None, "declares no variables; is the module missing?"))
        declared = {}
    local_values = tree.local_values()
    calls = tree.calls()
    environments = read_environments(project)
    by_module = {f.module: f for f in functions}
    defined: dict[str, list[ModuleCall]] = {}
    names_seen: dict[str, ModuleCall] = {}
    for call in calls:
        problems += _check_call(project, call, by_module, declared, local_values, target, defined, names_seen, names)
        problems += _check_deployed_names(call, environments)
    from ..package.provided import known_import_names, locked_names

    top_levels = top_level_code(project.functions_dir)
    for message in stdlib_problems(top_levels, target) + provided_problems(
            top_levels, known_import_names(inputs), locked_names(inputs)):
        shown, _, rest = message.partition(" has ")
        problems.append(Problem(shown, None, "has " + rest))
    problems += _check_sources(tree.root_files, environments)
    problems += _check_notifications(project)
    unparsed = {p.file for p in problems if p.message.startswith("does not parse")}
    for function in functions:
        homes = defined.get(function.name, [])
        if not homes and f"terraform/{tf_filename(function.name)}" in unparsed:
            continue  # its file does not parse: that problem is already reported
        if not homes:
            problems.append(Problem(function.source, None,
                                    "has no Terraform definition; run `build-pkg.py tf` to write one"))
            problems += _parse_problem(function.source, names.get(function.source))
        elif len(homes) > 1:
            where = ", ".join(f"{c.file.rel}:{c.line}" for c in homes)
            problems.append(Problem(homes[1].file.rel, homes[1].line,
                                    f"function {function.name!r} is defined {len(homes)} times ({where}); keep one"))
    problems.sort(key=lambda p: (p.file, p.line or 0, p.message))
    return CheckResult(tuple(problems), len(functions), len(calls))


def _parse_problem(source: str, names: set[str] | str | None) -> list[Problem]:
    """A module that does not parse, as a problem at its line (`_names_job` gives the message)."""
    if not isinstance(names, str):
        return []
    match = re.match(rf"^{re.escape(source)}:(\d+): (.*)$", names)
    if match:
        return [Problem(source, int(match.group(1)), match.group(2))]
    return [Problem(source, None, names.removeprefix(f"{source}: "))]


def _names_job(job: tuple[str, str]) -> set[str] | str:
    """A module's top-level names, or the one-line error when it does not parse."""
    path, shown = job
    try:
        return module_names(Path(path), shown)
    except BuildPkgError as exc:
        return str(exc)


def _check_deployed_names(call: ModuleCall, environments: list[Environment]) -> list[Problem]:
    name = call.args.get("name")
    if not isinstance(name, str) or not _LAMBDA_NAME_RE.match(name):
        return []
    return [Problem(call.file.rel, call.line_of("name"), message)
            for message in name_problems(name, call.args.get("schedule") is not None, environments)]


def _check_sources(root_files: list[TfFile], environments: list[Environment]) -> list[Problem]:
    """Every var.queues/topics/buckets["KEY"] is set in every environment."""
    found = []
    for tf in root_files:
        for env, kind_map, key, line in missing_sources(tf.text, environments):
            found.append(Problem(tf.rel, line, f'var.{kind_map}["{key}"] is not set in {env.file}; '
                                               f'add "{key}" to its {kind_map} map'))
    return found


def _check_notifications(project: Project) -> list[Problem]:
    state = notifications.status(project.terraform_dir, notifications.s3_trigger_labels(project.terraform_dir))
    rel = project.rel(state.path)
    if state.hand_written:
        return [Problem(rel, None, "has the name of the file `tf` generates for S3 triggers; rename it")]
    if state.stale and state.wanted is None:
        return [Problem(rel, None, "no function has an S3 trigger any more; run `build-pkg.py tf` to remove it")]
    if state.stale:
        return [Problem(rel, None, "does not match the functions' S3 triggers; run `build-pkg.py tf` to rewrite it")]
    return []


def _module_variables(files: list[TfFile]) -> dict[str, bool] | None:
    """Variable name -> required (no default) for modules/worker_function."""
    declared: dict[str, bool] = {}
    for tf in files:
        for name, body in blocks(tf.data, "variable"):
            declared[name] = "default" not in body
    return declared or None


def _resolve(value, local_values: dict, depth: int = 0):
    """Follow `${local.x}` references to their literal values where possible."""
    if isinstance(value, str) and depth < 5:
        match = _LOCAL_REF.match(value)
        if match and match.group(1) in local_values:
            return _resolve(local_values[match.group(1)], local_values, depth + 1)
    return value


def _check_call(project, call: ModuleCall, by_module, declared, local_values, target, defined, names_seen,
                names) -> list[Problem]:
    rel = call.file.rel
    found: list[Problem] = []
    args = call.args

    for key in sorted(set(args) - _META_ARGUMENTS - set(declared)):
        found.append(Problem(rel, call.line_of(key),
                             f"module {call.label!r} passes {key!r}, which {MODULE_DIR} does not declare"))
    for key in sorted(k for k, required in declared.items() if required and k not in args):
        found.append(Problem(rel, call.line, f"module {call.label!r} does not set required variable {key!r}"))

    function = _check_handler(call, by_module, names, found)
    name = args.get("name")
    if isinstance(name, str):
        if not _LAMBDA_NAME_RE.match(name):
            found.append(Problem(rel, call.line_of("name"), f"name {name!r} is not a valid Lambda function name"))
        elif name in names_seen:
            other = names_seen[name]
            found.append(Problem(rel, call.line_of("name"),
                                 f"name {name!r} is also used by {other.file.rel}:{other.line}; names must be unique"))
        else:
            names_seen[name] = call
        if function and name != function.name:
            found.append(Problem(rel, call.line_of("name"),
                                 f"name {name!r} does not match the handler's function {function.name!r}"))
    if function:
        defined.setdefault(function.name, []).append(call)
    found += _check_settings(call)

    shared = _resolve(args.get("shared"), local_values)
    shared = shared if isinstance(shared, dict) else {}
    for key, wanted in (("runtime", target.runtime), ("architecture", target.arch)):
        value, where = _setting(call, shared, key, local_values)
        if value != wanted:
            found.append(Problem(rel, call.line_of(where),
                                 f"{key} {value!r}{_via(where)} differs from the build's {wanted!r}"))
    # Checked even when the package comes from S3: the hash must still be the build's.
    found += _check_package(project, call, shared, local_values)
    return found


def _check_settings(call: ModuleCall) -> list[Problem]:
    """What Lambda or EventBridge would refuse at apply time, in a hand-edited file."""
    found = []
    schedule = call.args.get("schedule")
    problem = schedule_problem(schedule) if isinstance(schedule, str) and "${" not in schedule else None
    if problem:
        found.append(Problem(call.file.rel, call.line_of("schedule"), problem))
    environment = call.args.get("environment")
    for key in sorted(environment) if isinstance(environment, dict) else ():
        if key in RESERVED_ENV:
            found.append(Problem(call.file.rel, call.line_of(key),
                                 f"environment variable {key} is reserved by Lambda; remove it"))
    return found


def _setting(call: ModuleCall, shared: dict, key: str, local_values: dict) -> tuple[object, str]:
    """A per-function override, else the shared value; and which argument it came from."""
    if call.args.get(key) is not None:
        return _resolve(call.args[key], local_values), key
    return _resolve(shared.get(key), local_values), "shared"


def _via(where: str) -> str:
    return " (from shared)" if where == "shared" else ""


def _check_handler(call: ModuleCall, by_module: dict[str, Function], names: dict, found: list[Problem]) -> Function | None:
    handler = call.args.get("handler")
    rel = call.file.rel
    if not isinstance(handler, str) or "." not in handler:
        if handler is not None:
            found.append(Problem(rel, call.line_of("handler"), f"handler {handler!r} is not MODULE.FUNCTION"))
        return None
    module, _, attribute = handler.rpartition(".")
    function = by_module.get(module)
    if not function:
        found.append(Problem(rel, call.line_of("handler"),
                             f"handler {handler!r} matches no function in functions/ "
                             "(lambda_<name>.py or <name>/main.py); fix the handler or remove the file"))
        return None
    defined = names[function.source]
    if isinstance(defined, str):  # the module does not parse: at its line, as `build` says it
        found += _parse_problem(function.source, defined)
        return function
    if attribute not in defined:
        found.append(Problem(rel, call.line_of("handler"),
                             f"handler {handler!r}: {function.source} defines no top-level {attribute!r}"))
    elif attribute != function.handler.rpartition(".")[2]:
        # The build, invoke, the image's command, status and code-only releases all run
        # MODULE.handler: Lambda would call another function than every local run does.
        found.append(Problem(rel, call.line_of("handler"),
                             f"handler {handler!r}: the builder runs {function.handler} (invoke, images, status, "
                             f"code-only releases); set handler = \"{function.handler}\" and call {attribute}() from it"))
    return function


def _check_package(project: Project, call: ModuleCall, shared: dict, local_values: dict) -> list[Problem]:
    rel = call.file.rel
    expected = project.package_path.resolve()
    problems = []
    path = _resolve(shared.get("package_path"), local_values)
    resolved = module_path(project, path)
    if resolved != expected:
        problems.append(Problem(rel, call.line_of("shared"),
                                f"package_path {path!r} (from shared) is not the build output "
                                f"{project.rel(project.package_path)}"))
    digest = _resolve(shared.get("package_hash"), local_values)
    match = re.match(r"^\$\{filebase64sha256\((.+)\)\}$", digest or "") if isinstance(digest, str) else None
    inner = match.group(1).strip() if match else None
    if inner and inner.startswith("local."):
        inner_value = _resolve("${" + inner + "}", local_values)
    elif inner:
        inner_value = inner.strip('"')
    else:
        inner_value = None
    if module_path(project, inner_value) != expected:
        problems.append(Problem(rel, call.line_of("shared"),
                                f"package_hash {digest!r} (from shared) is not filebase64sha256 of "
                                f"{project.rel(project.package_path)}"))
    return problems
