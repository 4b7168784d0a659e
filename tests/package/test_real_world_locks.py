"""Locks that were not written for Lambda: source-only packages, an index that cannot be
reached, python_version = "3", retired runtimes, development tools in [packages]."""

from __future__ import annotations

import datetime as dt
import json
import zipfile

import pytest
from builder_support import WorkerRepo

from build_pkg.package import lockfile
from build_pkg.package.runtimes import RUNTIMES
from build_pkg.package.target import Target

# sha256 of the sdists on the index (each version was published only as source).
SDISTS = {
    "docopt": ("==0.6.2", "49b3a825280bd66b3aa83585ef59c4a8c82f2c8a522dbe754a8bc8d08c85c491"),  # pure
    "termcolor": ("==1.1.0", "1d6d69ce66211143803fbc56652b41d73b4a400a2891d7bf7a1cdf4c02de613b"),  # pure
    "psycopg2": ("==2.9.10", "12ec0b40b0273f95296233e8750441339298e6a572f7039da5b260e3c8b60e11"),  # needs libpq
    "pycrypto": ("==2.6.1", "f2ce1e989b272cfcb677616763e0a2e7ec659effa67a88aa92b3a65528f60a3c"),  # C extension
}


def _add(repo: WorkerRepo, *names: str) -> None:
    lock = repo.lock()
    for name in names:
        version, digest = SDISTS[name]
        lock["default"][name] = {"version": version, "hashes": [f"sha256:{digest}"], "index": "pypi"}
    repo.write_lock(lock)


def _build(cli, repo: WorkerRepo, *args: str):
    return cli("-C", str(repo.root), "build", *args)


@pytest.mark.slow
def test_a_package_built_from_source_is_built_with_the_pinned_backend(small_repo, cli, tmp_path, monkeypatch):
    """Not whatever setuptools is newest that day (69 and 80 write other metadata, which moved
    every identity after a cold cache): the builder's pin, or the repository's own file, which
    is part of the cache key."""
    monkeypatch.setenv("BUILD_PKG_CACHE_DIR", str(tmp_path / "own-cache"))  # the other tests' docopt aside
    _add(small_repo, "docopt")
    assert _build(cli, small_repo).exit_code == 0
    with zipfile.ZipFile(small_repo.zip_path) as archive:
        pinned = archive.read("docopt-0.6.2.dist-info/METADATA").decode()
    assert "Metadata-Version: 2.4" in pinned  # setuptools 80.9.0, build_pkg/package/build-constraints.txt
    (small_repo.root / "build-constraints.txt").write_text("setuptools==69.5.1\nwheel==0.43.0\n")
    again = _build(cli, small_repo)
    assert again.exit_code == 0 and "dependencies: cache hit" not in again.stderr  # a new key: built again
    with zipfile.ZipFile(small_repo.zip_path) as archive:
        assert "Metadata-Version: 2.1" in archive.read("docopt-0.6.2.dist-info/METADATA").decode()


@pytest.mark.slow
def test_pure_python_source_only_packages_are_built_from_their_hash_checked_sdists(small_repo, cli):
    _add(small_repo, "docopt", "termcolor")
    result = _build(cli, small_repo)
    assert result.exit_code == 0, result.output
    assert ("2 package(s) published only as source, built from their hash-checked sdists: "
            "docopt==0.6.2, termcolor==1.1.0") in result.stderr
    with zipfile.ZipFile(small_repo.zip_path) as archive:
        names = set(archive.namelist())
        assert {"docopt.py", "termcolor.py", "six.py"} <= names
        wheel = archive.read("docopt-0.6.2.dist-info/WHEEL").decode()
    assert "Tag: py3-none-any" in wheel and "Root-Is-Purelib: true" in wheel
    assert not [n for n in names if n.endswith(".so")]
    # Cached like any other dependency set: the next build installs nothing.
    (small_repo.root / "functions" / "lambda_hello.py").write_text(
        "import docopt\n\ndef handler(event, context):\n    return docopt.__version__\n")
    again = _build(cli, small_repo)
    assert again.exit_code == 0 and "dependencies: cache hit" in again.stderr


@pytest.mark.slow
def test_every_package_that_cannot_be_built_pure_is_named_in_one_message(small_repo, cli):
    _add(small_repo, "docopt", "psycopg2", "pycrypto")
    before = small_repo.zip_path.exists()
    result = _build(cli, small_repo)
    assert result.exit_code == 1
    [error] = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert ("Pipfile.lock: 2 package(s) published only as source do not build as pure Python for python3.12 "
            "x86_64:") in error
    assert "psycopg2==2.9.10 (" in error and "use psycopg2-binary (the same API, with libpq inside its wheel)" in error
    assert "pycrypto==2.6.1 (" in error and "use pycryptodome" in error
    assert "docopt" not in error  # it builds pure: not a problem
    assert small_repo.zip_path.exists() == before


def test_an_index_that_cannot_be_reached_is_named_with_the_installers_own_cause(small_repo, cli, tmp_path,
                                                                                 monkeypatch):
    monkeypatch.setenv("BUILD_PKG_CACHE_DIR", str(tmp_path / "empty-cache"))
    monkeypatch.setenv("UV_HTTP_RETRIES", "0")
    pipfile = small_repo.root / "Pipfile"
    pipfile.write_text(pipfile.read_text().replace('url = "https://pypi.org/simple"', 'url = "http://127.0.0.1:9/simple"'))
    lock = small_repo.lock()
    lock["_meta"]["sources"][0]["url"] = "http://127.0.0.1:9/simple"
    lock["_meta"]["hash"]["sha256"] = lockfile.pipfile_hash(lockfile.read_pipfile(pipfile))
    small_repo.write_lock(lock)
    result = _build(cli, small_repo)
    assert result.exit_code == 1
    [error] = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert "Using CPython" not in error  # the installer's chatter is not the cause
    assert "Failed to fetch: http://127.0.0.1:9/simple/six/" in error
    assert "check the index URL in the Pipfile's [[source]]" in error


def test_python_version_3_builds_for_the_newest_runtime_and_says_so(small_repo, cli):
    pipfile = small_repo.root / "Pipfile"
    pipfile.write_text(pipfile.read_text().replace('python_version = "3.12"', 'python_version = "3"'))
    lock = small_repo.lock()
    lock["_meta"]["hash"]["sha256"] = lockfile.pipfile_hash(lockfile.read_pipfile(pipfile))
    lock["_meta"]["requires"]["python_version"] = "3"
    small_repo.write_lock(lock)
    result = _build(cli, small_repo, "--json")
    assert result.exit_code == 0, result.output
    newest = max((r for r in RUNTIMES.values() if r.deprecated > dt.date.today()),
                 key=lambda r: int(r.name.split(".")[1]))
    built = json.loads(result.stdout)
    assert built["runtime"] == newest.name
    assert (f'Pipfile: python_version = "3" names no minor version; building for {newest.name}, the newest '
            f'Lambda Python runtime: set python_version = "{newest.name[6:]}" or pass --runtime') in built["warnings"]


def test_a_runtime_that_is_no_lambda_runtime_names_where_it_came_from(small_repo, cli):
    pipfile = small_repo.root / "Pipfile"
    pipfile.write_text(pipfile.read_text().replace('python_version = "3.12"', 'python_version = "2.7"'))
    lock = small_repo.lock()
    lock["_meta"]["hash"]["sha256"] = lockfile.pipfile_hash(lockfile.read_pipfile(pipfile))
    small_repo.write_lock(lock)
    result = _build(cli, small_repo)
    assert result.exit_code == 1
    assert ('error: Pipfile: python_version = "2.7": \'python2.7\' is not a Lambda Python runtime '
            "(python3.6 to python3.14); set [requires] python_version in the Pipfile or pass --runtime") in result.stderr


def test_a_deprecated_runtime_warns_with_its_dates_and_a_blocked_one_is_refused(small_repo, cli):
    today = dt.date.today()
    deprecated = [r for r in RUNTIMES.values() if r.deprecated <= today < r.block_update]
    if not deprecated:
        pytest.skip("no runtime is deprecated but still deployable today")
    runtime = max(deprecated, key=lambda r: int(r.name.split(".")[1]))
    result = _build(cli, small_repo, "--runtime", runtime.name, "--json")
    assert result.exit_code == 0, result.output
    warning = next(w for w in json.loads(result.stdout)["warnings"] if "is deprecated" in w)
    assert warning.startswith(f"{runtime.name} is deprecated since {runtime.deprecated}: Lambda no longer patches it")
    assert str(runtime.block_update) in warning

    blocked = _build(cli, small_repo, "--runtime", "python3.6")
    assert blocked.exit_code == 1
    assert ("error: python3.6 can no longer be deployed: Lambda blocked updates of functions on it on 2022-08-29"
            in blocked.stderr)


def test_development_tools_are_named_only_when_nothing_needs_them():
    """Pure: what the build's warning names, from the packages' Requires-Dist and what code imports."""
    from build_pkg.package.advice import dev_tools_to_move
    from build_pkg.package.lockfile import LockedPackage
    from build_pkg.package.target import Target

    def locked(name: str, extras=()) -> LockedPackage:
        return LockedPackage(name, "==1.0", ("sha256:" + "0" * 64,), None, None, tuple(extras))

    packages = [locked(n) for n in ("types-requests", "boto3-stubs", "pytest", "pluggy", "setuptools", "mypy")]
    packages += [locked("jsonschema"), locked("hypothesis-friend", extras=["tests"])]
    requirements = {
        "jsonschema": (("setuptools", None), ("six", "python_version >= '3'")),  # jsonschema 3.2.0 declares it
        "hypothesis-friend": (("mypy", 'extra == "typing"'), ("pytest", 'extra == "tests"')),  # only extras
        "pytest": (("pluggy", None),),
    }
    top_levels = {"setuptools": ["_distutils_hack", "pkg_resources", "setuptools", "setuptools-1.0.dist-info"]}
    target = Target.parse("python3.12", "x86_64")
    # pytest: required by an installed extra of a package that stays; mypy: only by an extra not installed.
    assert dev_tools_to_move(packages, requirements, top_levels, set(), target) == [
        "boto3-stubs", "mypy", "types-requests"]
    assert "setuptools" in dev_tools_to_move(packages, {}, top_levels, set(), target)
    assert "setuptools" not in dev_tools_to_move(packages, {}, top_levels, {"pkg_resources"}, target)


def test_allow_unhashed_for_a_name_not_in_the_lock_is_an_error(small_repo, cli):
    result = _build(cli, small_repo, "--allow-unhashed", "teamlibb")
    assert result.exit_code == 1
    assert ("error: --allow-unhashed teamlibb: no such package in Pipfile.lock [packages]; check the name"
            in result.stderr)


def test_check_and_build_report_the_stale_lock_first(small_repo, cli):
    pipfile = small_repo.root / "Pipfile"
    pipfile.write_text(pipfile.read_text().replace('python_version = "3.12"', 'python_version = "2.7"'))
    built = _build(cli, small_repo)
    checked = cli("-C", str(small_repo.root), "check", "--json")
    assert built.exit_code == 1 and checked.exit_code == 1
    assert "error: Pipfile.lock is out of date with Pipfile" in built.stderr
    first = json.loads(checked.stdout)["problems"][0]
    assert first["file"] == "Pipfile.lock" and first["message"].startswith("is out of date with Pipfile")


def test_markers_are_evaluated_for_the_runtimes_patch_release(tmp_path):
    lock = {"_meta": {"hash": {"sha256": "0" * 64}, "sources": [], "requires": {}}, "default": {
        "newer": {"version": "==1.0", "hashes": ["sha256:" + "1" * 64], "markers": 'python_full_version >= "3.12.1"'},
        "older": {"version": "==1.0", "hashes": ["sha256:" + "2" * 64], "markers": 'python_full_version < "3.12.1"'},
    }}
    path = tmp_path / "Pipfile.lock"
    path.write_text(json.dumps(lock))
    chosen = [p.name for p in lockfile.read_lock(path).for_target(Target.parse("python3.12", "x86_64"))]
    assert chosen == ["newer"]
