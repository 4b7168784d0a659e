"""Canary at the API: `canary --api`, `promote --api`, `rollback --api`, `status --api`
against moto's API Gateway and Lambda (server on 127.0.0.1), and what a release does with a
stage canary or an API rollback.

moto keeps a stage's variables and deployment but not its canary settings, so
`canary_stand_in` adds those to moto's own Stage model (see its docstring); everything
else is moto's."""

from __future__ import annotations

import json

import boto3
import pytest

from build_pkg.deploy import api_canary
from build_pkg.deploy.guards import refuse_undoing_an_api_pin
from build_pkg.deploy.release import ReleaseOptions
from build_pkg.deploy.traffic import LiveAlias
from build_pkg.errors import ReleaseError

# Commands run without -C, from inside a worker repository (a copy of the example).
pytestmark = pytest.mark.usefixtures("inside_worker_repo")

NAME = "worker-prod-process_checker"


@pytest.fixture
def canary_stand_in(monkeypatch):
    """moto's API Gateway ignores `/canarySettings/...` patches (and applies
    `/canarySettings/deploymentId` to the stage's own deployment id). This stand-in adds the
    canary settings to moto's Stage as the UpdateStage reference describes them: `replace`
    of /canarySettings/percentTraffic, deploymentId, useStageCache and
    stageVariableOverrides/NAME; `remove` of /canarySettings or of one override; get_stage
    returns them. It does not split traffic, check deployment ids, or take canary settings in
    CreateDeployment or CreateStage. Yields every UpdateStage's operations as moto received them."""
    from moto.apigateway import models

    original_apply, original_json = models.Stage.apply_operations, models.Stage.to_json
    received: list[list[dict]] = []

    def apply_operations(self, patch_operations):
        received.append(json.loads(json.dumps(patch_operations)))
        rest = []
        for op in patch_operations:
            path = op["path"]
            if not path.startswith("/canarySettings"):
                rest.append(op)
                continue
            settings = self.__dict__.setdefault("canary_settings", None)
            if op["op"] == "remove" and path == "/canarySettings":
                self.canary_settings = None
                continue
            settings = self.canary_settings = settings or {"percentTraffic": 0.0, "useStageCache": False}
            key = path.removeprefix("/canarySettings/")
            if key.startswith("stageVariableOverrides/"):
                overrides = settings.setdefault("stageVariableOverrides", {})
                name = key.split("/", 1)[1]
                if op["op"] == "remove":
                    overrides.pop(name, None)
                else:
                    overrides[name] = op["value"]
            elif key == "percentTraffic":
                settings[key] = float(op["value"])
            elif key == "useStageCache":
                settings[key] = op["value"] == "true"
            elif key == "deploymentId":
                settings[key] = op["value"]
            else:
                raise AssertionError(f"not a canary setting: {path}")
        return original_apply(self, rest)

    def to_json(self):
        data = original_json(self)
        if self.__dict__.get("canary_settings"):
            data["canarySettings"] = json.loads(json.dumps(self.canary_settings))
        return data

    monkeypatch.setattr(models.Stage, "apply_operations", apply_operations)
    monkeypatch.setattr(models.Stage, "to_json", to_json)
    return received


@pytest.fixture
def rest_stage(deployed, canary_stand_in):
    """worker-prod-rest in moto, stage prod, whose process_checker variable names `live`,
    as terraform/rest_api.tf deploys it; with the patches moto received."""
    apigw = boto3.client("apigateway")
    api = apigw.create_rest_api(name="worker-prod-rest")["id"]
    root = apigw.get_resources(restApiId=api)["items"][0]["id"]
    apigw.put_method(restApiId=api, resourceId=root, httpMethod="GET", authorizationType="NONE")
    apigw.put_integration(restApiId=api, resourceId=root, httpMethod="GET", type="AWS_PROXY",
                          integrationHttpMethod="POST",
                          uri="arn:aws:apigateway:eu-west-1:lambda:path/2015-03-31/functions/arn:aws:lambda:eu-west-1:"
                              f"123456789012:function:{NAME}:${{stageVariables.process_checker}}/invocations")
    deployment = apigw.create_deployment(restApiId=api, stageName="prod",
                                         variables={"process_checker": "live", "other": "live"})["id"]
    yield apigw, api, deployment, canary_stand_in
    apigw.delete_rest_api(restApiId=api)


def _run(cli, *args: str) -> dict:
    result = cli(*args, "--env", "prod", "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_an_api_canary_sends_a_share_of_the_stage_to_the_newest_version(cli, rest_stage):
    apigw, api, deployment, _ = rest_stage
    assert _run(cli, "status", "process_checker", "--api")["shares"] == {"2": 100.0}  # `live` is version 2

    split = _run(cli, "canary", "process_checker", "--api", "10")
    assert split["shares"] == {"1": 90.0, "2": 10.0} and split["variable"] == "1" and split["canary"] == "2"
    stage = apigw.get_stage(restApiId=api, stageName="prod")
    assert stage["variables"] == {"process_checker": "1", "other": "live"}  # the stage on the previous version
    assert stage["canarySettings"] == {"percentTraffic": 10.0, "useStageCache": False, "deploymentId": deployment,
                                       "stageVariableOverrides": {"process_checker": "2"}}
    for version in ("1", "2"):  # the stage may now call both versions, from this API only
        policy = json.loads(boto3.client("lambda").get_policy(FunctionName=NAME, Qualifier=version)["Policy"])
        statement = next(s for s in policy["Statement"] if s["Sid"] == f"build-pkg-rest-api-{version}")
        assert statement["Condition"]["ArnLike"]["AWS:SourceArn"].endswith(f":{api}/*/*/*")
    plain = cli("status", "process_checker", "--env", "prod", "--api")
    assert plain.stdout.strip() == ("process_checker on worker-prod-rest stage prod (variable: 1): "
                                    "version 1 90%, version 2 10%")
    assert _run(cli, "canary", "process_checker", "--api", "25")["shares"] == {"1": 75.0, "2": 25.0}  # adjusted


def test_promote_follows_api_gateways_order_and_comes_back_to_live(cli, rest_stage):
    apigw, api, deployment, sent = rest_stage
    _run(cli, "canary", "process_checker", "--api", "10")
    sent.clear()
    assert _run(cli, "promote", "process_checker", "--api")["shares"] == {"2": 100.0}
    assert sent == [
        [{"op": "replace", "path": "/deploymentId", "value": deployment},
         {"op": "replace", "path": "/variables/process_checker", "value": "2"},
         {"op": "replace", "path": "/canarySettings/percentTraffic", "value": "0.0"}],
        [{"op": "remove", "path": "/canarySettings"}],
        # live is version 2 with no weights: the variable names it again, as Terraform sets it
        [{"op": "replace", "path": "/variables/process_checker", "value": "live"}]]
    stage = apigw.get_stage(restApiId=api, stageName="prod")
    assert "canarySettings" not in stage and stage["variables"]["process_checker"] == "live"


def test_promote_refuses_a_canary_older_than_the_stages_deployment(cli, rest_stage):
    apigw, api, deployment, _ = rest_stage
    _run(cli, "canary", "process_checker", "--api", "0.25")
    assert apigw.get_stage(restApiId=api, stageName="prod")["canarySettings"]["percentTraffic"] == 0.25
    apigw.update_stage(restApiId=api, stageName="prod", patchOperations=[  # an apply redeployed meanwhile
        {"op": "replace", "path": "/deploymentId", "value": "newer1"}])
    refused = cli("promote", "process_checker", "--env", "prod", "--api")
    assert refused.exit_code == 1 and "was deployed again since the canary began" in refused.stderr
    assert apigw.get_stage(restApiId=api, stageName="prod")["deploymentId"] == "newer1"


def test_rollback_removes_the_canary_and_keeps_the_previous_version(cli, rest_stage):
    apigw, api, _, _ = rest_stage
    _run(cli, "canary", "process_checker", "--api", "50")
    assert _run(cli, "rollback", "process_checker", "--api")["shares"] == {"1": 100.0}
    stage = apigw.get_stage(restApiId=api, stageName="prod")
    assert "canarySettings" not in stage and stage["variables"]["process_checker"] == "1"
    again = cli("rollback", "process_checker", "--env", "prod", "--api")
    assert again.exit_code == 1 and "has no canary for process_checker to roll back" in again.stderr


def test_one_canary_per_stage_and_the_usage_errors(cli, rest_stage):
    apigw, api, _, _ = rest_stage
    apigw.update_stage(restApiId=api, stageName="prod", patchOperations=[
        {"op": "replace", "path": "/canarySettings/stageVariableOverrides/other", "value": "7"}])
    taken = cli("canary", "process_checker", "--env", "prod", "--api", "10")
    assert taken.exit_code == 1 and "stage prod has a canary for other; promote or roll it back first" in taken.stderr
    both = cli("canary", "process_checker", "--env", "prod", "--api", "10", "--percent", "5")
    assert both.exit_code == 2 and "give --percent (the live alias) or --api PERCENT" in both.stderr
    # A deployed name says its environment: the same stage as the short name with --env.
    by_deployed_name = cli("status", NAME, "--api")
    assert by_deployed_name.exit_code == 0, by_deployed_name.output
    assert by_deployed_name.stdout == cli("status", "process_checker", "--env", "prod", "--api").stdout


def test_a_release_neither_undoes_an_api_rollback_nor_keeps_a_stale_canary(rest_stage):
    apigw, api, _, _ = rest_stage
    alias = {"process_checker": LiveAlias(NAME, "2", {}, 2)}
    unchanged = [{"name": "process_checker", "changes": []}]
    changed = [{"name": "process_checker", "changes": ["code"]}]
    apigw.update_stage(restApiId=api, stageName="prod", patchOperations=[
        {"op": "replace", "path": "/variables/process_checker", "value": "1"}])  # rolled back at the API
    state = api_canary.stage_state(apigw, "worker-prod-rest", "prod")
    assert state.pinned == {"process_checker": "1"} and state.canary == ()
    with pytest.raises(ReleaseError, match=r"process_checker \(the API runs version 1, live is 2\): an API canary or "
                                           "rollback"):
        refuse_undoing_an_api_pin(unchanged, alias, state, ReleaseOptions(env="prod"))
    refuse_undoing_an_api_pin(changed, alias, state, ReleaseOptions(env="prod"))  # new code: forward is right
    refuse_undoing_an_api_pin(unchanged, alias, state, ReleaseOptions(env="prod", allow_roll_forward=True))

    # A code-only release moved live: the stage follows it again, and its canary goes.
    apigw.update_stage(restApiId=api, stageName="prod", patchOperations=[
        {"op": "replace", "path": "/canarySettings/stageVariableOverrides/process_checker", "value": "2"},
        {"op": "replace", "path": "/canarySettings/percentTraffic", "value": "10.0"}])
    state = api_canary.stage_state(apigw, "worker-prod-rest", "prod")
    assert state.canary == ("process_checker",)
    assert api_canary.follow_live(apigw, state, "prod", ["process_checker"]) == ["process_checker"]
    stage = apigw.get_stage(restApiId=api, stageName="prod")
    assert stage["variables"]["process_checker"] == "live" and "canarySettings" not in stage
    assert api_canary.stage_state(apigw, "worker-prod-nope", "prod") is None  # no API yet: nothing to guard


def test_what_a_stage_sends_requests_to_besides_live():
    state = api_canary.StageState("id", {"a": "3"}, ("a", "b"), {"a": "4", "b": "live"}, 10.0)
    assert state.qualifiers() == {"a": ("3", "4")}  # pinned, and the canary's at 10%
    idle = api_canary.StageState("id", {}, ("a",), {"a": "4"}, 0.0)
    assert idle.qualifiers() == {}  # a canary with no share sends nothing
