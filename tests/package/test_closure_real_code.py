"""The static closure against what a real import and call of each handler loads.

Each folder of tests/data/closure_repos/ is a small multi-function code base shaped
like a public repository (its README names which, and what was kept of its
structure): `functions/` is its code root (Lambda's /var/task), `handlers.json`
lists each handler with an event. Every handler runs in its own Python with an
audit hook on "open" (`build_pkg.local.closure_check.HOOK`, as `invoke` uses it),
and every first-party file it opened must be in its static closure. Zero misses;
the over-approximation (closure files it did not open) is printed with -s.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO

from build_pkg.local.closure_check import HOOK
from build_pkg.package.closure import analyse
from build_pkg.package.discover import Function
from build_pkg.package.sources import walk_functions

REPOS = REPO / "tests" / "data" / "closure_repos"
CASES = sorted(p.parent for p in REPOS.glob("*/handlers.json"))

RUN = """
import importlib, json, sys
sys.path[:0] = [{root!r}]
event = json.loads({event!r})

class Context:
    function_name = "f"
    aws_request_id = "00000000-0000-0000-0000-000000000000"
    memory_limit_in_mb = 128
    invoked_function_arn = "arn:aws:lambda:eu-west-1:000000000000:function:f"
    def get_remaining_time_in_millis(self):
        return 30000

module = importlib.import_module({module!r})
try:
    print(json.dumps({{"result": repr(getattr(module, {function!r})(event, Context()))[:200]}}))
except Exception as exc:  # what the call needs from AWS is not here; what it loaded on the way counts
    print(json.dumps({{"error": type(exc).__name__}}))
"""


def _function(entry: dict) -> Function:
    module = entry["module"]
    source = "functions/" + module.replace(".", "/") + ".py"
    return Function(entry["name"], entry.get("layout", "flat"), module, source, entry.get("function", "handler"))


def _loaded(root: Path, entry: dict, tmp_path: Path) -> tuple[list[str], dict]:
    trace = tmp_path / f"{entry['name']}.trace"
    code = HOOK.format(root=str(root), out=str(trace)) + RUN.format(
        root=str(root), event=json.dumps(entry.get("event", {})), module=entry["module"],
        function=entry.get("function", "handler"))
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1", "AWS_DEFAULT_REGION": "eu-west-1",
           "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
           "AWS_ENDPOINT_URL": "http://127.0.0.1:9", "AWS_MAX_ATTEMPTS": "1", **entry.get("env", {})}
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=tmp_path,
                          timeout=120)
    assert proc.returncode == 0, f"{entry['name']}: import failed\n{proc.stderr[-2000:]}"
    opened = trace.read_text().splitlines() if trace.exists() else []
    return sorted(arc for arc in opened if (root / arc).is_file()), json.loads(proc.stdout.splitlines()[-1])


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_the_static_closure_holds_everything_a_handler_loads(case, tmp_path):
    root = case / "functions"
    entries = json.loads((case / "handlers.json").read_text())["handlers"]
    functions = [_function(entry) for entry in entries]
    sources = [(f.arcname, f.path.read_bytes()) for f in walk_functions(root, case).files]
    closures = analyse(functions, sources, (3, 12)).closures
    report = []
    for entry in entries:
        loaded, outcome = _loaded(root, entry, tmp_path)
        closure = closures[entry["name"]]
        assert loaded, f"{entry['name']}: the trace saw nothing"
        missed = sorted(set(loaded) - closure.files)
        assert not missed, f"{entry['name']}: the static closure misses {missed}"
        extra = sorted(closure.files - set(loaded))
        report.append(f"{case.name}/{entry['name']}: loaded {len(loaded)}, closure {len(closure.files)} "
                      f"(+{len(extra)}{', depends on everything' if closure.dynamic else ''}), call {outcome}")
    print("\n".join(report))
