"""The builder's shape: imports run one way (commands -> capabilities -> helpers), no
cycle, no module over 400 lines, one error hierarchy. Read from the real source with ast."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import pytest
from builder_support import REPO

import build_pkg.errors as errors

PACKAGE = REPO / "build_pkg"
# Lower rank may never import higher rank; capabilities of one rank never import each other.
RANKS = {"helpers": 0, "package": 1, "infra": 2, "image": 2, "api": 2, "sandbox": 2, "pipeline": 3, "testing": 4,
         "local": 5, "deploy": 5, "operate": 6, "commands": 7, "cli": 8}


def _module_name(path: Path) -> str:
    parts = path.relative_to(REPO).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _layer(module: str) -> str:
    parts = module.split(".")
    if len(parts) == 1:
        return "helpers"  # build_pkg/__init__
    if parts[1] in RANKS:
        return parts[1]
    return "cli" if parts[1] == "cli" else "helpers"


def _imports(path: Path) -> set[str]:
    """build_pkg modules imported anywhere in the file, lazy imports included."""
    module = _module_name(path)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("build_pkg")}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if not target.startswith("build_pkg"):
                continue
            for alias in node.names:  # `from . import deps` names a module
                candidate = f"{target}.{alias.name}"
                found.add(candidate if _exists(candidate) else target)
    return {m for m in found if m != module}


def _exists(module: str) -> bool:
    path = REPO / Path(*module.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


GRAPH = {_module_name(p): _imports(p) for p in PACKAGE.rglob("*.py")}


def test_imports_run_from_the_commands_down_to_the_helpers():
    wrong = []
    for module, imported in GRAPH.items():
        for target in imported:
            mine, theirs = _layer(module), _layer(target)
            if mine == theirs:
                continue
            if RANKS[theirs] >= RANKS[mine]:
                wrong.append(f"{module} ({mine}) imports {target} ({theirs})")
    assert not wrong, "\n".join(sorted(wrong))


def test_the_import_graph_has_no_cycle():
    state: dict[str, int] = {}
    cycles = []

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(GRAPH.get(node, ())):
            if state.get(nxt) == 1:
                cycles.append(" -> ".join(trail[trail.index(nxt):] + [nxt]) if nxt in trail else nxt)
            elif nxt not in state:
                visit(nxt, trail + [nxt])
        state[node] = 2

    for module in sorted(GRAPH):
        if module not in state:
            visit(module, [module])
    assert not cycles, cycles


def test_the_graph_reader_sees_real_edges():
    """Guard the two tests above against a reader that finds nothing."""
    assert "build_pkg.package.lockfile" in GRAPH["build_pkg.package.inputs"]
    assert "build_pkg.package.deps" in GRAPH["build_pkg.package.build"]
    assert "build_pkg.errors" in GRAPH["build_pkg.deploy.traffic"]


@pytest.mark.parametrize("path", sorted(PACKAGE.rglob("*.py")), ids=lambda p: p.relative_to(REPO).as_posix())
def test_no_module_is_over_400_lines(path):
    assert len(path.read_text().splitlines()) <= 400


def test_every_error_lives_in_errors_py_with_a_one_line_docstring():
    defined_elsewhere = []
    for path in PACKAGE.rglob("*.py"):
        if path.name == "errors.py":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ClassDef) and any(
                    getattr(b, "id", getattr(b, "attr", "")).endswith(("Error", "Exception")) for b in node.bases):
                defined_elsewhere.append(f"{path.relative_to(REPO)}: {node.name}")
    assert not defined_elsewhere
    classes = [c for _, c in inspect.getmembers(errors, inspect.isclass) if issubclass(c, Exception)]
    assert len(classes) >= 10
    for cls in classes:
        assert issubclass(cls, errors.BuildPkgError), cls
        doc = (cls.__doc__ or "").strip()
        assert doc and "\n" not in doc, f"{cls.__name__} needs a one-line docstring"
