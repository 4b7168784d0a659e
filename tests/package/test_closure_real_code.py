"""The static closure against what a real import and call of each handler loads.

Each folder of tests/data/closure_repos/ is a small multi-function code base shaped
like a public repository (its README names which, and what was kept of its
structure): `functions/` is its code root (Lambda's /var/task), `handlers.json`
lists each handler with an event. Every handler runs in its own Python with an
audit hook on "open" (`build_pkg.testing.closure_check.HOOK`, as `invoke` uses it),
and every first-party file it opened must be in its static closure. What the code asks
of AWS, at import or in the call, goes to a moto server on 127.0.0.1. Zero misses;
the over-approximation (closure files it did not open) is printed with -s.

CLOSURE_REPOS=DIR runs the same comparison on other cases laid out the same way,
for example checkouts of public repositories that may not be committed here; a
case's `site/` folder, when there is one, holds its third-party dependencies
(installed for the builder's Python) and goes on the path after the code root.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from builder_support import REPO

from build_pkg.testing.closure_check import HOOK
from build_pkg.package.closure import analyse
from build_pkg.package.discover import Function
from build_pkg.package.sources import walk_functions

REPOS = Path(os.environ.get("CLOSURE_REPOS") or REPO / "tests" / "data" / "closure_repos")
CASES = sorted(p.parent for p in REPOS.glob("*/handlers.json"))

RUN = """
import importlib, json, sys
sys.path[:0] = [{root!r}, *{site!r}]
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
    outcome = {{"result": repr(getattr(module, {function!r})(event, Context()))[:200]}}
except Exception as exc:  # what the call needs from AWS is not here; what it loaded on the way counts
    outcome = {{"error": type(exc).__name__}}
print("closure-outcome", json.dumps(outcome))
"""


def _function(entry: dict) -> Function:
    module = entry["module"]
    source = "functions/" + module.replace(".", "/") + ".py"
    return Function(entry["name"], entry.get("layout", "flat"), module, source, entry.get("function", "handler"))


def _loaded(root: Path, entry: dict, tmp_path: Path, aws: str) -> tuple[list[str], dict]:
    trace = tmp_path / f"{entry['name']}.trace"
    code = HOOK.format(root=str(root), out=str(trace)) + RUN.format(
        root=str(root), site=[str(p) for p in [root.parent / "site"] if p.is_dir()],
        event=json.dumps(entry.get("event", {})), module=entry["module"],
        function=entry.get("function", "handler"))
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1", "AWS_DEFAULT_REGION": "eu-west-1",
           "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
           "AWS_ENDPOINT_URL": aws, "AWS_MAX_ATTEMPTS": "1", **entry.get("env", {})}
    # Lambda starts the runtime in the task root, and real code reads paths relative to it
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=root,
                          timeout=120)
    assert proc.returncode == 0, f"{entry['name']}: import failed\n{proc.stderr[-2000:]}"
    opened = trace.read_text().splitlines() if trace.exists() else []
    outcome = [line.split(" ", 1)[1] for line in proc.stdout.splitlines() if line.startswith("closure-outcome ")]
    return sorted(arc for arc in opened if (root / arc).is_file()), json.loads(outcome[-1])


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_the_static_closure_holds_everything_a_handler_loads(case, tmp_path, moto_server):
    root = case / "functions"
    entries = json.loads((case / "handlers.json").read_text())["handlers"]
    functions = [_function(entry) for entry in entries]
    sources = [(f.arcname, f.path.read_bytes()) for f in walk_functions(root, case).files]
    closures = analyse(functions, sources, (3, 12)).closures
    report = []
    for entry in entries:
        loaded, outcome = _loaded(root, entry, tmp_path, moto_server)
        closure = closures[entry["name"]]
        assert loaded, f"{entry['name']}: the trace saw nothing"
        missed = sorted(set(loaded) - closure.files)
        assert not missed, f"{entry['name']}: the static closure misses {missed}"
        extra = sorted(closure.files - set(loaded))
        report.append(f"{case.name}/{entry['name']}: loaded {len(loaded)}, closure {len(closure.files)} "
                      f"(+{len(extra)}{', depends on everything' if closure.dynamic else ''}), call {outcome}")
    print("\n".join(report))


def test_the_trace_sees_the_data_files_a_handler_opens(tmp_path, moto_server):
    """What makes a miss visible: the audit hook records a JSON file that main.py opens
    beside itself, as well as the modules it imports."""
    root = REPO / "tests" / "data" / "closure_repos" / "shop_platform" / "functions"
    entry = {"name": "orders_create_order", "module": "orders_create_order.main", "event": {"order": {}}}
    loaded, outcome = _loaded(root, entry, tmp_path, moto_server)
    assert {"orders_create_order/schema.json", "orders_create_order/main.py", "shop/helpers.py"} <= set(loaded)
    assert "orders_create_order/requirements.txt" not in loaded
    assert "missing" in outcome["result"]
