"""Imports nothing provides: a module that first-party code imports (outside a `try` and
TYPE_CHECKING) which is neither first-party, nor standard library, nor installed by
Pipfile.lock's [packages], nor part of Lambda's Python runtime (its AWS SDK). Such a
function fails in Lambda with Runtime.ImportModuleError; `check` names it first.

The import names of the locked packages come from the dependency cache (what the last
build installed) and the manifest, and each package's own name as a fallback: an
import name that differs from its distribution's (PyYAML installs yaml) is known once
the package was built.
"""

from __future__ import annotations

import json
import re

from ..cache import cache_root
from .closure import Analysis
from .deps import cache_keys
from .inputs import Inputs
from .stdlib import RUNTIME_PROVIDED, stdlib_names


def locked_names(inputs: Inputs) -> set[str]:
    """Each locked package's own name as an import name would spell it (a guess: PyYAML -> pyyaml)."""
    return {re.sub(r"[-.]+", "_", p.name).lower() for p in inputs.packages}


def dependency_import_names(inputs: Inputs) -> set[str]:
    """The known import names of the locked packages, and each package's own name."""
    return locked_names(inputs) | known_import_names(inputs)


def known_import_names(inputs: Inputs) -> set[str]:
    """Only what a build saw the locked packages install (the project's manifest, the
    dependency cache): exact, so it may refuse a first-party name where a guess may not."""
    names: set[str] = set()
    try:
        manifest = json.loads(inputs.project.manifest_path.read_text())
    except (OSError, ValueError):  # no build yet, or a manifest being rewritten: the cache still counts
        manifest = {}
    for dependency in (manifest.get("dependencies", []) if isinstance(manifest, dict) else []):
        names |= {top.removesuffix(".py") for top in dependency.get("top_level", []) if ".dist-info" not in top}
    try:
        keys = cache_keys(list(inputs.packages), inputs.target, inputs.project.root)
    except Exception:  # a path entry that cannot be read: build reports it
        return names
    for key in keys.packages.values():
        try:
            index = json.loads((cache_root() / "deps" / key / "index.json").read_text())
            names |= {row[0].split("/", 1)[0].removesuffix(".py") for row in index["files"]
                      if ".dist-info" not in row[0].split("/", 1)[0]}
        except (OSError, ValueError, KeyError, TypeError, IndexError):
            continue
    return names


def unprovided(analysis: Analysis, first_party: set[str], dependencies: set[str], python_version: str
               ) -> list[tuple[str, str]]:
    """(file, module) for each import that nothing provides, in the files some closure reaches."""
    reached = set().union(*(c.files for c in analysis.closures.values())) if analysis.closures else set()
    known = first_party | dependencies | RUNTIME_PROVIDED | stdlib_names(python_version)
    found = []
    for arc, scan in sorted(analysis.scans.items()):
        if arc not in reached:
            continue
        for name in scan.needs:
            if name not in known and name.lower() not in dependencies:
                found.append((f"functions/{arc}", name))
    return found
