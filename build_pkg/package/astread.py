"""Small readers of syntax-tree nodes that the import scan shares. Pure."""

from __future__ import annotations

import ast


def unguarded_imports(node: ast.AST, guarded: bool = False) -> set[str]:
    """Top-level names of the absolute imports that must succeed: not inside a `try` (an
    optional import with a fallback) nor under `if TYPE_CHECKING`."""
    found: set[str] = set()
    if isinstance(node, ast.Import) and not guarded:
        found |= {alias.name.split(".")[0] for alias in node.names}
    elif isinstance(node, ast.ImportFrom) and not guarded and node.level == 0 and node.module:
        found.add(node.module.split(".")[0])
    for child in ast.iter_child_nodes(node):
        inner = guarded or isinstance(node, (ast.Try, getattr(ast, "TryStar", ast.Try))) or (
            isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test))
        found |= unguarded_imports(child, inner)
    return found


def resolve_relative(package: str, module: str | None, level: int) -> str | None:
    """The absolute name of `from <level dots><module> import ...` in `package`."""
    if level == 0:
        return module or ""
    parts = package.split(".") if package else []
    if level - 1 > len(parts):
        return None
    base = parts[: len(parts) - (level - 1)]
    return ".".join(base + ([module] if module else []))


def top_level_names(tree: ast.Module) -> set[str]:
    """Names a module binds at top level: defs, classes, assignments, imports."""
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                names.update(n.id for n in ast.walk(target) if isinstance(n, ast.Name))
        elif isinstance(node, (ast.AnnAssign, ast.AugAssign)) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                names.add((alias.asname or alias.name).split(".")[0])
    return names


def literal(node: ast.AST | None):
    return node.value if isinstance(node, ast.Constant) else None


def literal_strings(node: ast.AST) -> tuple[str, ...] | None:
    if isinstance(node, (ast.List, ast.Tuple, ast.Set)) and all(
            isinstance(e, ast.Constant) and isinstance(e.value, str) for e in node.elts):
        return tuple(e.value for e in node.elts)
    if isinstance(node, ast.Constant) and node.value is None:
        return ()
    return None


def keyword_node(node: ast.Call, name: str) -> ast.AST | None:
    return next((k.value for k in node.keywords if k.arg == name), None)


def keyword_value(node: ast.Call, name: str):
    return literal(keyword_node(node, name))


def source_text(node: ast.AST) -> str:
    return ast.unparse(node)[:80]


def unique(items) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))
