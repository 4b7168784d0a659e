"""Which files of functions/ each function runs: its static import closure.

Every first-party module is parsed (never imported) for what it imports; a
function's closure is its entry module and everything reachable from it, with
every `__init__.py` on the way (importing `a.b.c` runs `a/__init__.py` and
`a/b/__init__.py`). `import a.b`, `from a import b` (module or attribute),
relative imports from the importing file's package, and literal
`importlib.import_module("x")` all count. A dynamic import whose target is not a
literal cannot be followed: the function then depends on all of functions/, and
the reason is kept so `build -v` can say which function and why.

Non-Python files in a package function's folder belong to that function; other
non-Python files belong to every function. Per-file results are cached by the
file's content, so a warm analysis parses nothing.
"""

from __future__ import annotations

import ast
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from ..fsutil import atomic_write
from .discover import Function

_CACHE_FORMAT = 1


@dataclass(frozen=True)
class Closure:
    files: frozenset[str]  # arcnames
    dynamic: str | None = None  # why the function depends on everything, when it does


@dataclass(frozen=True)
class _Imports:
    modules: tuple[str, ...]  # absolute dotted names this file may import
    dynamic: str | None  # "file:line: importlib.import_module(name)" when not followable


def module_name(arcname: str) -> str | None:
    """`a/b.py` -> `a.b`, `a/__init__.py` -> `a`; None for non-Python files."""
    if not arcname.endswith(".py"):
        return None
    parts = arcname[:-3].split("/")
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts) if parts else None


def scan(source: bytes, arcname: str) -> _Imports:
    """What one file imports (absolute names), parsed with ast."""
    try:
        tree = ast.parse(source, filename=arcname)
    except (SyntaxError, ValueError):
        return _Imports((), None)  # the build reports syntax errors in entry modules itself
    package = arcname.rsplit("/", 1)[0].replace("/", ".") if "/" in arcname else ""
    names: list[str] = []
    dynamic = None
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = _resolve_relative(package, node.module, node.level)
            if base is None:
                continue
            names.append(base)
            names += [f"{base}.{alias.name}" if base else alias.name for alias in node.names if alias.name != "*"]
        elif isinstance(node, ast.Call) and _is_dynamic_import(node.func):
            target = node.args[0] if node.args else None
            if isinstance(target, ast.Constant) and isinstance(target.value, str):
                names.append(target.value)
            elif dynamic is None:
                dynamic = f"{arcname}:{node.lineno}: {ast.unparse(node)[:80]}"
    return _Imports(tuple(dict.fromkeys(n for n in names if n)), dynamic)


def _resolve_relative(package: str, module: str | None, level: int) -> str | None:
    if level == 0:
        return module or ""
    parts = package.split(".") if package else []
    if level - 1 > len(parts):
        return None
    base = parts[: len(parts) - (level - 1)]
    return ".".join(base + ([module] if module else []))


def _is_dynamic_import(func: ast.expr) -> bool:
    if isinstance(func, ast.Name):
        return func.id in ("__import__", "import_module")
    return isinstance(func, ast.Attribute) and func.attr == "import_module"


def closures(functions: list[Function], sources: list[tuple[str, bytes]], cache_file: Path | None = None
             ) -> dict[str, Closure]:
    """Each function's closure; `sources` are (arcname, bytes) of every file of functions/."""
    by_module = {m: arc for arc, _ in sources if (m := module_name(arc))}
    scanned = _scan_all(sources, cache_file)
    everything = frozenset(arc for arc, _ in sources)
    shared_data = {arc for arc, _ in sources if not arc.endswith(".py") and not _in_function_folder(arc, functions)}
    result = {}
    for function in functions:
        entry = function.source.removeprefix("functions/")
        start = [entry] + ([f"{function.name}/__init__.py"] if function.layout == "package" else [])
        seen: set[str] = set()
        dynamic = None
        queue = [arc for arc in start if arc in everything]
        while queue:
            arc = queue.pop()
            if arc in seen:
                continue
            seen.add(arc)
            found = scanned.get(arc)
            if found is None:
                continue
            if found.dynamic and dynamic is None:
                dynamic = found.dynamic
            for name in found.modules:
                queue += _files_for(name, by_module)
        if dynamic:
            result[function.name] = Closure(everything, dynamic)
            continue
        own_data = {arc for arc, _ in sources if function.layout == "package" and not arc.endswith(".py")
                    and arc.startswith(f"{function.name}/")}
        result[function.name] = Closure(frozenset(seen | own_data | shared_data))
    return result


def _in_function_folder(arc: str, functions: list[Function]) -> bool:
    return any(f.layout == "package" and arc.startswith(f"{f.name}/") for f in functions)


def _files_for(name: str, by_module: dict[str, str]) -> list[str]:
    """The file of module `name` (if first-party) and every package __init__ on its way."""
    files = []
    parts = name.split(".")
    for end in range(1, len(parts) + 1):
        arc = by_module.get(".".join(parts[:end]))
        if arc:
            files.append(arc)
    return files


def _scan_all(sources: list[tuple[str, bytes]], cache_file: Path | None) -> dict[str, _Imports]:
    cache = _load(cache_file)
    used, out = {}, {}
    for arc, data in sources:
        if not arc.endswith(".py"):
            continue
        key = hashlib.sha256(arc.encode() + b"\0" + data).hexdigest()
        hit = cache.get(key)
        found = _Imports(tuple(hit[0]), hit[1]) if hit else scan(data, arc)
        used[key] = [list(found.modules), found.dynamic]
        out[arc] = found
    if cache_file is not None and used != cache:
        try:
            atomic_write(cache_file, json.dumps({"format": _CACHE_FORMAT, "files": used}).encode())
        except OSError:
            pass  # a cache that cannot be written only costs speed
    return out


def _load(cache_file: Path | None) -> dict:
    if cache_file is None:
        return {}
    try:
        data = json.loads(cache_file.read_text())
        return data["files"] if data.get("format") == _CACHE_FORMAT else {}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return {}
