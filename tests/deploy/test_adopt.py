"""`adopt` against a moto server seeded as apex left an account, then the real tree planned
against the stand-in AWS provider: every adopted resource is an import, none a create."""

from __future__ import annotations

import json
import re
import subprocess

import boto3
import pytest
from builder_support import WorkerRepo, lambda_zip

from build_pkg.deploy.prune import deployed_names
from build_pkg.infra import runner
from build_pkg.infra.environments import read as read_environments
from build_pkg.infra.validate import validate
from build_pkg.progress import Reporter
from build_pkg.project import Project

TOKEN = "s3cr3t-value-that-must-never-reach-a-file"
LOCAL = {  # the functions/ counterparts of the live functions, in both layouts
    "functions/lambda_alpha.py": "def handler(event, context):\n    return {'alpha': len(event.get('Records', []))}\n",
    "functions/beta/__init__.py": "",
    "functions/beta/main.py": "def handler(event, context):\n    return 'beta'\n",
    "functions/lambda_gamma.py": "def handler(event, context):\n    return 'gamma'\n",
}


def seed(prefix: str, names=("alpha", "beta", "gamma")) -> dict:
    """Functions as apex deployed them: `<prefix>_<name>`, one shared role, handler main.handle,
    an alias `current`, log groups; alpha read by an SQS mapping, beta on a schedule with its
    permission, gamma with a function URL and a second alias."""
    iam, lam, logs = boto3.client("iam"), boto3.client("lambda"), boto3.client("logs")
    events, sqs = boto3.client("events"), boto3.client("sqs")
    role = iam.create_role(RoleName=f"{prefix}_lambda_function", AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
                                                "Action": "sts:AssumeRole"}]}))["Role"]["Arn"]
    made = {"role": role}
    for name in names:
        live = f"{prefix}_{name}"
        environment = {"STAGE": "prod", "API_TOKEN": TOKEN} if name == "alpha" else {"STAGE": "prod"}
        lam.create_function(FunctionName=live, Runtime="python3.9", Role=role, Handler="main.handle", MemorySize=256,
                            Timeout=60, Description=f"{name} (apex)", Environment={"Variables": environment},
                            Code={"ZipFile": lambda_zip("def handle(e, c):\n    return 1\n", "main.py")}, Publish=True)
        lam.create_alias(FunctionName=live, Name="current", FunctionVersion="1")
        logs.create_log_group(logGroupName=f"/aws/lambda/{live}")
        made[name] = lam.get_alias(FunctionName=live, Name="current")["AliasArn"]
    if "alpha" in names:
        queue = sqs.create_queue(QueueName=f"{prefix}-jobs")["QueueUrl"]
        queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        made["mapping"] = lam.create_event_source_mapping(EventSourceArn=queue_arn, FunctionName=made["alpha"],
                                                          BatchSize=5)["UUID"]
    if "beta" in names:
        rule = events.put_rule(Name=f"{prefix}_beta_schedule", ScheduleExpression="rate(5 minutes)")["RuleArn"]
        events.put_targets(Rule=f"{prefix}_beta_schedule", Targets=[{"Id": "beta", "Arn": made["beta"]}])
        lam.add_permission(FunctionName=f"{prefix}_beta", Qualifier="current", StatementId="AllowEventsSchedule",
                           Action="lambda:InvokeFunction", Principal="events.amazonaws.com", SourceArn=rule)
    if "gamma" in names:
        lam.create_alias(FunctionName=f"{prefix}_gamma", Name="old", FunctionVersion="1")
        lam.create_function_url_config(FunctionName=f"{prefix}_gamma", AuthType="AWS_IAM")
    return made


@pytest.fixture
def repo(worker_repo: WorkerRepo, cli) -> WorkerRepo:
    for rel, text in LOCAL.items():
        worker_repo.write(rel, text)
    assert cli("-C", str(worker_repo.root), "build").exit_code == 0
    return worker_repo


def _planned(repo: WorkerRepo, env: str, tmp_path) -> list[dict]:
    planned = validate(Project.at(repo.root), env, Reporter(), tmp_path / env)
    shown = subprocess.run([*runner.command(), f"-chdir={planned.tree}", "show", "-json", "validate.tfplan"],
                           env={**runner.environment(), **planned.environment}, capture_output=True, text=True)
    assert shown.returncode == 0, shown.stderr
    return json.loads(shown.stdout)["resource_changes"]


def _written(repo: WorkerRepo) -> dict[str, bytes]:
    tf = repo.root / "terraform"
    return {p.name: p.read_bytes() for p in sorted(tf.glob("*.tf"))}


def test_adopt_writes_files_that_check_and_plan_as_imports_only(repo, cli, aws_env, tmp_path, monkeypatch):
    made = seed("legacy")
    root = str(repo.root)
    before = _written(repo)
    dry = cli("-C", root, "adopt", "--match", "legacy_*", "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert "--- terraform/lambda_beta.tf (would be written)" in dry.output
    assert _written(repo) == before  # a dry run writes nothing

    result = cli("-C", root, "adopt", "--match", "legacy_*")
    assert result.exit_code == 0, result.output
    assert "legacy_alpha -> alpha (terraform/lambda_alpha.tf)" in result.output
    assert "API_TOKEN looks like a secret" in result.stderr and "TF_VAR_alpha_api_token" in result.stderr
    assert "leaves unmanaged: alias old (the module manages one alias, current); function URL" in result.output
    assert "runtime python3.9 -> python3.12" in result.output
    tf = repo.root / "terraform"
    for name in ("alpha", "beta", "gamma"):
        text = (tf / f"lambda_{name}.tf").read_text()
        assert re.search(rf'function_name += "legacy_{name}"', text) and re.search(r'alias_name += "current"', text)
    assert TOKEN not in "".join(p.read_text() for p in tf.glob("*.tf"))
    imports = (tf / "imports.tf").read_text()
    assert f'id       = "{made["mapping"]}"' in imports
    assert 'id       = "legacy_beta:current/AllowEventsSchedule"' in imports
    assert 'id       = "legacy_beta_schedule/beta"' in imports
    fmt = subprocess.run([*runner.command(), f"-chdir={tf}", "fmt", "-check", "-diff"], env=runner.environment(),
                         capture_output=True, text=True)
    assert fmt.returncode == 0, fmt.stdout

    checked = cli("-C", root, "check")
    assert checked.exit_code == 0, checked.output

    # The real tree, planned for prod against the stand-in provider: imports, never creates.
    monkeypatch.setenv("TF_VAR_alpha_api_token", TOKEN)
    # (terraform_data.code_zip is Terraform's own record of the zip each function's code
    # comes from, no AWS resource: it is created, as nothing in AWS could be imported for it.)
    changes = [c for c in _planned(repo, "prod", tmp_path)
               if c["address"].startswith(("module.lambda_alpha.", "module.lambda_beta.", "module.lambda_gamma."))
               and ".terraform_data.code_zip" not in c["address"]]
    addresses = {c["address"] for c in changes}
    assert {"module.lambda_alpha.aws_lambda_event_source_mapping.sqs[0]",
            "module.lambda_beta.aws_cloudwatch_event_rule.schedule[0]",
            "module.lambda_beta.aws_cloudwatch_event_target.schedule[0]",
            "module.lambda_beta.aws_lambda_permission.schedule[0]",
            "module.lambda_gamma.aws_lambda_alias.live", "module.lambda_gamma.aws_cloudwatch_log_group.this",
            "module.lambda_gamma.aws_lambda_function.this"} <= addresses
    assert not [c["address"] for c in changes if "create" in c["change"]["actions"]]
    assert not [c["address"] for c in changes if not c["change"].get("importing")]
    assert len(changes) == imports.count("import {")
    # Another environment deploys the same functions under their usual names, importing nothing.
    dev = {c["address"]: c for c in _planned(repo, "dev", tmp_path)}
    assert not [a for a, c in dev.items() if c["change"].get("importing")]
    function = dev["module.lambda_alpha.aws_lambda_function.this"]["change"]
    assert function["actions"] == ["create"] and function["after"]["function_name"] == "worker-dev-alpha"

    # The other commands find it under its live name and alias in prod, and as usual elsewhere.
    environments = {e.name: e for e in read_environments(Project.at(repo.root))}
    assert (environments["prod"].function_name("beta"), environments["prod"].alias("beta")) == ("legacy_beta", "current")
    assert (environments["dev"].function_name("beta"), environments["dev"].alias("beta")) == ("worker-dev-beta", "live")
    split = json.loads(cli("-C", root, "status", "legacy_beta", "--alias", "current", "--json").stdout)
    assert (split["alias"], split["primary"]) == ("current", "1")
    assert {"legacy_alpha", "legacy_beta", "legacy_gamma", "worker-prod-process_checker"} <= set(
        deployed_names(Project.at(repo.root), "prod"))  # what `prune --all --env prod` goes through

    again = cli("-C", root, "adopt", "--match", "legacy_*")
    assert again.exit_code == 0
    assert "nothing to do" in again.output
    assert (tf / "imports.tf").read_text() == imports


def test_a_live_function_without_a_counterpart_is_refused_and_nothing_is_written(repo, cli, aws_env):
    seed("orphan", names=("alpha", "delta"))
    before = _written(repo)
    result = cli("-C", str(repo.root), "adopt", "--match", "orphan_*")
    assert result.exit_code == 1
    assert result.output.strip().splitlines()[-1].startswith("error: orphan_delta: no counterpart in functions/")
    assert _written(repo) == before and not (repo.root / "terraform" / "imports.tf").exists()
    mapped = cli("-C", str(repo.root), "adopt", "--match", "orphan_*", "--map", "orphan_delta=gamma", "--dry-run")
    assert mapped.exit_code == 0, mapped.output
    assert "orphan_delta -> gamma" in mapped.output


def test_an_existing_function_file_is_refused_and_nothing_is_written(repo, cli, aws_env):
    seed("taken", names=("alpha", "gamma"))
    assert cli("-C", str(repo.root), "tf", "alpha").exit_code == 0
    before = _written(repo)
    result = cli("-C", str(repo.root), "adopt", "--match", "taken_*")
    assert result.exit_code == 1
    assert "terraform/lambda_alpha.tf exists already" in result.output
    assert _written(repo) == before and not (repo.root / "terraform" / "imports.tf").exists()


def test_a_map_for_a_function_the_pattern_does_not_match_is_refused(repo, cli, aws_env):
    seed("mapped", names=("alpha",))
    result = cli("-C", str(repo.root), "adopt", "--match", "mapped_*", "--map", "mapped_zeta=gamma")
    assert result.exit_code == 1
    assert "--map mapped_zeta: no live function of that name matches 'mapped_*'" in result.output
    assert not (repo.root / "terraform" / "imports.tf").exists()


def test_a_rule_shared_by_two_functions_is_imported_into_neither(repo, cli, aws_env):
    """Imported into both modules, deleting one function would plan to destroy the rule the
    other still uses: it is left unmanaged, with a line naming all its targets."""
    made = seed("twin", names=("alpha", "gamma"))
    events, lam = boto3.client("events"), boto3.client("lambda")
    rule = events.put_rule(Name="twin_nightly", ScheduleExpression="cron(0 3 * * ? *)")["RuleArn"]
    events.put_targets(Rule="twin_nightly", Targets=[{"Id": "alpha", "Arn": made["alpha"]},
                                                     {"Id": "gamma", "Arn": made["gamma"]}])
    for name in ("alpha", "gamma"):
        lam.add_permission(FunctionName=f"twin_{name}", Qualifier="current", StatementId="Nightly",
                           Action="lambda:InvokeFunction", Principal="events.amazonaws.com", SourceArn=rule)
    result = cli("-C", str(repo.root), "adopt", "--match", "twin_*")
    assert result.exit_code == 0, result.output
    line = ("rule twin_nightly targets twin_alpha:current, twin_gamma:current: a rule shared by several targets is "
            "not imported into one function's module (deleting that function would destroy it); manage it once in "
            "terraform/ outside the modules, or give each function a rule of its own")
    assert result.output.count(line) == 2  # under each function it targets
    imports = (repo.root / "terraform" / "imports.tf").read_text()
    assert "twin_nightly" not in imports and "Nightly" not in imports
    for name in ("alpha", "gamma"):
        assert "schedule" not in (repo.root / "terraform" / f"lambda_{name}.tf").read_text()
