"""`check`: one test per disagreement between functions/, terraform/ and the build."""

from __future__ import annotations

import json
import re

from builder_support import WorkerRepo


def _tf(repo: WorkerRepo, name: str = "process_checker"):
    return repo.root / "terraform" / f"lambda_{name}.tf"


def _edit(repo: WorkerRepo, old: str, new: str, name: str = "process_checker") -> None:
    path = _tf(repo, name)
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new))


def _edit_main(repo: WorkerRepo, old: str, new: str) -> None:
    path = repo.root / "terraform" / "main.tf"
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new))


def _line(repo: WorkerRepo, pattern: str, name: str = "process_checker") -> int:
    for number, line in enumerate(_tf(repo, name).read_text().splitlines(), 1):
        if re.search(pattern, line):
            return number
    raise AssertionError(pattern)


def _problems(cli, repo: WorkerRepo, *args: str) -> list[str]:
    result = cli("-C", str(repo.root), "check", *args)
    assert result.exit_code == 1, result.output
    return result.stdout.splitlines()


def test_all_agree(worker_repo, cli):
    result = cli("-C", str(worker_repo.root), "check")
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "check: 2 functions and 2 Terraform definitions agree; lock is fresh"


def test_handler_that_matches_no_function(worker_repo, cli):
    _edit(worker_repo, '"lambda_process_checker.handler"', '"lambda_process_checkr.handler"')
    line = _line(worker_repo, r"^\s*handler\s*=")
    problems = _problems(cli, worker_repo)
    assert (f"terraform/lambda_process_checker.tf:{line}: handler 'lambda_process_checkr.handler' matches no "
            "function in functions/ (lambda_<name>.py or <name>/main.py); fix the handler or remove the file") in problems
    # ... and so the function itself is left without a definition.
    assert "functions/lambda_process_checker.py: has no Terraform definition; run `build-pkg.py tf` to write one" in problems


def test_handler_callable_not_defined(worker_repo, cli):
    _edit(worker_repo, '"lambda_process_checker.handler"', '"lambda_process_checker.main"')
    line = _line(worker_repo, r"^\s*handler\s*=")
    assert _problems(cli, worker_repo) == [
        f"terraform/lambda_process_checker.tf:{line}: handler 'lambda_process_checker.main': "
        "functions/lambda_process_checker.py defines no top-level 'main'"
    ]


def test_handler_other_than_the_one_the_builder_runs(worker_repo, cli):
    source = worker_repo.root / "functions/lambda_process_checker.py"
    source.write_text(source.read_text() + "\n\ndef main(event, context):\n    return None\n")
    _edit(worker_repo, '"lambda_process_checker.handler"', '"lambda_process_checker.main"')
    line = _line(worker_repo, r"^\s*handler\s*=")
    assert _problems(cli, worker_repo) == [
        f"terraform/lambda_process_checker.tf:{line}: handler 'lambda_process_checker.main': the builder runs "
        "lambda_process_checker.handler (invoke, images, status, code-only releases); set handler = "
        "\"lambda_process_checker.handler\" and call main() from it"
    ]


def test_function_without_a_definition(worker_repo, cli):
    worker_repo.write("functions/reports/main.py", "def handler(event, context):\n    return 1\n")
    assert _problems(cli, worker_repo) == [
        "functions/reports/main.py: has no Terraform definition; run `build-pkg.py tf` to write one"
    ]


def test_function_defined_twice(worker_repo, cli):
    copy = worker_repo.root / "terraform" / "copy_of_checker.tf"
    copy.write_text(_tf(worker_repo).read_text().replace('module "lambda_process_checker"', 'module "again"'))
    problems = _problems(cli, worker_repo)
    assert any("function 'process_checker' is defined 2 times (terraform/copy_of_checker.tf:3, "
               "terraform/lambda_process_checker.tf:3); keep one" in p for p in problems), problems
    assert any("name 'process_checker' is also used by" in p for p in problems), problems


def test_invalid_name(worker_repo, cli):
    _edit(worker_repo, 'name    = "process_checker"', 'name    = "process checker!"')
    line = _line(worker_repo, r"^\s*name\s*=")
    problems = _problems(cli, worker_repo)
    assert f"terraform/lambda_process_checker.tf:{line}: name 'process checker!' is not a valid Lambda function name" in problems


def test_name_that_does_not_match_the_handler(worker_repo, cli):
    _edit(worker_repo, 'name    = "process_checker"', 'name    = "api_log_exporter"')
    problems = _problems(cli, worker_repo)
    assert any("name 'api_log_exporter' does not match the handler's function 'process_checker'" in p for p in problems)
    assert any("name 'api_log_exporter' is also used by terraform/lambda_api_log_exporter.tf" in p for p in problems)


def test_runtime_that_differs_from_the_build(worker_repo, cli):
    # A per-function override...
    _edit(worker_repo, "timeout     = 60", 'timeout     = 60\n  runtime     = "python3.11"')
    line = _line(worker_repo, r"^\s*runtime\s*=")
    assert _problems(cli, worker_repo) == [
        f"terraform/lambda_process_checker.tf:{line}: runtime 'python3.11' differs from the build's 'python3.12'"
    ]


def test_shared_runtime_that_differs_from_the_build(worker_repo, cli):
    # ... or the shared value in terraform/main.tf, reported at each call's `shared` line.
    _edit_main(worker_repo, 'runtime      = "python3.12"', 'runtime      = "python3.13"')
    problems = _problems(cli, worker_repo)
    line = _line(worker_repo, r"^\s*shared\s*=")
    assert f"terraform/lambda_process_checker.tf:{line}: runtime 'python3.13' (from shared) differs from the build's 'python3.12'" in problems
    assert len(problems) == 2


def test_architecture_that_differs_from_the_build(worker_repo, cli):
    problems = _problems(cli, worker_repo, "--arch", "arm64")
    # Both files take the architecture from terraform/main.tf's local.worker.
    assert [p.split(": ", 1)[1] for p in problems] == ["architecture 'x86_64' (from shared) differs from the build's 'arm64'"] * 2


def test_package_path_that_is_not_the_build_output(worker_repo, cli):
    _edit_main(worker_repo, 'package_path = "${path.module}/dists.zip"', 'package_path = "${path.module}/build/old.zip"')
    problems = _problems(cli, worker_repo)
    line = _line(worker_repo, r"^\s*shared\s*=")
    assert (f"terraform/lambda_process_checker.tf:{line}: package_path '${{path.module}}/build/old.zip' (from shared) "
            "is not the build output terraform/dists.zip") in problems


def test_package_hash_of_another_file(worker_repo, cli):
    _edit_main(worker_repo, "package_hash = filebase64sha256(local.package_path)", 'package_hash = filebase64sha256("other.zip")')
    problems = _problems(cli, worker_repo)
    line = _line(worker_repo, r"^\s*shared\s*=")
    assert (f"terraform/lambda_process_checker.tf:{line}: package_hash '${{filebase64sha256(\"other.zip\")}}' "
            "(from shared) is not filebase64sha256 of terraform/dists.zip") in problems


def test_undeclared_variable(worker_repo, cli):
    _edit(worker_repo, "timeout     = 60", "timeout     = 60\n  memroy_size = 512")
    line = _line(worker_repo, r"^\s*memroy_size")
    assert _problems(cli, worker_repo) == [
        f"terraform/lambda_process_checker.tf:{line}: module 'lambda_process_checker' passes 'memroy_size', "
        "which modules/worker_function does not declare"
    ]


def test_missing_required_variable(worker_repo, cli):
    _edit(worker_repo, "  handler = \"lambda_process_checker.handler\"\n", "")
    problems = _problems(cli, worker_repo)
    assert ("terraform/lambda_process_checker.tf:3: module 'lambda_process_checker' does not set required "
            "variable 'handler'") in problems


def test_file_that_does_not_parse(worker_repo, cli):
    _edit(worker_repo, "timeout     = 60", "timeout     = ")
    line = _line(worker_repo, r"^\s*timeout")
    [problem] = _problems(cli, worker_repo)
    assert problem.startswith(f"terraform/lambda_process_checker.tf:{line}: does not parse at {line}:")


def test_stale_lock(worker_repo, cli):
    pipfile = worker_repo.root / "Pipfile"
    pipfile.write_text(pipfile.read_text().replace("[packages]", '[packages]\nattrs = "*"'))
    [problem] = _problems(cli, worker_repo)
    assert problem.startswith("Pipfile.lock: is out of date with Pipfile") and "run `pipenv lock`" in problem  # no Makefile here


def test_json_output(worker_repo, cli):
    worker_repo.write("functions/reports/main.py", "def handler(event, context):\n    return 1\n")
    result = cli("-C", str(worker_repo.root), "check", "--json")
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["ok"] is False and report["functions"] == 3 and report["definitions"] == 2
    assert report["problems"] == [{"file": "functions/reports/main.py", "line": None,
                                   "message": "has no Terraform definition; run `build-pkg.py tf` to write one"}]


def test_check_passes_after_tf_for_a_new_function(worker_repo, cli):
    worker_repo.write("functions/reports/main.py", "def handler(event, context):\n    return 1\n")
    assert cli("-C", str(worker_repo.root), "tf", "reports", "--http", "GET /reports").exit_code == 0
    assert cli("-C", str(worker_repo.root), "check").exit_code == 0


def test_a_hand_edited_schedule_eventbridge_would_refuse(worker_repo, cli):
    _edit(worker_repo, '"rate(5 minutes)"', '"rate(1 minutes)"')
    line = _line(worker_repo, r"^\s*schedule\s*=")
    assert (f"terraform/lambda_process_checker.tf:{line}: schedule 'rate(1 minutes)': "
            "EventBridge wants 'rate(1 minute)'") in _problems(cli, worker_repo)


def test_a_hand_edited_reserved_environment_name(worker_repo, cli):
    _edit(worker_repo, "CHECK_TARGETS =", "AWS_LAMBDA_RUNTIME_API =")
    line = _line(worker_repo, r"AWS_LAMBDA_RUNTIME_API")
    assert (f"terraform/lambda_process_checker.tf:{line}: environment variable AWS_LAMBDA_RUNTIME_API "
            "is reserved by Lambda; remove it") in _problems(cli, worker_repo)


def test_an_import_that_nothing_provides_is_named(small_repo, cli):
    small_repo.write("functions/lambda_hello.py", "import six\nimport yaml\nimport boto3\ntry:\n    import ujson\n"
                     "except ImportError:\n    ujson = None\n\ndef handler(event, context):\n    return 1\n")
    result = cli("-C", str(small_repo.root), "check")
    found = [line for line in result.stderr.splitlines() if "provides" in line]
    # six is locked, boto3 comes with the runtime, ujson is optional (a try with a fallback).
    assert found == ["warning: functions/lambda_hello.py imports 'yaml', which neither Pipfile.lock [packages] nor "
                     "the python3.12 runtime provides: it would fail in Lambda with Runtime.ImportModuleError; add it "
                     "(`pipenv install NAME`)"]  # no Makefile in this repository: pipenv's own command
