"""What a newcomer hit in their first day with a repository of their own, each as it should
be: warnings that come when they mean something, errors that name the way out."""

from __future__ import annotations

import json
import subprocess
import sys

from builder_support import BUILD_PKG, REPO, WorkerRepo

from build_pkg.local.runtime import for_a_terminal
from build_pkg.operate.inventory import Deployed, Row, table


def test_check_warns_about_a_rest_function_no_build_has_read(worker_repo, cli):
    root = str(worker_repo.root)
    assert cli("-C", root, "build").exit_code == 0  # a build from before the new function
    assert cli("-C", root, "new", "api", "--trigger", "rest").exit_code == 0
    checked = cli("-C", root, "check")
    assert checked.exit_code == 0
    assert ("warning: functions/lambda_api.py: its routes were not compared with Terraform's (no build in this "
            "checkout has read them); run `build-pkg.py build`, then `check`") in checked.stderr
    assert cli("-C", root, "build").exit_code == 0
    assert "its routes were not compared" not in cli("-C", root, "check").stderr


def test_validate_refuses_a_tf_whose_function_is_gone_and_lists_the_environments(worker_repo, cli):
    root = str(worker_repo.root)
    assert cli("-C", root, "build").exit_code == 0
    (worker_repo.root / "functions" / "lambda_process_checker.py").unlink()
    gone = cli("-C", root, "validate")
    assert gone.exit_code == 1
    assert gone.stderr.strip().splitlines()[-1] == (
        "error: terraform/lambda_process_checker.tf: its function is gone from functions/; delete the file (or "
        "bring the function back), as `build-pkg.py check` says")
    assert "terraform/lambda_process_checker.tf" in cli("-C", root, "check").stdout
    typo = cli("-C", root, "validate", "--env", "prd")
    assert typo.exit_code == 2 and typo.stderr.strip().splitlines()[-1] == (
        "error: terraform/env/prd.tfvars not found; pass --env with one of terraform/env/*.tfvars "
        "(dev, prod, staging)")


def test_the_status_table_labels_the_newer_version_as_the_canary():
    """After `canary hello --percent 10` the alias is on version 2 with 90% to version 1."""
    row = Row("hello", "in sync", Deployed("worker-dev-hello", "live", "2", {"1": 0.9}, "python3.12", 128), "x")
    [_, line] = table([row])
    assert "live (canary: 2 at 10%, 1 at 90%)" in line


def test_tracebacks_read_line_by_line():
    logged = b"[ERROR] ValueError: boom\rTraceback (most recent call last):\r  File \"/var/task/x.py\"\r\nEND\n"
    assert for_a_terminal(logged) == (b"[ERROR] ValueError: boom\nTraceback (most recent call last):\n"
                                      b"  File \"/var/task/x.py\"\r\nEND\n")


def test_invoke_env_without_a_value_hints_at_remote(worker_repo, cli):
    result = cli("-C", str(worker_repo.root), "invoke", "process_checker", "--env", "dev")
    assert result.exit_code == 2
    assert ("'dev' is not KEY=VALUE (to run the function deployed in dev, use --remote dev)"
            in result.stderr)


def test_check_names_the_line_of_a_syntax_error_as_build_does(worker_repo, cli):
    root = str(worker_repo.root)
    worker_repo.write("functions/worker_lib/broken.py", "x = 1\ndef f(:\n    pass\n")
    checker = worker_repo.root / "functions" / "lambda_process_checker.py"
    checker.write_text("from worker_lib import broken\n" + checker.read_text())
    checked = cli("-C", root, "check")
    assert checked.exit_code == 1
    assert "functions/worker_lib/broken.py:2: syntax error: invalid syntax; fix the code" in checked.stdout
    built = cli("-C", root, "build")
    assert built.stderr.strip().splitlines()[-1].startswith(
        "error: functions/worker_lib/broken.py:2: syntax error: invalid syntax; fix the code")
    checker.write_text("x = 1\ndef handler(event, context:\n    return 1\n")
    assert "functions/lambda_process_checker.py:2: syntax error: '(' was never closed; fix the code" in \
        cli("-C", root, "check").stdout


def test_a_folder_inside_the_repository_given_to_dash_c_says_which_to_pass(worker_repo, cli):
    result = cli("-C", str(worker_repo.root / "functions"), "check")
    assert result.exit_code == 1
    assert result.stderr.strip() == (f"error: {worker_repo.root / 'functions'} is inside the worker repository "
                                     f"{worker_repo.root}, not its root; pass -C {worker_repo.root}")


def test_the_lock_advice_is_what_the_repository_can_run(worker_repo, cli):
    """`make lock` where the Makefile has that target, pipenv's own command elsewhere."""
    pipfile = worker_repo.root / "Pipfile"
    pipfile.write_text(pipfile.read_text().replace('requests = "*"', 'requests = "*"\nsix = "*"'))
    without = cli("-C", str(worker_repo.root), "check").stdout
    assert "is out of date with Pipfile" in without and "run `pipenv lock`" in without and "make lock" not in without
    (worker_repo.root / "Makefile").write_text((REPO / "Makefile").read_text())
    built = cli("-C", str(worker_repo.root), "build")
    assert built.exit_code == 1 and "run `make lock`" in built.stderr


def test_the_readme_names_what_make_test_installs():
    text = (REPO / "README.md").read_text()
    prerequisites = text[text.index("## Prerequisites"):text.index("## Set-up")]
    for tool in ("npm", "Chromium", "skopeo", "umoci", "docker-registry"):
        assert tool in prerequisites, tool


def test_the_rest_scaffold_answers_bad_json_with_400(tmp_path):
    repo = WorkerRepo(tmp_path / "repo")
    subprocess.run([sys.executable, str(BUILD_PKG), "-C", str(repo.root), "new", "cart", "--trigger", "rest"],
                   check=True, capture_output=True)
    ran = subprocess.run([sys.executable, str(BUILD_PKG), "-C", str(repo.root), "test", "--json",
                          "tests/functions/test_cart.py"], capture_output=True, text=True)
    outcome = json.loads(ran.stdout)
    assert outcome["ok"] and outcome["passed"] == 3, ran.stdout + ran.stderr
    assert "def test_a_body_that_is_not_json_is_the_callers_mistake" in (
        repo.root / "tests" / "functions" / "test_cart.py").read_text()


def test_test_with_pytest_options_stays_on_the_functions_tests(tmp_path):
    """`build-pkg.py test -k NAME` (the docs' example) selects among tests/functions/, never
    the builder's tests beside them; a test file given is run as given."""
    repo = WorkerRepo(tmp_path / "repo", team_tests=True)
    repo.write("tests/test_builders_own.py", "def test_worker_lib_of_the_builder():\n    assert False\n")

    def run(*args: str) -> dict:
        proc = subprocess.run([sys.executable, str(BUILD_PKG), "-C", str(repo.root), "test", "--json", *args],
                              capture_output=True, text=True)
        return json.loads(proc.stdout)

    selected = run("-k", "worker_lib")
    assert selected["ok"] and selected["passed"] == 2, selected
    one = run("tests/functions/test_worker_lib.py::test_env_helpers")
    assert one["ok"] and one["passed"] == 1, one
