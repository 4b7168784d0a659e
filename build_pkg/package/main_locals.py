"""One-line settings in terraform/main.tf's locals that the build reads as its defaults
(`dependency_layer = true`, `package_type = "image"`, `base_image = "..."`).

A text scan, not a parse: the build reads these literals on every run, and a value
Terraform would compute cannot decide what the build writes.
"""

from __future__ import annotations

import re

from ..errors import SettingError
from ..project import Project


def literal(project: Project, name: str) -> str | None:
    """The value written after `name =` (a literal, as written), or None when the line is absent."""
    try:
        text = project.main_tf.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise SettingError(f"{project.rel(project.main_tf)}: cannot be read ({exc})") from None
    values = re.findall(rf"^\s*{re.escape(name)}\s*=\s*(\S.*?)\s*(?:#.*|//.*)?$", text, re.MULTILINE)
    if not values:
        return None
    if len(values) > 1:
        raise SettingError(f"{project.rel(project.main_tf)}: set {name} once (found {', '.join(values)})")
    return values[0]


def choice(project: Project, name: str, allowed: tuple[str, ...], default: str) -> str:
    """A setting that must be one of `allowed` literals; `default` when absent."""
    value = literal(project, name)
    if value is None:
        return default
    if value not in allowed:
        raise SettingError(f"{project.rel(project.main_tf)}: set {name} to {' or '.join(allowed)} (found {value})")
    return value


def string_or_null(project: Project, name: str) -> str | None:
    """A setting that is a quoted string or `null` (None when absent or null)."""
    value = literal(project, name)
    if value is None or value == "null":
        return None
    if len(value) < 3 or value[0] != '"' or value[-1] != '"' or '"' in value[1:-1] or "${" in value:
        raise SettingError(f"{project.rel(project.main_tf)}: set {name} to a plain, non-empty quoted string or null "
                           f"(found {value})")
    return value[1:-1]
