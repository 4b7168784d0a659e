"""A newcomer's first hour, the way they meet it: a plain shell with no environment
activated, commands run from wherever they stand, set-up on machines that lack things,
AWS not configured yet."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from builder_support import BUILD_PKG, REPO, WorkerRepo

MAKE = shutil.which("make")


def _plain(cmd: list[str], cwd, **env) -> subprocess.CompletedProcess:
    """As from a new terminal: PATH with the system's tools only, no venv activated."""
    base = {"PATH": "/usr/bin:/bin", "HOME": os.environ.get("HOME", "/root"), "LANG": "C.UTF-8"}
    return subprocess.run(cmd, cwd=cwd, env=base | env, capture_output=True, text=True, timeout=300)


def test_build_pkg_runs_from_a_plain_shell():
    proc = _plain([str(BUILD_PKG), "--help"], REPO)
    assert proc.returncode == 0, proc.stderr
    assert "Build, check and deploy" in proc.stdout


def test_without_the_environment_it_says_to_run_make_build(tmp_path):
    shutil.copy(BUILD_PKG, tmp_path / "build-pkg.py")
    shutil.copytree(REPO / "build_pkg", tmp_path / "build_pkg", ignore=shutil.ignore_patterns("__pycache__"))
    proc = _plain(["/usr/bin/python3", str(tmp_path / "build-pkg.py"), "build"], tmp_path)
    if proc.returncode == 0:
        pytest.skip("this machine's /usr/bin/python3 has the builder's dependencies")
    assert proc.returncode == 1
    assert proc.stderr.strip().splitlines() == [
        f"error: the builder's environment is not set up ({tmp_path / '.venv'} is missing or incomplete); "
        f"run `make build` in {tmp_path} first"]


def test_any_folder_inside_the_repository_works(worker_repo: WorkerRepo):
    (worker_repo.root / "functions" / "deep" / "er").mkdir(parents=True)
    proc = _plain([sys.executable, str(BUILD_PKG), "check"], worker_repo.root / "functions" / "deep" / "er")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "functions and" in proc.stdout


def test_outside_any_repository_it_names_dash_c(tmp_path):
    proc = _plain([sys.executable, str(BUILD_PKG), "build"], tmp_path)
    assert proc.returncode == 1
    assert proc.stderr.strip().splitlines() == [
        f"error: {tmp_path} is not inside a worker repository (no Pipfile beside a functions/ folder here or "
        "above); run from inside one, or pass it with -C DIR"]


def _repo_copy(tmp_path) -> Path:
    """The repository's set-up files, as a fresh clone has them."""
    root = tmp_path / "clone"
    root.mkdir()
    for name in ("Makefile", "Pipfile", "Pipfile.lock"):
        shutil.copy(REPO / name, root / name)
    shutil.copytree(REPO / "build_pkg", root / "build_pkg", ignore=shutil.ignore_patterns("__pycache__"))
    (root / "tests" / "tools").mkdir(parents=True)
    shutil.copy(REPO / "tests" / "tools" / "package-lock.json", root / "tests" / "tools" / "package-lock.json")
    return root


@pytest.mark.skipif(MAKE is None, reason="no make on this machine")
def test_make_build_sets_up_only_what_building_needs(tmp_path):
    root = _repo_copy(tmp_path)
    build = _plain([MAKE, "-n", "build"], root)
    assert build.returncode == 0, build.stderr
    assert "pipenv" in build.stdout and "build-pkg.py build" in build.stdout
    assert "npm" not in build.stdout and "checkov" not in build.stdout and "chromium" not in build.stdout
    assert "skopeo" not in build.stdout
    test = _plain([MAKE, "-n", "test"], root)
    assert "npm ci" in test.stdout and "checkov" in test.stdout and "chromium" in test.stdout
    assert "skopeo umoci docker-registry" in test.stdout


def _conflicted_copy(tmp_path) -> tuple[Path, Path, str]:
    """A copy of the set-up files whose lock has a merge-conflict marker: (root, lock, its text)."""
    root = _repo_copy(tmp_path)
    lock = root / "Pipfile.lock"
    text = lock.read_text().replace('    "default": {', '<<<<<<< HEAD\n    "default": {', 1)
    lock.write_text(text)
    return root, lock, text


@pytest.mark.skipif(MAKE is None, reason="no make on this machine")
def test_set_up_stops_at_a_conflicted_lock_and_leaves_it_alone(tmp_path):
    root, lock, text = _conflicted_copy(tmp_path)
    # pipenv given is this repository's own: it must not be reached.
    proc = _plain([MAKE, ".venv/.synced-lock", f"PIPENV={REPO / '.tools' / 'bin' / 'pipenv'}",
                   f"TOOLS={REPO / '.tools'}"], root)
    assert proc.returncode != 0
    line = next(line for line in proc.stderr.splitlines() if line.startswith("error:"))
    assert line.startswith("error: Pipfile.lock:") and "merge-conflict markers (<<<<<<< HEAD)" in line
    assert "make lock" in line
    assert lock.read_text() == text and not (root / "Pipfile.lock.bak").exists()


@pytest.mark.skipif(MAKE is None, reason="no make on this machine")
def test_make_lock_stops_at_conflict_markers_and_sets_an_unreadable_lock_aside(tmp_path):
    root, lock, conflicted = _conflicted_copy(tmp_path)
    # A pipenv that would only say it ran: the check in front of it is what is tested.
    fake = tmp_path / "pipenv"
    fake.write_text("#!/bin/sh\necho pipenv-ran \"$@\"\n")
    fake.chmod(0o755)
    stopped = _plain([MAKE, "lock", f"PIPENV={fake}"], root)
    assert stopped.returncode != 0 and "pipenv-ran" not in stopped.stdout
    [line] = [line for line in stopped.stderr.splitlines() if line.startswith("error:")]
    assert line.startswith("error: Pipfile.lock:") and "merge-conflict markers (<<<<<<< HEAD)" in line
    assert lock.read_text() == conflicted
    lock.write_text('{"_meta": ')  # not JSON: what `make lock` is the advertised fix for
    relocked = _plain([MAKE, "lock", f"PIPENV={fake}"], root)
    assert relocked.returncode == 0, relocked.stderr
    assert "pipenv-ran lock" in relocked.stdout
    assert "Pipfile.lock is not valid JSON" in relocked.stderr and "moved to Pipfile.lock.broken" in relocked.stderr
    assert (root / "Pipfile.lock.broken").read_text() == '{"_meta": ' and not lock.exists()


def test_the_builder_reports_a_conflicted_lock_the_same_way(small_repo, cli):
    lock = small_repo.root / "Pipfile.lock"
    lock.write_text(lock.read_text() + "\n=======\n")
    result = cli("-C", str(small_repo.root), "build")
    assert result.exit_code == 1
    assert "error: Pipfile.lock:" in result.stderr and "merge-conflict markers (=======)" in result.stderr
    line = len(lock.read_text().splitlines())
    checked = cli("-C", str(small_repo.root), "check")
    assert checked.exit_code == 1
    assert checked.stdout.startswith(f"Pipfile.lock:{line}: merge-conflict markers (=======)")  # the file named once


@pytest.mark.skipif(MAKE is None, reason="no make on this machine")
@pytest.mark.parametrize("ci, code, says", [("", 0, "the browser test will be skipped"),
                                            ("true", 1, "apt-get cannot install one here")])
def test_without_a_browser_or_a_way_to_install_one(tmp_path, ci, code, says):
    """No chromium, no apt-get (macOS, a locked-down machine): skipped with a reason, or failed in CI."""
    tools = tmp_path / "bin"
    tools.mkdir()
    for name in ("sh", "id", "echo"):
        os.symlink(shutil.which(name), tools / name)
    root = _repo_copy(tmp_path)
    proc = subprocess.run([MAKE, "browser"], cwd=root, capture_output=True, text=True,
                          env={"PATH": str(tools), "CI": ci, "HOME": str(tmp_path)})
    assert proc.returncode == (0 if code == 0 else 2), proc.stderr  # make exits 2 when a recipe fails
    assert says in proc.stderr


@pytest.mark.skipif(MAKE is None, reason="no make on this machine")
def test_make_add_needs_a_package_name(tmp_path):
    root = _repo_copy(tmp_path)
    (root / ".venv").mkdir()
    (root / ".venv" / ".synced-lock").write_text("")
    proc = _plain([MAKE, "add"], root)
    assert proc.returncode != 0 and "make add: say which, as make add PACKAGE=NAME" in proc.stderr


def test_each_pipfile_comment_sits_inside_its_section():
    """pipenv appends a new package at the end of its section: a comment above the next
    section's header would end up above the package, saying the wrong thing about it."""
    lines = (REPO / "Pipfile").read_text().splitlines()
    for number, line in enumerate(lines):
        if line.startswith("[") and number:
            assert not lines[number - 1].startswith("#"), f"Pipfile:{number}: a comment above {line}"


AWS_COMMANDS = [
    ["status", "hello", "--env", "ENV"], ["canary", "hello", "--env", "ENV", "--percent", "10"],
    ["promote", "hello", "--env", "ENV"], ["rollback", "hello", "--env", "ENV"], ["prune", "hello", "--env", "ENV"],
    ["adopt", "--match", "worker-*", "--dry-run"],
]


@pytest.mark.parametrize("args", AWS_COMMANDS, ids=[a[0] for a in AWS_COMMANDS])
@pytest.mark.parametrize("setting", ["no region", "no credentials", "no endpoint"])
def test_aws_not_set_up_is_one_line(args, setting, small_repo, monkeypatch, tmp_path):
    for key in ("AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
                "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    if setting != "no region":
        monkeypatch.setenv("AWS_REGION", "eu-west-1")
    if setting == "no endpoint":
        monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
        monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
        monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    # The tfvars of prod name a region; those of `nowhere` do not.
    (small_repo.root / "terraform" / "env" / "nowhere.tfvars").write_text('environment = "nowhere"\n')
    env = "nowhere" if setting == "no region" else "prod"
    args = [env if arg == "ENV" else arg for arg in args]
    if args[0] == "adopt" and setting == "no region":
        args = [*args, "--env", "nowhere"]
    proc = subprocess.run([sys.executable, str(BUILD_PKG), "-C", str(small_repo.root), *args],
                          capture_output=True, text=True, env=dict(os.environ), timeout=120)
    assert proc.returncode == 1, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), proc.stderr
    expected = {"no region": "no AWS region is set: pass --region REGION or set AWS_REGION",
                "no credentials": "no AWS credentials found",
                "no endpoint": "Could not connect to the endpoint URL"}[setting]
    assert expected in lines[0]


def test_region_comes_from_the_option_then_the_tfvars_then_the_environment(monkeypatch):
    from build_pkg import aws

    monkeypatch.setenv("AWS_REGION", "us-east-2")
    assert aws.region("ap-south-1", {"region": "eu-west-1"}) == "ap-south-1"
    assert aws.region(None, {"region": "eu-west-1"}) == "eu-west-1"
    assert aws.region(None, None) == "us-east-2"


def test_a_name_too_long_anywhere_names_the_cut_that_fits_every_environment(worker_repo, cli):
    name = "a_very_long_function_name_that_goes_on_and_on_and_on_x"
    result = cli("-C", str(worker_repo.root), "new", name, "--trigger", "schedule", "--schedule", "rate(5 minutes)")
    assert result.exit_code == 2
    [line] = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    # staging is the longest environment name, and the rule adds "-schedule": 78 characters, 14 over.
    assert line == (f"error: terraform/env/staging.tfvars: schedule rule 'worker-staging-{name}-schedule' is 78 "
                    "characters; EventBridge allows 64: shorten the function name by 14 (the longest of 6 names "
                    "over a limit)")
    short = name[:-14]
    assert cli("-C", str(worker_repo.root), "new", short, "--trigger", "schedule",
               "--schedule", "rate(5 minutes)").exit_code == 0


@pytest.mark.parametrize("args, message", [
    (["worker_lib"], "'worker_lib' is reserved: functions/worker_lib/ is the code every function shares"),
    (["queue", "--layout", "package"], "functions/queue/ would have the name of the standard-library module 'queue'"),
    (["boto3", "--layout", "package"], "functions/boto3/ has the same import name as the dependency 'boto3'"),
    (["awslambdaric", "--layout", "package"], "functions/awslambdaric/ has the name of 'awslambdaric', which "
                                              "Lambda's Python runtime provides"),
    (["my-job"], "'my-job' is not a valid function name"),
    ([""], "NAME is empty; give the function a name"),
    (["lambda_report"], "name it 'report': new writes functions/lambda_<name>.py itself"),
])
def test_new_refuses_names_that_cannot_be_functions(worker_repo, cli, args, message):
    result = cli("-C", str(worker_repo.root), "new", *args)
    assert result.exit_code == 2 and f"error: {message}" in result.stderr


def test_usage_errors_and_domain_errors_share_the_prefix(worker_repo, cli):
    usage = cli("-C", str(worker_repo.root), "prune")  # ours: neither a name nor --all
    assert usage.exit_code == 2
    assert usage.stderr.splitlines()[0].endswith(" prune [OPTIONS] [FUNCTION]...")  # CliRunner names it main
    assert usage.stderr.splitlines()[-1] == "error: name a FUNCTION, or pass --all --env ENV"
    clicks = cli("-C", str(worker_repo.root), "size", "--top", "0")  # click's own
    assert clicks.exit_code == 2 and clicks.stderr.splitlines()[-1].startswith("error: Invalid value for '--top'")
    domain = cli("-C", str(worker_repo.root), "invoke", "process_checker", "--event", "/nonexistent.json")
    assert domain.exit_code == 1 and domain.stderr.splitlines()[-1].startswith("error: /nonexistent.json: cannot read")


def test_check_reports_a_syntax_error_in_a_function_that_has_no_tf_yet(worker_repo, cli):
    worker_repo.write("functions/lambda_fresh.py", "def handler(event, context:\n    return 1\n")
    result = cli("-C", str(worker_repo.root), "check")
    assert result.exit_code == 1
    assert "functions/lambda_fresh.py:1: syntax error: '(' was never closed; fix the code" in result.stdout


def test_validate_leaves_out_advice_that_is_not_for_this_project(worker_repo, cli):
    assert cli("-C", str(worker_repo.root), "build").exit_code == 0
    proc = subprocess.run([sys.executable, str(BUILD_PKG), "-C", str(worker_repo.root), "validate"],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "Include this file in your version control repository" not in proc.stderr
    assert "Incomplete lock file information" not in proc.stderr
    assert "\x1b[" not in proc.stderr + proc.stdout  # no colour codes down a pipe
    assert "Terraform has been successfully initialized!" in proc.stderr


def test_a_first_party_name_of_the_runtime_sdk_or_a_dependency_fails_check_as_it_fails_build(worker_repo, cli):
    """functions/awslambdaric/ would replace the runtime's own for every function; functions/requests.py
    is a locked dependency's import name once a build has seen it install."""
    root = str(worker_repo.root)
    assert cli("-C", root, "build").exit_code == 0
    worker_repo.write("functions/awslambdaric/__init__.py", "")
    worker_repo.write("functions/requests.py", "")
    checked = cli("-C", root, "check")
    assert checked.exit_code == 1
    assert ("functions/awslambdaric/: has the name of 'awslambdaric', which Lambda's Python runtime provides"
            in checked.stdout)
    assert "functions/requests.py: has the same import name as the dependency 'requests'" in checked.stdout
    built = cli("-C", root, "build")
    assert built.exit_code == 1 and "functions/awslambdaric/ has the name of 'awslambdaric'" in built.stderr
