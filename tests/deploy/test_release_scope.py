"""What a targeted release must still plan: each case a stranger's hunt found a targeted
release skipping (or failing on), with real Terraform against the stand-in. Each test
releases the whole tree first (v1.0.0), changes one thing and releases again, compared
with v1.0.0's summary, then checks the state holds the change."""

from __future__ import annotations

import json

import boto3
import pytest
from test_release import _function, _state, _summary, commit_and_tag, git, make_release_repo, release

SKIP = ("--skip-tests", "these tests are about Terraform")


@pytest.fixture
def repo(worker_repo, cli, standin_env, monkeypatch):
    return make_release_repo(worker_repo, standin_env, monkeypatch)


def prev(repo, tag):
    return str(repo.root / "terraform" / ".release" / tag / "summary.json")


def rel(cli, repo, tag, previous=None, *args):
    commit_and_tag(repo, tag)
    extra = ["--previous-manifest", prev(repo, previous)] if previous else []
    return release(cli, repo, "--auto-approve", *SKIP, *extra, *args)


def edit(repo, rel_path, old, new):
    p = repo.root / rel_path
    t = p.read_text()
    assert old in t, (rel_path, old)
    p.write_text(t.replace(old, new, 1))


CHECKER_TF = "terraform/lambda_process_checker.tf"
EXPORTER_TF = "terraform/lambda_api_log_exporter.tf"
CHECKER_PY = "functions/lambda_process_checker.py"


def env_of(repo, name):
    return _function(repo, name)["environment"][0]["variables"]


# 1. A function's .tf refers to another's module; only the referring function changes.
def test_dependency_on_unplanned_function(repo, cli):
    edit(repo, CHECKER_TF, 'CHECK_TARGETS = "https://status.example.com/health"',
         'CHECK_TARGETS = "https://status.example.com/health"\n    EXPORTER = module.lambda_api_log_exporter.function_name')
    assert rel(cli, repo, "v1.0.0").exit_code == 0
    assert env_of(repo, "process_checker")["EXPORTER"] == "worker-prod-api_log_exporter"
    p = repo.root / CHECKER_PY
    p.write_text(p.read_text() + "\n# tuned\n")
    r = rel(cli, repo, "v1.1.0", "v1.0.0")
    s = _summary(repo, "v1.1.0")
    assert r.exit_code == 0, r.stderr[-2000:]
    assert s["scope"]["targets"] == ["module.lambda_api_log_exporter", "module.lambda_process_checker"]


# 2. A local declared in one function's .tf and read by another's: a change to the local
# reaches the reader; a change to the reader alone still plans (the root needs the local).
def _shared_local(repo, cli):
    edit(repo, EXPORTER_TF, 'module "lambda_api_log_exporter" {',
         'locals {\n  export_prefix = "v1"\n}\n\nmodule "lambda_api_log_exporter" {')
    edit(repo, CHECKER_TF, 'CHECK_TARGETS = "https://status.example.com/health"',
         'CHECK_TARGETS = "https://status.example.com/health"\n    PREFIX = local.export_prefix')
    assert rel(cli, repo, "v1.0.0").exit_code == 0
    assert env_of(repo, "process_checker")["PREFIX"] == "v1"


@pytest.mark.parametrize("changed", ["the local", "the reader"])
def test_a_local_shared_between_function_files(repo, cli, changed):
    _shared_local(repo, cli)
    if changed == "the local":
        edit(repo, EXPORTER_TF, 'export_prefix = "v1"', 'export_prefix = "v2"')
    else:
        edit(repo, CHECKER_TF, "memory_size = 128", "memory_size = 256")
    result = rel(cli, repo, "v1.1.0", "v1.0.0")
    assert result.exit_code == 0, result.stderr[-2000:]
    checker = _function(repo, "process_checker")
    assert (checker["environment"][0]["variables"]["PREFIX"], checker["memory_size"]) == (
        ("v2", 128) if changed == "the local" else ("v1", 256))


# 3-6. Inputs besides the functions' own files: each change must reach the function that
# reads it. Each case: what the first release has (its target "a"), then the change to "b".
def _file_input(repo, target):
    repo.write("terraform/config/checker_targets.txt", f"https://{target}.example.com")
    if target == "a":
        edit(repo, CHECKER_TF, 'CHECK_TARGETS = "https://status.example.com/health"',
             'CHECK_TARGETS = trimspace(file("${path.module}/config/checker_targets.txt"))')


def _tf_json(repo, target):
    repo.write("terraform/settings.tf.json", json.dumps({"locals": {"checker_target": f"https://{target}.example.com"}}))
    if target == "a":
        edit(repo, CHECKER_TF, 'CHECK_TARGETS = "https://status.example.com/health"',
             "CHECK_TARGETS = local.checker_target")


def _auto_tfvars(repo, target):
    repo.write("terraform/checker.auto.tfvars", f'checker_target = "https://{target}.example.com"\n')
    if target == "a":
        edit(repo, "terraform/variables.tf", 'variable "region" {',
             'variable "checker_target" {\n  type = string\n}\n\nvariable "region" {')
        edit(repo, CHECKER_TF, 'CHECK_TARGETS = "https://status.example.com/health"', "CHECK_TARGETS = var.checker_target")


def _other_module(repo, target):
    repo.write("terraform/modules/settings/main.tf", f'output "target" {{\n  value = "https://{target}.example.com"\n}}\n')
    if target == "a":
        edit(repo, CHECKER_TF, 'module "lambda_process_checker" {',
             'module "checker_settings" {\n  source = "./modules/settings"\n}\n\nmodule "lambda_process_checker" {')
        edit(repo, CHECKER_TF, 'CHECK_TARGETS = "https://status.example.com/health"',
             "CHECK_TARGETS = module.checker_settings.target")


@pytest.mark.parametrize("change", [_file_input, _tf_json, _auto_tfvars, _other_module],
                         ids=["a file a .tf reads with file()", "a shared .tf.json", "an *.auto.tfvars",
                              "another local module"])
def test_a_change_to_what_a_function_tf_reads_reaches_it(repo, cli, change):
    change(repo, "a")
    assert rel(cli, repo, "v1.0.0").exit_code == 0
    assert env_of(repo, "process_checker")["CHECK_TARGETS"] == "https://a.example.com"
    change(repo, "b")
    result = rel(cli, repo, "v1.1.0", "v1.0.0")
    assert result.exit_code == 0, result.stderr[-2000:]
    assert _summary(repo, "v1.1.0")["scope"]["whole_tree"]  # shared: the whole tree
    assert env_of(repo, "process_checker")["CHECK_TARGETS"] == "https://b.example.com"


# 7. --previous-manifest with a plan-only summary.
def test_previous_is_a_plan_only_summary(repo, cli):
    assert rel(cli, repo, "v1.0.0").exit_code == 0
    edit(repo, CHECKER_TF, "memory_size = 128", "memory_size = 256")
    r = rel(cli, repo, "v1.1.0", "v1.0.0", "--plan-only")
    assert r.exit_code == 0
    edit(repo, EXPORTER_TF, "memory_size = 256", "memory_size = 512")
    r = rel(cli, repo, "v1.2.0", "v1.1.0")
    assert _summary(repo, "v1.2.0")["status"] == "applied"
    assert _function(repo, "process_checker")["memory_size"] == 256


# 8. A release that failed halfway, then the change is reverted (S3: previous = last applied).
def test_failed_release_then_revert(repo, cli, aws_env):
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket="rel", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    assert rel(cli, repo, "v1.0.0", None, "--s3-bucket", "rel").exit_code == 0
    good = _function(repo, "process_checker")["description"]
    p = repo.root / CHECKER_PY
    p.write_text(p.read_text() + "\n# risky change\n")
    repo.write("functions/lambda_bad.py", "def handler(event, context):\n    return 1\n")
    assert cli("-C", str(repo.root), "tf", "bad").exit_code == 0
    bad_tf = repo.root / "terraform/lambda_bad.tf"
    bad_tf.write_text(bad_tf.read_text() + '''
resource "terraform_data" "boom" {
  depends_on = [module.lambda_process_checker]
  provisioner "local-exec" {
    command = "echo simulated AccessDenied >&2; exit 1"
  }
}
''')
    r = rel(cli, repo, "v1.1.0", None, "--s3-bucket", "rel")
    assert r.exit_code == 1
    risky = _function(repo, "process_checker")["description"]
    assert risky != good  # the failed release did change the checker
    git(repo, "revert", "--no-edit", "HEAD")
    r = rel(cli, repo, "v1.2.0", None, "--s3-bucket", "rel")
    assert _summary(repo, "v1.2.0")["status"] == "applied"
    assert _function(repo, "process_checker")["description"] == good, "checker still runs the reverted code"
    assert not [a for a in _state(repo, "prod") if "bad" in a or "boom" in a], "orphans of the failed release"


# 9. A data source declared in one function's .tf, used by another's.
def test_data_source_shared_between_function_files(repo, cli):
    edit(repo, EXPORTER_TF, 'module "lambda_api_log_exporter" {',
         'data "aws_iam_policy_document" "exporter_read" {\n  statement {\n    actions   = ["s3:GetObject"]\n    resources = ["arn:aws:s3:::a/*"]\n  }\n}\n\nmodule "lambda_api_log_exporter" {')
    edit(repo, CHECKER_TF, 'CHECK_TARGETS = "https://status.example.com/health"',
         'CHECK_TARGETS = "https://status.example.com/health"\n    POLICY_LEN = tostring(length(data.aws_iam_policy_document.exporter_read.json))')
    r = rel(cli, repo, "v1.0.0")
    assert r.exit_code == 0
    edit(repo, CHECKER_TF, "memory_size = 128", "memory_size = 256")
    r = rel(cli, repo, "v1.1.0", "v1.0.0")
    assert _summary(repo, "v1.1.0")["status"] == "applied"
    assert r.exit_code == 0


# 10. A function renamed, with a moved block.
def test_rename_with_moved_block(repo, cli):
    assert rel(cli, repo, "v1.0.0").exit_code == 0
    git(repo, "mv", CHECKER_PY, "functions/lambda_checker2.py")
    git(repo, "mv", CHECKER_TF, "terraform/lambda_checker2.tf")
    edit(repo, "terraform/lambda_checker2.tf", 'module "lambda_process_checker"', 'module "lambda_checker2"')
    edit(repo, "terraform/lambda_checker2.tf", 'name    = "process_checker"', 'name    = "checker2"')
    edit(repo, "terraform/lambda_checker2.tf", 'handler = "lambda_process_checker.handler"', 'handler = "lambda_checker2.handler"')
    (repo.root / "terraform/lambda_checker2.tf").write_text((repo.root / "terraform/lambda_checker2.tf").read_text()
        + '\nmoved {\n  from = module.lambda_process_checker\n  to   = module.lambda_checker2\n}\n')
    r = rel(cli, repo, "v1.1.0", "v1.0.0")
    assert _summary(repo, "v1.1.0")["status"] == "applied"
    assert r.exit_code == 0
    st = _state(repo, "prod")
    assert _function(repo, "checker2")["function_name"] == "worker-prod-checker2"
    assert not [a for a in st if "process_checker" in a]
