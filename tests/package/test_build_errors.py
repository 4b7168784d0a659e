"""Each bad input: a one-line error naming the file and the fix, exit 1, the old zip intact."""

from __future__ import annotations

import os
import shutil

import pytest
from builder_support import WorkerRepo

# The sdist of docopt 0.6.2 (the only file that release has): a real hash of a real
# file, so the installer gets as far as finding that no wheel exists.
PYCRYPTO_SDIST_SHA256 = "sha256:f2ce1e989b272cfcb677616763e0a2e7ec659effa67a88aa92b3a65528f60a3c"


@pytest.fixture
def built(small_repo: WorkerRepo, cli):
    """A small repo that has been built once: its zip must survive every failure below."""
    result = cli("-C", str(small_repo.root), "build")
    assert result.exit_code == 0, result.output
    return small_repo, small_repo.zip_path.read_bytes()


def _fails(cli, repo: WorkerRepo, old_zip: bytes, *expected: str, args: tuple = ()):
    result = cli("-C", str(repo.root), "build", "--force", *args)
    assert result.exit_code == 1, result.output
    lines = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(lines) == 1, result.stderr
    for part in expected:
        assert part in lines[0], lines[0]
    assert "Traceback" not in result.stderr
    assert repo.zip_path.read_bytes() == old_zip, "the previous dists.zip must be untouched"
    return lines[0]


def test_missing_pipfile(built, cli):
    repo, old = built
    (repo.root / "Pipfile").unlink()
    _fails(cli, repo, old, "Pipfile not found", "pass the worker repository with -C DIR")


def test_malformed_pipfile(built, cli):
    repo, old = built
    repo.write("Pipfile", "[packages\nsix = '*'\n")
    _fails(cli, repo, old, "Pipfile is not valid TOML", "pipenv lock")


def test_missing_lock(built, cli):
    repo, old = built
    (repo.root / "Pipfile.lock").unlink()
    _fails(cli, repo, old, "Pipfile.lock not found", "run `pipenv lock`")


def test_malformed_lock(built, cli):
    repo, old = built
    repo.write("Pipfile.lock", '{"_meta": {"hash": ')
    _fails(cli, repo, old, "Pipfile.lock is not valid JSON", "pipenv lock")


def test_lock_without_pinned_version(built, cli):
    repo, old = built
    lock = repo.lock()
    lock["default"]["six"].pop("version")
    repo.write_lock(lock)
    _fails(cli, repo, old, "Pipfile.lock", "'six' has no pinned version")


def test_stale_lock(built, cli):
    repo, old = built
    pipfile = repo.root / "Pipfile"
    pipfile.write_text(pipfile.read_text().replace("[packages]", '[packages]\nattrs = "*"'))
    _fails(cli, repo, old, "Pipfile.lock is out of date with Pipfile", "run `pipenv lock`")


def test_hash_that_does_not_match(built, cli):
    repo, old = built
    lock = repo.lock()
    lock["default"]["six"]["hashes"] = [PYCRYPTO_SDIST_SHA256]  # a real hash, of another file
    repo.write_lock(lock)
    _fails(cli, repo, old, "Pipfile.lock: six==1.17.0", "sha256 is not among the locked hashes", "pipenv lock")


def test_package_without_a_wheel_that_does_not_build_pure(built, cli):
    """Source-only and a C extension: refused with its replacement; the previous zip stays."""
    repo, old = built
    lock = repo.lock()
    lock["default"]["pycrypto"] = {"version": "==2.6.1", "hashes": [PYCRYPTO_SDIST_SHA256], "index": "pypi"}
    repo.write_lock(lock)
    _fails(cli, repo, old, "Pipfile.lock: 1 package(s) published only as source do not build as pure Python",
           "pycrypto==2.6.1 (does not build", "use pycryptodome")


@pytest.mark.parametrize("kind, entry, what", [
    ("vcs", {"git": "https://example.invalid/team/lib.git", "ref": "0123abc"}, "a VCS checkout"),
    ("path", {"path": "./vendor/lib", "editable": True}, "a local path"),
])
def test_unhashable_entries_are_refused_unless_named(built, cli, kind, entry, what):
    repo, old = built
    lock = repo.lock()
    lock["default"]["teamlib"] = entry
    repo.write_lock(lock)
    _fails(cli, repo, old, "Pipfile.lock: 'teamlib'", what, "--allow-unhashed teamlib")


def test_allowed_path_entry_is_installed(built, cli):
    repo, _ = built
    repo.write("vendor/teamlib/pyproject.toml",
               '[build-system]\nrequires = ["flit_core>=3.2,<4"]\nbuild-backend = "flit_core.buildapi"\n'
               '[project]\nname = "teamlib"\nversion = "1.0"\ndescription = "x"\n')
    repo.write("vendor/teamlib/teamlib.py", "VALUE = 42\n")
    lock = repo.lock()
    lock["default"]["teamlib"] = {"path": str(repo.root / "vendor" / "teamlib")}
    repo.write_lock(lock)
    result = cli("-C", str(repo.root), "build", "--allow-unhashed", "teamlib")
    assert result.exit_code == 0, result.output
    assert "without hash checks (allowed)" in result.stderr
    import zipfile

    with zipfile.ZipFile(repo.zip_path) as archive:
        assert archive.read("teamlib.py") == b"VALUE = 42\n"


def test_relative_path_entry_resolves_against_the_project_not_the_cwd(built, cli, tmp_path, monkeypatch):
    """pipenv writes path entries relative to the Pipfile; -C DIR must not change that."""
    repo, _ = built
    repo.write("vendor/teamlib/pyproject.toml",
               '[build-system]\nrequires = ["flit_core>=3.2,<4"]\nbuild-backend = "flit_core.buildapi"\n'
               '[project]\nname = "teamlib"\nversion = "1.0"\ndescription = "x"\n')
    repo.write("vendor/teamlib/teamlib.py", "VALUE = 42\n")
    lock = repo.lock()
    lock["default"]["teamlib"] = {"path": "./vendor/teamlib", "editable": False}
    repo.write_lock(lock)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    result = cli("-C", str(repo.root), "build", "--allow-unhashed", "teamlib")
    assert result.exit_code == 0, result.output
    import zipfile

    with zipfile.ZipFile(repo.zip_path) as archive:
        assert archive.read("teamlib.py") == b"VALUE = 42\n"
    # The entry's content is part of the cache key: an edit is picked up, from any cwd.
    repo.write("vendor/teamlib/teamlib.py", "VALUE = 43\n")
    assert cli("-C", str(repo.root), "build", "--allow-unhashed", "teamlib").exit_code == 0
    with zipfile.ZipFile(repo.zip_path) as archive:
        assert archive.read("teamlib.py") == b"VALUE = 43\n"


def test_a_path_entry_whose_code_is_a_symlinked_folder_follows_its_edits(built, cli):
    """teamlib/ is a link to a folder shared with another project: the installer reads through
    it, so an edit there is a new package, not "up to date" with the old module in the zip."""
    import zipfile

    repo, _ = built
    repo.write("vendor/teamlib/pyproject.toml",
               '[build-system]\nrequires = ["flit_core>=3.2,<4"]\nbuild-backend = "flit_core.buildapi"\n'
               '[project]\nname = "teamlib"\nversion = "1.0"\ndescription = "x"\n')
    repo.write("shared/teamlib/__init__.py", "VALUE = 42\n")
    (repo.root / "vendor" / "teamlib" / "teamlib").symlink_to(repo.root / "shared" / "teamlib")
    lock = repo.lock()
    lock["default"]["teamlib"] = {"path": "./vendor/teamlib", "editable": False}
    repo.write_lock(lock)
    assert cli("-C", str(repo.root), "build", "--allow-unhashed", "teamlib").exit_code == 0
    with zipfile.ZipFile(repo.zip_path) as archive:
        assert archive.read("teamlib/__init__.py") == b"VALUE = 42\n"
    repo.write("shared/teamlib/__init__.py", "VALUE = 43\n")
    again = cli("-C", str(repo.root), "build", "--allow-unhashed", "teamlib")
    assert again.exit_code == 0 and "up to date" not in again.stderr, again.output
    with zipfile.ZipFile(repo.zip_path) as archive:
        assert archive.read("teamlib/__init__.py") == b"VALUE = 43\n"


def test_function_with_a_syntax_error(built, cli):
    repo, old = built
    repo.write("functions/lambda_broken.py", "import os\n\ndef handler(event, context)\n    return 1\n")
    _fails(cli, repo, old, "functions/lambda_broken.py:3: syntax error", "fix the code")


def test_function_without_a_handler(built, cli):
    repo, old = built
    repo.write("functions/reports/main.py", "def run(event, context):\n    return 1\n")
    _fails(cli, repo, old, "functions/reports/main.py: no top-level 'handler' defined",
           "def handler(event, context):")


def test_custom_handler_name(built, cli):
    repo, _ = built
    repo.write("functions/lambda_hello.py", "def main(event, context):\n    return 1\n")
    result = cli("-C", str(repo.root), "build", "--handler", "main")
    assert result.exit_code == 0, result.output
    assert repo.manifest()["functions"][0]["handler"] == "lambda_hello.main"


def test_duplicate_function_names(built, cli):
    repo, old = built
    repo.write("functions/hello/main.py", "def handler(event, context):\n    return 1\n")
    _fails(cli, repo, old, "function name 'hello' is defined twice",
           "functions/hello/main.py", "functions/lambda_hello.py", "rename one")


@pytest.mark.parametrize("rel, shown", [
    ("functions/my-func/main.py", "functions/my-func: 'my-func' is not a valid function name"),
    ("functions/lambda_9lives.py", "functions/lambda_9lives.py: '9lives' is not a valid function name"),
    ("functions/lambda_" + "x" * 65 + ".py", "function name is 65 characters; Lambda allows 64"),
])
def test_invalid_function_names(built, cli, rel, shown):
    repo, old = built
    repo.write(rel, "def handler(event, context):\n    return 1\n")
    _fails(cli, repo, old, shown)


def test_symlink_pointing_outside_the_repo(built, cli, tmp_path):
    repo, old = built
    outside = tmp_path / "outside-secret.txt"
    outside.write_text("not for the package\n")
    os.symlink(outside, repo.root / "functions" / "leak.txt")
    _fails(cli, repo, old, "functions/leak.txt is a symlink to", "outside the repository", "remove the link")


def test_empty_functions_dir(built, cli):
    repo, old = built
    shutil.rmtree(repo.root / "functions")
    (repo.root / "functions").mkdir()
    _fails(cli, repo, old, "functions/ holds no function", "build-pkg.py new NAME")


def test_missing_functions_dir(built, cli):
    repo, old = built
    shutil.rmtree(repo.root / "functions")
    _fails(cli, repo, old, "functions/ not found")


def test_function_shadowing_a_dependency(built, cli):
    repo, old = built
    repo.write("functions/six.py", "X = 1\n")
    _fails(cli, repo, old, "functions/six.py has the same import name as the dependency 'six'", "rename it")


def test_bad_runtime_is_refused(built, cli):
    repo, old = built
    _fails(cli, repo, old, "--runtime: 'node20' is not a Lambda Python runtime (python3.6 to python3.14)", args=("--runtime", "node20"))


def test_bad_source_date_epoch(built, cli, monkeypatch):
    repo, old = built
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "yesterday")
    _fails(cli, repo, old, "SOURCE_DATE_EPOCH='yesterday' is not a whole number")


def test_usage_errors_exit_2(cli, small_repo):
    result = cli("-C", str(small_repo.root), "build", "--arch", "sparc")
    assert result.exit_code == 2
    assert "'sparc' is not one of 'x86_64', 'arm64'" in result.stderr


def test_missing_project_dir(cli, tmp_path):
    result = cli("-C", str(tmp_path / "nope"), "build")
    assert result.exit_code == 1
    assert "no such directory" in result.stderr


def test_verbose_shows_the_traceback(built, cli):
    repo, _ = built
    (repo.root / "Pipfile.lock").unlink()
    result = cli("-C", str(repo.root), "-v", "build")
    assert result.exit_code == 1
    assert "Traceback" in result.stderr and "error: Pipfile.lock not found" in result.stderr
