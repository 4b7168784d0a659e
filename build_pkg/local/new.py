"""`new`: scaffold a function and write its files, all of them or none."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from ..errors import ProjectError, UsageError
from ..fsutil import create_all
from ..infra.render import render as render_tf, tf_filename
from ..infra.settings import FunctionSettings
from ..package.discover import Function, check_name, discover
from ..project import Project
from .events import EventOptions
from .scaffold import render as render_scaffold

# The setting each trigger reads, and the option that sets it.
_TRIGGER_SETTING = {"schedule": ("schedule", "--schedule"), "sqs": ("sqs_queue_arn", "--sqs"),
                    "sns": ("sns_topic_arn", "--sns"), "s3": ("s3_bucket", "--s3-bucket"),
                    "http": ("http_routes", "--http")}


@dataclass(frozen=True)
class Created:
    files: tuple[str, ...]  # project-relative, in creation order
    event_path: str
    test_path: str


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
        flag = {"sqs": "--sqs ARN", "sns": "--sns ARN", "s3": "--s3-bucket BUCKET"}[trigger]
        raise UsageError(f"--trigger {trigger} needs {flag}")
    return settings


def _event_options(trigger: str, settings: FunctionSettings) -> EventOptions:
    """The sample event matches what the trigger will really send."""
    if trigger == "s3":
        return EventOptions(bucket=settings.s3_bucket,
                            key=f"{settings.s3_prefix or ''}example{settings.s3_suffix or '.json'}")
    if trigger == "http":
        method, _, path = settings.http_routes[0].partition(" ")
        return EventOptions(method="GET" if method in ("ANY", "$default") else method, path=path or "/")
    return EventOptions()


def create(project: Project, name: str, layout: str, trigger: str, settings: FunctionSettings) -> Created:
    """Code, test, sample event and .tf of a new function; refuses any existing name or file."""
    check_name(name, f"function {name!r}")
    functions_dir = project.functions_dir
    existing = {}
    if functions_dir.is_dir() and any(functions_dir.iterdir()):
        existing = {f.name.lower(): f for f in discover(project.root, functions_dir, check_handlers=False)}
    if name.lower() in existing:
        raise ProjectError(f"function {name!r} already exists ({existing[name.lower()].source}); pick another name")
    settings = with_trigger_defaults(name, trigger, settings)
    settings.validate()
    scaffold = render_scaffold(name, layout, trigger, _event_options(trigger, settings))
    module = f"{name}.main" if layout == "package" else f"lambda_{name}"
    files = dict(scaffold.files)
    files[f"terraform/{tf_filename(name)}"] = render_tf(Function(name, layout, module, scaffold.code_path), settings)
    taken = [rel for rel in files if (project.root / rel).exists()]
    if taken:
        raise ProjectError(f"{', '.join(taken)} already exist(s); nothing was written (new never overwrites)")
    try:
        created = create_all(project.root, files)
    except OSError as exc:
        raise ProjectError(f"could not create {exc.filename}: {exc.strerror}; nothing was written") from None
    rels = tuple(project.rel(p) for p in created)
    return Created(rels, scaffold.event_path, next(r for r in rels if r.startswith("tests/functions/")))
