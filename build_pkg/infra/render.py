"""Render one function's Terraform file: a single call of modules/worker_function.

A function file passes `shared = local.worker` (runtime, architecture, package,
role, API: defined once in the root) plus its own name, handler, settings and
triggers. It names no resource, so a stand-in root can replace the real one
(the release tests apply one made of builtin resources), and it stays short.

Pure: data in, text out. The text is `terraform fmt`-clean (equals signs aligned
within each group of single-line attributes, groups separated by blank lines),
which the tests assert with the real `terraform fmt -check`.
"""

from __future__ import annotations

from ..package.discover import FLAT_PREFIX, Function
from .settings import FunctionSettings

MODULE_SOURCE = "./modules/worker_function"
MODULE_DIR = "modules/worker_function"


def tf_filename(name: str) -> str:
    """Both layouts map to terraform/lambda_<name>.tf."""
    return f"{FLAT_PREFIX}{name}.tf"


def module_label(name: str) -> str:
    return f"{FLAT_PREFIX}{name}"


def quote(value: str) -> str:
    """An HCL string literal; `${` and `%{` are escaped so values are never templates."""
    escaped = (value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
               .replace("\r", "\\r").replace("\t", "\\t").replace("${", "$${").replace("%{", "%%{"))
    return f'"{escaped}"'


def render(function: Function, settings: FunctionSettings) -> str:
    settings.validate()
    groups: list[list[tuple[str, str]] | str] = [
        [("source", quote(MODULE_SOURCE))],
        [("shared", "local.worker")],
        [
            ("name", quote(function.name)),
            ("handler", quote(function.handler)),
        ],
        [
            ("memory_size", str(settings.memory)),
            ("timeout", str(settings.timeout)),
        ],
        _map_attribute("environment", settings.environment),
    ]
    triggers: list[tuple[str, str]] = []
    if settings.schedule:
        triggers.append(("schedule", quote(settings.schedule)))
    if settings.sqs_queue:
        triggers.append(("sqs_queue_arn", f"var.queues[{quote(settings.sqs_queue)}]"))
    if settings.sns_topic:
        triggers.append(("sns_topic_arn", f"var.topics[{quote(settings.sns_topic)}]"))
    if settings.s3_bucket:
        triggers.append(("s3_trigger_bucket", f"var.buckets[{quote(settings.s3_bucket)}]"))
        if settings.s3_prefix:
            triggers.append(("s3_filter_prefix", quote(settings.s3_prefix)))
        if settings.s3_suffix:
            triggers.append(("s3_filter_suffix", quote(settings.s3_suffix)))
    if settings.http_routes:
        routes = ", ".join(quote(r) for r in settings.http_routes)
        triggers.append(("http_routes", f"[{routes}]"))
    if triggers:
        groups.append(triggers)

    body = "\n\n".join(_render_group(g) for g in groups)
    return (
        f"# {function.name}: {function.source} (handler {function.handler}).\n"
        "# Written once by `build-pkg.py tf`; edit freely, it is never rewritten.\n"
        f'module "{module_label(function.name)}" {{\n{body}\n}}\n'
    )


def _map_attribute(key: str, items: tuple[tuple[str, str], ...]) -> str:
    if not items:
        return f"  {key} = {{}}"
    width = max(len(k) for k, _ in items)
    lines = [f"    {k.ljust(width)} = {quote(v)}" for k, v in sorted(items)]
    return f"  {key} = {{\n" + "\n".join(lines) + "\n  }"


def _render_group(group: list[tuple[str, str]] | str) -> str:
    if isinstance(group, str):
        return group
    width = max(len(key) for key, _ in group)
    return "\n".join(f"  {key.ljust(width)} = {value}" for key, value in group)
