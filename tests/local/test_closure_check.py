"""The closure check under a team's own tests: the pytest plugin sees what each function
really opens and names what its static closure lacks."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from builder_support import REPO, WorkerRepo

from build_pkg.testing.closure_check import misses

MANIFEST = {
    "functions": [{"name": "peek", "closure": ["lambda_peek.py", "worker_lib/__init__.py"],
                   "depends_on_everything": False},
                  {"name": "any", "closure": [], "depends_on_everything": True}],
    "dependencies": [{"name": "six", "top_level": ["six.py", "six-1.17.0.dist-info"]}],
}


def test_misses_are_first_party_files_outside_the_closure():
    loaded = ["lambda_peek.py", "six.py", "six-1.17.0.dist-info/METADATA", "catalog/prices.json", "worker_lib/x.py"]
    assert misses(loaded, MANIFEST, "peek") == ["catalog/prices.json", "worker_lib/x.py"]
    assert misses(loaded, MANIFEST, "any") == []  # depends on everything: nothing can be missed
    assert misses(loaded, {"functions": [{"name": "peek"}]}, "peek") == []  # an older manifest: no closures
    # An import read from cached bytecode is its source file.
    assert misses(["worker_lib/__pycache__/x.cpython-312.pyc", "__pycache__/lambda_peek.cpython-312.pyc"],
                  MANIFEST, "peek") == ["worker_lib/x.py"]


TEST_FILE = """
import os, sys
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "functions"))

def test_peek():
    import lambda_peek
    assert lambda_peek.handler({}, None) == {"tea": 3}

def test_tidy():
    import lambda_tidy
    assert lambda_tidy.handler({}, None) == "tidy"
"""


def _repo(tmp_path) -> WorkerRepo:
    repo = WorkerRepo(tmp_path / "repo")
    repo.write("functions/catalog/__init__.py", "")
    repo.write("functions/catalog/main.py", "def handler(event, context):\n    return 'catalog'\n")
    repo.write("functions/catalog/prices.json", '{"tea": 3}\n')
    repo.write("functions/lambda_peek.py", "import json, os\n\nHERE = os.path.dirname(__file__)\n\n"
                                           "def handler(event, context):\n"
                                           "    # a name put together at run time: no literal names the file\n"
                                           "    with open(os.path.join(HERE, 'catalog', 'prices' + '.json')) as f:\n"
                                           "        return json.load(f)\n")
    repo.write("functions/lambda_tidy.py", "from worker_lib import log\n\ndef handler(event, context):\n"
                                           "    return 'tidy'\n")
    repo.write("tests/test_functions.py", TEST_FILE)
    return repo


def _pytest(repo: WorkerRepo, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO), "PYTHONDONTWRITEBYTECODE": "1"}
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "build_pkg.testing.closure", "-p", "no:cacheprovider",
                           "-q", *args, "tests"], cwd=repo.root, env=env, capture_output=True, text=True)


@pytest.mark.parametrize("workers", [[], ["-n", "2"]], ids=["in-process", "xdist"])
def test_the_plugin_fails_the_session_on_a_file_outside_the_closure(tmp_path, workers):
    repo = _repo(tmp_path)
    proc = _pytest(repo, "--closure-check=fail", *workers)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "2 passed" in proc.stdout
    assert ("closure misses catalog/prices.json: peek used it at run time, but an edit there would not redeploy "
            "peek") in proc.stdout
    assert "tidy" not in proc.stdout.split("build-pkg closure check", 1)[1]  # its closure holds what it used

    warned = _pytest(repo)  # the default only reports
    assert warned.returncode == 0 and "closure misses catalog/prices.json" in warned.stdout


def test_the_plugin_is_quiet_when_every_closure_is_complete(tmp_path):
    repo = _repo(tmp_path)
    (repo.root / "functions" / "lambda_peek.py").write_text(
        "import json, os\nfrom catalog import main  # the folder is in the closure now\n\n"
        "HERE = os.path.dirname(__file__)\n\ndef handler(event, context):\n"
        "    with open(os.path.join(HERE, 'catalog', 'prices' + '.json')) as f:\n        return json.load(f)\n")
    proc = _pytest(repo, "--closure-check=fail")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "closure misses" not in proc.stdout


def test_doing_what_the_miss_message_says_ends_the_miss(tmp_path):
    repo = _repo(tmp_path)
    failed = _pytest(repo, "--closure-check=fail")
    assert "add `# build-pkg: uses catalog/prices.json` to functions/lambda_peek.py" in failed.stdout
    peek = repo.root / "functions" / "lambda_peek.py"
    peek.write_text("# build-pkg: uses catalog/prices.json\n" + peek.read_text())
    passed = _pytest(repo, "--closure-check=fail")
    assert passed.returncode == 0 and "closure misses" not in passed.stdout, passed.stdout
