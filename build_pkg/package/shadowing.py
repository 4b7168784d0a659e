"""First-party names that would replace another module for every function. Pure.

functions/ is the root of the package, which Lambda puts first on the import
path (/var/task): a top-level module there named like a standard-library module
replaces the standard library's for every function and for the libraries they
use, and one named like a dependency merges with it (or, with the layer,
shadows the layer's copy).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from ..errors import SourceError
from .stdlib import RUNTIME_PROVIDED, stdlib_names
from .target import Target


def _python_top_levels(arcnames: Iterable[str]) -> dict[str, str]:
    """Importable top-level names -> how to show them (`queue/`, `logging.py`)."""
    found: dict[str, str] = {}
    for arc in sorted(arcnames):
        top, sep, rest = arc.partition("/")
        is_code = (rest or top).endswith(".py") or ".so" in (rest or top)
        if not is_code:
            continue
        if sep:
            found.setdefault(top, f"{top}/")
        else:
            found.setdefault(top.split(".", 1)[0], top)
    return found


def stdlib_problems(arcnames: Iterable[str], target: Target) -> list[str]:
    """One message per top-level module or package named like a standard-library module."""
    names = stdlib_names(target.python_version)
    return [f"functions/{shown} has the name of the standard-library module {name!r} of {target.runtime} and "
            "would replace it for every function (functions/ comes first on Lambda's import path); rename it"
            for name, shown in _python_top_levels(arcnames).items() if name in names]


def provided_problems(arcnames: Iterable[str], installed: Iterable[str] = (), locked: Iterable[str] = ()
                      ) -> list[str]:
    """One message per top-level name that a locked dependency (`installed`: its import names
    as a build saw them) or Lambda's runtime itself (its AWS SDK) provides; `locked`, the
    lock's package names, only says which of the two a runtime name is."""
    installed, locked = set(installed), set(locked)
    problems = []
    for name, shown in _python_top_levels(arcnames).items():
        if name in installed or (name in RUNTIME_PROVIDED and name in locked):
            problems.append(f"functions/{shown} has the same import name as the dependency {name!r} from "
                            "Pipfile.lock and would be in the package twice; rename it")
        elif name in RUNTIME_PROVIDED:
            problems.append(f"functions/{shown} has the name of {name!r}, which Lambda's Python runtime provides, and "
                            "would replace it for every function (functions/ comes first on Lambda's import path); "
                            "rename it")
    return problems


def check_stdlib(arcnames: Iterable[str], target: Target, locked: Iterable[str] = ()) -> None:
    """Refuse a first-party name that replaces the runtime's own modules (standard library,
    SDK). A runtime name the lock installs too is left to check_dependencies, after the
    install, which says where the two copies would collide."""
    arcnames, locked = list(arcnames), set(locked)
    unlocked = [arc for arc in arcnames if arc.split("/", 1)[0].split(".", 1)[0] not in locked]
    problems = stdlib_problems(arcnames, target) + provided_problems(unlocked)
    if problems:
        raise SourceError(problems[0])


def top_level_code(functions_dir: Path) -> list[str]:
    """Enough arcnames to see functions/'s importable top-level names without walking it
    all: its files, and one Python file of each folder that has any."""
    arcs = []
    for entry in sorted(functions_dir.iterdir()):
        if entry.is_file():
            arcs.append(entry.name)
        elif entry.is_dir():
            first = next(iter(entry.rglob("*.py")), None)
            if first is not None:
                arcs.append(f"{entry.name}/{first.relative_to(entry).as_posix()}")
    return arcs


def check_dependencies(installed_tops: Iterable[str], arcnames: Iterable[str], use_layer: bool) -> None:
    """Refuse a top-level name in functions/ that a locked dependency installs too."""
    installed = set(installed_tops)
    for arc in sorted(arcnames):
        top = arc.split("/", 1)[0]
        root = top.removesuffix(".py")
        if root in installed:
            where = "the dependency layer and the code package" if use_layer else "the package"
            raise SourceError(
                f"functions/{top} has the same import name as the dependency {root!r} from Pipfile.lock and "
                f"would be in {where} twice; rename it"
            )
