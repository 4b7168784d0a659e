"""Per-function code hashes from the import closure: an edit changes exactly the hashes of
the functions that run the edited file, and every way code can reach a file is followed or
over-approximated (the function then depends on everything, and `build -v` says why)."""

from __future__ import annotations

import json
import shutil

import pytest
from builder_support import WorkerRepo

from build_pkg.package.closure import analyse
from build_pkg.package.discover import Function
from build_pkg.package.imports import scan

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
WORKER_LIB = {"worker_lib/__init__.py": "", "worker_lib/log.py": "import logging\n",
              "worker_lib/aws.py": "from .config import setting\n", "worker_lib/config.py": ""}


def _clear(repo: WorkerRepo) -> WorkerRepo:
    for path in list((repo.root / "functions").iterdir()):
        if path.name != "worker_lib":
            shutil.rmtree(path) if path.is_dir() else path.unlink()
    for path in (repo.root / "terraform").glob("lambda_*.tf"):
        path.unlink()
    repo.keep_only("six")
    return repo


@pytest.fixture
def repo(worker_repo: WorkerRepo) -> WorkerRepo:
    _clear(worker_repo)
    for rel, text in FUNCTIONS.items():
        worker_repo.write(rel, text)
    return worker_repo


def _hashes(cli, repo: WorkerRepo, *args: str) -> dict[str, str]:
    result = cli("-C", str(repo.root), "build", "--json", *args)
    assert result.exit_code == 0, result.output
    return {f["name"]: f["source_code_hash"] for f in json.loads(result.stdout)["functions"]}


def _changed(before: dict, after: dict) -> set[str]:
    return {name for name in after if before.get(name) != after[name]}


def _analyse(files: dict[str, str], functions: list[Function], target=(3, 12)):
    return analyse(functions, [(rel, text.encode()) for rel, text in sorted(files.items())], target)


def _flat(name: str) -> Function:
    return Function(name, "flat", f"lambda_{name}", f"functions/lambda_{name}.py")


def _package(name: str) -> Function:
    return Function(name, "package", f"{name}.main", f"functions/{name}/main.py")


def test_closures_follow_imports_packages_and_relative_imports():
    sources = {rel.removeprefix("functions/"): text for rel, text in FUNCTIONS.items()} | WORKER_LIB
    found = _analyse(sources, [_flat("alpha"), _flat("beta"), _flat("gamma"), _package("delta"), _flat("epsilon"),
                               _flat("zeta")]).closures
    assert found["alpha"].files == {"lambda_alpha.py", "worker_lib/__init__.py", "worker_lib/log.py"}
    assert found["delta"].files == {"delta/__init__.py", "delta/main.py", "delta/helpers.py", "delta/sub/__init__.py",
                                    "delta/sub/deep.py", "delta/template.txt", "worker_lib/__init__.py",
                                    "worker_lib/config.py"}
    assert found["zeta"].files == {"lambda_zeta.py", "lambda_gamma.py"}  # another function's module
    assert found["epsilon"].dynamic == ("functions/lambda_epsilon.py:4: importlib.import_module(e['plugin'])",)
    assert found["epsilon"].files == set(sources)


def test_scan_reads_imports_without_importing():
    found = scan(b"import a.b as c\nfrom x import (y, z)\nfrom .. import up\n__import__('lit')\n", "pkg/sub/m.py",
                 (3, 12))
    assert set(found.modules) >= {"a.b", "x", "x.y", "x.z", "pkg", "pkg.up", "lit"} and found.dynamic == ()


# Each case: files besides worker_lib, the flat function `user` that must run `edited`.
# Every one of these left the importing function's hash unchanged before.
FOLLOWED = {
    "relative import_module with __name__": {
        "lambda_user.py": "import worker_lib.x\n\ndef handler(e, c):\n    return 1\n",
        "worker_lib/x/__init__.py": "import importlib\nbackend = importlib.import_module('.backend', __name__)\n",
        "worker_lib/x/backend.py": "NAME = 'b'\n",
    },
    "relative import_module with a literal package": {
        "lambda_user.py": ("from importlib import import_module\n"
                           "plugin = import_module('.plugin', package='worker_lib.x')\n\ndef handler(e, c):\n    return 1\n"),
        "worker_lib/x/__init__.py": "",
        "worker_lib/x/plugin.py": "NAME = 'p'\n",
    },
    "a star import of a package whose __all__ names a submodule": {
        "lambda_user.py": "from worker_lib.x import *\n\ndef handler(e, c):\n    return extras.NAME\n",
        "worker_lib/x/__init__.py": "__all__ = ['extras']\n",
        "worker_lib/x/extras.py": "NAME = 'e'\n",
    },
    "a star import of a package whose __all__ is computed": {
        "lambda_user.py": "from worker_lib.x import *\n\ndef handler(e, c):\n    return 1\n",
        "worker_lib/x/__init__.py": "import os\n__all__ = [n[:-3] for n in os.listdir(os.path.dirname(__file__))]\n",
        "worker_lib/x/extras.py": "NAME = 'e'\n",
    },
    "__import__ with a fromlist": {
        "lambda_user.py": "mod = __import__('worker_lib.x', fromlist=['extras'])\n\ndef handler(e, c):\n    return 1\n",
        "worker_lib/x/__init__.py": "",
        "worker_lib/x/extras.py": "NAME = 'e'\n",
    },
    "a module named in a logging config string": {
        "lambda_user.py": ("import logging.config\nlogging.config.dictConfig({'version': 1, 'formatters': "
                           "{'j': {'()': 'worker_lib.x.extras.JsonFormatter'}}})\n\ndef handler(e, c):\n    return 1\n"),
        "worker_lib/x/__init__.py": "",
        "worker_lib/x/extras.py": "class JsonFormatter:\n    pass\n",
    },
    "an import inside a function and under TYPE_CHECKING": {
        "lambda_user.py": ("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from worker_lib import config\n"
                           "def handler(e, c):\n    from worker_lib.x import extras\n    return extras\n"),
        "worker_lib/x/__init__.py": "",
        "worker_lib/x/extras.py": "NAME = 'e'\n",
    },
}
EDITED = {"relative import_module with __name__": "worker_lib/x/backend.py",
          "relative import_module with a literal package": "worker_lib/x/plugin.py"}


@pytest.mark.parametrize("case", sorted(FOLLOWED))
def test_what_is_followed_moves_the_hash_of_the_function_that_runs_it(case, worker_repo, cli):
    repo = _clear(worker_repo)
    files = FOLLOWED[case]
    for rel, text in files.items():
        repo.write(f"functions/{rel}", text)
    repo.write("functions/lambda_other.py", "def handler(e, c):\n    return 0\n")
    edited = EDITED.get(case, "worker_lib/x/extras.py")
    closure = _analyse(files, [_flat("user")]).closures["user"]
    assert edited in closure.files and not closure.dynamic, closure
    before = _hashes(cli, repo)
    path = repo.root / "functions" / edited
    path.write_text(path.read_text() + "# edited\n")
    assert _changed(before, _hashes(cli, repo)) == {"user"}


DYNAMIC = {
    "a loader imported under another name": ("from importlib import import_module as load\n"
                                             "def handler(e, c):\n    return load('worker_lib.p_' + e['n'])\n", 3),
    "a loader reached through a variable": ("import importlib\nloader = importlib.import_module\n"
                                            "def handler(e, c):\n    return loader(e['n'])\n", 2),
    "a loader reached through getattr": ("import importlib\n"
                                         "def handler(e, c):\n    return getattr(importlib, 'import_module')(e['n'])\n", 3),
    "__import__ with a computed name": "def handler(e, c):\n    return __import__(e['n'])\n",
    "sys.path.insert": "import sys\nsys.path.insert(0, '/var/task/vendor')\nimport vendored\n",
    "sys.path.append through an alias of sys": "import sys as s\ns.path.append('/tmp/x')\n",
    "sys.path assigned": "import sys\nsys.path[:0] = ['/opt/extra']\n",
    "sys.path extended with +=": "from sys import path\npath += ['/opt/extra']\n",
    "site.addsitedir": "import site\nsite.addsitedir('/var/task/vendor')\n",
    "sys.meta_path": "import sys\nsys.meta_path.append(object())\n",
    "spec_from_file_location": ("import importlib.util\n"
                                "spec = importlib.util.spec_from_file_location('m', '/var/task/worker_lib/m.py')\n"),
    "runpy": "import runpy\nrunpy.run_path('/var/task/worker_lib/script.py')\n",
    "exec of a file's text": ("exec(open('/var/task/worker_lib/script.py').read())\n", 1),
}


@pytest.mark.parametrize("case", sorted(DYNAMIC))
def test_what_cannot_be_followed_makes_the_function_depend_on_everything(case):
    code, line = DYNAMIC[case] if isinstance(DYNAMIC[case], tuple) else (DYNAMIC[case], 2)
    files = {"lambda_user.py": code + "\ndef handler(e, c):\n    return 1\n", "lambda_other.py": "X = 1\n"} | WORKER_LIB
    closure = _analyse(files, [_flat("user")]).closures["user"]
    assert closure.files == set(files)
    assert closure.dynamic and closure.dynamic[0].startswith(f"functions/lambda_user.py:{line}: "), closure.dynamic


def test_a_loader_in_an_imported_module_makes_its_importers_depend_on_everything(worker_repo, cli):
    repo = _clear(worker_repo)
    repo.write("functions/worker_lib/plugins.py", "import importlib\n\ndef load(n):\n"
                                                  "    return importlib.import_module('worker_lib.p_' + n)\n")
    repo.write("functions/worker_lib/p_csv.py", "NAME = 'csv'\n")
    repo.write("functions/lambda_user.py", "from worker_lib.plugins import load\n\ndef handler(e, c):\n"
                                           "    return load(e['n']).NAME\n")
    repo.write("functions/lambda_other.py", "def handler(e, c):\n    return 0\n")
    before = _hashes(cli, repo)
    plugin = repo.root / "functions" / "worker_lib" / "p_csv.py"
    plugin.write_text("NAME = 'tsv'\n")
    assert _changed(before, _hashes(cli, repo)) == {"user"}
    verbose = cli("-C", str(repo.root), "-v", "build", "--force")
    assert ("user: depends on all of functions/, as it loads code the analysis cannot follow: "
            "functions/worker_lib/plugins.py:4: importlib.import_module('worker_lib.p_' + n)") in verbose.stderr


def test_data_files_belong_to_every_function_that_enters_their_folder(worker_repo, cli):
    repo = _clear(worker_repo)
    repo.write("functions/orders/__init__.py", "")
    repo.write("functions/orders/main.py", "from .schema import load\n\ndef handler(e, c):\n    return load()\n")
    repo.write("functions/orders/schema.py", "import json, os\n\ndef load():\n    with open(os.path.join("
                                             "os.path.dirname(__file__), 'schema.json')) as f:\n        return json.load(f)\n")
    repo.write("functions/orders/schema.json", '{"v": 1}\n')
    repo.write("functions/lambda_report.py", "from orders.schema import load\n\ndef handler(e, c):\n    return load()\n")
    repo.write("functions/lambda_files.py", "from importlib import resources\n\ndef handler(e, c):\n"
                                            "    return resources.files('orders').joinpath('schema.json').read_text()\n")
    repo.write("functions/lambda_alone.py", "def handler(e, c):\n    return 0\n")
    before = _hashes(cli, repo)
    repo.write("functions/orders/schema.json", '{"v": 2}\n')
    assert _changed(before, _hashes(cli, repo)) == {"orders", "report", "files"}


def test_a_data_file_that_names_a_module_brings_it_in(worker_repo, cli):
    repo = _clear(worker_repo)
    repo.write("functions/billing/__init__.py", "")
    repo.write("functions/billing/main.py", "import json, logging.config, os\nlogging.config.dictConfig(json.load(open("
                                            "os.path.join(os.path.dirname(__file__), 'logging.json'))))\n\n"
                                            "def handler(e, c):\n    return 1\n")
    repo.write("functions/billing/logging.json", '{"version": 1, "formatters": {"j": {"()": "worker_lib.fmt.Json"}}}\n')
    repo.write("functions/worker_lib/fmt.py", "import logging\n\nclass Json(logging.Formatter):\n    pass\n")
    repo.write("functions/lambda_other.py", "def handler(e, c):\n    return 0\n")
    before = _hashes(cli, repo)
    fmt = repo.root / "functions" / "worker_lib" / "fmt.py"
    fmt.write_text(fmt.read_text() + "# edited\n")
    assert _changed(before, _hashes(cli, repo)) == {"billing"}


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
    lock["default"]["six"]["hashes"].append("sha256:" + "a" * 64)  # another hash: the same files install
    repo.write_lock(lock)
    assert _changed(seventh, eighth := _hashes(cli, repo)) == set()
    lock["default"]["six"] |= {"version": "==1.16.0",  # other files: every function runs them
                               "hashes": ["sha256:8abb2f1d86890a2dfb989f9a77cfcfd3e47c2a354b01111771326f8aa26e0254"]}
    repo.write_lock(lock)
    assert _changed(eighth, _hashes(cli, repo)) == set(first)


def test_build_v_says_which_function_depends_on_everything_and_why(repo, cli):
    result = cli("-C", str(repo.root), "-v", "build")
    assert result.exit_code == 0
    assert ("epsilon: depends on all of functions/, as it loads code the analysis cannot follow: "
            "functions/lambda_epsilon.py:4: importlib.import_module(e['plugin'])") in result.stderr


def test_the_manifest_lists_each_closure(repo, cli):
    assert cli("-C", str(repo.root), "build").exit_code == 0
    functions = {f["name"]: f for f in repo.manifest()["functions"]}
    assert functions["zeta"]["closure"] == ["lambda_gamma.py", "lambda_zeta.py"]
    assert functions["zeta"]["files"] == 2 and not functions["zeta"]["depends_on_everything"]
    assert functions["epsilon"]["depends_on_everything"]
    assert functions["epsilon"]["why_everything"] == [
        "functions/lambda_epsilon.py:4: importlib.import_module(e['plugin'])"]


def test_a_syntax_error_in_an_imported_module_fails_the_build_and_keeps_the_zip(repo, cli):
    assert cli("-C", str(repo.root), "build").exit_code == 0
    before = repo.zip_path.read_bytes(), repo.manifest_path.read_bytes()
    repo.write("functions/worker_lib/log.py", "import logging\n\ndef broken(:\n    pass\n")
    result = cli("-C", str(repo.root), "build")
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines()[-1].startswith(
        "error: functions/worker_lib/log.py:3: syntax error: invalid syntax")
    assert (repo.zip_path.read_bytes(), repo.manifest_path.read_bytes()) == before


def test_a_syntax_error_no_function_imports_is_a_warning(repo, cli):
    repo.write("functions/worker_lib/unused.py", "def broken(:\n")
    result = cli("-C", str(repo.root), "build")
    assert result.exit_code == 0, result.output
    assert ("warning: functions/worker_lib/unused.py:1: syntax error in a file no function imports statically; "
            "fix or remove it") in result.stderr


def test_syntax_of_a_newer_python_than_the_target_is_an_error(repo, cli):
    """python3.11 has no `type` statement: parsed with the target's grammar, it is a syntax error."""
    repo.write("functions/worker_lib/log.py", "type Rows = list[int]\n")
    result = cli("-C", str(repo.root), "build", "--runtime", "python3.11")
    assert result.exit_code == 1
    assert "error: functions/worker_lib/log.py:1: syntax error" in result.stderr


def test_code_for_a_newer_runtime_than_the_builder_depends_on_everything(repo, cli):
    """`except A, B:` is valid python3.14 (PEP 758) and does not parse in the builder's Python."""
    import sys

    if sys.version_info >= (3, 14):
        pytest.skip("the builder's Python parses python3.14 code")
    repo.write("functions/worker_lib/log.py", "try:\n    import logging\nexcept ValueError, TypeError:\n    pass\n")
    result = cli("-C", str(repo.root), "build", "--runtime", "python3.14", "--json")
    assert result.exit_code == 0, result.output
    assert ("warning: functions/worker_lib/log.py does not parse with the builder's Python "
            f"{sys.version_info[0]}.{sys.version_info[1]}") in result.stderr
    alpha = next(f for f in json.loads(result.stdout)["functions"] if f["name"] == "alpha")
    assert alpha["depends_on_everything"]
    gamma = next(f for f in json.loads(result.stdout)["functions"] if f["name"] == "gamma")
    assert not gamma["depends_on_everything"]  # it does not import log.py


def test_a_corrupt_analysis_cache_is_dropped_with_a_warning(repo, cli, monkeypatch, tmp_path):
    monkeypatch.setenv("BUILD_PKG_CACHE_DIR", str(tmp_path / "cache"))
    first = _hashes(cli, repo)
    [cache] = (tmp_path / "cache" / "closure").iterdir()
    document = json.loads(cache.read_text())
    rows = json.loads(document["payload"])
    for key, row in rows.items():
        if isinstance(row, list) and len(row) == 11 and "worker_lib.log" in row[0]:
            row[0].remove("worker_lib.log")  # alpha would seem to import nothing of worker_lib
    document["payload"] = json.dumps(rows, sort_keys=True)
    cache.write_text(json.dumps(document))
    result = cli("-C", str(repo.root), "build", "--json", "--force")
    assert result.exit_code == 0, result.output
    assert "is corrupt (its contents do not match their recorded sha256); analysing every file again" in result.stderr
    assert {f["name"]: f["source_code_hash"] for f in json.loads(result.stdout)["functions"]} == first


def test_a_file_read_by_a_literal_path_is_in_the_closure_whoever_owns_it():
    """A review's misses: a .py read as text through a path from __file__ or through
    importlib.resources, and another function's data file by a path from __file__ or from
    the task root. A literal that may name a file brings it in."""
    sources = {
        "worker_lib/__init__.py": "", "worker_lib/templates/tpl.py": "X = 1\n",
        "f_rel/main.py": "def handler(e, c):\n    return 0\n", "f_rel/x.yaml": "a: 1\n",
        "lambda_readpy.py": "import os\nP = os.path.join(os.path.dirname(__file__), 'worker_lib', 'templates', "
                            "'tpl.py')\n\ndef handler(e, c):\n    return open(P).read()\n",
        "lambda_respy.py": "import importlib.resources\n\ndef handler(e, c):\n    return importlib.resources.files("
                           "'worker_lib').joinpath('templates/tpl.py').read_text()\n",
        "f_pathother/main.py": "from pathlib import Path\n\ndef handler(e, c):\n"
                               "    return (Path(__file__).parent.parent / 'f_rel' / 'x.yaml').read_text()\n",
        "lambda_cwdopen.py": "def handler(e, c):\n    return open('f_rel/x.yaml').read()\n",
        "lambda_plain.py": "def handler(e, c):\n    return 'application/json'\n",
    }
    functions = [_flat("readpy"), _flat("respy"), _package("f_rel"), _package("f_pathother"), _flat("cwdopen"),
                 _flat("plain")]
    found = _analyse(sources, functions).closures
    assert "worker_lib/templates/tpl.py" in found["readpy"].files
    assert "worker_lib/templates/tpl.py" in found["respy"].files
    assert "f_rel/x.yaml" in found["f_pathother"].files and "f_rel/x.yaml" in found["cwdopen"].files
    assert found["plain"].files == {"lambda_plain.py"}  # a MIME type names no file


def test_a_package_path_changed_at_run_time_makes_its_importers_depend_on_everything():
    sources = {"worker_lib/__init__.py": "", "extra_dir/plug.py": "X = 1\n",
               "worker_lib/ext/__init__.py": "import os\n__path__.append(os.path.join(os.path.dirname(__file__), "
                                             "'..', '..', 'extra_dir'))\n",
               "lambda_pathext.py": "from worker_lib.ext import plug\n\ndef handler(e, c):\n    return plug.X\n"}
    closure = _analyse(sources, [_flat("pathext")]).closures["pathext"]
    [why] = closure.dynamic
    assert why.startswith("functions/worker_lib/ext/__init__.py:2: changes the package's import path: __path__.append(")
    assert closure.files == set(sources)


def test_a_top_level_module_any_library_may_import_is_in_every_closure(worker_repo, cli):
    """requests imports chardet when it finds one, and functions/ is first on Lambda's path:
    functions/chardet.py runs under every function that uses requests, imported or not."""
    repo = _clear(worker_repo)
    repo.write("functions/lambda_user.py", "def handler(e, c):\n    return 1\n")
    repo.write("functions/lambda_other.py", "def handler(e, c):\n    return 2\n")
    repo.write("functions/chardet.py", "def detect(b):\n    return {'encoding': 'utf-8'}\n")
    repo.write("functions/conftest.py", "import pytest\n")  # the team's test set-up: no library imports it
    before = _hashes(cli, repo)
    (repo.root / "functions" / "chardet.py").write_text("def detect(b):\n    return {'encoding': 'latin-1'}\n")
    assert _changed(before, _hashes(cli, repo)) == {"user", "other"}
    again = _hashes(cli, repo)
    (repo.root / "functions" / "conftest.py").write_text("import pytest  # edited\n")
    assert _changed(again, _hashes(cli, repo)) == set()
    verbose = cli("-C", str(repo.root), "-v", "build", "--force")
    assert ("functions/chardet.py: not a function's entry and not in worker_lib/: any library may import it by name"
            in verbose.stderr)


def test_bytecode_without_its_source_fails_the_build_and_keeps_the_zip(worker_repo, cli):
    repo = _clear(worker_repo)
    repo.write("functions/lambda_user.py", "from worker_lib import pyconly\n\ndef handler(e, c):\n    return 1\n")
    assert cli("-C", str(repo.root), "build").exit_code == 0
    before = repo.zip_path.read_bytes()
    (repo.root / "functions" / "worker_lib" / "pyconly.pyc").write_bytes(b"\x00" * 16)
    result = cli("-C", str(repo.root), "build")
    assert result.exit_code == 1
    assert ("error: functions/worker_lib/pyconly.pyc is bytecode with no pyconly.py beside it, and the package holds "
            "sources only") in result.stderr
    assert repo.zip_path.read_bytes() == before


# Issue 29's blind spots: each left a function's identity unchanged after the named file was
# edited. Each case is one function whose closure must hold the file.
LIB = WORKER_LIB | {"worker_lib/fmt.py": "class Json:\n    pass\n", "worker_lib/streams.py": "sink = None\n",
                    "worker_lib/features.py": "class Scaler:\n    pass\n",
                    "worker_lib/plugins/__init__.py": "from .names import __all__\n",
                    "worker_lib/plugins/names.py": "__all__ = ['csv']\n", "worker_lib/plugins/csv.py": "X = 1\n"}
BLIND_SPOTS = [
    ("a class path inside a JSON string",
     "import json, logging.config\nCONFIG = '{\"formatters\": {\"j\": {\"()\": \"worker_lib.fmt.Json\"}}}'\n",
     {}, "worker_lib/fmt.py"),
    ("an ext:// stream",
     "HANDLER = {'stream': 'ext://worker_lib.streams.sink'}\n", {}, "worker_lib/streams.py"),
    ("a pickle over 1 MiB naming its class's module",
     "import pickle\n", {"lambda_f.model.pkl": None}, "worker_lib/features.py"),
    ("a UTF-16 JSON file naming a formatter",
     "", {"lambda_f.logging.json": "utf-16"}, "worker_lib/fmt.py"),
    ("a UTF-16 file without a BOM, mostly CJK text", "", {"lambda_f.logging.json": "utf-16-le cjk"},
     "worker_lib/fmt.py"),
    ("a UTF-32 file without a BOM, mostly CJK text", "", {"lambda_f.logging.json": "utf-32-be cjk"},
     "worker_lib/fmt.py"),
    ("__import__ with fromlist ['*']",
     "__import__('worker_lib.plugins', fromlist=['*'])\n", {}, "worker_lib/plugins/csv.py"),
    ("__all__ inside `with contextlib.suppress`",
     "from worker_lib.shelf import *\n", {"worker_lib/shelf/__init__.py": "import contextlib\nwith "
                                          "contextlib.suppress(ImportError):\n    __all__ = ['book']\n",
                                          "worker_lib/shelf/book.py": "Y = 2\n"}, "worker_lib/shelf/book.py"),
    ("__all__ imported from a submodule", "from worker_lib.plugins import *\n", {}, "worker_lib/plugins/csv.py"),
    ("a data file named by parts with a space", "NAME = 'price list.json'\nDIR = 'orders'\n",
     {"orders/price list.json": "{}"}, "orders/price list.json"),
    ("a data file without an extension", "HERE = 'orders'\nV = 'VERSION'\n", {"orders/VERSION": "1"}, "orders/VERSION"),
    ("an f-string under the task root", "import os\nP = f\"{os.environ['LAMBDA_TASK_ROOT']}/orders/prices.json\"\n",
     {"orders/prices.json": "{}"}, "orders/prices.json"),
    ("a long extension", "M = 'model.safetensors'\n", {"orders/model.safetensors": "x"}, "orders/model.safetensors"),
    ("parentheses in a name", "P = 'prices(eu).json'\n", {"orders/prices(eu).json": "{}"}, "orders/prices(eu).json"),
    ("a dot file", "P = '.settings.json'\n", {"orders/.settings.json": "{}"}, "orders/.settings.json"),
]


def _pickled_scaler() -> bytes:
    """pickle.dumps of a worker_lib.features.Scaler, made from stand-in modules (pickle imports
    a class's module to check it: never this checkout's own worker_lib)."""
    import pickle
    import sys
    import types

    package, module = types.ModuleType("worker_lib"), types.ModuleType("worker_lib.features")
    exec(LIB["worker_lib/features.py"], module.__dict__)
    module.Scaler.__module__, package.features = "worker_lib.features", module
    saved = {name: sys.modules.get(name) for name in ("worker_lib", "worker_lib.features")}
    sys.modules.update({"worker_lib": package, "worker_lib.features": module})
    try:
        return pickle.dumps([b"\0" * (1024 * 1024 + 1), module.Scaler()], protocol=4)
    finally:
        for name, old in saved.items():
            sys.modules.pop(name) if old is None else sys.modules.__setitem__(name, old)


@pytest.mark.parametrize("code, extra, needed", [case[1:] for case in BLIND_SPOTS],
                         ids=[case[0] for case in BLIND_SPOTS])
def test_what_the_analysis_once_missed_is_in_the_closure(code, extra, needed):
    sources = {rel: text.encode() for rel, text in LIB.items()}
    sources["lambda_f.py"] = (code + "\ndef handler(e, c):\n    return 1\n").encode()
    sources["orders/__init__.py"] = b""  # another function's folder
    sources["orders/main.py"] = b"def handler(e, c):\n    return 2\n"
    for rel, how in extra.items():
        if how is None:  # a real pickle of worker_lib.features.Scaler, padded past 1 MiB
            sources[rel] = _pickled_scaler()
        elif how.endswith(" cjk"):  # no NUL between its own characters, only in the name's
            sources[rel] = json.dumps({"格式": {"()": "worker_lib.fmt.Json"}, "说明": "日志配置" * 50},
                                      ensure_ascii=False).encode(how.split()[0])
        elif how == "utf-16":
            sources[rel] = json.dumps({"formatters": {"j": {"()": "worker_lib.fmt.Json"}}}).encode("utf-16")
        else:
            sources[rel] = how.encode()
    found = analyse([_flat("f"), _package("orders")], sorted(sources.items()), (3, 12)).closures["f"]
    assert needed in found.files and not found.depends_on_everything


def test_what_a_module_declares_it_uses_is_in_its_closure_and_a_name_that_names_nothing_warns():
    """`# build-pkg: uses ...`: a folder, a file, a pattern; the functions that reach the
    declaring module get them, the others do not; a declared name matching no file warns."""
    sources = {rel: text.encode() for rel, text in LIB.items()} | {
        "worker_lib/rules/a.yaml": b"x: 1\n", "worker_lib/rules/b.json": b"{}",
        "worker_lib/loader.py": (b"# build-pkg: uses worker_lib/plugins/, orders/prices.json\n"
                                 b"#build-pkg:uses worker_lib/rules/*.yaml worker_lib/gone/\n"),
        "orders/__init__.py": b"", "orders/main.py": b"def handler(e, c):\n    return 2\n",
        "orders/prices.json": b"{}",
        "lambda_f.py": b"import worker_lib.loader\n\ndef handler(e, c):\n    return 1\n",
        "lambda_g.py": b"def handler(e, c):\n    return 3\n",
    }
    result = analyse([_flat("f"), _flat("g"), _package("orders")], sorted(sources.items()), (3, 12))
    f, g = result.closures["f"].files, result.closures["g"].files
    assert {"worker_lib/plugins/csv.py", "worker_lib/plugins/names.py", "orders/prices.json",
            "worker_lib/rules/a.yaml"} <= f
    assert not g & {"orders/prices.json", "worker_lib/plugins/csv.py"}  # g does not reach the declaring module
    assert result.warnings == ("functions/worker_lib/loader.py:2: `# build-pkg: uses worker_lib/gone/` names no "
                               "file under functions/; fix the name",)


def test_a_functions_pythonpath_is_where_its_imports_are_found_too(repo, cli):
    """PYTHONPATH=/var/task/vendor in the .tf (Lambda honours it) and `import fastcodec` from
    functions/vendor/: the closure holds it (an edit redeploys the function), `check` does not
    call the import unprovided, and `invoke` runs it."""
    import subprocess
    import sys

    from builder_support import BUILD_PKG

    root = str(repo.root)
    repo.write("functions/vendor/fastcodec.py", "VERSION = 1\n")
    repo.write("functions/lambda_codec.py", "import fastcodec\n\ndef handler(e, c):\n    return fastcodec.VERSION\n")
    assert cli("-C", root, "tf", "codec", "--env", "PYTHONPATH=/var/task/vendor").exit_code == 0
    first = json.loads(cli("-C", root, "build", "--json").stdout)
    codec = next(f for f in first["functions"] if f["name"] == "codec")
    assert "vendor/fastcodec.py" in codec["closure"]
    assert "fastcodec" not in cli("-C", root, "check").stderr
    ran = subprocess.run([sys.executable, str(BUILD_PKG), "-C", root, "invoke", "codec", "--no-build"],
                         capture_output=True, text=True)
    assert ran.returncode == 0 and ran.stdout.strip() == "1", ran.stderr
    before = {f["name"]: f["source_code_hash"] for f in first["functions"]}
    repo.write("functions/vendor/fastcodec.py", "VERSION = 2\n")
    assert _changed(before, _hashes(cli, repo)) == {"codec", "epsilon"}  # epsilon depends on everything


def test_what_the_second_hunt_found_is_followed(tmp_path):
    """A module name completed at run time (a subprocess's `-m worker_lib.tool_` + x), an old
    pickle protocol (`cworker_lib.models`), a pickle whose length byte reads as a letter, an
    absolute /var/task path, a data file named by the .tf's environment (sqlite opens it from C,
    where invoke's check cannot see), a relative PYTHONPATH and what a library may import from it."""
    import pickle
    import sys
    import types

    lib = {"worker_lib/__init__.py": b"", "worker_lib/tool_a.py": b"print('a')\n", "worker_lib/models.py": b"",
           "worker_lib/" + "m" * 60 + ".py": b"", "orders/__init__.py": b"", "orders/main.py": b"def handler(e, c): 1\n",
           "orders/prices.json": b"{}", "orders/catalog.db": b"SQLite format 3\0", "vendor/chardet.py": b"",
           "vendor/fastcodec.py": b""}
    package, models = types.ModuleType("worker_lib"), types.ModuleType("worker_lib.models")
    long_name = "worker_lib." + "m" * 60
    longer = types.ModuleType(long_name)

    class Rule:
        pass

    class Long:
        pass

    Rule.__module__, Rule.__qualname__, models.Rule = "worker_lib.models", "Rule", Rule
    Long.__module__, Long.__qualname__, longer.Long = long_name, "Long", Long
    saved = dict(sys.modules)
    sys.modules.update({"worker_lib": package, "worker_lib.models": models, long_name: longer})
    try:
        lib["rules.p2"], lib["long.p4"] = pickle.dumps(Rule(), protocol=2), pickle.dumps(Long(), protocol=4)
    finally:
        sys.modules.clear()
        sys.modules.update(saved)
    cases = {
        "sub": (b"import subprocess, sys\ndef handler(e, c):\n    subprocess.run([sys.executable, '-m', "
                b"'worker_lib.tool_' + e['tool']])\n", {}, {}, "worker_lib/tool_a.py"),
        "pick": (b"P = 'rules.p2'\ndef handler(e, c): 1\n", {}, {}, "worker_lib/models.py"),
        "longp": (b"P = 'long.p4'\ndef handler(e, c): 1\n", {}, {}, "worker_lib/" + "m" * 60 + ".py"),
        "abs": (b"P = '/var/task/orders/prices.json'\ndef handler(e, c): 1\n", {}, {}, "orders/prices.json"),
        "cat": (b"import os, sqlite3\ndef handler(e, c):\n    return sqlite3.connect(os.path.join(os.environ['LAMBDA_TASK_"
                b"ROOT'], os.environ['CATALOG_DIR'], os.environ['CATALOG_DB']))\n",
                {}, {"cat": ("orders", "catalog.db")}, "orders/catalog.db"),
        "codec": (b"import fastcodec\ndef handler(e, c): 1\n", {"codec": ("vendor",)}, {}, "vendor/fastcodec.py"),
        "reqs": (b"import requests\ndef handler(e, c): 1\n", {"reqs": ("vendor",)}, {}, "vendor/chardet.py"),
    }
    for name, (code, roots, values, needed) in cases.items():
        sources = dict(lib) | {f"lambda_{name}.py": code}
        closure = analyse([_flat(name), _package("orders")], sorted(sources.items()), (3, 12), import_roots=roots,
                          environment_values=values).closures[name]
        assert needed in closure.files and not closure.depends_on_everything, name


def test_a_relative_pythonpath_is_relative_to_the_task_root():
    from build_pkg.infra.function_config import import_roots

    assert import_roots({"PYTHONPATH": "vendor:/var/task/lib/py:/opt/extra:./more"}) == ("vendor", "lib/py", "more")
