"""`invoke`: the real awslambdaric runtime client against the local Runtime API."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import boto3
import pytest
from builder_support import BUILD_PKG, WorkerRepo, run_build_pkg

REPORT = re.compile(
    r"^REPORT RequestId: (?P<id>[0-9a-f-]{36})\tDuration: (?P<duration>[\d.]+) ms\tBilled Duration: (?P<billed>\d+) ms"
    r"\tMemory Size: (?P<memory>\d+) MB\tMax Memory Used: (?P<used>\d+) MB(\tInit Duration: (?P<init>[\d.]+) ms)?",
    re.MULTILINE)

FUNCTIONS = {
    "lambda_fail.py": (
        "import time\n\n"
        "def handler(event, context):\n"
        "    if event.get('sleep'):\n"
        "        time.sleep(event['sleep'])\n"
        "    if event.get('boom'):\n"
        "        raise ValueError('boom: ' + event['boom'])\n"
        "    return {'function': context.function_name, 'memory': context.memory_limit_in_mb,\n"
        "            'left_ms': context.get_remaining_time_in_millis() > 0}\n"
    ),
    "lambda_where.py": (
        "import os\n\n"
        "def handler(event, context):\n"
        "    return {'arn': context.invoked_function_arn, 'region': os.environ['AWS_REGION'],\n"
        "            'stream': context.log_stream_name}\n"
    ),
    # click is installed in the dev environment but not locked in [packages].
    "lambda_devonly.py": "import click\n\ndef handler(event, context):\n    return click.__version__\n",
    # Two things the static closure cannot see: another function's data file, opened by path,
    # and a worker_lib module that logging imports from a name built at run time.
    "lambda_peek.py": (
        "import json, logging.config, os\n\n"
        f"NAME = '{'worker_lib.peekfmt.Plain'.encode().hex()}'\n\n"
        "def handler(event, context):\n"
        "    logging.config.dictConfig({'version': 1, 'formatters': {'f': {'()': bytes.fromhex(NAME).decode()}}})\n"
        "    with open(os.path.join(os.environ['LAMBDA_TASK_ROOT'], 'catalog', 'prices' + '.json')) as f:\n"
        "        return json.load(f)\n"
    ),
    "catalog/__init__.py": "",
    "catalog/main.py": "def handler(event, context):\n    return 'catalog'\n",
    "catalog/prices.json": '{"tea": 3}\n',
    "worker_lib/peekfmt.py": "import logging\n\nclass Plain(logging.Formatter):\n    pass\n",
    # boto3 is not in this repo's lock below: Lambda's runtime provides it, and so must invoke.
    "lambda_sdk.py": ("import boto3, botocore\n\ndef handler(event, context):\n"
                      "    return {'boto3': boto3.__file__.split('/')[-3], 'name': context.function_name}\n"),
}


@pytest.fixture(scope="module")
def repo(tmp_path_factory) -> WorkerRepo:
    """One built repo for the module: the examples plus functions that misbehave on purpose."""
    repo = WorkerRepo(tmp_path_factory.mktemp("invoke") / "repo")
    for name, code in FUNCTIONS.items():
        repo.write(f"functions/{name}", code)
    result = run_build_pkg("-C", str(repo.root), "build")
    assert result.returncode == 0, result.stderr
    return repo


def _invoke(repo: WorkerRepo, name: str, *args: str, event: dict | None = None):
    """build-pkg.py invoke in its own process: real stdout and stderr, as a user sees them."""
    extra = ["--event", "-"] if event is not None else []
    return subprocess.run([sys.executable, str(BUILD_PKG), "-C", str(repo.root), "invoke", name, *extra, *args],
                          input=json.dumps(event) if event is not None else None, capture_output=True, text=True)


def _results(proc) -> list:
    return [json.loads(line) for line in proc.stdout.splitlines()]


def test_process_checker_runs_from_the_package(repo, http_server):
    proc = _invoke(repo, "process_checker", event={"targets": [f"{http_server}/healthy", f"{http_server}/broken"]})
    assert proc.returncode == 0, proc.stderr
    assert _results(proc) == [{"checked": 2, "healthy": 1, "unhealthy": [f"{http_server}/broken"]}]
    report = REPORT.search(proc.stderr)
    assert report and report["init"] is not None
    assert f"START RequestId: {report['id']} Version: $LATEST" in proc.stderr
    assert f"END RequestId: {report['id']}" in proc.stderr
    assert int(report["memory"]) == 128 and int(report["used"]) > 10
    assert int(report["billed"]) == -(-float(report["duration"]) // 1)
    # The function's environment comes from its .tf: CHECK_TARGETS is set there.
    # Its JSON log line from Powertools reached stderr.
    assert '"service":"process_checker"' in proc.stderr


def test_api_log_exporter_writes_to_s3_through_moto(repo, aws_env):
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket="invoke-logs", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    event = {"Records": [{"messageId": "1", "body": json.dumps({"path": "/a", "status": 200})}]}
    proc = _invoke(repo, "api_log_exporter", "--env", "EXPORT_BUCKET=invoke-logs", event=event)
    assert proc.returncode == 0, proc.stderr
    [result] = _results(proc)
    assert result["exported"] == 1 and result["bucket"] == "invoke-logs"
    report = REPORT.search(proc.stderr)
    assert int(report["memory"]) == 256  # memory_size from terraform/lambda_api_log_exporter.tf
    assert result["key"].endswith(f"/{report['id']}.jsonl.gz")  # the request id came from the runtime
    assert s3.head_object(Bucket="invoke-logs", Key=result["key"])["ContentEncoding"] == "gzip"


def test_the_runtime_provides_the_aws_sdk_behind_the_package(tmp_path):
    repo = WorkerRepo(tmp_path / "repo")
    repo.keep_only("six")  # no boto3 in the lock
    repo.write("functions/lambda_sdk.py", FUNCTIONS["lambda_sdk.py"])
    proc = _invoke(repo, "sdk")
    assert proc.returncode == 0, proc.stderr
    [result] = _results(proc)
    assert result["name"] == "worker-dev-sdk"  # the deployed name in dev, whose values invoke reads
    assert result["boto3"] != "task"  # from the runtime's folder, not the package


def test_a_runtime_python_that_does_not_run_is_one_line(repo, tmp_path):
    shim = tmp_path / "bin" / "python3.11"
    shim.parent.mkdir()
    shim.write_text("#!/bin/sh\necho 'pyenv: python3.11: command not found' >&2\nexit 127\n")
    shim.chmod(0o755)
    env = {**os.environ, "PATH": f"{shim.parent}{os.pathsep}{os.environ['PATH']}"}
    proc = subprocess.run([sys.executable, str(BUILD_PKG), "-C", str(repo.root), "invoke", "fail", "--runtime",
                           "python3.11"], capture_output=True, text=True, env=env)
    assert proc.returncode == 1
    assert proc.stderr.strip().splitlines()[-1] == (
        f"error: {shim} (for python3.11) does not run Python 3.11 (exit 127: pyenv: python3.11: command not "
        "found); install Python 3.11 (for example `pyenv install 3.11`), or invoke with --runtime for the local Python")
    assert "Traceback" not in proc.stderr


def test_warm_invocations_cost_the_handler_and_little_else(repo):
    """The first call is cold; the rest pay only the local Runtime API's round trip (no ~40 ms
    Nagle and delayed-ACK stall between two small writes)."""
    proc = _invoke(repo, "fail", "--repeat", "6", event={})
    assert proc.returncode == 0, proc.stderr
    durations = [float(m.group("duration")) for m in REPORT.finditer(proc.stderr)]
    assert len(durations) == 6 and sorted(durations[1:])[2] < 10, durations  # median warm, generous for CI


def test_files_used_outside_the_closure_are_named(repo):
    proc = _invoke(repo, "peek")
    assert proc.returncode == 0, proc.stderr
    assert _results(proc) == [{"tea": 3}]
    misses = [line for line in proc.stderr.splitlines() if "closure misses" in line]
    assert misses == [
        "warning: closure misses catalog/prices.json: peek used it at run time, but an edit there would not "
        "redeploy peek; keep the file in the function's own folder or in worker_lib/, or import the module that "
        "holds it, or declare it: add `# build-pkg: uses catalog/prices.json` to functions/lambda_peek.py",
        *[f"warning: closure misses worker_lib/{name}: peek used it at run time, but an edit there would not "
          "redeploy peek; import it statically (a plain import, or importlib.import_module with a literal name), "
          f"or declare it: add `# build-pkg: uses worker_lib/{name}` to functions/lambda_peek.py"
          for name in ("__init__.py", "peekfmt.py")]]


def test_a_function_whose_closure_is_complete_gets_no_warning(repo, http_server):
    proc = _invoke(repo, "process_checker", event={"targets": [f"{http_server}/healthy"]})
    assert proc.returncode == 0, proc.stderr
    assert "closure misses" not in proc.stderr


def test_scaffolded_function(repo):
    from click.testing import CliRunner

    from build_pkg.cli import main

    made = CliRunner().invoke(main, ["-C", str(repo.root), "new", "hello_http", "--trigger", "http"])
    assert made.exit_code == 0, made.output
    proc = _invoke(repo, "hello_http", "--event", str(repo.root / "tests" / "events" / "hello_http.json"))
    assert proc.returncode == 0, proc.stderr
    assert _results(proc) == [{"statusCode": 200, "headers": {"Content-Type": "application/json"},
                               "body": json.dumps({"route": "GET /hello-http"})}]
    assert "dependencies: cache hit" in proc.stderr  # it rebuilt the stale package first
    assert REPORT.search(proc.stderr)


def test_a_package_only_in_the_dev_environment_fails_to_import(repo):
    import click  # noqa: F401  (present here, in the dev environment)

    proc = _invoke(repo, "devonly")
    assert proc.returncode == 1
    [error] = _results(proc)
    assert error["errorType"] == "Runtime.ImportModuleError"
    assert "No module named 'click'" in error["errorMessage"]
    assert "Phase: init\tStatus: error\tError Type: Runtime.ImportModuleError" in proc.stderr


def test_handler_exception_has_lambdas_error_shape(repo):
    proc = _invoke(repo, "fail", event={"boom": "bad input"})
    assert proc.returncode == 1
    [error] = _results(proc)
    assert error["errorType"] == "ValueError" and error["errorMessage"] == "boom: bad input"
    assert any("lambda_fail.py" in frame for frame in error["stackTrace"])
    assert REPORT.search(proc.stderr)


def test_timeout_is_reported_like_lambda(repo):
    proc = _invoke(repo, "fail", "--timeout", "1", event={"sleep": 5})
    assert proc.returncode == 1
    assert re.search(r"\d{4}-\d\d-\d\dT[\d:.]+Z [0-9a-f-]{36} Task timed out after 1.00 seconds", proc.stderr)
    [error] = _results(proc)
    assert error["errorType"] == "Sandbox.Timedout"
    assert "Duration: 1000.00 ms" in proc.stderr and "Status: timeout" in proc.stderr


def test_repeat_shows_one_cold_start_then_warm_ones(repo):
    proc = _invoke(repo, "fail", "--repeat", "3", "--memory", "1024", event={})
    assert proc.returncode == 0, proc.stderr
    # awslambdaric hands memory_limit_in_mb over as the string Lambda sets in the environment.
    assert _results(proc) == [{"function": "worker-dev-fail", "memory": "1024", "left_ms": True}] * 3
    reports = list(REPORT.finditer(proc.stderr))
    assert len(reports) == 3
    assert [r["init"] is not None for r in reports] == [True, False, False]
    assert len({r["id"] for r in reports}) == 3


def test_unknown_function(repo):
    proc = _invoke(repo, "nope")
    assert proc.returncode == 2  # a usage error, as for the commands that ask AWS
    # The module's repository gains functions as its tests run: its first names are always these.
    assert proc.stderr.strip().splitlines()[-1].startswith(
        "error: no function 'nope' in functions/; the functions are: api_log_exporter, catalog, devonly, fail")
    close = _invoke(repo, "catalg")
    assert close.stderr.strip().splitlines()[-1] == "error: no function 'catalg' in functions/; did you mean catalog?"


def test_malformed_event(repo, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{'single': 'quotes'}")
    proc = _invoke(repo, "fail", "--event", str(bad))
    assert proc.returncode == 1
    assert f"error: {bad}: the event is not valid JSON" in proc.stderr and "fix the file" in proc.stderr
    missing = _invoke(repo, "fail", "--event", str(tmp_path / "missing.json"))
    assert missing.returncode == 1 and "cannot read the event (No such file or directory)" in missing.stderr


def test_no_package(tmp_path):
    bare = WorkerRepo(tmp_path / "bare")
    proc = _invoke(bare, "process_checker", "--no-build")
    assert proc.returncode == 1
    assert "error: terraform/dists.zip not found; run `build-pkg.py build` (or drop --no-build)" in proc.stderr


@pytest.mark.parametrize("item", ["=value", "NOEQUALS"])
def test_invoke_refuses_an_env_without_a_key_before_doing_anything(worker_repo, cli, item):
    """The same KEY=VALUE parser as `tf` and `new`: an empty key is a usage error."""
    result = cli("-C", str(worker_repo.root), "invoke", "process_checker", "--env", item)
    assert result.exit_code == 2 and "is not KEY=VALUE" in result.stderr
    assert not worker_repo.zip_path.exists()


def test_invoke_json_is_one_document_of_every_invocation(repo):
    proc = _invoke(repo, "fail", "--repeat", "2", "--json", event={})
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["function"] == "fail" and len(data["invocations"]) == 2
    first, second = data["invocations"]
    assert first["status"] == second["status"] == "ok"
    assert first["result"]["function"] == "worker-dev-fail" and first["init_ms"] is not None and second["init_ms"] is None
    assert first["duration_ms"] > 0 and first["max_memory_mb"] > 10


def test_a_local_run_is_in_the_environments_region_and_account(repo, monkeypatch):
    """The local environment's tfvars say where the function runs (dev: eu-west-1), whatever
    AWS_REGION says here; its account_id, when it names one, is in the function's ARN."""
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    tfvars = repo.root / "terraform" / "env" / "dev.tfvars"
    before = tfvars.read_text()
    try:
        proc = _invoke(repo, "where")
        assert proc.returncode == 0, proc.stderr
        [found] = _results(proc)
        assert found["region"] == "eu-west-1"
        assert found["arn"] == "arn:aws:lambda:eu-west-1:123456789012:function:worker-dev-where"
        assert re.fullmatch(r"\d{4}/\d{2}/\d{2}/\[\$LATEST\][0-9a-f]{32}", found["stream"])
        tfvars.write_text(before + 'account_id = "210987654321"\n')
        [found] = _results(_invoke(repo, "where"))
        assert found["arn"] == "arn:aws:lambda:eu-west-1:210987654321:function:worker-dev-where"
    finally:
        tfvars.write_text(before)


def test_an_event_over_lambdas_request_limit_is_refused(repo, tmp_path):
    big = tmp_path / "big.json"
    big.write_text(json.dumps({"pad": "x" * 6_291_456}))
    proc = _invoke(repo, "where", "--event", str(big), "--no-build")
    assert proc.returncode == 1
    assert proc.stderr.strip().splitlines()[-1].startswith(
        f"error: {big}: the event is {big.stat().st_size} bytes; Lambda refuses a synchronous invocation over 6291456 "
        "bytes (RequestEntityTooLargeException)")
