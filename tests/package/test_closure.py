"""Per-function code hashes from the import closure: an edit changes exactly the hashes of
the functions that run the edited file."""

from __future__ import annotations

import json

import pytest
from conftest import WorkerRepo

from build_pkg.package.closure import closures, scan
from build_pkg.package.discover import Function

FUNCTIONS = {
    "functions/lambda_alpha.py": "from worker_lib.log import get_logger\n\ndef handler(e, c):\n    return 1\n",
    "functions/lambda_beta.py": "import worker_lib.aws\n\ndef handler(e, c):\n    return 2\n",
    "functions/lambda_gamma.py": "import json\n\ndef handler(e, c):\n    return 3\n",
    "functions/delta/__init__.py": "",
    "functions/delta/main.py": "from . import helpers\nfrom .sub import deep\n\ndef handler(e, c):\n    return 4\n",
    "functions/delta/helpers.py": "from worker_lib import config\n",
    "functions/delta/sub/__init__.py": "",
    "functions/delta/sub/deep.py": "X = 1\n",
    "functions/delta/template.txt": "hello\n",
    "functions/lambda_epsilon.py": ("import importlib\n\ndef handler(e, c):\n"
                                    "    return importlib.import_module(e['plugin'])\n"),
    "functions/lambda_zeta.py": "import lambda_gamma\n\ndef handler(e, c):\n    return 6\n",
}


@pytest.fixture
def repo(worker_repo: WorkerRepo) -> WorkerRepo:
    for path in list((worker_repo.root / "functions").iterdir()):
        if path.name != "worker_lib":
            import shutil
            shutil.rmtree(path) if path.is_dir() else path.unlink()
    for rel, text in FUNCTIONS.items():
        worker_repo.write(rel, text)
    for path in (worker_repo.root / "terraform").glob("lambda_*.tf"):
        path.unlink()
    worker_repo.keep_only("six")
    return worker_repo


def _hashes(cli, repo: WorkerRepo) -> dict[str, str]:
    result = cli("-C", str(repo.root), "build", "--json")
    assert result.exit_code == 0, result.output
    return {f["name"]: f["source_code_hash"] for f in json.loads(result.stdout)["functions"]}


def _changed(before: dict, after: dict) -> set[str]:
    return {name for name in after if before.get(name) != after[name]}


def test_closures_follow_imports_packages_and_relative_imports():
    sources = [(rel.removeprefix("functions/"), text.encode()) for rel, text in FUNCTIONS.items()]
    sources += [("worker_lib/__init__.py", b""), ("worker_lib/log.py", b"import logging\n"),
                ("worker_lib/aws.py", b"from .config import setting\n"), ("worker_lib/config.py", b"")]
    functions = [Function("alpha", "flat", "lambda_alpha", "functions/lambda_alpha.py"),
                 Function("delta", "package", "delta.main", "functions/delta/main.py"),
                 Function("epsilon", "flat", "lambda_epsilon", "functions/lambda_epsilon.py"),
                 Function("zeta", "flat", "lambda_zeta", "functions/lambda_zeta.py")]
    found = closures(functions, sources)
    assert found["alpha"].files == {"lambda_alpha.py", "worker_lib/__init__.py", "worker_lib/log.py"}
    assert found["delta"].files == {"delta/__init__.py", "delta/main.py", "delta/helpers.py", "delta/sub/__init__.py",
                                    "delta/sub/deep.py", "delta/template.txt", "worker_lib/__init__.py",
                                    "worker_lib/config.py"}
    assert found["zeta"].files == {"lambda_zeta.py", "lambda_gamma.py"}  # another function's module
    assert found["epsilon"].dynamic == "lambda_epsilon.py:4: importlib.import_module(e['plugin'])"
    assert found["epsilon"].files == {arc for arc, _ in sources}


def test_scan_reads_imports_without_importing():
    found = scan(b"import a.b as c\nfrom x import (y, z)\nfrom .. import up\n__import__('lit')\n", "pkg/sub/m.py")
    assert set(found.modules) >= {"a.b", "x", "x.y", "x.z", "pkg", "pkg.up", "lit"} and found.dynamic is None


def test_an_edit_changes_exactly_the_hashes_of_the_functions_that_run_it(repo, cli):
    first = _hashes(cli, repo)
    assert len(set(first.values())) == len(first) == 6
    repo.write("functions/lambda_alpha.py", FUNCTIONS["functions/lambda_alpha.py"] + "# edit\n")
    second = _hashes(cli, repo)
    assert _changed(first, second) == {"alpha", "epsilon"}  # epsilon depends on everything
    log = repo.root / "functions" / "worker_lib" / "log.py"
    log.write_text(log.read_text() + "\n# edit\n")
    third = _hashes(cli, repo)
    assert _changed(second, third) == {"alpha", "epsilon"}  # log.py: alpha imports it
    config = repo.root / "functions" / "worker_lib" / "config.py"
    config.write_text(config.read_text() + "\n# edit\n")
    fourth = _hashes(cli, repo)
    assert _changed(third, fourth) == {"delta", "epsilon"}  # config.py: only delta's helpers import it
    repo.write("functions/delta/template.txt", "changed\n")
    assert _changed(fourth, fifth := _hashes(cli, repo)) == {"delta", "epsilon"}
    repo.write("functions/shared.json", "{}\n")  # a data file outside any package: every function
    assert _changed(fifth, sixth := _hashes(cli, repo)) == set(first)
    repo.write("functions/lambda_gamma.py", FUNCTIONS["functions/lambda_gamma.py"] + "# edit\n")
    assert _changed(sixth, seventh := _hashes(cli, repo)) == {"gamma", "zeta", "epsilon"}
    lock = repo.lock()
    lock["default"]["six"]["hashes"].append("sha256:" + "a" * 64)  # the dependency set's key changes
    repo.write_lock(lock)
    assert _changed(seventh, _hashes(cli, repo)) == set(first)


def test_build_v_says_which_function_depends_on_everything_and_why(repo, cli):
    result = cli("-C", str(repo.root), "-v", "build")
    assert result.exit_code == 0
    assert ("epsilon: depends on all of functions/ (a dynamic import it cannot follow: lambda_epsilon.py:4: "
            "importlib.import_module(e['plugin']))") in result.stderr
