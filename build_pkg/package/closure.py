"""Which files of functions/ each function runs: its static import closure.

A function's closure is its entry module (with every package `__init__.py` on
the way to it, as importing `a.b.main` runs `a/__init__.py` and
`a/b/__init__.py`) and everything reachable from there through what
`imports.scan` finds: imports of every kind, the submodules a star import pulls
in through `__all__`, and string literals that name first-party modules.

Data files: the non-Python files inside a package function's folder belong to
every function whose closure enters that folder (a flat function that imports
`orders.schema`, which reads `orders/schema.json`, runs that file too); every
other non-Python file belongs to every function. Dotted names in a data file's
text count like string literals, and a string literal that looks like a file
path (`"f_rel/x.yaml"`, `"tpl.py"`) brings in every file it may name, whoever
owns it (`open(Path(__file__).parent.parent / "f_rel" / "x.yaml")`).

What any library may load: functions/ is first on Lambda's import path, so a
top-level module there that is not a function's entry (`chardet.py`, which
requests imports when it finds one) and the `__init__.py` of every top-level
package that is neither worker_lib nor a function's folder (with what it
imports) are in every closure; `notes` says so, for `build -v`. (Not seen here,
and seen by `invoke`'s closure check and the pytest plugin: a file read by a
path put together from parts that are not literals, and a package function
named like a module that a library imports optionally.)

When in doubt, more: a load that cannot be followed (see `imports`) or a file
the builder's Python cannot parse makes the function depend on all of
functions/, and the reason is kept for `build -v`. A syntax error in a file
that a closure reaches is an error, as in an entry module.

Per-file results are cached by the file's content, the grammar and the
scanner's own code; the cache file carries a digest of its contents and is
dropped, with a warning, when they do not match.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..cache import cache_root
from ..fsutil import atomic_write
from ..versions import builder_digest
from .declared import MARKER, declared_uses, matching
from .discover import FLAT_PREFIX, PACKAGE_ENTRY, SHARED_LIB, Function
from .datarefs import data_refs
from .imports import DOTTED_ANYWHERE, FileScan, grammar, scan

_CACHE_FORMAT = 5  # 5: names completed at run time (prefix*), pickles' glued names
# Top-level names no library imports: test set-up, and what `python -m` would run.
_NOT_FOR_LIBRARIES = {"conftest", "__main__"}
_SCANNER_CODE = ("imports", "closure", "datarefs")
_TASK_ROOT = "/var/task/"  # Lambda's: an absolute path under it names a file of the package


@dataclass(frozen=True)
class Closure:
    files: frozenset[str]  # arcnames
    dynamic: tuple[str, ...] = ()  # why the function depends on everything, when it does

    @property
    def depends_on_everything(self) -> bool:
        return bool(self.dynamic)


@dataclass(frozen=True)
class Analysis:
    closures: dict[str, Closure]
    errors: tuple[str, ...] = ()  # syntax errors in files a closure reaches, sorted
    warnings: tuple[str, ...] = ()  # files the builder cannot parse (maybe newer syntax), unreached errors
    scans: dict[str, FileScan] = field(default_factory=dict)  # by arcname, Python files only
    notes: tuple[str, ...] = ()  # top-level code in every closure because libraries may import it


def module_name(arcname: str) -> str | None:
    """`a/b.py` -> `a.b`, `a/__init__.py` -> `a`; None for non-Python files."""
    if not arcname.endswith(".py"):
        return None
    parts = arcname[:-3].split("/")
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts) if parts else None


class _Tree:
    """The first-party files indexed the ways the walk looks them up."""

    def __init__(self, arcs: list[str], functions: list[Function]):
        self.everything = frozenset(arcs)
        self.declared: dict[str, list[str]] = {}  # a module -> the files its `# build-pkg: uses` name
        self.by_module: dict[str, list[str]] = {}
        self.children: dict[str, list[str]] = {}  # package -> its direct submodules' names
        for arc in sorted(arcs):
            name = module_name(arc)
            if not name:
                continue
            self.by_module.setdefault(name, []).append(arc)  # a.py and a/__init__.py: both, to be safe
            if "." in name:
                self.children.setdefault(name.rsplit(".", 1)[0], []).append(name)
        # The package functions, and any folder with an entry module of its own (a function
        # this analysis was not asked about is still a function, not shared code).
        self.function_folders = {f.name for f in functions if f.layout == "package"} | {
            arc.split("/", 1)[0] for arc in arcs if arc.count("/") == 1 and arc.endswith(f"/{PACKAGE_ENTRY}")}
        self.folder_data: dict[str, list[str]] = {}
        self.shared_data: list[str] = []
        for arc in sorted(arcs):
            if arc.endswith(".py"):
                continue
            top = arc.split("/", 1)[0] if "/" in arc else None
            if top in self.function_folders:
                self.folder_data.setdefault(top, []).append(arc)
            else:
                self.shared_data.append(arc)
        self.directories = {arc.rsplit("/", 1)[0].replace("/", ".") for arc in arcs if "/" in arc}
        self.by_basename: dict[str, list[str]] = {}
        for arc in sorted(arcs):
            self.by_basename.setdefault(arc.rsplit("/", 1)[-1], []).append(arc)
        self.for_libraries = _for_libraries(arcs, self.function_folders)

    def files_named(self, literal: str) -> list[str]:
        """Every file a path literal may name: its last parts match the file's (`../f_rel/x.yaml`
        names f_rel/x.yaml; `x.yaml` every x.yaml; `/var/task/x.yaml`, the task root's)."""
        parts = [p for p in literal.removeprefix(_TASK_ROOT).split("/") if p not in ("", ".", "..")]
        if not parts:
            return []
        suffix = "/".join(parts)
        return [arc for arc in self.by_basename.get(parts[-1], ()) if arc == suffix or arc.endswith("/" + suffix)]

    def files_for(self, name: str) -> list[str]:
        """The files of module `name` (if first-party) and of every package on its way; for
        `prefix*` (a name completed at run time), of every module whose name starts so."""
        if name.endswith("*"):
            stem = name[:-1]
            return [file for module in self.by_module if module.startswith(stem) for file in self.files_for(module)]
        files: list[str] = []
        parts = name.split(".")
        for end in range(1, len(parts) + 1):
            files += self.by_module.get(".".join(parts[:end]), ())
        return files

    def folder_of(self, name: str) -> str | None:
        """The package function folder that module or package `name` lies in, if any."""
        top = name.split(".", 1)[0]
        if top in self.function_folders and (name in self.by_module or name in self.directories):
            return top
        return None


def cache_file(project) -> Path:
    """Where a project's per-file scan results are kept (build and check share them)."""
    return cache_root() / "closure" / (hashlib.sha256(str(project.root).encode()).hexdigest()[:16] + ".json")


def analyse(functions: list[Function], sources: list[tuple[str, bytes]], target: tuple[int, int],
            cache_file: Path | None = None, warn: Callable[[str], None] | None = None,
            import_roots: dict[str, tuple[str, ...]] | None = None,
            environment_values: dict[str, tuple[str, ...]] | None = None) -> Analysis:
    """Every function's closure; `sources` are (arcname, bytes) of every file of functions/;
    `import_roots`: per function, the folders under functions/ its PYTHONPATH adds;
    `environment_values`: per function, its literal environment values (read as literals)."""
    scans, refs = _scan_all(sources, target, cache_file, warn)
    tree = _Tree([arc for arc, _ in sources], functions)
    declared = {arc: uses for arc, data in sources if arc.endswith(".py") and (uses := declared_uses(data))}
    tree.declared = {arc: [file for _, name in uses for file in matching(name, tree.everything)]
                     for arc, uses in declared.items()}
    result: dict[str, Closure] = {}
    errors: set[str] = set()
    newer: set[str] = set()
    for function in functions:
        files, reasons = _walk(function, tree, scans, refs, errors, newer, (import_roots or {}).get(function.name, ()),
                               (environment_values or {}).get(function.name, ()))
        result[function.name] = Closure(tree.everything, tuple(reasons)) if reasons else Closure(frozenset(files))
    shared_tops = sorted({arc if "/" not in arc else arc.split("/")[0] + "/" for arc in tree.for_libraries})
    notes = [f"functions/{top}: not a function's entry and not in {SHARED_LIB}/: any library may import it by name "
             "(functions/ comes first on Lambda's import path), so every function depends on it"
             for top in shared_tops]
    unreached = sorted({s.error for s in scans.values() if s.error} - errors)
    warnings = [f"{text.split(': syntax error', 1)[0]}: syntax error in a file no function imports statically; "
                "fix or remove it" for text in unreached]
    warnings += sorted(newer)
    warnings += [f"functions/{arc}:{line}: `{MARKER} {name}` names no file under functions/; fix the name"
                 for arc, uses in sorted(declared.items()) for line, name in uses
                 if not matching(name, tree.everything)]
    return Analysis(result, tuple(sorted(errors)), tuple(warnings), scans, tuple(notes))


def _for_libraries(arcs: list[str], function_folders: set[str]) -> list[str]:
    """The Python files a library may load by name, whichever function runs it: top-level
    modules and packages' `__init__.py` (followed: what they import too), but for the
    builder's own names (`lambda_<name>` entries, function folders, worker_lib) and the
    team's test set-up. A function folder's `__init__.py` often imports its main module:
    in every closure, it would make every function depend on every other."""
    found = []
    for arc in sorted(arcs):
        if not arc.endswith(".py"):
            continue
        top, sep, rest = arc.partition("/")
        name = arc[:-3]
        if not sep and not name.startswith(FLAT_PREFIX) and name not in _NOT_FOR_LIBRARIES:
            found.append(arc)
        elif rest == "__init__.py" and top != SHARED_LIB and top not in function_folders:  # what `import NAME` runs
            found.append(arc)
    return found


def _walk(function: Function, tree: _Tree, scans: dict[str, FileScan], refs: dict[str, tuple[str, ...]],
          errors: set[str], newer: set[str], roots: tuple[str, ...] = (),
          values: tuple[str, ...] = ()) -> tuple[set[str], list[str]]:
    files: set[str] = set()
    entered: set[str] = set()
    reasons: list[str] = []
    queue = list(tree.shared_data) + tree.for_libraries

    def follow(name: str) -> None:
        queue.extend(tree.files_for(name))
        for root in roots:  # `import fastcodec` with PYTHONPATH=/var/task/vendor: vendor/fastcodec.py
            queue.extend(tree.files_for(f"{root.replace('/', '.')}.{name}"))
        folder = tree.folder_of(name)
        if folder and folder not in entered:
            entered.add(folder)
            queue.extend(tree.folder_data.get(folder, ()))

    follow(function.module)
    for root in roots:  # what any library may import from a PYTHONPATH folder, as from functions/
        queue.extend(arc for arc in tree.everything if arc.startswith(root + "/") and arc.endswith(".py")
                     and arc[len(root) + 1:].count("/") <= (1 if arc.endswith("/__init__.py") else 0))
    for value in values:  # its .tf's environment: a data file or a module a value names
        queue.extend(tree.files_named(value))
        for name in DOTTED_ANYWHERE.findall(value):
            follow(name)
    while queue:
        arc = queue.pop()
        if arc in files:
            continue
        files.add(arc)
        top = arc.split("/", 1)[0]
        if "/" in arc and top in tree.function_folders and top not in entered:
            entered.add(top)
            queue.extend(tree.folder_data.get(top, ()))
        found = scans.get(arc)
        if found is None:  # a data file: the modules its text names
            for name in refs.get(arc, ()):
                follow(name)
            continue
        if found.error:
            errors.add(found.error)
        if found.newer:
            newer.add(found.newer)
            reasons.append(found.newer)
        reasons += found.dynamic
        for name in found.modules + found.refs:
            follow(name)
        queue.extend(tree.declared.get(arc, ()))  # what the module says it uses (package/declared.py)
        for literal in found.paths:
            queue.extend(tree.files_named(literal))
        for base in found.stars:
            _follow_star(base, tree, scans, follow)
    return files, reasons


def _follow_star(base: str, tree: _Tree, scans: dict[str, FileScan], follow: Callable[[str], None]) -> None:
    """`from base import *` imports the submodules `base.__all__` names (all of them when
    `__all__` is computed); without `__all__` it imports none."""
    for arc in tree.by_module.get(base, ()):
        found = scans.get(arc)
        if found is None or not arc.endswith("__init__.py"):
            continue
        if found.exports_dynamic:
            for child in tree.children.get(base, ()):
                follow(child)
        for name in found.exports or ():
            follow(f"{base}.{name}")


def _scan_all(sources: list[tuple[str, bytes]], target: tuple[int, int], cache_file: Path | None,
              warn: Callable[[str], None] | None) -> tuple[dict[str, FileScan], dict[str, tuple[str, ...]]]:
    salt = json.dumps([_CACHE_FORMAT, builder_digest(_SCANNER_CODE), grammar(target)]).encode()
    cache = _load(cache_file, salt, warn)
    used: dict[str, list] = {}
    scans: dict[str, FileScan] = {}
    refs: dict[str, tuple[str, ...]] = {}
    for arc, data in sources:
        key = hashlib.sha256(arc.encode() + b"\0" + data).hexdigest()
        row = cache.get(key)
        if arc.endswith(".py"):
            found = _row_scan(row) if row is not None else None
            found = found or scan(data, arc, target)
            used[key] = found.as_row()
            scans[arc] = found
        else:
            names = tuple(row) if isinstance(row, list) else data_refs(data)
            used[key] = list(names)
            refs[arc] = names
    if cache_file is not None and used != cache:
        payload = json.dumps(used, sort_keys=True)
        document = {"format": _CACHE_FORMAT, "salt": hashlib.sha256(salt).hexdigest(),
                    "sha256": hashlib.sha256(payload.encode()).hexdigest(), "payload": payload}
        try:
            atomic_write(cache_file, json.dumps(document).encode())
        except OSError:
            pass  # a cache that cannot be written only costs speed
    return scans, refs


def _row_scan(row) -> FileScan | None:
    try:
        return FileScan.from_row(row)
    except (TypeError, ValueError):
        return None


def _load(cache_file: Path | None, salt: bytes, warn: Callable[[str], None] | None) -> dict:
    """The cached rows, when the file is for this scanner and grammar and its digest holds."""
    if cache_file is None:
        return {}
    try:
        document = json.loads(cache_file.read_text())
    except FileNotFoundError:
        return {}
    except (OSError, ValueError):
        document = None
    try:
        if document["format"] != _CACHE_FORMAT or document["salt"] != hashlib.sha256(salt).hexdigest():
            return {}  # another scanner or grammar: not corrupt, only not ours
        payload = document["payload"]
        if hashlib.sha256(payload.encode()).hexdigest() != document["sha256"]:
            raise ValueError("its contents do not match their recorded sha256")
        rows = json.loads(payload)
        if not isinstance(rows, dict):
            raise ValueError("not a mapping")
        return rows
    except (TypeError, KeyError, ValueError, AttributeError) as exc:
        if warn:
            warn(f"import-analysis cache {cache_file} is corrupt ({exc}); analysing every file again")
        return {}
