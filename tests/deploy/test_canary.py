"""canary, promote, rollback and status against moto's Lambda API (server on 127.0.0.1)."""

from __future__ import annotations

import json

import boto3
from conftest import lambda_zip

NAME = "worker-prod-process_checker"


def _split(cli, *args: str) -> dict:
    result = cli(*args, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_status_shows_the_alias(cli, deployed):
    assert _split(cli, "status", NAME) == {"function": NAME, "primary": "2", "shares": {"2": 100}}
    plain = cli("status", NAME)
    assert plain.stdout.strip() == f"{NAME} live: version 2 100%"


def test_canary_then_promote(cli, deployed):
    assert _split(cli, "canary", NAME, "--percent", "10") == {
        "function": NAME, "primary": "2", "shares": {"2": 10.0, "1": 90.0}}
    alias = deployed.get_alias(FunctionName=NAME, Name="live")
    # The version stays where Terraform put it: only the routing (which Terraform ignores) changes.
    assert alias["FunctionVersion"] == "2"
    assert alias["RoutingConfig"]["AdditionalVersionWeights"] == {"1": 0.9}
    assert _split(cli, "promote", NAME)["shares"] == {"2": 100}
    assert not deployed.get_alias(FunctionName=NAME, Name="live").get("RoutingConfig", {}).get("AdditionalVersionWeights")


def test_rollback_sends_everything_to_the_previous_version(cli, deployed):
    _split(cli, "canary", NAME, "--percent", "25")
    assert _split(cli, "rollback", NAME) == {"function": NAME, "primary": "1", "shares": {"1": 100}}


def test_errors(cli, deployed):
    assert cli("canary", NAME, "--percent", "100").exit_code == 2  # that is promote
    missing = cli("status", "worker-prod-nope")
    assert missing.exit_code == 1
    assert "worker-prod-nope: no such function or no 'live' alias; deploy it first" in missing.stderr


def test_canary_needs_two_versions(cli, aws_env, deployed):
    lam = boto3.client("lambda")
    role = lam.get_function(FunctionName=NAME)["Configuration"]["Role"]
    lam.create_function(FunctionName="single", Runtime="python3.12", Role=role, Handler="a.handler",
                        Code={"ZipFile": lambda_zip("x = 1\n")}, Publish=True)
    lam.create_alias(FunctionName="single", Name="live", FunctionVersion="1")
    result = cli("canary", "single", "--percent", "10")
    assert result.exit_code == 1 and "single: needs two published versions to shift between, has 1" in result.stderr
    lam.delete_function(FunctionName="single")
