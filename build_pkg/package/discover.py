"""Find the functions under functions/ and check them statically (never importing them).

Two layouts, both deployable from the same zip:
  functions/lambda_<name>.py   -> handler "lambda_<name>.<handler>"
  functions/<name>/main.py     -> handler "<name>.main.<handler>"
"""

from __future__ import annotations

import difflib

import ast
import re
from dataclasses import dataclass
from pathlib import Path

from ..errors import FunctionError, ProjectError
from ..project import shown_path as _rel
from .astread import top_level_names

FLAT_PREFIX = "lambda_"
PACKAGE_ENTRY = "main.py"
SHARED_LIB = "worker_lib"
# Lambda allows [A-Za-z0-9_-]{1,64}; the name is also imported as a module, so no "-".
_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
MAX_NAME = 64


@dataclass(frozen=True)
class Function:
    name: str
    layout: str  # "flat" | "package"
    module: str  # dotted import path inside the package
    source: str  # path relative to the project root, "/"-separated
    handler_name: str = "handler"

    @property
    def handler(self) -> str:
        return f"{self.module}.{self.handler_name}"


def discover(project_root: Path, functions_dir: Path, handler_name: str = "handler",
             check_handlers: bool = True, allow_empty: bool = False) -> list[Function]:
    """All functions, sorted by name; raises on the first invalid one.

    `check_handlers=False` skips parsing the modules (for commands that only need
    the names, such as `tf --check`, or that check handlers against Terraform).
    `allow_empty`: no function yet is no error (`new`, which makes the first one).
    """
    if not functions_dir.is_dir():
        raise ProjectError(f"{_rel(functions_dir, project_root)}/ not found: create it and add a function")
    found: list[Function] = []
    for entry in sorted(functions_dir.iterdir(), key=lambda p: p.name):
        function = _as_function(entry, project_root, handler_name)
        if function:
            found.append(function)
    if not found and not allow_empty:
        raise ProjectError(
            f"{_rel(functions_dir, project_root)}/ holds no function: add "
            f"{FLAT_PREFIX}<name>.py or <name>/{PACKAGE_ENTRY} (build-pkg.py new NAME)"
        )
    found.sort(key=lambda f: f.name)
    _check_unique(found)
    if check_handlers:
        for function in found:
            check_handler(project_root / function.source, function.source, handler_name)
    return found


def _as_function(entry: Path, root: Path, handler_name: str) -> Function | None:
    if entry.name.startswith((".", "_")) or entry.name == SHARED_LIB:
        return None
    if entry.is_file() and entry.name.startswith(FLAT_PREFIX) and entry.suffix == ".py":
        name = entry.stem[len(FLAT_PREFIX):]
        source = _rel(entry, root)
        check_name(name, source)
        return Function(name, "flat", entry.stem, source, handler_name)
    if entry.is_dir() and (entry / PACKAGE_ENTRY).is_file():
        source = _rel(entry / PACKAGE_ENTRY, root)
        check_name(entry.name, _rel(entry, root))
        return Function(entry.name, "package", f"{entry.name}.main", source, handler_name)
    return None


def check_name(name: str, where: str, limit: int | None = MAX_NAME) -> None:
    """`limit` None leaves the length to a caller that measures the deployed name."""
    if not name:
        raise FunctionError(f"{where}: the function name is empty; name the file {FLAT_PREFIX}<name>.py")
    if not _NAME_RE.match(name):
        raise FunctionError(
            f"{where}: {name!r} is not a valid function name; use letters, digits and "
            "underscores, starting with a letter (it is imported as a Python module)"
        )
    if limit is not None and len(name) > limit:
        raise FunctionError(f"{where}: function name is {len(name)} characters; Lambda allows {limit}")


def _check_unique(functions: list[Function]) -> None:
    # Case-insensitively: terraform/lambda_<name>.tf must not collide on macOS/Windows.
    seen: dict[str, Function] = {}
    for function in functions:
        other = seen.setdefault(function.name.lower(), function)
        if other is not function:
            raise FunctionError(
                f"function name {function.name!r} is defined twice: {other.source} and "
                f"{function.source}; rename one"
            )


def module_names(path: Path, shown: str) -> set[str]:
    """Top-level names of a module, parsed (never imported); syntax errors as file:line."""
    try:
        # The real path: on a syntax error Python reads the line from the file it is told of,
        # and a relative name would be read from whatever folder the process runs in.
        tree = ast.parse(path.read_bytes(), filename=str(path))
    except SyntaxError as exc:
        raise FunctionError(f"{shown}:{exc.lineno}: syntax error: {exc.msg}; fix the code") from None
    except ValueError as exc:  # null bytes
        raise FunctionError(f"{shown}: cannot be parsed ({exc}); fix the file") from None
    return top_level_names(tree)


def check_handler(path: Path, shown: str, handler_name: str) -> None:
    """The module parses and binds `handler_name` at top level."""
    if handler_name not in module_names(path, shown):
        raise FunctionError(
            f"{shown}: no top-level {handler_name!r} defined; add "
            f"`def {handler_name}(event, context):`"
        )


def unknown_function(name: str, ours: list[str], project, deployed: list[str] | None = None) -> str:
    """The message for a function name that is not one of `ours` (nor of `deployed`, the
    deployed names of ours, where a command takes those): the close matches, else the names."""
    close = difflib.get_close_matches(name, ours + (deployed or []), n=3, cutoff=0.6)
    hint = (f"did you mean {' or '.join(close)}?" if close else
            f"the functions are: {', '.join(ours[:10])}{' ...' if len(ours) > 10 else ''}" if ours else
            "functions/ has no function yet")
    also = " (nor a deployed name of one, <project>-<env>-<name>)" if deployed is not None else ""
    return f"no function {name!r} in {project.rel(project.functions_dir)}/{also}; {hint}"
