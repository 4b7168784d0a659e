"""The safety net under the static closure: the first-party files a function really
loaded or opened at run time, against the closure its hash was made from.

A file that a function ran but that lies outside its closure is a stale-deploy
hole: an edit there would not move the function's hash, so it would not be
redeployed. `invoke` records every file the runtime process opens under the task
root (an audit hook, `sys.addaudithook`, on the "open" event: imports read
their source through it too) and warns once per such file; the pytest plugin in
`build_pkg.testing.closure` does the same for a team's own test suite. Both read
the closures from the manifest (`functions[].closure`), so neither needs the
builder's internals. The comparison is pure.
"""

from __future__ import annotations

from collections.abc import Iterable

from ..package.declared import MARKER

# Installed first thing in the runtime process: appends each new file opened under the
# task root to the trace file, one relative path a line. It never raises into the function.
HOOK = """
import os as _os, sys as _sys
def _build_pkg_trace(root, out):
    seen = set()
    trace = open(out, "a", encoding="utf-8", buffering=1)
    prefix = root.rstrip("/") + "/"
    def hook(event, args):
        if event != "open" or not args:
            return
        try:
            path = args[0]
            if isinstance(path, int):
                return
            path = _os.path.abspath(_os.fsdecode(path))
            if path.startswith(prefix) and path not in seen:
                seen.add(path)
                trace.write(path[len(prefix):] + "\\n")
        except Exception:
            pass
    _sys.addaudithook(hook)
_build_pkg_trace({root!r}, {out!r})
del _build_pkg_trace
"""


def first_party(manifest: dict) -> set[str] | None:
    """The top-level names that dependencies install: a loaded file under one of them is
    not first-party. None when the manifest predates closures (nothing to compare)."""
    if not all("closure" in f for f in manifest.get("functions", [])):
        return None
    return {top for d in manifest.get("dependencies", []) for top in d.get("top_level", [])}


def misses(loaded: Iterable[str], manifest: dict, name: str) -> list[str]:
    """The first-party files `name` loaded that its closure in `manifest` lacks, sorted."""
    dependency_tops = first_party(manifest)
    function = next((f for f in manifest.get("functions", []) if f.get("name") == name), None)
    if dependency_tops is None or function is None or function.get("depends_on_everything"):
        return []
    closure = set(function["closure"])
    found = set()
    for arc in map(source_of, loaded):
        if arc.split("/", 1)[0] not in dependency_tops and arc not in closure:
            found.add(arc)
    return sorted(found)


def source_of(arc: str) -> str:
    """`pkg/__pycache__/mod.cpython-312.pyc` -> `pkg/mod.py`: a cached import is that file."""
    head, marker, tail = arc.rpartition("__pycache__/")
    if marker and tail.endswith(".pyc"):
        return head + tail.split(".", 1)[0] + ".py"
    return arc


def miss_message(arc: str, name: str, source: str | None = None) -> str:
    fix = ("import it statically (a plain import, or importlib.import_module with a literal name)"
           if arc.endswith(".py") else
           "keep the file in the function's own folder or in worker_lib/, or import the module that holds it")
    where = f"to {source}" if source else "to the function's module"
    return (f"closure misses {arc}: {name} used it at run time, but an edit there would not redeploy {name}; {fix}, "
            f"or declare it: add `{MARKER} {arc}` {where}")
