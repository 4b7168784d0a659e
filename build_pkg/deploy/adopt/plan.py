"""Decide how each live function becomes a module call and what to import. Pure.

A live function maps to a function in functions/ by name (its whole name, or the
part after a `<project>_` or `<project>-` prefix, as apex named them) or as
`--map LIVE=NAME` says. The module then manages, for it: the function, its log
group, one alias (`live`, else apex's `current`, else its only one), one
schedule rule with its target and permission, one SQS mapping, one SNS
subscription with its permission. Each of those that exists gets an import
block; the rest of what is found is listed as left unmanaged, so nothing is
silently taken over or dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ...errors import AdoptError
from ...infra.render import module_label, tf_filename
from ...package.discover import Function
from .live import LiveFunction, Permission

PREFERRED_ALIASES = ("live", "current")  # ours, then apex's
_SECRET_KEY = re.compile(r"(?i)(secret|passw(or)?d|passphrase|token|api_?key|private|credential|auth|signing|"
                         r"salt|dsn|conn(ection)?_?str)")
_SECRET_VALUE = re.compile(r"^(AKIA|ASIA)[0-9A-Z]{16}$|^-----BEGIN |^(sk|rk)_(live|test)_|^gh[pousr]_|^xox[abprs]-|"
                           r"://[^/\s:@]+:[^/\s@]+@")


@dataclass(frozen=True)
class Import:
    address: str  # inside the module call: aws_lambda_function.this
    id: str  # in Terraform's import ID format for that resource type


@dataclass(frozen=True)
class Adoption:
    live: LiveFunction
    function: Function
    alias: str
    schedule_rule: str | None = None
    schedule: str | None = None
    sqs_queue_arn: str | None = None
    sqs_batch_size: int | None = None
    sns_topic_arn: str | None = None
    statement_ids: tuple[tuple[str, str], ...] = ()
    environment: tuple[tuple[str, str], ...] = ()  # literal values
    secrets: tuple[tuple[str, str], ...] = ()  # (key, variable name)
    imports: tuple[Import, ...] = ()
    created: tuple[str, ...] = ()  # what the module makes because AWS has none
    changed: tuple[str, ...] = ()  # what the first apply changes
    unmanaged: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        return module_label(self.function.name)

    @property
    def tf_file(self) -> str:
        return f"terraform/{tf_filename(self.function.name)}"


@dataclass(frozen=True)
class Plan:
    adoptions: tuple[Adoption, ...]
    already: tuple[tuple[str, str], ...]  # (live name, function file) adopted before


def looks_secret(key: str, value: str) -> bool:
    return bool(_SECRET_KEY.search(key) or _SECRET_VALUE.search(value))


def plan(live: list[LiveFunction], functions: list[Function], files: dict[str, str], maps: dict[str, str],
         runtime: str, arch: str, pattern: str) -> Plan:
    """`files`: the text of each function's existing terraform/lambda_<name>.tf, by function name."""
    if not live:
        raise AdoptError(f"no function in the account matches {pattern!r}; check the pattern, region and credentials")
    by_name = {f.name: f for f in functions}
    unmatched = sorted(set(maps) - {function.name for function in live})
    if unmatched:
        raise AdoptError(f"--map {', '.join(unmatched)}: no live function of that name matches {pattern!r}; "
                         "check the name, or widen --match")
    unknown_maps = sorted(f"{live_name}={name}" for live_name, name in maps.items() if name not in by_name)
    if unknown_maps:
        raise AdoptError(f"--map {', '.join(unknown_maps)}: no such function in functions/ "
                         f"(known: {', '.join(sorted(by_name)) or 'none'})")
    matched, orphans = {}, []
    for function in live:
        target = maps.get(function.name) or counterpart(function.name, by_name)
        if target is None:
            orphans.append(function.name)
        else:
            matched[function.name] = by_name[target]
    if orphans:
        raise AdoptError(f"{', '.join(orphans)}: no counterpart in functions/; add the function "
                         f"(functions/lambda_<name>.py) or say which it is with --map {orphans[0]}=NAME; nothing written")
    twice = _claimed_twice(matched)
    if twice:
        raise AdoptError(f"{twice}; map them apart with --map LIVE=NAME; nothing written")
    already, todo = [], []
    for function in live:
        local = matched[function.name]
        text = files.get(local.name)
        if text is None:
            todo.append(_adopt(function, local, runtime, arch))
        elif re.search(rf'function_name\s*=\s*"{re.escape(function.name)}"', text):
            already.append((function.name, f"terraform/{tf_filename(local.name)}"))
        else:
            raise AdoptError(f"terraform/{tf_filename(local.name)} exists already, so {local.name} is deployed by this "
                             f"repository under its own name; remove that file to adopt {function.name} into it, or "
                             "leave it out of --match; nothing written")
    return Plan(tuple(todo), tuple(already))


def counterpart(live_name: str, by_name: dict[str, Function]) -> str | None:
    """The function a live name stands for: the same name, else the longest name it ends
    with after `_` or `-` (apex's `<project>_<function>`)."""
    if live_name in by_name:
        return live_name
    fits = [name for name in by_name if live_name.endswith(("_" + name, "-" + name))]
    return max(fits, key=len) if fits else None


def _claimed_twice(matched: dict[str, Function]) -> str | None:
    seen: dict[str, str] = {}
    for live_name, function in sorted(matched.items()):
        if function.name in seen:
            return f"{seen[function.name]} and {live_name} would both become {function.name}"
        seen[function.name] = live_name
    return None


def _adopt(live: LiveFunction, function: Function, runtime: str, arch: str) -> Adoption:
    label = f"module.{module_label(function.name)}"
    imports = [Import("aws_lambda_function.this", live.name)]
    created, changed, unmanaged = [], [], []
    statement_ids: dict[str, str] = {}
    used_permissions: set[tuple[str, str | None]] = set()

    if live.log_group:
        imports.append(Import("aws_cloudwatch_log_group.this", live.log_group))
    else:
        created.append(f"log group /aws/lambda/{live.name}")

    alias = _pick_alias(live)
    if alias in dict(live.aliases):
        imports.append(Import("aws_lambda_alias.live", f"{live.name}/{alias}"))
    else:
        created.append(f"alias {alias}")
    unmanaged += [f"alias {name} (the module manages one alias, {alias})" for name, _ in live.aliases if name != alias]
    alias_arn = live.alias_arn(alias)

    # A rule that also targets something else cannot live in this function's module: removing
    # the function later would plan to destroy a rule the others still use, and a second
    # adoption would import the same rule at a second address.
    shared = [r for r in live.rules if r.others]
    unmanaged += [f"rule {r.name} targets {', '.join(_all_targets(r))}: a rule shared by several targets is not "
                  "imported into one function's module (deleting that function would destroy it); manage it once "
                  "in terraform/ outside the modules, or give each function a rule of its own" for r in shared]
    schedule_rules = [r for r in live.rules if r.schedule and r.targets and not r.others]
    schedule = schedule_rule = None
    if schedule_rules:
        rule = schedule_rules[0]
        schedule, schedule_rule = rule.schedule, rule.name
        target_id, target_arn = rule.targets[0]
        imports += [Import("aws_cloudwatch_event_rule.schedule[0]", rule.name),
                    Import("aws_cloudwatch_event_target.schedule[0]", f"{rule.name}/{target_id}")]
        if target_arn != alias_arn:
            changed.append(f"rule {rule.name}'s target moves to alias {alias}")
        unmanaged += [f"target {tid} of rule {rule.name}" for tid, _ in rule.targets[1:]]
        permission = _permission(live, "events.amazonaws.com", rule.arn)
        if permission:
            statement_ids["schedule"] = permission.sid
            imports.append(Import("aws_lambda_permission.schedule[0]", _permission_id(live, permission)))
            used_permissions.add((permission.sid, permission.qualifier))
            if permission.qualifier != alias:
                changed.append(f"permission {permission.sid} is replaced, on alias {alias}")
        else:
            created.append(f"permission for rule {rule.name}")
    unmanaged += [f"rule {r.name} ({'schedule, only one is managed' if r.schedule else 'event pattern'})"
                  for r in live.rules if not r.others and (not schedule_rules or r is not schedule_rules[0])]

    queues = [m for m in live.mappings if m.source_arn.startswith("arn:aws:sqs:")]
    sqs_arn = sqs_batch = None
    if queues:
        mapping = queues[0]
        sqs_arn, sqs_batch = mapping.source_arn, mapping.batch_size
        imports.append(Import("aws_lambda_event_source_mapping.sqs[0]", mapping.uuid))
        if mapping.target != alias_arn:
            changed.append(f"the SQS mapping {mapping.uuid} moves to alias {alias}")
    unmanaged += [f"event source mapping {m.uuid} ({m.source_arn})" for m in live.mappings
                  if not queues or m is not queues[0]]

    sns_arn = None
    if live.subscriptions:
        subscription = live.subscriptions[0]
        sns_arn = subscription.topic_arn
        imports.append(Import("aws_sns_topic_subscription.sns[0]", subscription.arn))
        if subscription.endpoint != alias_arn:
            changed.append(f"the subscription to {subscription.topic_arn} is replaced, on alias {alias}")
        permission = _permission(live, "sns.amazonaws.com", subscription.topic_arn)
        if permission:
            statement_ids["sns"] = permission.sid
            imports.append(Import("aws_lambda_permission.sns[0]", _permission_id(live, permission)))
            used_permissions.add((permission.sid, permission.qualifier))
        else:
            created.append(f"permission for topic {subscription.topic_arn}")
    unmanaged += [f"subscription {s.arn}" for s in live.subscriptions[1:]]
    unmanaged += [f"permission {p.sid} ({p.principal}{', ' + p.source_arn if p.source_arn else ''})"
                  for p in live.permissions if (p.sid, p.qualifier) not in used_permissions]
    unmanaged += [f"function URL{' of ' + q if q else ''}" for q in live.urls]
    unmanaged.append(f"execution role {live.role_arn.rsplit('/', 1)[-1]} (kept as it is)")

    if live.handler != function.handler:
        changed.append(f"handler {live.handler} -> {function.handler}")
    if live.runtime != runtime:
        changed.append(f"runtime {live.runtime} -> {runtime} (the package is built for {runtime})")
    if live.architecture != arch:
        changed.append(f"architecture {live.architecture} -> {arch}")
    changed += [f"{setting} is not carried over: an apply removes it" for setting in live.not_carried]

    environment, secrets = [], []
    for key, value in sorted(live.environment.items()):
        if looks_secret(key, value):
            secrets.append((key, f"{function.name}_{key.lower()}"))
        else:
            environment.append((key, value))
    return Adoption(
        live=live, function=function, alias=alias, schedule_rule=schedule_rule, schedule=schedule,
        sqs_queue_arn=sqs_arn, sqs_batch_size=sqs_batch, sns_topic_arn=sns_arn,
        statement_ids=tuple(sorted(statement_ids.items())), environment=tuple(environment), secrets=tuple(secrets),
        imports=tuple(Import(f"{label}.{i.address}", i.id) for i in imports), created=tuple(created),
        changed=tuple(changed), unmanaged=tuple(unmanaged),
    )


def _all_targets(rule) -> list[str]:
    return sorted({_short(arn) for _, arn in rule.targets} | {_short(arn) for arn in rule.others})


def _short(arn: str) -> str:
    """A target as people name it: a function's name (and qualifier), else its ARN."""
    if ":function:" in arn:
        return arn.split(":function:", 1)[1]
    return arn


def _pick_alias(live: LiveFunction) -> str:
    names = [name for name, _ in live.aliases]
    for preferred in PREFERRED_ALIASES:
        if preferred in names:
            return preferred
    return names[0] if len(names) == 1 else "live"


def _permission(live: LiveFunction, principal: str, source_arn: str) -> Permission | None:
    return next((p for p in live.permissions if p.principal == principal and p.source_arn == source_arn), None)


def _permission_id(live: LiveFunction, permission: Permission) -> str:
    qualified = f"{live.name}:{permission.qualifier}" if permission.qualifier else live.name
    return f"{qualified}/{permission.sid}"
