"""`new`: scaffold a function and write its files, all of them or none."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, replace

from ..errors import FunctionError, ProjectError, SettingError, UsageError
from ..fsutil import create_all
from ..infra.render import render as render_tf, tf_filename
from ..infra.environments import Environment, name_problems
from ..infra.environments import read as read_environments
from ..infra.settings import FunctionSettings
from ..infra.write import check_notifications_writable, sources_to_add, sync_notifications
from ..package.discover import FLAT_PREFIX, MAX_NAME, SHARED_LIB, Function, check_name, discover
from ..package.stdlib import any_stdlib_name
from ..project import Project
from .events import EventOptions
from .scaffold import render as render_scaffold

# The setting each trigger reads, and the option that sets it.
_TRIGGER_SETTING = {"schedule": ("schedule", "--schedule"), "sqs": ("sqs_queue", "--sqs"),
                    "sns": ("sns_topic", "--sns"), "s3": ("s3_bucket", "--s3-bucket"),
                    "http": ("http_routes", "--http")}


@dataclass(frozen=True)
class Created:
    files: tuple[str, ...]  # project-relative, in creation order
    event_path: str
    test_path: str
    generated: str | None = None  # the S3 notifications file, when it was rewritten
    to_add: tuple[str, ...] = ()  # per-environment values the new file refers to


def with_trigger_defaults(name: str, trigger: str, settings: FunctionSettings) -> FunctionSettings:
    """Fill the chosen trigger's setting when it has a sensible default; refuse mismatches."""
    for kind, (field, flag) in _TRIGGER_SETTING.items():
        if getattr(settings, field) and kind != trigger:
            raise UsageError(f"{flag} needs --trigger {kind}")
    if trigger == "schedule" and not settings.schedule:
        return dataclasses.replace(settings, schedule="rate(1 hour)")
    if trigger == "http" and not settings.http_routes:
        return dataclasses.replace(settings, http_routes=(f"GET /{name.replace('_', '-')}",))
    if trigger in ("sqs", "sns", "s3") and not getattr(settings, _TRIGGER_SETTING[trigger][0]):
        flag = {"sqs": "--sqs KEY", "sns": "--sns KEY", "s3": "--s3-bucket KEY"}[trigger]
        raise UsageError(f"--trigger {trigger} needs {flag}")
    return settings


def _event_options(trigger: str, settings: FunctionSettings, environments: list[Environment]) -> EventOptions:
    """The sample event matches what the trigger will really send (in the first environment
    that names the bucket, else the key itself), where local runs run: the environment
    `event` and `invoke` use (dev, else the first), its region and account."""
    local = next((e for e in environments if e.name == "dev"), environments[0] if environments else None)
    where = {"region": local.region, "account": local.account} if local else {}
    return replace(_for_the_trigger(trigger, settings, environments),
                   **{key: value for key, value in where.items() if value})


def _for_the_trigger(trigger: str, settings: FunctionSettings, environments: list[Environment]) -> EventOptions:
    if trigger == "s3":
        bucket = next((b for env in environments if isinstance(b := env.source("buckets", settings.s3_bucket), str)),
                      settings.s3_bucket)
        return EventOptions(bucket=bucket,
                            key=f"{settings.s3_prefix or ''}example{settings.s3_suffix or '.json'}")
    if trigger == "http":
        method, _, path = settings.http_routes[0].partition(" ")
        return EventOptions(method="GET" if method in ("ANY", "$default") else method, path=path or "/")
    return EventOptions()


def _check_new_name(name: str, layout: str) -> str | None:
    """A NAME that can never be a function is a usage error (exit 2), said as advice for
    `new`, not for a file written by hand. Returns the too-long message, if any, for after
    the environments' own check, which names the cut that fits every deployed name."""
    if not name:
        raise UsageError("NAME is empty; give the function a name of letters, digits and underscores")
    if layout == "flat" and name.startswith(FLAT_PREFIX):
        raise UsageError(f"name it {name.removeprefix(FLAT_PREFIX)!r}: new writes functions/{FLAT_PREFIX}<name>.py "
                         f"itself (this would make {FLAT_PREFIX}{name}.py)")
    try:
        check_name(name, "NAME", limit=None)
    except FunctionError as exc:
        raise UsageError(str(exc).removeprefix("NAME: ")) from None
    if len(name) > MAX_NAME:
        return f"{name!r}: function name is {len(name)} characters; Lambda allows {MAX_NAME}"
    return None


def _refuse_provided_name(project: Project, name: str) -> None:
    """functions/NAME/ named like a locked dependency (as the last build saw it install) or
    a module of Lambda's runtime (its AWS SDK) would break every function: `build` refuses
    it, so `new` must not write it."""
    from ..errors import BuildPkgError
    from ..package.inputs import resolve as resolve_inputs
    from ..package.provided import known_import_names, locked_names
    from ..package.shadowing import provided_problems

    try:
        inputs = resolve_inputs(project, None, "x86_64", frozenset())
        installed, locked = known_import_names(inputs), locked_names(inputs)
    except BuildPkgError:  # a lock that cannot be read: build says so; the runtime's names still count
        installed, locked = set(), set()
    problems = provided_problems([f"{name}/main.py"], installed, locked)
    if problems:
        raise UsageError(problems[0].removesuffix("; rename it") + "; pick another name (or --layout flat, "
                         "which makes lambda_<name>.py)")


def create(project: Project, name: str, layout: str, trigger: str, settings: FunctionSettings) -> Created:
    """Code, test, sample event and .tf of a new function; refuses any existing name or file."""
    too_long = _check_new_name(name, layout)
    if name == SHARED_LIB:
        raise UsageError(f"{name!r} is reserved: functions/{SHARED_LIB}/ is the code every function shares; "
                         "pick another name")
    if layout == "package" and any_stdlib_name(name):
        raise UsageError(f"functions/{name}/ would have the name of the standard-library module {name!r} and replace "
                         "it for every function (functions/ comes first on Lambda's import path); pick another name "
                         "(or --layout flat, which makes lambda_<name>.py)")
    if layout == "package":
        _refuse_provided_name(project, name)
    functions_dir = project.functions_dir
    existing = {}
    if functions_dir.is_dir():  # with no function yet (the examples removed): this one is the first
        existing = {f.name.lower(): f for f in discover(project.root, functions_dir, check_handlers=False,
                                                        allow_empty=True)}
    if name.lower() in existing:
        raise ProjectError(f"function {name!r} already exists ({existing[name.lower()].source}); pick another name")
    settings = with_trigger_defaults(name, trigger, settings)
    settings.validate()
    environments = read_environments(project)
    problems = name_problems(name, settings.schedule is not None, environments)
    if problems:
        raise SettingError(problems[0] + (f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""))
    if too_long:  # no environment to measure the deployed name against: Lambda's own limit
        raise UsageError(too_long)
    scaffold = render_scaffold(name, layout, trigger, _event_options(trigger, settings, environments))
    module = f"{name}.main" if layout == "package" else f"lambda_{name}"
    files = dict(scaffold.files)
    files[f"terraform/{tf_filename(name)}"] = render_tf(Function(name, layout, module, scaffold.code_path), settings)
    taken = [rel for rel in files if (project.root / rel).exists()]
    if settings.s3_bucket:
        taken += check_notifications_writable(project)
    if taken:
        raise ProjectError(f"{', '.join(taken)} already exist(s); nothing was written (new never overwrites)")
    try:
        created = create_all(project.root, files)
    except OSError as exc:
        raise ProjectError(f"could not create {exc.filename}: {exc.strerror}; nothing was written") from None
    rels = tuple(project.rel(p) for p in created)
    tf_path = project.root / "terraform" / tf_filename(name)
    generated = sync_notifications(project) if settings.s3_bucket else None
    return Created(rels, scaffold.event_path, next(r for r in rels if r.startswith("tests/functions/")),
                   generated, tuple(sources_to_add(project, [tf_path])))
