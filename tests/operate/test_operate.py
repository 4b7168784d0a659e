"""The day-2 commands against moto in server mode on 127.0.0.1: `logs`, `invoke --remote`
(moto's Lambda in its simple mode, set through its configuration API), `status --env` and
`metrics`; the error path of a remote invocation against `start-lambda` is in
tests/local/test_servers.py, where a real function raises."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import time
import urllib.request

import boto3
import pytest
from builder_support import lambda_zip

from build_pkg.operate import logs as cloudwatch_logs
from build_pkg.operate import metrics as lambda_metrics
from build_pkg.operate.inventory import DIFFERS, IN_SYNC, MISSING, NOT_OURS, Deployed, compare, needs_attention

# Commands run without -C, from inside a worker repository (a copy of the example).
pytestmark = pytest.mark.usefixtures("inside_worker_repo")

NAME = "worker-prod-process_checker"
GROUP = f"/aws/lambda/{NAME}"


def _now_ms() -> int:
    return int(time.time() * 1000)


@pytest.fixture
def log_group(aws_env):
    """Two invocations' lines in two streams, out of order between the streams, as Lambda writes them."""
    logs = boto3.client("logs")
    logs.create_log_group(logGroupName=GROUP)
    base = _now_ms() - 60_000
    lines = {
        "2026/12/03/[2]aaaa": [(0, "START RequestId: req-one Version: 2"),
                               (5, "[INFO]\t2026-12-03T10:00:00Z\treq-one\tchecking"),
                               (9, "END RequestId: req-one"),
                               (10, "REPORT RequestId: req-one\tDuration: 3.00 ms")],
        "2026/12/03/[2]bbbb": [(3, "START RequestId: req-two Version: 2"),
                               (6, "[ERROR]\t2026-12-03T10:00:00Z\treq-two\tprobe failed"),
                               (8, "printed by the handler"),  # print() output carries no request id
                               (12, "END RequestId: req-two")],
    }
    for stream, events in lines.items():
        logs.create_log_stream(logGroupName=GROUP, logStreamName=stream)
        logs.put_log_events(logGroupName=GROUP, logStreamName=stream,
                            logEvents=[{"timestamp": base + at, "message": text} for at, text in events])
    yield logs, base
    logs.delete_log_group(logGroupName=GROUP)


def _lines(result) -> list[str]:
    assert result.exit_code == 0, result.output
    return [line.split(" ", 1)[1] for line in result.stdout.splitlines()]


def test_logs_newest_last_filtered_and_by_request(cli, log_group):
    everything = _lines(cli("logs", "process_checker", "--env", "prod", "--since", "10m"))
    assert everything == ["START RequestId: req-one Version: 2", "START RequestId: req-two Version: 2",
                          "[INFO]\t2026-12-03T10:00:00Z\treq-one\tchecking",
                          "[ERROR]\t2026-12-03T10:00:00Z\treq-two\tprobe failed", "printed by the handler",
                          "END RequestId: req-one", "REPORT RequestId: req-one\tDuration: 3.00 ms",
                          "END RequestId: req-two"]
    assert _lines(cli("logs", NAME, "--since", "10m", "--request-id", "req-two")) == [
        "START RequestId: req-two Version: 2", "[ERROR]\t2026-12-03T10:00:00Z\treq-two\tprobe failed",
        "printed by the handler", "END RequestId: req-two"]
    # Another invocation's lines in the same span, in another environment (stream), are not this one's.
    assert "checking" not in " ".join(_lines(cli("logs", NAME, "--request-id", "req-two")))
    assert _lines(cli("logs", NAME, "--filter", "ERROR")) == ["[ERROR]\t2026-12-03T10:00:00Z\treq-two\tprobe failed"]
    lines = cli("logs", NAME, "--json").stdout.splitlines()
    first = json.loads(lines[0])
    assert first["message"] == "START RequestId: req-one Version: 2" and first["stream"] == "2026/12/03/[2]aaaa"
    assert first["timestamp"].endswith("Z") and len(lines) == 8
    later = (dt.datetime.now(dt.timezone.utc) + dt.timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert cli("logs", NAME, "--since", later).stdout == ""  # an ISO time: nothing after it


def test_logs_read_every_page_and_follow_prints_each_event_once(log_group, monkeypatch):
    logs, base = log_group
    query = cloudwatch_logs.LogQuery(GROUP, base - 1000)
    real = logs.filter_log_events
    pages = []

    def small_pages(**kwargs):  # three events a page: the reader must follow nextToken to the end
        page = real(limit=3, **kwargs)
        pages.append(len(page["events"]))
        return page

    monkeypatch.setattr(logs, "filter_log_events", small_pages)
    assert len(cloudwatch_logs.fetch(logs, query)) == 8 and len(pages) >= 3

    printed = []
    polls = []

    def sleep(_):  # between polls, the function logs on; one event lands late (older than the newest)
        polls.append(1)
        if len(polls) == 1:
            logs.put_log_events(logGroupName=GROUP, logStreamName="2026/12/03/[2]aaaa",
                                logEvents=[{"timestamp": base + 20, "message": "new line"}])
        if len(polls) == 2:
            logs.put_log_events(logGroupName=GROUP, logStreamName="2026/12/03/[2]bbbb",
                                logEvents=[{"timestamp": base + 15, "message": "late line"}])

    cloudwatch_logs.follow(logs, query, printed.append, poll_s=0, stop=lambda: len(polls) >= 3, sleep=sleep)
    messages = [e.message for e in printed]
    assert len(messages) == len(set(e.id for e in printed)) == 10  # each once, none skipped
    assert messages[-2:] == ["new line", "late line"]


def test_logs_errors_are_one_line(cli, aws_env):
    missing = cli("logs", "worker-staging-process_checker")  # a function of the repository that never ran there
    assert missing.exit_code == 1
    assert ("no log group /aws/lambda/worker-staging-process_checker: the function has not run yet, or is not "
            "deployed here" in missing.stderr)
    for early in ("1960-01-01", "99999999999999d"):
        before = cli("logs", NAME, "--since", early)
        assert before.exit_code == 2 and "reaches before 1970" in before.stderr, before.output
    bad = cli("logs", NAME, "--since", "yesterday")
    assert bad.exit_code == 2 and "give a duration (30s, 10m, 1h, 2d, 1w) or an ISO time" in bad.stderr
    bare = cli("logs", "process_checker")
    assert bare.exit_code == 2 and "say which environment's with --env ENV" in bare.stderr


def test_no_region_and_no_credentials_are_one_line_each(cli, monkeypatch, inside_worker_repo):
    for key in ("AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
    inside_worker_repo.write("terraform/env/nowhere.tfvars", 'environment = "nowhere"\n')  # names no region
    no_region = cli("logs", "process_checker", "--env", "nowhere")
    assert no_region.exit_code == 1 and "no AWS region is set: pass --region REGION" in no_region.stderr
    monkeypatch.delenv("AWS_ACCESS_KEY_ID", raising=False)
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY", raising=False)
    no_credentials = cli("logs", "process_checker", "--env", "prod")  # the region from prod.tfvars
    assert no_credentials.exit_code == 1 and "no AWS credentials found" in no_credentials.stderr
    assert len(no_credentials.stderr.strip().splitlines()) == 1


@pytest.fixture
def simple_lambda(aws_env, moto_server):
    """moto's Lambda without Docker (its configuration API): an invocation returns its payload."""
    def configure(use_docker: bool) -> None:
        request = urllib.request.Request(f"{moto_server}/moto-api/config", method="POST",
                                         data=json.dumps({"lambda": {"use_docker": use_docker}}).encode())
        urllib.request.urlopen(request).read()

    configure(False)
    iam, lam = boto3.client("iam"), boto3.client("lambda")
    role = iam.create_role(RoleName="remote-invoke", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    lam.create_function(FunctionName=NAME, Runtime="python3.12", Role=role, Handler="lambda_process_checker.handler",
                        Code={"ZipFile": lambda_zip("def handler(e, c):\n    return e\n")}, Publish=True)
    lam.create_alias(FunctionName=NAME, Name="live", FunctionVersion="1")
    yield lam
    lam.delete_function(FunctionName=NAME)
    iam.delete_role(RoleName="remote-invoke")
    configure(True)


def test_invoke_remote_runs_the_deployed_function_through_its_alias(cli, simple_lambda, tmp_path):
    event = tmp_path / "event.json"
    event.write_text('{"probe": "https://example.com"}')
    result = cli("invoke", "process_checker", "--remote", "prod", "--event", str(event))
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {"probe": "https://example.com"}
    document = json.loads(cli("invoke", "process_checker", "--remote", "prod", "--qualifier", "1", "--json").stdout)
    assert document["deployed"] == NAME and document["invocations"][0]["status"] == "ok"
    queued = cli("invoke", "process_checker", "--remote", "prod", "--async", "--json")
    assert json.loads(queued.stdout)["invocations"][0]["status"] == "accepted"
    mixed = cli("invoke", "process_checker", "--remote", "prod", "--memory", "512")
    assert mixed.exit_code == 2 and "--memory: for local runs; --remote invokes what is deployed" in mixed.stderr
    assert cli("invoke", "process_checker", "--async").exit_code == 2  # --async goes with --remote
    local_region = cli("invoke", "process_checker", "--region", "eu-west-1")  # so does --region, never ignored
    assert local_region.exit_code == 2 and "--qualifier, --async and --region go with --remote ENV" in local_region.stderr


def test_status_compares_the_row_states():
    built = {"a": "sha-a", "b": "sha-b", "c": "sha-c"}
    deployed = {"a": Deployed("w-a", "live", "3", identity="sha-a"), "b": Deployed("w-b", "live", "7", identity="old"),
                "c": None}
    rows = compare(built, deployed, [Deployed("w-zombie")])
    assert [(r.name, r.state) for r in rows] == [("a", IN_SYNC), ("b", DIFFERS), ("c", MISSING),
                                                 ("w-zombie", NOT_OURS)]
    assert needs_attention(rows)
    assert not needs_attention(compare({"a": "sha-a"}, {"a": deployed["a"]}, [Deployed("w-zombie")]))


def test_status_env_tells_what_runs_where(worker_repo, cli, aws_env):
    root = str(worker_repo.root)
    assert cli("-C", root, "build").exit_code == 0
    manifest = worker_repo.manifest()
    identity = {f["name"]: f["code_sha256"] for f in manifest["functions"]}
    iam, lam = boto3.client("iam"), boto3.client("lambda")
    role = iam.create_role(RoleName="status-env", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    made = []

    code = lambda_zip("x = 1\n")
    zip_hash = base64.b64encode(hashlib.sha256(code).digest()).decode()  # Lambda's CodeSha256 of it

    handlers = {f"worker-prod-{f['name']}": f["handler"] for f in manifest["functions"]}

    def deploy(name: str, description: str, alias: bool = True) -> None:
        lam.create_function(FunctionName=name, Runtime="python3.12", Role=role, Handler=handlers.get(name, "x.handler"),
                            MemorySize=256, Code={"ZipFile": code}, Publish=True, Description=description)
        if alias:
            lam.create_alias(FunctionName=name, Name="live", FunctionVersion="1")
        made.append(name)

    try:
        deploy("worker-prod-process_checker", f"build-pkg code {identity['process_checker']} zip {zip_hash} probes")
        deploy("worker-prod-api_log_exporter", f"build-pkg code {'0' * 64} zip {zip_hash}")
        deploy("worker-prod-retired", "")
        result = cli("-C", root, "status", "--env", "prod", "--no-build", "--json")
        assert result.exit_code == 3, result.output  # one differs: CI can gate on it
        rows = {r["name"]: r for r in json.loads(result.stdout)["functions"]}
        assert rows["process_checker"]["state"] == "in sync" and rows["process_checker"]["version"] == "1"
        assert rows["process_checker"]["memory"] == 256 and rows["process_checker"]["runtime"] == "python3.12"
        assert rows["api_log_exporter"]["state"] == "differs"
        assert rows["worker-prod-retired"]["state"] == "not in the repository"
        table = cli("-C", root, "status", "--env", "prod", "--no-build").stdout.splitlines()
        assert table[0].split() == ["FUNCTION", "STATE", "VERSION", "ALIAS", "RUNTIME", "MEMORY", "LAST", "MODIFIED"]
        assert any(line.startswith("process_checker") and "in sync" in line and "256 MB" in line for line in table)

        # Code uploaded outside a release keeps the description: the marker is not believed.
        checker = "worker-prod-process_checker"
        lam.update_function_code(FunctionName=checker, ZipFile=lambda_zip("x = 2\n"))
        lam.publish_version(FunctionName=checker)
        assert lam.get_function(FunctionName=checker, Qualifier="2")["Configuration"]["Description"].startswith(
            f"build-pkg code {identity['process_checker']}")
        lam.update_alias(FunctionName=checker, Name="live", FunctionVersion="1",
                         RoutingConfig={"AdditionalVersionWeights": {"2": 0.1}})
        canary = json.loads(cli("-C", root, "status", "--env", "prod", "--no-build", "--json").stdout)
        row = {r["name"]: r for r in canary["functions"]}["process_checker"]
        assert row["state"] == "differs" and row["canary"] == {"2": None}  # 10% runs code nobody built here
        assert row["weights"] == {"2": 10.0}
        lam.update_alias(FunctionName=checker, Name="live", FunctionVersion="2", RoutingConfig={})
        moved = json.loads(cli("-C", root, "status", "--env", "prod", "--no-build", "--json").stdout)
        assert {r["name"]: r["state"] for r in moved["functions"]}["process_checker"] == "differs"
        # A release that brings the same code back in another zip records that zip: in sync again.
        again = lambda_zip("x = 1\n# other functions changed\n")
        lam.update_function_code(FunctionName=checker, ZipFile=again)
        again_hash = base64.b64encode(hashlib.sha256(again).digest()).decode()
        third = lam.publish_version(FunctionName=checker, CodeSha256=again_hash,
                                    Description=f"build-pkg code {identity['process_checker']} zip {again_hash}")
        lam.update_alias(FunctionName=checker, Name="live", FunctionVersion=third["Version"])
        back = json.loads(cli("-C", root, "status", "--env", "prod", "--no-build", "--json").stdout)
        assert {r["name"]: r["state"] for r in back["functions"]}["process_checker"] == "in sync"

        # A configuration changed out of band keeps the code's record in the version it publishes:
        # the record alone would say "in sync".
        lam.update_function_configuration(FunctionName=checker, Handler="lambda_process_checker.other",
                                          Description=f"build-pkg code {identity['process_checker']} zip {again_hash}")
        fourth = lam.publish_version(FunctionName=checker)
        lam.update_alias(FunctionName=checker, Name="live", FunctionVersion=fourth["Version"])
        moved = {r["name"]: r for r in json.loads(cli("-C", root, "status", "--env", "prod", "--no-build",
                                                      "--json").stdout)["functions"]}["process_checker"]
        assert moved["state"] == "differs" and moved["differs"] == (
            "handler lambda_process_checker.other (this checkout: lambda_process_checker.handler)")
        plain = cli("-C", root, "status", "--env", "prod", "--no-build").stdout
        assert "process_checker differs: handler lambda_process_checker.other" in plain

        lam.delete_function(FunctionName="worker-prod-api_log_exporter")
        made.remove("worker-prod-api_log_exporter")
        gone = json.loads(cli("-C", root, "status", "--env", "prod", "--no-build", "--json").stdout)
        assert {r["name"]: r["state"] for r in gone["functions"]}["api_log_exporter"] == "missing"
        assert cli("-C", root, "status").exit_code == 2  # neither a function nor --env
    finally:
        for name in made:
            lam.delete_function(FunctionName=name)
        iam.delete_role(RoleName="status-env")


def test_status_env_counts_what_the_rest_api_stage_sends_requests_to(worker_repo, cli, aws_env):
    """`rollback --api` and `canary --api` leave the stage naming a version instead of `live`:
    every API request runs that version, whatever the alias says."""
    root = str(worker_repo.root)
    assert cli("-C", root, "build").exit_code == 0
    function = next(f for f in worker_repo.manifest()["functions"] if f["name"] == "process_checker")
    iam, lam, apigw = boto3.client("iam"), boto3.client("lambda"), boto3.client("apigateway")
    role = iam.create_role(RoleName="status-api", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    name = "worker-prod-process_checker"
    code = lambda_zip("x = 1\n")
    zip_hash = base64.b64encode(hashlib.sha256(code).digest()).decode()
    lam.create_function(FunctionName=name, Runtime="python3.12", Role=role, Handler=function["handler"],
                        Code={"ZipFile": code}, Publish=True,
                        Description=f"build-pkg code {function['code_sha256']} zip {zip_hash}")
    lam.update_function_code(FunctionName=name, ZipFile=lambda_zip("x = 'old'\n"))
    lam.publish_version(FunctionName=name)  # version 2: code nobody built here
    lam.create_alias(FunctionName=name, Name="live", FunctionVersion="1")
    api = apigw.create_rest_api(name="worker-prod-rest")["id"]
    root_resource = apigw.get_resources(restApiId=api)["items"][0]["id"]
    apigw.put_method(restApiId=api, resourceId=root_resource, httpMethod="GET", authorizationType="NONE")
    apigw.put_integration(restApiId=api, resourceId=root_resource, httpMethod="GET", type="MOCK")
    apigw.create_deployment(restApiId=api, stageName="prod", variables={"process_checker": "live"})

    def row() -> dict:
        result = cli("-C", root, "status", "--env", "prod", "--no-build", "--json")
        return {r["name"]: r for r in json.loads(result.stdout)["functions"]}["process_checker"]

    try:
        assert row()["state"] == "in sync"
        for pinned, why in (("2", "version 2, which runs other code"), ("9", "version 9, which runs other code")):
            apigw.update_stage(restApiId=api, stageName="prod", patchOperations=[
                {"op": "replace", "path": "/variables/process_checker", "value": pinned}])
            found = row()
            assert found["state"] == "differs" and found["version"] == "1", found  # the alias is in sync
            assert found["differs"] == f"the REST API stage sends requests to {why}"
        apigw.update_stage(restApiId=api, stageName="prod", patchOperations=[
            {"op": "replace", "path": "/variables/process_checker", "value": "live"}])
        assert row()["state"] == "in sync"
    finally:
        apigw.delete_rest_api(restApiId=api)
        lam.delete_function(FunctionName=name)
        iam.delete_role(RoleName="status-api")


def test_metrics_sums_and_sparkline_from_cloudwatch(cli, aws_env):
    cloudwatch = boto3.client("cloudwatch")
    now = dt.datetime.now(dt.timezone.utc)
    data = []
    for minutes_ago, invocations, errors in ((50, 3, 1), (20, 5, 0), (5, 10, 2)):
        at = now - dt.timedelta(minutes=minutes_ago)
        dimensions = [{"Name": "FunctionName", "Value": NAME}]
        data += [{"MetricName": "Invocations", "Dimensions": dimensions, "Value": invocations, "Timestamp": at},
                 {"MetricName": "Errors", "Dimensions": dimensions, "Value": errors, "Timestamp": at}]
    cloudwatch.put_metric_data(Namespace="AWS/Lambda", MetricData=data)
    result = cli("metrics", "process_checker", "--env", "prod", "--since", "1h", "--json")
    assert result.exit_code == 0, result.output
    row = json.loads(result.stdout)["functions"][0]
    assert (row["invocations"], row["errors"], row["throttles"]) == (18, 3, 0)
    assert sum(row["invocations_per_period"]) == 18 and len(row["invocations_per_period"]) == 30
    assert (row["p50_ms"], row["p99_ms"]) == (None, None)  # moto computes no percentiles
    plain = cli("metrics", "process_checker", "--env", "prod").stdout.splitlines()
    assert plain[1].split()[:5] == ["FUNCTION", "INVOCATIONS", "ERRORS", "THROTTLES", "P50"]
    assert plain[2].split()[:4] == ["process_checker", "18", "3", "0"]
    assert cli("metrics", "--env", "prod").exit_code == 2  # neither FUNCTION nor --all


def test_metrics_pure_parts():
    start = dt.datetime(2026, 12, 3, 10, 0, tzinfo=dt.timezone.utc)
    step, whole = lambda_metrics.periods(start, start + dt.timedelta(hours=1))
    assert (step, whole) == (120, 3600)
    assert lambda_metrics.periods(start - dt.timedelta(days=16), start) == (46200, 1382400)  # 300 s multiples
    assert lambda_metrics.periods(start - dt.timedelta(days=90), start)[0] % 3600 == 0
    results = [{"Id": "series0", "Timestamps": [start, start + dt.timedelta(minutes=58)], "Values": [2.0, 6.0]},
               {"Id": "inv0", "Values": [8.0]}, {"Id": "err0", "Values": [1.0]}, {"Id": "thr0", "Values": []}]
    durations = {"w-a": lambda_metrics.percentiles([{"ExtendedStatistics": {"p50": 12.5, "p99": 240.0}}])}
    row = lambda_metrics.fold({"a": "w-a"}, results, start, step, 30, durations)[0]
    assert (row.invocations, row.errors, row.throttles, row.p50_ms, row.p99_ms) == (8, 1, 0, 12.5, 240.0)
    assert row.series[0] == 2 and row.series[29] == 6
    assert lambda_metrics.sparkline([0, 1, 2, 4, 8]) == "▁▂▃▅█"
    assert lambda_metrics.table([row])[1].split()[:7] == ["a", "8", "1", "0", "12", "ms", "240"]


@pytest.mark.parametrize("args", [("logs", "process_checker", "--env", "prod"),
                                  ("metrics", "process_checker", "--env", "prod"),
                                  ("invoke", "process_checker", "--remote", "prod"),
                                  ("status", "--env", "prod", "--no-build")])
def test_an_endpoint_that_does_not_answer_is_one_line(args, cli, monkeypatch, worker_repo):
    # status compares with a build's manifest: a small one, as `build` writes it
    worker_repo.write("terraform/dists.manifest.json", json.dumps({"functions": [
        {"name": "process_checker", "code_sha256": "0" * 64}]}))
    args = ("-C", str(worker_repo.root), *args)
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:1")
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")  # honoured: no ten tries with backoff first
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "x")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "x")
    result = cli(*args)
    assert result.exit_code == 1, result.output
    assert result.stderr.count("\n") == 1 and "Could not connect to the endpoint URL" in result.stderr
    assert "check the network, the region and AWS_ENDPOINT_URL" in result.stderr


def test_an_adopted_function_is_read_under_its_own_name(worker_repo, cli, aws_env):
    tf = worker_repo.root / "terraform" / "lambda_process_checker.tf"
    tf.write_text(tf.read_text() + '\nlocals {\n  adopted_process_checker = {\n    prod = { function_name = '
                  '"legacy-checker", alias_name = "current" }\n  }\n}\n')
    logs = boto3.client("logs")
    logs.create_log_group(logGroupName="/aws/lambda/legacy-checker")
    logs.create_log_stream(logGroupName="/aws/lambda/legacy-checker", logStreamName="s")
    logs.put_log_events(logGroupName="/aws/lambda/legacy-checker", logStreamName="s",
                        logEvents=[{"timestamp": _now_ms() - 1000, "message": "from apex days"}])
    try:
        assert _lines(cli("-C", str(worker_repo.root), "logs", "process_checker", "--env", "prod")) == ["from apex days"]
    finally:
        logs.delete_log_group(logGroupName="/aws/lambda/legacy-checker")


def test_a_zip_versions_record_is_believed_only_with_the_zip_it_names():
    from build_pkg.deploy.version_code import zip_identity

    assert zip_identity({"Description": "build-pkg code abc zip Zz= probes URLs", "CodeSha256": "Zz="}) == "abc"
    assert zip_identity({"Description": "build-pkg code abc zip Zz=", "CodeSha256": "Other="}) is None  # re-uploaded
    assert zip_identity({"Description": "build-pkg code abc", "CodeSha256": "Zz="}) is None  # names no zip
    assert zip_identity({"Description": "probes URLs", "CodeSha256": "Zz="}) is None


def test_status_env_compares_the_dependency_layer_by_content(worker_repo, cli, aws_env):
    """A function's record covers its code, not the layer its configuration names: the layer
    is compared by its bytes, or else by the files in it."""
    import io
    import zipfile

    from build_pkg.package.layer import content_identity

    root = str(worker_repo.root)
    assert cli("-C", root, "build", "--layer").exit_code == 0
    manifest = worker_repo.manifest()
    layer_zip = (worker_repo.root / "terraform" / "layer.zip").read_bytes()
    # The same files zipped otherwise (another builder's compressor): the same content.
    again = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(layer_zip)) as source, zipfile.ZipFile(again, "w", zipfile.ZIP_STORED) as out:
        for info in source.infolist():
            out.writestr(info, source.read(info))
    assert again.getvalue() != layer_zip
    assert content_identity(again.getvalue()) == manifest["layer"]["content_sha256"]

    iam, lam = boto3.client("iam"), boto3.client("lambda")
    role = iam.create_role(RoleName="status-layer", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    code = lambda_zip("x = 1\n")
    zip_hash = base64.b64encode(hashlib.sha256(code).digest()).decode()
    ours = lam.publish_layer_version(LayerName="worker-prod-dependencies", Content={"ZipFile": layer_zip})
    other = lam.publish_layer_version(LayerName="worker-prod-dependencies",
                                      Content={"ZipFile": lambda_zip("y = 2\n", "python/y.py")})
    made = []
    try:
        for f, layer in zip(manifest["functions"], (ours, other)):
            name = f"worker-prod-{f['name']}"
            lam.create_function(FunctionName=name, Runtime="python3.12", Role=role, Handler=f["handler"],
                                Code={"ZipFile": code}, Publish=True, Layers=[layer["LayerVersionArn"]],
                                Description=f"build-pkg code {f['code_sha256']} zip {zip_hash}")
            lam.create_alias(FunctionName=name, Name="live", FunctionVersion="1")
            made.append(name)
        rows = {r["name"]: r for r in json.loads(cli("-C", root, "status", "--env", "prod", "--no-build",
                                                      "--json").stdout)["functions"]}
        first, second = (f["name"] for f in manifest["functions"])
        assert rows[first]["state"] == "in sync", rows[first]
        assert rows[second]["state"] == "differs" and rows[second]["differs"] == (
            f"dependency layer {other['LayerVersionArn']}: another zip, whose files cannot be read (no download "
            "address)")
    finally:
        for name in made:
            lam.delete_function(FunctionName=name)
        iam.delete_role(RoleName="status-layer")
