"""What one first-party file may import, read from its syntax tree (never imported). Pure.

The rule is to over-approximate: every import statement counts wherever it sits
(inside functions, `try`, `if TYPE_CHECKING`); a literal `importlib.import_module`
or `__import__` counts, relative ones resolved as importlib resolves them; a
dotted module path in a string literal (`"worker_lib.fmt.Json"`, as logging's
dictConfig or a settings module name takes it, or inside a longer string: JSON,
`ext://`, `module:attr`) counts too. Whatever
could load code that cannot be followed is recorded as *dynamic*, with its file
and line: a loader reached through an alias, a variable or `getattr`, a
non-literal target, `sys.path`/`sys.meta_path` changed at run time,
`site.addsitedir`, a package's `__path__` changed, `spec_from_file_location` and
the other loaders, `runpy`, `exec`/`eval`/`compile`. A function whose closure
holds one depends on all of functions/.

Every one-line string literal may be a file name (`"templates/query.sql"`,
`"x.yaml"`, `"VERSION"`, `"price list.json"`), so all are kept as `paths`: a file read by a path built from
`__file__` or relative to the task root, even a `.py` read as text, joins the
closure of every function that reaches the literal.

Files are parsed with the target runtime's grammar where the builder's Python
knows it (`feature_version`), so a syntax error is the target's syntax error.
A file that the builder's older Python cannot parse may be valid for a newer
target: that is recorded as `newer`, never as "imports nothing".
"""

from __future__ import annotations

import ast
import re
import sys
from dataclasses import dataclass

from .astread import (
    keyword_value, keyword_node, literal, literal_strings, source_text, unique, resolve_relative, top_level_names,
    unguarded_imports,
)
from .datarefs import DATA_DOTTED

# Calls that load code the analysis cannot follow, whatever their arguments.
_LOADER_CALLS = {
    "spec_from_file_location", "spec_from_loader", "module_from_spec", "exec_module", "load_module",
    "SourceFileLoader", "SourcelessFileLoader", "ExtensionFileLoader", "run_path", "run_module",
    "load_source", "load_compiled", "load_dynamic", "load_package", "zipimporter", "addsitedir",
    "extend_path", "find_module",
}
# Builtins that run code from a value: only as bare names (`re.compile` is no loader).
_CODE_BUILTINS = {"exec", "eval", "compile", "execfile"}
_IMPORTERS = {"import_module", "__import__"}
# Attributes of `sys` whose change alters where imports come from.
_SYS_IMPORT_STATE = {"path", "meta_path", "path_hooks", "path_importer_cache"}
_MUTATORS = {"insert", "append", "extend", "__setitem__", "__iadd__", "update", "setdefault"}
# importlib.resources / pkgutil / pkg_resources calls whose first argument names a package.
_RESOURCE_CALLS = {
    "files", "read_text", "read_binary", "open_text", "open_binary", "contents", "is_resource", "path",
    "get_data", "resource_filename", "resource_string", "resource_stream", "resource_listdir",
    "resource_exists", "resource_isdir",
}
# A string that may name a file: a path with "/" or a name with an extension, no spaces.
_DOTTED = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)+(?::[A-Za-z_][\w.]*)?$")
DOTTED_ANYWHERE = re.compile(DATA_DOTTED.pattern.decode())
# A module name's start, completed at run time: `python -m worker_lib.tool_` + x.
_PREFIX = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*\.[A-Za-z0-9_.]*$")
_NAME_MAX = 255  # a file name's length on Linux: longer literals name no file


@dataclass(frozen=True)
class FileScan:
    modules: tuple[str, ...] = ()  # absolute dotted names the file may import
    stars: tuple[str, ...] = ()  # modules it star-imports from: their __all__ names submodules too
    exports: tuple[str, ...] | None = None  # a literal __all__
    exports_dynamic: bool = False  # __all__ computed: every submodule may be star-imported
    refs: tuple[str, ...] = ()  # names in string literals that may be first-party modules
    paths: tuple[str, ...] = ()  # string literals that may name first-party files
    dynamic: tuple[str, ...] = ()  # "file:line: what" for each load that cannot be followed
    defines: tuple[str, ...] = ()  # top-level names (for the handler check)
    needs: tuple[str, ...] = ()  # top-level names of absolute imports outside `try` and TYPE_CHECKING
    error: str | None = None  # "file:line: syntax error: message" for the target's grammar
    newer: str | None = None  # the builder's Python cannot parse it; a newer target might

    def as_row(self) -> list:
        return [list(self.modules), list(self.stars), None if self.exports is None else list(self.exports),
                self.exports_dynamic, list(self.refs), list(self.paths), list(self.dynamic), list(self.defines),
                list(self.needs), self.error, self.newer]

    @classmethod
    def from_row(cls, row: list) -> "FileScan":
        modules, stars, exports, exports_dynamic, refs, paths, dynamic, defines, needs, error, newer = row
        return cls(tuple(modules), tuple(stars), None if exports is None else tuple(exports), bool(exports_dynamic),
                   tuple(refs), tuple(paths), tuple(dynamic), tuple(defines), tuple(needs), error, newer)


def grammar(target: tuple[int, int]) -> str:
    """What decides how files parse: the target's version and the builder's (a cache key part)."""
    return f"target {target[0]}.{target[1]}, builder {sys.version_info[0]}.{sys.version_info[1]}"


def parse(source: bytes, arcname: str, target: tuple[int, int]) -> tuple[ast.Module | None, str | None, str | None]:
    """(tree, error, newer): the target's grammar where this Python has it."""
    builder = sys.version_info[:2]
    # Not a file name: on a syntax error Python would read the line from that file, relative
    # to whatever folder the process runs in.
    name = f"<functions/{arcname}>"
    try:
        if target <= builder:
            return ast.parse(source, filename=name, feature_version=target), None, None
        return ast.parse(source, filename=name), None, None
    except SyntaxError as exc:
        where = f"functions/{arcname}:{exc.lineno or 1}"
        if target > builder:
            return None, None, (f"functions/{arcname} does not parse with the builder's Python "
                                f"{builder[0]}.{builder[1]} ({exc.msg}, line {exc.lineno}); it may be valid "
                                f"python{target[0]}.{target[1]}")
        return None, f"{where}: syntax error: {exc.msg}; fix the code", None
    except ValueError as exc:  # null bytes, bad source encoding
        return None, f"functions/{arcname}: cannot be parsed ({exc}); fix the file", None


def own_names(arcname: str) -> tuple[str, str]:
    """(module, package) for a file: `a/b.py` -> ("a.b", "a"); `a/__init__.py` -> ("a", "a")."""
    parts = arcname.removesuffix(".py").split("/")
    if parts[-1] == "__init__":
        parts = parts[:-1]
        return ".".join(parts), ".".join(parts)
    return ".".join(parts), ".".join(parts[:-1])


def scan(source: bytes, arcname: str, target: tuple[int, int]) -> FileScan:
    """What one Python file imports, names as strings, and cannot be followed."""
    tree, error, newer = parse(source, arcname, target)
    if tree is None:
        return FileScan(error=error, newer=newer)
    return _Scanner(arcname).run(tree)


class _Scanner:
    def __init__(self, arcname: str):
        self.arcname = arcname
        self.module, self.package = own_names(arcname)
        self.modules: list[str] = []
        self.stars: list[str] = []
        self.refs: list[str] = []
        self.paths: list[str] = []
        self.dynamic: list[tuple[int, str]] = []  # (line, why)
        self.exports: list[str] | None = None
        self.exports_dynamic = False
        self.loaders = {name: name for name in _IMPORTERS}  # bound name -> the loader it is
        self.sys_names = {"sys"}
        self.path_names: set[str] = set()  # `from sys import path` and the like
        self.handled: set[int] = set()  # ids of nodes already accounted for

    def run(self, tree: ast.Module) -> FileScan:
        self._bindings(tree)
        self._exports(tree.body)
        for node in ast.walk(tree):
            self._visit(node)
        return FileScan(
            modules=unique(n for n in self.modules if n), stars=unique(self.stars),
            exports=None if self.exports is None else unique(self.exports), exports_dynamic=self.exports_dynamic,
            refs=unique(self.refs), paths=unique(self.paths), dynamic=tuple(why for _, why in sorted(self.dynamic)),
            defines=tuple(sorted(top_level_names(tree))), needs=tuple(sorted(unguarded_imports(tree))),
        )

    def _why(self, node: ast.AST, what: str) -> None:
        line = getattr(node, "lineno", 1)
        self.dynamic.append((line, f"functions/{self.arcname}:{line}: {what}"))

    def _bindings(self, tree: ast.Module) -> None:
        """Aliases of the loaders and of sys, wherever they are bound."""
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name == "sys" and alias.asname:
                        self.sys_names.add(alias.asname)
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                for alias in node.names:
                    if node.module in ("importlib", "builtins") and alias.name in _IMPORTERS:
                        self.loaders[alias.asname or alias.name] = alias.name
                    elif node.module == "sys" and alias.name in _SYS_IMPORT_STATE:
                        self.path_names.add(alias.asname or alias.name)

    def _visit(self, node: ast.AST) -> None:
        if isinstance(node, ast.Import):
            self.modules += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            self._import_from(node)
        elif isinstance(node, ast.Call):
            self._call(node)
        elif isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Delete)):
            targets = node.targets if isinstance(node, (ast.Assign, ast.Delete)) else [node.target]
            for target in targets:
                if self._is_import_state(target) or (isinstance(target, ast.Subscript)
                                                     and self._is_import_state(target.value)):
                    self._why(node, f"changes the import path: {source_text(node)}")
                elif _is_package_path(target) or (isinstance(target, ast.Subscript) and _is_package_path(target.value)):
                    self._why(node, f"changes the package's import path: {source_text(node)}")
                elif isinstance(target, ast.Attribute) and target.attr in _IMPORTERS:
                    self._why(node, f"replaces a loader: {source_text(node)}")
        elif isinstance(node, ast.Name) and id(node) not in self.handled:
            if node.id in self.loaders and isinstance(node.ctx, ast.Load):
                self._why(node, f"{node.id} used as a value (the module it loads cannot be known)")
            elif node.id in _CODE_BUILTINS and isinstance(node.ctx, ast.Load):
                self._why(node, f"{node.id} used as a value")
        elif isinstance(node, ast.Attribute) and id(node) not in self.handled and node.attr in _IMPORTERS:
            self._why(node, f"{source_text(node)} used as a value (the module it loads cannot be known)")
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            self._string(node)
        if isinstance(node, (ast.BinOp, ast.JoinedStr)):  # "worker_lib.tool_" + name, f"worker_lib.{x}"
            head = node.left if isinstance(node, ast.BinOp) else (node.values or [None])[0]
            if isinstance(head, ast.Constant) and isinstance(head.value, str) and _PREFIX.match(head.value):
                self.refs.append(head.value + "*")  # every first-party module whose name starts so

    def _import_from(self, node: ast.ImportFrom) -> None:
        base = resolve_relative(self.package, node.module, node.level)
        if base is None:
            return  # beyond the top level: fails at run time, loads nothing
        self.modules.append(base)
        for alias in node.names:
            if alias.name == "*":
                self.stars.append(base)
            else:
                self.modules.append(f"{base}.{alias.name}" if base else alias.name)

    def _call(self, node: ast.Call) -> None:
        func = node.func
        name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None
        if name is None:
            return
        loader = self.loaders.get(name) if isinstance(func, ast.Name) else name if name in _IMPORTERS else None
        if loader:
            self.handled.add(id(func))
            resolved = self._import_module(node) if loader == "import_module" else self._dunder_import(node)
            if resolved is None:
                self._why(node, source_text(node))
            else:
                self.modules += resolved
        elif name in _LOADER_CALLS:
            self._why(node, source_text(node))
        elif isinstance(func, ast.Name) and name in _CODE_BUILTINS:
            self.handled.add(id(func))
            self._why(node, source_text(node))
        elif isinstance(func, ast.Name) and name == "getattr" and len(node.args) >= 2 and literal(node.args[1]) in (
                _CODE_BUILTINS | {"exec_module", "load_module"}):
            self._why(node, source_text(node))
        elif isinstance(func, ast.Attribute) and name in _MUTATORS and self._is_import_state(func.value):
            self._why(node, f"changes the import path: {source_text(node)}")
        elif isinstance(func, ast.Attribute) and name in _MUTATORS and _is_package_path(func.value):
            self._why(node, f"changes the package's import path: {source_text(node)}")
        elif name in _RESOURCE_CALLS and node.args and isinstance(literal(node.args[0]), str):
            self.refs.append(literal(node.args[0]))  # a package named for its data files

    def _is_import_state(self, node: ast.AST) -> bool:
        if isinstance(node, ast.Name):
            return node.id in self.path_names
        if isinstance(node, ast.Attribute) and node.attr in _SYS_IMPORT_STATE:
            value = node.value
            return (isinstance(value, ast.Name) and value.id in self.sys_names) or (
                isinstance(value, ast.Attribute) and value.attr == "sys")
        return False

    def _import_module(self, node: ast.Call) -> list[str] | None:
        """`import_module(name, package)` with literals (or the module's own __name__/__package__)."""
        name = literal(node.args[0]) if node.args else keyword_value(node, "name")
        if not isinstance(name, str):
            return None
        if not name.startswith("."):
            return [name]
        package_node = node.args[1] if len(node.args) > 1 else keyword_node(node, "package")
        package = self._package_value(package_node)
        if package is None:
            return None
        level = len(name) - len(name.lstrip("."))
        bits = package.rsplit(".", level - 1)
        if len(bits) < level or not bits[0]:
            return []  # importlib raises: beyond the top-level package
        rest = name[level:]
        return [f"{bits[0]}.{rest}" if rest else bits[0]]

    def _package_value(self, node: ast.AST | None) -> str | None:
        if node is None:
            return None
        value = literal(node)
        if isinstance(value, str):
            return value
        if isinstance(node, ast.Name) and node.id == "__name__":
            return self.module
        if isinstance(node, ast.Name) and node.id == "__package__":
            return self.package
        if (isinstance(node, ast.Attribute) and node.attr in ("parent", "name")
                and isinstance(node.value, ast.Name) and node.value.id == "__spec__"):
            return self.package if node.attr == "parent" else self.module
        return None

    def _dunder_import(self, node: ast.Call) -> list[str] | None:
        """`__import__(name, globals, locals, fromlist, level)` with literals."""
        name = literal(node.args[0]) if node.args else keyword_value(node, "name")
        fromlist_node = node.args[3] if len(node.args) > 3 else keyword_node(node, "fromlist")
        level_node = node.args[4] if len(node.args) > 4 else keyword_node(node, "level")
        level = 0 if level_node is None else literal(level_node)
        fromlist = () if fromlist_node is None else literal_strings(fromlist_node)
        if not isinstance(name, str) or not isinstance(level, int) or fromlist is None:
            return None
        base = resolve_relative(self.package, name or None, level)
        if base is None:
            return []
        if "*" in fromlist:  # __import__(name, fromlist=["*"]) star-imports, as `from name import *`
            self.stars.append(base)
        return [base] + [f"{base}.{item}" for item in fromlist if item != "*"]

    def _string(self, node: ast.Constant) -> None:
        value = node.value
        if value in _IMPORTERS:
            self._why(node, f"names {value!r} (a loader reached through getattr or a mapping)")
        elif len(value) <= 200 and _DOTTED.match(value):
            self.refs.append(value.split(":", 1)[0])
        else:
            # A dotted name anywhere in the text: a class path in a JSON logging config given as
            # a string ("()": "worker_lib.fmt.Json"), an "ext://worker_lib.streams.sink", a
            # "pkg.mod:attr" entry point. Only first-party modules among them join a closure.
            self.refs += DOTTED_ANYWHERE.findall(value)
        if value and len(value) <= _NAME_MAX and "\n" not in value and "\0" not in value:
            # What a file name can be, not what it usually is: "price list.json", "VERSION",
            # "prices(eu).json", ".settings.json", "/orders/prices.json" of an f-string. A literal
            # joins a closure only through files whose names end with it.
            self.paths.append(value)

    def _exports(self, body: list[ast.stmt]) -> None:
        """`__all__` at module level: literal lists (also `+=`, `.extend`, `.append`), or dynamic."""
        for stmt in body:
            if isinstance(stmt, (ast.If, ast.Try, ast.With, ast.AsyncWith, ast.For, ast.AsyncFor, ast.While)):
                # `with contextlib.suppress(...): __all__ = [...]` and the like: still module level.
                for block in (stmt.body, getattr(stmt, "orelse", []), getattr(stmt, "finalbody", [])):
                    self._exports(block)
                for handler in getattr(stmt, "handlers", []):
                    self._exports(handler.body)
                continue
            if isinstance(stmt, ast.Match):
                for case in stmt.cases:
                    self._exports(case.body)
                continue
            if isinstance(stmt, (ast.ImportFrom, ast.Import)) and any(
                    (alias.asname or alias.name) == "__all__" for alias in stmt.names):
                self.exports_dynamic = True  # `from .names import __all__`: not readable here
                continue
            value, extend = None, False
            if isinstance(stmt, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "__all__"
                                                    for t in stmt.targets):
                value = stmt.value
            elif isinstance(stmt, (ast.AugAssign, ast.AnnAssign)) and isinstance(stmt.target, ast.Name) \
                    and stmt.target.id == "__all__":
                value, extend = stmt.value, isinstance(stmt, ast.AugAssign)
            elif isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call) \
                    and isinstance(stmt.value.func, ast.Attribute) and isinstance(stmt.value.func.value, ast.Name) \
                    and stmt.value.func.value.id == "__all__":
                call = stmt.value
                arg = call.args[0] if call.args else None
                value = ast.List([arg], ast.Load()) if call.func.attr == "append" and arg is not None else arg
                extend = True
            else:
                continue
            names = literal_strings(value) if value is not None else None
            if names is None:
                self.exports_dynamic = True
                continue
            self.exports = (self.exports or []) + list(names) if extend else list(names)


def _is_package_path(node: ast.AST) -> bool:
    """`__path__` (a package's own) or `module.__path__`: where its submodules come from."""
    return (isinstance(node, ast.Name) and node.id == "__path__") or (
        isinstance(node, ast.Attribute) and node.attr == "__path__")
