"""Install the stand-in provider where Terraform finds it without a registry.

A filesystem mirror holds one tiny launcher at the path Terraform expects for
registry.terraform.io/hashicorp/aws 6.62.0 (the init lock's hash covers the whole
mirror directory, so nothing else goes there), and a CLI config file points
Terraform at that mirror.
"""

from __future__ import annotations

import platform
import sys
from pathlib import Path

from .values import schema

_ARCH = {"x86_64": "amd64", "aarch64": "arm64", "arm64": "arm64"}


def install(directory: Path) -> Path:
    """Write the mirror and the CLI config under `directory`; return the CLI config's path."""
    s = schema()
    host, name = s["provider"].rsplit("/", 2)[0], s["provider"].split("/", 1)[1]
    version = s["version"]
    mirror = directory / "mirror"
    folder = mirror / host / name / version / f"linux_{_ARCH.get(platform.machine(), platform.machine())}"
    folder.mkdir(parents=True, exist_ok=True)
    launcher = folder / f"terraform-provider-aws_v{version}"
    builder_root = Path(__file__).resolve().parents[3]
    text = (f"#!/bin/sh\nPYTHONPATH={_quote(str(builder_root))}${{PYTHONPATH:+:$PYTHONPATH}} "
            f"exec {_quote(sys.executable)} -m build_pkg.infra.standin.server \"$@\"\n")
    if not launcher.exists() or launcher.read_text() != text:
        launcher.write_text(text)
        launcher.chmod(0o755)
    config = directory / "terraformrc"
    config.write_text(
        "provider_installation {\n"
        f"  filesystem_mirror {{\n    path    = \"{mirror}\"\n    include = [\"{s['provider']}\"]\n  }}\n"
        "}\n")
    return config


def _quote(value: str) -> str:
    return "'" + value.replace("'", "'\\''") + "'"


def environment(config: Path) -> dict[str, str]:
    """Environment entries that make Terraform use the mirror (and nothing else online)."""
    return {"TF_CLI_CONFIG_FILE": str(config), "CHECKPOINT_DISABLE": "1", "TF_IN_AUTOMATION": "1"}
