"""Bad input never gives a traceback (hypothesis).

Arbitrary and mutated Pipfiles, locks, events, KEY=VALUE strings and names go to
the readers and to the CLI. Every case ends in success, or in one `error:` line
and exit 1 (a domain error) or click's usage message and exit 2 (a bad option),
and a failed command leaves the repository's files as they were.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from builder_support import REPO, WORKER, WorkerRepo
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from build_pkg.cli import main
from build_pkg.errors import BuildPkgError
from build_pkg.local.invoke import parse_event
from build_pkg.package.lockfile import read_lock, read_pipfile

# The readers are cheap: many cases. The CLI cases copy a repository and may run a build: fewer.
# BAD_INPUT_SCALE multiplies both (make test uses 1; a deeper search: BAD_INPUT_SCALE=10).
SCALE = float(os.environ.get("BAD_INPUT_SCALE", "1"))
_COMMON = dict(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
READER = settings(max_examples=int(500 * SCALE), **_COMMON)
SETTINGS = settings(max_examples=int(60 * SCALE), **_COMMON)
JSON_SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-5, 10**6), st.text(max_size=30))
JSON = st.recursive(JSON_SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                          st.dictionaries(st.text(max_size=10), inner, max_size=4)),
                    max_leaves=12)


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    repo = WorkerRepo(tmp_path_factory.mktemp("bad-input") / "repo")
    repo.keep_only("six")
    return repo.root


def _fresh(template: Path, tmp_path: Path, n=[0]) -> Path:
    n[0] += 1
    root = tmp_path / f"case{n[0]}"
    shutil.copytree(template, root, symlinks=True)
    return root


def _snapshot(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def _run(root: Path, *args: str, input: bytes | None = None):
    """The CLI in-process; an uncaught exception fails the test with its traceback."""
    before = _snapshot(root)
    result = CliRunner().invoke(main, ["-C", str(root), *args], input=input, catch_exceptions=False)
    assert result.exit_code in (0, 1, 2), result.output
    if result.exit_code == 1:
        errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
        problems = result.stdout.strip()  # check prints one line per problem on stdout instead
        assert len(errors) == 1 or (args and args[0] in ("check", "tf") and problems), result.output
        assert "Traceback" not in result.output
    if result.exit_code == 2:
        assert "error: " in result.stderr and "Traceback" not in result.output
    if result.exit_code != 0:
        assert _snapshot(root) == before, "a failed command changed files"
    return result


def _mutate(data, draw, depth: int = 0):
    """One random change somewhere in a JSON document: replace, delete or retype a value."""
    if isinstance(data, dict) and data and depth < 4 and draw(st.booleans()):
        key = draw(st.sampled_from(sorted(data)))
        action = draw(st.sampled_from(["recurse", "replace", "delete"]))
        copy = dict(data)
        if action == "delete":
            del copy[key]
        elif action == "replace":
            copy[key] = draw(JSON)
        else:
            copy[key] = _mutate(data[key], draw, depth + 1)
        return copy
    if isinstance(data, list) and data and draw(st.booleans()):
        index = draw(st.integers(0, len(data) - 1))
        copy = list(data)
        copy[index] = _mutate(data[index], draw, depth + 1)
        return copy
    return draw(JSON)


@READER
@given(text=st.text(max_size=300))
def test_the_pipfile_reader_on_any_text(tmp_path_factory, text):
    path = tmp_path_factory.mktemp("pipfile") / "Pipfile"
    path.write_text(text)
    try:
        assert isinstance(read_pipfile(path), dict)
    except BuildPkgError as exc:
        assert "\n" not in str(exc) and "Pipfile" in str(exc)


@READER
@given(data=st.data())
def test_the_lock_reader_on_mutated_locks(tmp_path_factory, data):
    lock = json.loads((WORKER / "Pipfile.lock").read_text())
    path = tmp_path_factory.mktemp("lock") / "Pipfile.lock"
    path.write_text(json.dumps(_mutate(lock, data.draw)))
    try:
        read_lock(path)
    except BuildPkgError as exc:
        assert "\n" not in str(exc) and "Pipfile.lock" in str(exc)


@SETTINGS
@given(data=st.data())
def test_check_and_build_on_mutated_pipfiles_and_locks(template, tmp_path, data):
    root = _fresh(template, tmp_path)
    which = data.draw(st.sampled_from(["Pipfile", "Pipfile.lock"]))
    if which == "Pipfile":
        text = (root / "Pipfile").read_text()
        cut = data.draw(st.integers(0, len(text)))
        insert = data.draw(st.text(alphabet="[]=\"'*{}.,# \nabc3", max_size=12))
        (root / "Pipfile").write_text(text[:cut] + insert + text[cut + data.draw(st.integers(0, 8)):])
    else:
        lock = json.loads((root / "Pipfile.lock").read_text())
        mutated = _mutate(lock, data.draw)
        # Keep the lock fresh often enough to reach the entries' own checks.
        if isinstance(mutated, dict) and data.draw(st.booleans()):
            mutated.setdefault("_meta", lock["_meta"])
        (root / "Pipfile.lock").write_text(json.dumps(mutated))
    _run(root, "check")
    _run(root, "build", "--runtime", data.draw(st.sampled_from(["python3.12", "python3.11"])))


@SETTINGS
@given(event_type=st.sampled_from(["schedule", "sqs", "sns", "s3-put", "s3-delete", "http", "rest", "dynamodb"]),
       body=st.one_of(st.none(), st.text(max_size=40)), bucket=st.text(max_size=20), key=st.text(max_size=20),
       method=st.text(max_size=8), path=st.text(max_size=20), count=st.integers(-2, 50))
def test_event_with_any_options(template, event_type, body, bucket, key, method, path, count):
    args = ["event", event_type, "--bucket", bucket, "--key", key, "--method", method, "--path", path,
            "--count", str(count)]
    if body is not None:
        args += ["--body", body]
    result = _run(template, *args)
    if result.exit_code == 0:
        assert isinstance(json.loads(result.stdout), dict)


@READER
@given(raw=st.one_of(st.binary(max_size=60), JSON.map(lambda v: json.dumps(v).encode())))
def test_invoke_event_parsing_on_any_bytes(raw):
    try:
        assert isinstance(json.loads(parse_event(raw, "stdin")), (dict, list, str, int, float, bool, type(None)))
    except BuildPkgError as exc:
        assert str(exc).startswith("stdin: the event is not valid JSON") and "\n" not in str(exc)


@SETTINGS
@given(items=st.lists(st.text(max_size=20), min_size=1, max_size=3))
def test_tf_with_any_key_value_strings(template, tmp_path, items):
    root = _fresh(template, tmp_path)
    (root / "terraform" / "lambda_process_checker.tf").unlink()
    args = ["tf", "process_checker"]
    for item in items:
        args += ["--env", item]
    result = _run(root, *args)
    written = root / "terraform" / "lambda_process_checker.tf"
    assert written.exists() == (result.exit_code == 0)


@SETTINGS
@given(name=st.text(max_size=70), trigger=st.sampled_from(["none", "schedule", "http"]))
def test_new_with_any_name(template, tmp_path, name, trigger):
    root = _fresh(template, tmp_path)
    result = _run(root, "new", name, "--trigger", trigger)
    if result.exit_code == 0:
        assert (root / "terraform" / f"lambda_{name}.tf").is_file()
