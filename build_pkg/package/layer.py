"""The dependency layer: the locked dependencies in terraform/layer.zip under python/,
where Lambda puts a layer's Python packages on the import path (/opt/python).

A project chooses it with `build --layer`, or makes it the default with one line
in terraform/main.tf's locals, `dependency_layer = true`, beside the runtime and
architecture the build must agree with. Its bytes depend only on the selected
lock entries, runtime and architecture: its entries always carry the fixed
1980-01-01 timestamp (SOURCE_DATE_EPOCH moves with every commit and would
republish the layer on every release).
"""

from __future__ import annotations

import re

from ..errors import SettingError
from ..project import Project
from . import zipwriter

PREFIX = "python/"
STAMP = zipwriter.dos_timestamp(None)
SETTING = "dependency_layer"
_LINE = re.compile(rf"^\s*{SETTING}\s*=\s*(\S.*?)\s*(?:#.*|//.*)?$", re.MULTILINE)


def setting(project: Project) -> bool:
    """`dependency_layer` in terraform/main.tf's locals; false when the line is absent.

    A text scan, not a parse: the build reads this one literal on every run, and a
    value Terraform would compute cannot decide what the build writes.
    """
    try:
        text = project.main_tf.read_text(encoding="utf-8")
    except FileNotFoundError:
        return False
    except (OSError, UnicodeDecodeError) as exc:
        raise SettingError(f"{project.rel(project.main_tf)}: cannot be read ({exc})") from None
    values = _LINE.findall(text)
    if not values:
        return False
    if len(values) > 1 or values[0] not in ("true", "false"):
        raise SettingError(f"{project.rel(project.main_tf)}: set {SETTING} once, to true or false "
                           f"(found {', '.join(values)})")
    return values[0] == "true"
