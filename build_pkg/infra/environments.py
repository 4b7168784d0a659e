"""The environments of terraform/env/*.tfvars, and the names functions get in them.

A function is deployed as `<project>-<environment>-<name>`, and names derived
from it (its role, its EventBridge rule) must fit AWS's limits in every
environment, not only the one a developer tried. Trigger sources differ per
environment too: function files refer to `var.queues["KEY"]`, `var.topics[...]`,
`var.buckets[...]`, and each environment's tfvars gives the value.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from ..project import Project
from .parse import blocks, parse_text

# The maps of per-environment trigger sources, by what the CLI option names.
SOURCE_MAPS = {"sqs": "queues", "sns": "topics", "s3": "buckets"}
_KEY_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$")
_REF_RE = re.compile(r'var\.(queues|topics|buckets)\["([^"]+)"\]')
# AWS's limits on the names derived from a function's deployed name.
FUNCTION_NAME_MAX = 64  # Lambda; the function's IAM role takes the same name (64 too)
RULE_NAME_MAX = 64  # EventBridge rule "<function>-schedule"
SCHEDULE_SUFFIX = "-schedule"
_LAMBDA_NAME_RE = re.compile(r"^[A-Za-z0-9_-]+$")


@dataclass(frozen=True)
class Environment:
    name: str  # the tfvars file's stem: dev
    file: str  # project-relative path of the tfvars
    values: dict  # the file's variables, as python-hcl2 reads them
    project: str
    environment: str | None  # None when the file does not set it
    # Functions adopted in this environment (`build-pkg.py adopt`): name -> (live name, alias).
    adopted: dict = field(default_factory=dict)

    @property
    def prefix(self) -> str:
        return f"{self.project}-{self.environment or self.name}"

    @property
    def region(self) -> str | None:
        """The tfvars `region`, where its functions run."""
        value = self.values.get("region")
        return value if isinstance(value, str) and value else None

    @property
    def account(self) -> str | None:
        """The tfvars `account_id` (12 digits), when the environment names its account."""
        value = str(self.values.get("account_id") or "")
        return value if re.fullmatch(r"\d{12}", value) else None

    def function_name(self, name: str) -> str:
        """As deployed here: an adopted function's live name, else <project>-<env>-<name>."""
        return self.adopted[name][0] if name in self.adopted else f"{self.prefix}-{name}"

    def alias(self, name: str) -> str:
        """The alias its triggers invoke here: an adopted function's own, else `live`."""
        return self.adopted[name][1] if name in self.adopted else "live"

    def source(self, kind_map: str, key: str):
        """The value of var.<kind_map>["key"] in this environment, or None."""
        mapping = self.values.get(kind_map)
        return mapping.get(key) if isinstance(mapping, dict) else None


def read(project: Project) -> list[Environment]:
    """Every terraform/env/*.tfvars, sorted by name; files that do not parse are skipped
    (`check` reports them)."""
    env_dir = project.terraform_dir / "env"
    default_project = _default(project.terraform_dir / "variables.tf", "project") or "worker"
    found = []
    for path in sorted(env_dir.glob("*.tfvars")) if env_dir.is_dir() else ():
        parsed = parse_text(project.rel(path), path.read_text(encoding="utf-8", errors="replace"))
        if parsed.data is None:
            continue
        values = parsed.data
        found.append(Environment(path.stem, parsed.rel, values, str(values.get("project") or default_project),
                                 values.get("environment") if isinstance(values.get("environment"), str) else None))
    adopted = _adopted(project)
    return [Environment(e.name, e.file, e.values, e.project, e.environment, adopted.get(e.environment or e.name, {}))
            for e in found]


def values_of(project: Project, name: str) -> dict | None:
    """The variables of terraform/env/NAME.tfvars, or None when there is no such environment."""
    found = next((e for e in read(project) if e.name == name), None)
    return found.values if found else None


_ADOPTED_LOCAL = re.compile(r"^adopted_([A-Za-z0-9_]+)$")


def _adopted(project: Project) -> dict[str, dict[str, tuple[str, str]]]:
    """var.environment value -> function name -> (live name, alias), from the `adopted_<name>`
    locals that `adopt` writes into function files (only files that mention one are parsed)."""
    found: dict[str, dict[str, tuple[str, str]]] = {}
    for path in sorted(project.terraform_dir.glob("lambda_*.tf")):
        text = path.read_text(encoding="utf-8", errors="replace")
        if "adopted_" not in text:
            continue
        parsed = parse_text(project.rel(path), text)
        for body in (parsed.data or {}).get("locals", []):
            for key, per_env in body.items():
                match = _ADOPTED_LOCAL.match(key)
                if not match or not isinstance(per_env, dict):
                    continue
                for env_value, names in per_env.items():
                    if isinstance(names, dict) and isinstance(names.get("function_name"), str):
                        alias = names.get("alias_name") if isinstance(names.get("alias_name"), str) else "live"
                        found.setdefault(env_value, {})[match.group(1)] = (names["function_name"], alias)
    return found


def project_name(project: Project) -> str:
    """The project's name, as terraform/variables.tf declares its default ("worker" without one)."""
    found = _default(project.terraform_dir / "variables.tf", "project")
    return found if isinstance(found, str) and found else "worker"


def binary_media_types(project: Project, environment: Environment | None) -> tuple[str, ...]:
    """The REST API's binary media types (terraform/rest_api.tf passes them on): the
    environment's tfvars `binary_media_types`, else the default in terraform/variables.tf."""
    found = environment.values.get("binary_media_types") if environment else None
    if found is None:
        found = _default(project.terraform_dir / "variables.tf", "binary_media_types")
    return tuple(str(t) for t in found) if isinstance(found, list) else ()


def _default(variables_tf: Path, name: str):
    if not variables_tf.is_file():
        return None
    parsed = parse_text(variables_tf.name, variables_tf.read_text(encoding="utf-8", errors="replace"))
    for label, body in blocks(parsed.data or {}, "variable"):
        if label == name:
            return body.get("default")
    return None


def name_problems(name: str, has_schedule: bool, environments: list[Environment]) -> list[str]:
    """Why `name` would be refused by AWS as deployed in some environment (empty when fine).

    Of the names over a length limit (in any environment: its function, its schedule rule),
    one message for the longest, so one rename fits every environment at once.
    """
    problems, over = [], []
    for env in environments:
        deployed = env.function_name(name)
        if not _LAMBDA_NAME_RE.match(deployed):
            problems.append(f"{env.file}: deployed name {deployed!r} has characters Lambda refuses "
                            "(letters, digits, - and _ only)")
            continue
        if len(deployed) > FUNCTION_NAME_MAX:
            over.append((len(deployed) - FUNCTION_NAME_MAX, f"{env.file}: deployed name {deployed!r} is "
                         f"{len(deployed)} characters; Lambda and IAM allow {FUNCTION_NAME_MAX}"))
        rule = deployed + SCHEDULE_SUFFIX
        if has_schedule and len(rule) > RULE_NAME_MAX:
            over.append((len(rule) - RULE_NAME_MAX, f"{env.file}: schedule rule {rule!r} is {len(rule)} characters; "
                         f"EventBridge allows {RULE_NAME_MAX}"))
    if over:
        cut, what = max(over, key=lambda item: item[0])
        others = f" (the longest of {len(over)} names over a limit)" if len(over) > 1 else ""
        problems.append(f"{what}: shorten the function name by {cut}{others}")
    return problems


def check_key(key: str, option: str) -> str | None:
    """Why `key` cannot name a per-environment source, or None."""
    if _KEY_RE.match(key):
        return None
    if key.startswith("arn:"):
        return (f"{option} takes the source's key, not an ARN: function files refer to "
                "var.queues/var.topics/var.buckets[\"KEY\"] and each terraform/env/*.tfvars gives its own "
                f"value (for example {option} orders)")
    return f"{option} {key!r} is not a key (letters, digits, '.', '_' and '-')"


def references(text: str) -> list[tuple[str, str, int]]:
    """(map, key, line) of every var.queues/topics/buckets["KEY"] in a .tf file's text."""
    found = []
    for number, line in enumerate(text.splitlines(), 1):
        if line.lstrip().startswith(("#", "//")):  # a comment that shows the syntax
            continue
        for match in _REF_RE.finditer(line):
            found.append((match.group(1), match.group(2), number))
    return found


def missing_sources(text: str, environments: list[Environment]) -> list[tuple[Environment, str, str, int]]:
    """(environment, map, key, line) for each reference an environment does not define."""
    missing = []
    for kind_map, key, line in references(text):
        for env in environments:
            if env.source(kind_map, key) is None:
                missing.append((env, kind_map, key, line))
    return missing
