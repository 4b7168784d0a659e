"""The text adopt writes: one function file per adopted function, and import blocks.
Pure; `terraform fmt`-clean (the tests run the real `terraform fmt -check`).

The live names go in a per-environment map at the top of the function file: the
environment the function was adopted from keeps them (and its live environment
variables and trigger sources); any other environment deploys
`<project>-<env>-<name>` as for every other function.
"""

from __future__ import annotations

from ...infra.render import MODULE_SOURCE, quote
from .plan import Adoption

IMPORTS_HEADER = (
    "# Written by `build-pkg.py adopt`: imports what already runs in AWS into the state of the\n"
    "# environment it runs in (each block applies there only). After that environment's first\n"
    "# apply, delete this file: the resources are then in its state.\n"
)


def function_file(adoption: Adoption, env_value: str) -> str:
    a, live = adoption, adoption.live
    local = f"adopted_{a.function.name}"
    entry = [("function_name", quote(live.name)), ("role_arn", quote(live.role_arn)), ("alias_name", quote(a.alias))]
    if a.schedule_rule:
        entry.append(("schedule_rule_name", quote(a.schedule_rule)))
    if a.statement_ids:
        entry.append(("statement_ids", "{ " + ", ".join(f"{k} = {quote(v)}" for k, v in a.statement_ids) + " }"))
    if a.sqs_queue_arn:
        entry.append(("sqs_queue_arn", quote(a.sqs_queue_arn)))
    if a.sns_topic_arn:
        entry.append(("sns_topic_arn", quote(a.sns_topic_arn)))
    variables = [(key, f"var.{name}") for key, name in a.secrets]
    environment = sorted([(key, quote(value)) for key, value in a.environment] + variables)
    env_block = _map("environment", environment, indent=6) if environment else "      environment = {}"

    lines = [
        f"# {a.function.name}: {a.function.source} (handler {a.function.handler}).",
        f"# Adopted by `build-pkg.py adopt` from {live.name} in {env_value}: there it keeps its live names,",
        "# role, environment variables and trigger sources (below); other environments deploy",
        f"# <project>-<env>-{a.function.name} as usual. Edit freely; it is never rewritten.",
        "locals {",
        f"  {local} = {{",
        f"    {env_value} = {{",
        _aligned(entry, indent=6),
        "",
        env_block,
        "    }",
        "  }",
        "}",
        "",
    ]
    for key, name in a.secrets:
        lines += [
            f'variable "{name}" {{',
            f"  description = {quote(f'{key} of {live.name} in {env_value}: it looked like a secret, so adopt did not write it. Set TF_VAR_{name}.')}",
            "  type        = string",
            "  sensitive   = true",
            "  default     = null",
            "",
            "  validation {",
            f"    condition     = var.environment != {quote(env_value)} || var.{name} != null",
            f"    error_message = {quote(f'Set TF_VAR_{name}: {key} of {live.name} in {env_value}.')}",
            "  }",
            "}",
            "",
        ]
    settings = [("memory_size", str(live.memory)), ("timeout", str(live.timeout))]
    if live.description:
        settings.append(("description", quote(live.description)))
    if live.tracing_mode and live.tracing_mode != "PassThrough":
        settings.append(("tracing_mode", quote(live.tracing_mode)))
    triggers = []
    if a.schedule:
        triggers.append(("schedule", quote(a.schedule)))
    if a.sqs_queue_arn:
        triggers.append(("sqs_queue_arn", f"try(local.{local}[var.environment].sqs_queue_arn, null)"))
        if a.sqs_batch_size:
            triggers.append(("sqs_batch_size", str(a.sqs_batch_size)))
    if a.sns_topic_arn:
        triggers.append(("sns_topic_arn", f"try(local.{local}[var.environment].sns_topic_arn, null)"))
    groups = [
        _aligned([("source", quote(MODULE_SOURCE))]),
        _aligned([("shared", "local.worker")]),
        _aligned([("name", quote(a.function.name)), ("handler", quote(a.function.handler)),
                  ("adopted", f"lookup(local.{local}, var.environment, null)")]),
        _aligned(settings),
        _aligned([("environment", f"try(local.{local}[var.environment].environment, {{}})")]),
    ]
    if triggers:
        groups.append(_aligned(triggers))
    lines += [f'module "{a.label}" {{', "\n\n".join(groups), "}"]
    return "\n".join(lines) + "\n"


def import_blocks(adoption: Adoption, env_value: str) -> str:
    blocks = [f"# {adoption.live.name} -> {adoption.function.name} ({env_value})"]
    for item in adoption.imports:
        blocks.append("import {\n" + _aligned([
            ("for_each", f"var.environment == {quote(env_value)} ? toset([{quote(env_value)}]) : toset([])"),
            ("to", item.address),
            ("id", quote(item.id)),
        ]) + "\n}")
    return "\n".join(blocks[:1]) + "\n" + "\n\n".join(blocks[1:]) + "\n"


def _aligned(pairs: list[tuple[str, str]], indent: int = 2) -> str:
    width = max(len(key) for key, _ in pairs)
    return "\n".join(f"{' ' * indent}{key.ljust(width)} = {value}" for key, value in pairs)


def _map(key: str, items: list[tuple[str, str]], indent: int) -> str:
    pad = " " * indent
    return f"{pad}{key} = {{\n" + _aligned(items, indent + 2) + f"\n{pad}}}"
