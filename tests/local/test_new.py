"""`new`: a scaffolded function passes its own test, `check`, and runs under `invoke`."""

from __future__ import annotations

import json

import os
import subprocess
import sys

import pytest
from builder_support import REPO, WorkerRepo

CASES = [
    ("plain", "flat", "none", []),
    ("nightly", "package", "schedule", ["--schedule", "cron(0 3 * * ? *)"]),
    ("orders_in", "flat", "sqs", ["--sqs", "orders"]),
    ("alerts", "package", "sns", ["--sns", "alerts"]),
    ("uploads", "flat", "s3", ["--s3-bucket", "team-uploads", "--s3-prefix", "in/", "--s3-suffix", ".csv"]),
    ("orders_api", "package", "http", ["--http", "POST /orders", "--memory", "512"]),
]


def _pytest(repo: WorkerRepo, test: str) -> subprocess.CompletedProcess:
    """As `make check` runs it: `build-pkg.py test`, closure check on."""
    return subprocess.run([sys.executable, str(REPO / "build-pkg.py"), "-C", str(repo.root), "test", test],
                          capture_output=True, text=True)


@pytest.mark.parametrize("name, layout, trigger, extra", CASES)
def test_scaffolded_function_passes_its_test_and_check(worker_repo, cli, name, layout, trigger, extra):
    root = str(worker_repo.root)
    result = cli("-C", root, "new", name, "--layout", layout, "--trigger", trigger, *extra)
    assert result.exit_code == 0, result.output
    code = f"functions/lambda_{name}.py" if layout == "flat" else f"functions/{name}/main.py"
    for rel in (code, f"tests/functions/test_{name}.py", f"tests/events/{name}.json", f"terraform/lambda_{name}.tf"):
        assert f"created {rel}" in result.stdout
        assert (worker_repo.root / rel).is_file()
    assert f"invoke {name} --event tests/events/{name}.json" in result.stdout
    assert f"make check                                 # its test (tests/functions/test_{name}.py)" in result.stdout
    ran = _pytest(worker_repo, f"tests/functions/test_{name}.py")
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert "test: 1 of 1 tests passed; the closure check found no miss" in ran.stdout
    source = {"sqs": ("queues", "orders"), "sns": ("topics", "alerts"), "s3": ("buckets", "team-uploads")}.get(trigger)
    if source:
        # Each environment must say which queue, topic or bucket it uses: new says so, check insists.
        kind_map, key = source
        for env in ("dev", "prod", "staging"):
            assert f'terraform/env/{env}.tfvars: add "{key}" to {kind_map}' in result.stdout
        problems = cli("-C", root, "check").stdout.splitlines()
        assert [p.split(": ", 1)[1] for p in problems if p.startswith("terraform/")] == [
            f'var.{kind_map}["{key}"] is not set in terraform/env/{env}.tfvars; add "{key}" to its {kind_map} map'
            for env in ("dev", "prod", "staging")]
        for env in ("dev", "prod", "staging"):
            set_source(worker_repo, env, kind_map, key, f"{env}-{key}")
    checked = cli("-C", root, "check")
    assert checked.exit_code == 0, checked.output


def set_source(repo: WorkerRepo, env: str, kind_map: str, key: str, value: str) -> None:
    """Add KEY to the environment's map, as a person would edit the tfvars."""
    path = repo.root / "terraform" / "env" / f"{env}.tfvars"
    text = path.read_text()
    entry = f'  "{key}" = "{value}"\n'
    opening = f"{kind_map} = {{\n"
    path.write_text(text.replace(opening, opening + entry) if opening in text
                    else text + f"\n{kind_map} = {{\n{entry}}}\n")


def test_the_code_uses_powertools_logger_and_the_event_data_class(worker_repo, cli):
    assert cli("-C", str(worker_repo.root), "new", "queue_job", "--trigger", "sqs", "--sqs", "jobs").exit_code == 0
    code = (worker_repo.root / "functions" / "lambda_queue_job.py").read_text()
    assert "from aws_lambda_powertools import Logger" in code
    assert "@event_source(data_class=SQSEvent)" in code
    assert "def handler(event: SQSEvent, context: LambdaContext) -> dict:" in code
    assert code.startswith('"""')


def test_refuses_existing_and_invalid_names_and_never_overwrites(worker_repo, cli):
    root = str(worker_repo.root)
    taken = cli("-C", root, "new", "process_checker")
    assert taken.exit_code == 1
    assert "function 'process_checker' already exists (functions/lambda_process_checker.py)" in taken.stderr
    invalid = cli("-C", root, "new", "my-job")
    assert invalid.exit_code == 2 and "'my-job' is not a valid function name" in invalid.stderr
    # A stray file where the test would go: nothing at all is written.
    stray = worker_repo.write("tests/functions/test_reports.py", "# mine\n")
    refused = cli("-C", root, "new", "reports")
    assert refused.exit_code == 1 and "tests/functions/test_reports.py already exist(s)" in refused.stderr
    assert stray.read_text() == "# mine\n"
    assert not (worker_repo.root / "functions" / "lambda_reports.py").exists()
    assert not (worker_repo.root / "terraform" / "lambda_reports.tf").exists()


@pytest.mark.parametrize("args, message", [
    (["--trigger", "sqs"], "--trigger sqs needs --sqs KEY"),
    (["--schedule", "rate(1 hour)"], "--schedule needs --trigger schedule"),
    (["--trigger", "schedule", "--schedule", "hourly"], "is not 'rate(1 minute)', 'rate(N minutes|hours|days)'"),
])
def test_trigger_settings_must_fit(worker_repo, cli, args, message):
    result = cli("-C", str(worker_repo.root), "new", "job", *args)
    assert result.exit_code == 2 and message in result.stderr


def test_new_reports_as_json(worker_repo, cli):
    result = cli("-C", str(worker_repo.root), "new", "jsonly", "--trigger", "sqs", "--sqs", "jobs", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["created"] == [f for f in data["created"] if (worker_repo.root / f).is_file()]
    assert "terraform/lambda_jsonly.tf" in data["created"] and data["test"] == "tests/functions/test_jsonly.py"
    assert any('"jobs"' in line and "queues" in line for line in data["to_add"])


def test_a_rest_resolver_scaffold_is_served_by_the_rest_api(worker_repo, cli):
    """`new --trigger rest`: a Powertools REST resolver with two routes whose test passes;
    the build puts both routes in terraform/openapi.json (without pydantic in this lock:
    no models, said once), `invoke` runs the sample event through the resolver, and `event
    rest` takes the route a request would."""
    root = str(worker_repo.root)
    result = cli("-C", root, "new", "catalog", "--layout", "package", "--trigger", "rest")
    assert result.exit_code == 0, result.output
    assert "./build-pkg.py start-api" in result.stdout
    ran = _pytest(worker_repo, "tests/functions/test_catalog.py")
    assert ran.returncode == 0 and "test: 3 of 3 tests passed" in ran.stdout, ran.stdout + ran.stderr
    assert cli("-C", root, "check").exit_code == 0
    built = cli("-C", root, "build", "--json")
    assert built.exit_code == 0, built.output
    assert sorted(json.loads(built.stdout)["openapi"]["routes"]) == ["GET /catalog/{item_id}", "POST /catalog"]
    env = {**os.environ, "PYTHONPATH": ""}
    invoked = subprocess.run([sys.executable, str(REPO / "build-pkg.py"), "-C", root, "invoke", "catalog", "--no-build",
                              "--event", "tests/events/catalog.json"], capture_output=True, text=True, env=env, cwd=root)
    assert invoked.returncode == 0, invoked.stderr
    reply = json.loads(invoked.stdout)
    assert reply["statusCode"] == 200 and json.loads(reply["body"]) == {"id": "42"}
    made = cli("-C", root, "event", "rest", "--method", "POST", "--path", "/catalog", "--body", "{}")
    event = json.loads(made.stdout)
    assert event["resource"] == "/catalog" and "takes the route POST /catalog of catalog" in made.stderr
    item = json.loads(cli("-C", root, "event", "rest", "--path", "/catalog/7").stdout)
    assert item["resource"] == "/catalog/{item_id}" and item["pathParameters"] == {"item_id": "7"}
    missing = cli("-C", root, "event", "rest", "--path", "/nothing")
    assert "warning: no rest route of the project matches GET /nothing" in missing.stderr
