"""A team's repository stays green whatever the team does to it.

A copy of this checkout, changed as a team changes theirs (docs/starting.md, then a day's
work): the project named, an environment added, a function of every trigger in both
layouts, the two examples deleted with their .tf files and tests, 50 more functions, a
run-time dependency added. There, `make check` (the team's loop) passes, and so do the
builder's tests that read the checkout's own files (docs, the Makefile, the workflows,
the CLI's layout): none of them may depend on what the team keeps in functions/,
terraform/ or tests/functions/. Every other builder test is kept off the team's content by
tests/team_guard.py, whose own test is here too.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from builder_support import REPO, checkout_copy
from click.testing import CliRunner

from build_pkg.cli import main
from build_pkg.local.scaffold import TRIGGERS
from build_pkg.package.lockfile import pipfile_hash, read_pipfile

pytestmark = pytest.mark.slow

# The builder's tests that read files of the checkout itself (run again in the changed copy).
READS_THE_CHECKOUT = ["tests/test_docs.py", "tests/test_layout.py", "tests/test_completion.py",
                      "tests/deploy/test_workflows.py", "tests/package/test_core.py"]
TRIGGER_OPTIONS = {
    "schedule": ["--schedule", "rate(5 minutes)"], "sqs": ["--sqs", "orders"], "sns": ["--sns", "alerts"],
    "s3": ["--s3-bucket", "inbox", "--s3-prefix", "in/"], "http": [], "rest": [], "none": [],
}


def _new(root: Path, name: str, *args: str) -> None:
    result = CliRunner().invoke(main, ["-C", str(root), "new", name, *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output


def _add_sources(root: Path) -> None:
    """What a team adds to each environment for its new triggers: a queue, a topic, a bucket."""
    for tfvars in (root / "terraform" / "env").glob("*.tfvars"):
        env = tfvars.stem
        text = tfvars.read_text()
        text = text.replace("queues = {\n", f'queues = {{\n  "orders" = "arn:aws:sqs:eu-west-1:111111111111:{env}-orders"\n')
        text = text.replace("buckets = {\n", f'buckets = {{\n  "inbox" = "example-{env}-inbox"\n')
        text += f'\ntopics = {{\n  "alerts" = "arn:aws:sns:eu-west-1:111111111111:{env}-alerts"\n}}\n'
        tfvars.write_text(text)


def _name_the_project_and_add_an_environment(root: Path, project: str = "acme") -> None:
    """docs/starting.md, steps 3 and 4."""
    variables = root / "terraform" / "variables.tf"
    text = variables.read_text()
    assert 'default     = "worker"' in text
    variables.write_text(text.replace('default     = "worker"', f'default     = "{project}"', 1))
    env = root / "terraform" / "env"
    (env / "qa.tfvars").write_text((env / "staging.tfvars").read_text().replace('"staging"', '"qa"'))
    (env / "qa.backend.hcl").write_text((env / "staging.backend.hcl").read_text().replace("staging", "qa"))


def _delete_the_examples(root: Path) -> None:
    shutil.rmtree(root / "functions" / "api_log_exporter")
    for rel in ("functions/lambda_process_checker.py", "terraform/lambda_process_checker.tf",
                "terraform/lambda_api_log_exporter.tf", "tests/functions/test_process_checker.py",
                "tests/functions/test_api_log_exporter.py"):
        (root / rel).unlink()


def _add_a_dependency(root: Path, name: str = "tenacity") -> None:
    """As `make add PACKAGE=tenacity` leaves the Pipfile and the lock (its entry, hashes
    and all, from the benchmark's pipenv-written lock; the Pipfile's hash recomputed)."""
    pipfile = root / "Pipfile"
    pipfile.write_text(pipfile.read_text().replace("[packages]\n", f'[packages]\n{name} = "*"\n', 1))
    lock = json.loads((root / "Pipfile.lock").read_text())
    lock["default"][name] = json.loads((REPO / "bench" / "fixture" / "Pipfile.lock").read_text())["default"][name]
    lock["default"] = dict(sorted(lock["default"].items()))
    lock["_meta"]["hash"]["sha256"] = pipfile_hash(read_pipfile(pipfile))
    (root / "Pipfile.lock").write_text(json.dumps(lock, indent=4) + "\n")


@pytest.fixture(scope="module")
def changed(tmp_path_factory) -> Path:
    """This checkout with the example's team parts, changed as a team changes it."""
    root = checkout_copy(tmp_path_factory.mktemp("team") / "checkout")
    for name in (".venv", ".tools", "tests/tools/node_modules"):
        (root / name).symlink_to(REPO / name)
    _name_the_project_and_add_an_environment(root)
    _add_sources(root)
    # Entries written by hand are not aligned as `terraform fmt` wants (make check and CI fail on that).
    result = CliRunner().invoke(main, ["-C", str(root), "tf", "--fmt"], catch_exceptions=False)
    assert result.exit_code == 0 and "formatted terraform/env/dev.tfvars" in result.stdout, result.output
    _delete_the_examples(root)  # first, as docs/starting.md has it: `new` then makes the first function
    for trigger in TRIGGERS:
        for layout in ("flat", "package"):
            _new(root, f"{trigger}_{layout}", "--trigger", trigger, "--layout", layout, *TRIGGER_OPTIONS[trigger],
                 *(["--http", f"GET /{trigger}_{layout}"] if trigger == "http" else []))
    for number in range(50):
        _new(root, f"job_{number:02d}")
    _add_a_dependency(root)
    # The environment is this checkout's (linked): the lock older than it, so `make` finds
    # it set up and never syncs the shared .venv to the copy's lock (the new package goes
    # into the zip, which installs it for Lambda; no test imports it).
    os.utime(root / "Pipfile.lock", (0, 0))
    return root


def _run(root: Path, *command: str, timeout: int = 900) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "AWS_"))}
    env["CI"] = "true"
    return subprocess.run(list(command), cwd=root, env=env, capture_output=True, text=True, timeout=timeout,
                          stdin=subprocess.DEVNULL)


def test_make_check_passes_on_a_repository_the_team_changed(changed):
    proc = _run(changed, "make", "check")
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "pipenv" not in proc.stdout  # the shared environment was left alone
    assert "check: 64 functions and 64 Terraform definitions agree; lock is fresh" in proc.stdout
    assert "test: 70 of 70 tests passed; the closure check found no miss" in proc.stdout, proc.stdout[-2000:]
    assert "validate: terraform/ is valid and plans with env/dev.tfvars" in proc.stdout
    planned = _run(changed, sys.executable, "build-pkg.py", "validate", "--env", "qa", "--json")
    assert planned.returncode == 0, planned.stderr[-2000:]
    assert json.loads(planned.stdout)["plan"]["create"] > 64 * 5  # each function's role, log group, alias...


def test_the_builders_tests_of_the_checkouts_own_files_pass_there(changed):
    proc = _run(changed, sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *READS_THE_CHECKOUT)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]


def test_the_guard_fails_a_builder_test_that_reads_the_teams_functions(changed):
    (changed / "tests" / "test_peek.py").write_text(
        "from builder_support import REPO\n\n\ndef test_counts_the_functions():\n"
        "    assert len(list((REPO / 'functions').iterdir())) > 0\n")
    (changed / "tests" / "functions" / "test_own.py").write_text(
        "from pathlib import Path\n\n\ndef test_reads_its_functions():\n"
        "    assert (Path(__file__).parents[2] / 'functions' / 'lambda_job_00.py').read_text()\n")
    try:
        proc = _run(changed, sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/test_peek.py",
                    "tests/functions/test_own.py")
    finally:
        (changed / "tests" / "test_peek.py").unlink()
        (changed / "tests" / "functions" / "test_own.py").unlink()
    assert proc.returncode == 1, proc.stdout
    # Both tests' assertions hold; the builder test then errors at its teardown, the team's does not.
    assert "2 passed, 1 error" in proc.stdout
    assert "ERROR tests/test_peek.py::test_counts_the_functions" in proc.stdout
    assert (f"a builder test touched the team's content: listed {changed / 'functions'}. Work on a repository "
            "made from tests/data/worker (the worker_repo fixture) instead") in proc.stdout
