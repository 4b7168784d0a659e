"""terraform/rest_api.tf on the real tree, planned and applied by real Terraform against the
stand-in provider: the REST API serves the document the code describes, each integration in
the full-ARN stage-variable form, and only a change of the document redeploys it."""

from __future__ import annotations

import json

from test_openapi import ORDERS, api_repo  # noqa: F401  (fixture)
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "infra"))
from test_validate import _plan_changes, _planner, _terraform  # noqa: E402

from build_pkg.infra.validate import validate  # noqa: E402
from build_pkg.progress import Reporter  # noqa: E402
from build_pkg.project import Project  # noqa: E402


def test_the_rest_api_serves_the_code_and_redeploys_only_when_the_document_moves(api_repo, cli, tmp_path):
    repo = api_repo
    root = str(repo.root)
    assert cli("-C", root, "tf").exit_code == 0
    assert cli("-C", root, "build").exit_code == 0
    result = validate(Project.at(repo.root), "dev", Reporter(), tmp_path / "apply")
    first = _plan_changes(result.tree, result.environment)
    for address in ("aws_api_gateway_rest_api.rest[0]", "aws_api_gateway_deployment.rest[0]",
                    "aws_api_gateway_stage.rest[0]", 'aws_lambda_permission.rest["orders"]'):
        assert first[address] == ["create"], address
    applied = _terraform(result.tree, result.environment, "apply", "-input=false", "validate.tfplan")
    assert applied.returncode == 0, applied.stderr
    state = json.loads((tmp_path / "apply" / "terraform.tfstate").read_text())
    attrs = {r["type"]: r["instances"][0]["attributes"] for r in state["resources"] if r["type"].startswith("aws_api_gateway")}
    body = json.loads(attrs["aws_api_gateway_rest_api"]["body"])
    uri = body["paths"]["/orders"]["post"]["x-amazon-apigateway-integration"]["uri"]
    assert uri == ("arn:aws:apigateway:eu-west-1:lambda:path/2015-03-31/functions/arn:aws:lambda:eu-west-1:"
                   "123456789012:function:worker-dev-orders:${stageVariables.orders}/invocations")
    assert attrs["aws_api_gateway_stage"]["variables"] == {"orders": "live"}
    assert attrs["aws_api_gateway_stage"]["stage_name"] == "dev"

    plan_after = _planner(repo, cli, tmp_path, (tmp_path / "apply" / "terraform.tfstate").read_bytes())
    assert plan_after(lambda: None) == {}  # the same document: nothing
    source = repo.root / "functions" / "lambda_orders.py"
    changes = plan_after(lambda: source.write_text(source.read_text() + "\n# tuned\n"))
    assert not [a for a in changes if "api_gateway" in a]  # new code, same routes: no redeployment
    changes = plan_after(lambda: source.write_text(ORDERS.replace('"/orders"', '"/orders/new"')))
    assert changes["aws_api_gateway_deployment.rest[0]"] == ["create", "delete"]  # create before destroy
    assert changes["aws_api_gateway_rest_api.rest[0]"] == ["update"]
