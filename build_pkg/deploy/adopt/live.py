"""What runs in AWS: the functions whose names match a pattern, and everything the
worker_function module would manage for them, read with boto3 (the I/O edge of adopt).

Read only. Triggers are found from the function's side (its aliases' and its own ARN):
event source mappings, EventBridge rules on the default bus that target it, SNS
subscriptions whose endpoint it is, its resource policy, function URLs and its
log group.
"""

from __future__ import annotations

import fnmatch
import json
from dataclasses import dataclass, field

from ... import aws
from ...errors import AdoptError, AwsError


@dataclass(frozen=True)
class Permission:
    sid: str
    principal: str
    source_arn: str | None
    qualifier: str | None  # the alias the statement is on, None for the function itself


@dataclass(frozen=True)
class Mapping:
    uuid: str
    source_arn: str
    batch_size: int | None
    target: str  # the function or alias ARN it invokes


@dataclass(frozen=True)
class Rule:
    name: str
    arn: str
    schedule: str | None
    has_pattern: bool
    targets: tuple[tuple[str, str], ...]  # (target id, ARN) of the targets that are this function
    others: tuple[str, ...] = ()  # ARNs of its other targets (other functions, queues...)


@dataclass(frozen=True)
class Subscription:
    arn: str
    topic_arn: str
    endpoint: str


@dataclass(frozen=True)
class LiveFunction:
    name: str
    arn: str
    handler: str
    runtime: str | None
    architecture: str
    memory: int
    timeout: int
    description: str
    environment: dict[str, str]
    role_arn: str
    tracing_mode: str | None
    aliases: tuple[tuple[str, str], ...]  # (name, version)
    permissions: tuple[Permission, ...] = ()
    mappings: tuple[Mapping, ...] = ()
    rules: tuple[Rule, ...] = ()
    subscriptions: tuple[Subscription, ...] = ()
    urls: tuple[str, ...] = ()  # qualifiers with a function URL ("" for the function itself)
    log_group: str | None = None
    not_carried: tuple[str, ...] = field(default_factory=tuple)  # settings the module would reset

    def alias_arn(self, alias: str) -> str:
        return f"{self.arn}:{alias}"

    @property
    def arns(self) -> set[str]:
        return {self.arn} | {self.alias_arn(name) for name, _ in self.aliases}


def read(pattern: str, session=None, region: str | None = None) -> list[LiveFunction]:
    """Every function whose name matches the shell-style `pattern`, by name."""
    from botocore.exceptions import BotoCoreError, ClientError

    if session is None:
        clients = {name: aws.client(name, region) for name in ("lambda", "events", "sns", "logs")}
    else:
        clients = {name: session.client(name) for name in ("lambda", "events", "sns", "logs")}
    try:
        configs = [c for page in clients["lambda"].get_paginator("list_functions").paginate()
                   for c in page["Functions"] if fnmatch.fnmatchcase(c["FunctionName"], pattern)]
        subscriptions = _lambda_subscriptions(clients["sns"]) if configs else []
        return [_read_one(config, clients, subscriptions) for config in sorted(configs, key=lambda c: c["FunctionName"])]
    except ClientError as exc:
        raise AdoptError(f"reading the account failed: {exc}; check the region and that the credentials may read "
                         "Lambda, EventBridge, SNS and CloudWatch Logs") from None
    except BotoCoreError as exc:
        raise AwsError(f"reading the account failed: {aws.explain(exc)}") from None


def _read_one(config: dict, clients: dict, subscriptions: list[dict]) -> LiveFunction:
    lam = clients["lambda"]
    name, arn = config["FunctionName"], _unqualified(config["FunctionArn"])
    aliases = tuple((a["Name"], a["FunctionVersion"])
                    for page in lam.get_paginator("list_aliases").paginate(FunctionName=name) for a in page["Aliases"])
    qualifiers = [None] + [alias for alias, _ in aliases]
    function = LiveFunction(
        name=name, arn=arn, handler=config.get("Handler", ""), runtime=config.get("Runtime"),
        architecture=(config.get("Architectures") or ["x86_64"])[0], memory=config.get("MemorySize", 128),
        timeout=config.get("Timeout", 3), description=config.get("Description") or "",
        environment=dict((config.get("Environment") or {}).get("Variables") or {}), role_arn=config["Role"],
        tracing_mode=(config.get("TracingConfig") or {}).get("Mode"), aliases=aliases,
    )
    targets = function.arns
    return LiveFunction(**{
        **function.__dict__,
        "permissions": tuple(dict.fromkeys(p for q in qualifiers for p in _permissions(lam, name, q))),
        "mappings": _mappings(lam, name, [arn] + [function.alias_arn(a) for a, _ in aliases]),
        "rules": _rules(clients["events"], targets),
        "subscriptions": tuple(Subscription(s["SubscriptionArn"], s["TopicArn"], s["Endpoint"])
                               for s in subscriptions if s["Endpoint"] in targets),
        "urls": tuple(q or "" for q in qualifiers if _has_url(lam, name, q)),
        "log_group": _log_group(clients["logs"], f"/aws/lambda/{name}"),
        "not_carried": _not_carried(lam, config),
    })


def _unqualified(arn: str) -> str:
    return ":".join(arn.split(":")[:7])


def _permissions(lam, name: str, qualifier: str | None) -> list[Permission]:
    from botocore.exceptions import ClientError

    try:
        policy = lam.get_policy(FunctionName=name, **({"Qualifier": qualifier} if qualifier else {}))["Policy"]
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") == "ResourceNotFoundException":
            return []
        raise
    found = []
    for statement in json.loads(policy).get("Statement", []):
        principal = statement.get("Principal")
        service = principal.get("Service") if isinstance(principal, dict) else principal
        source = ((statement.get("Condition") or {}).get("ArnLike") or {}).get("AWS:SourceArn")
        # The statement's own resource says which qualifier it is on (the policy asked for may
        # hold more, as some implementations return every qualifier's statements).
        resource = statement.get("Resource") if isinstance(statement.get("Resource"), str) else ""
        parts = resource.split(":")
        on = parts[7] if len(parts) > 7 else (qualifier if not resource else None)
        found.append(Permission(statement.get("Sid", ""), str(service), source, on))
    return found


def _mappings(lam, name: str, arns: list[str]) -> tuple[Mapping, ...]:
    seen: dict[str, Mapping] = {}
    for target in [name] + arns:
        for page in lam.get_paginator("list_event_source_mappings").paginate(FunctionName=target):
            for m in page["EventSourceMappings"]:
                if m.get("FunctionArn") in arns or _unqualified(m.get("FunctionArn", "")) == arns[0]:
                    seen.setdefault(m["UUID"], Mapping(m["UUID"], m.get("EventSourceArn", ""), m.get("BatchSize"),
                                                       m.get("FunctionArn", "")))
    return tuple(sorted(seen.values(), key=lambda m: m.uuid))


def _rules(events, targets: set[str]) -> tuple[Rule, ...]:
    names: set[str] = set()
    for target in sorted(targets):
        for page in events.get_paginator("list_rule_names_by_target").paginate(TargetArn=target):
            names.update(page.get("RuleNames", []))
    rules = []
    for name in sorted(names):
        rule = events.describe_rule(Name=name)
        every = [(t["Id"], t["Arn"]) for page in events.get_paginator("list_targets_by_rule").paginate(Rule=name)
                 for t in page["Targets"]]
        mine = tuple(t for t in every if t[1] in targets)
        others = tuple(sorted({arn for _, arn in every if arn not in targets}))
        rules.append(Rule(name, rule["Arn"], rule.get("ScheduleExpression"), bool(rule.get("EventPattern")), mine,
                          others))
    return tuple(rules)


def _lambda_subscriptions(sns) -> list[dict]:
    return [s for page in sns.get_paginator("list_subscriptions").paginate()
            for s in page["Subscriptions"] if s.get("Protocol") == "lambda"]


def _has_url(lam, name: str, qualifier: str | None) -> bool:
    from botocore.exceptions import ClientError

    try:
        lam.get_function_url_config(FunctionName=name, **({"Qualifier": qualifier} if qualifier else {}))
        return True
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in ("ResourceNotFoundException", "404"):
            return False
        raise


def _log_group(logs, name: str) -> str | None:
    for page in logs.get_paginator("describe_log_groups").paginate(logGroupNamePrefix=name):
        if any(group["logGroupName"] == name for group in page["logGroups"]):
            return name
    return None


def _not_carried(lam, config: dict) -> tuple[str, ...]:
    """Live settings the module does not set, which an apply would therefore reset."""
    from botocore.exceptions import ClientError

    found = []
    if config.get("Layers"):
        found.append(f"layers ({', '.join(layer['Arn'].split(':')[-2] for layer in config['Layers'])})")
    if (config.get("VpcConfig") or {}).get("SubnetIds"):
        found.append("VPC configuration")
    if (config.get("DeadLetterConfig") or {}).get("TargetArn"):
        found.append("dead-letter queue")
    if config.get("FileSystemConfigs"):
        found.append("EFS file systems")
    if config.get("KMSKeyArn"):
        found.append("KMS key for environment variables")
    if (config.get("EphemeralStorage") or {}).get("Size", 512) != 512:
        found.append(f"ephemeral storage {config['EphemeralStorage']['Size']} MB")
    try:
        reserved = lam.get_function_concurrency(FunctionName=config["FunctionName"]).get("ReservedConcurrentExecutions")
    except ClientError:
        reserved = None
    if reserved is not None:
        found.append(f"reserved concurrency {reserved}")
    return tuple(found)
