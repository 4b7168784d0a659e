"""canary, promote, rollback and status against moto's Lambda API (server on 127.0.0.1)."""

from __future__ import annotations

import json

import boto3
import pytest
from builder_support import lambda_zip

# Commands run without -C, from inside a worker repository (a copy of the example).
pytestmark = pytest.mark.usefixtures("inside_worker_repo")

NAME = "worker-prod-process_checker"


def _split(cli, *args: str) -> dict:
    result = cli(*args, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_status_shows_the_alias(cli, deployed):
    assert _split(cli, "status", NAME) == {"function": NAME, "alias": "live", "primary": "2", "shares": {"2": 100}}
    plain = cli("status", NAME)
    assert plain.stdout.strip() == f"{NAME} live: version 2 100%"


def test_canary_then_promote(cli, deployed):
    assert _split(cli, "canary", NAME, "--percent", "10") == {
        "function": NAME, "alias": "live", "primary": "2", "shares": {"2": 10.0, "1": 90.0}}
    alias = deployed.get_alias(FunctionName=NAME, Name="live")
    # The version stays where Terraform put it: only the routing (which Terraform ignores) changes.
    assert alias["FunctionVersion"] == "2"
    assert alias["RoutingConfig"]["AdditionalVersionWeights"] == {"1": 0.9}
    assert _split(cli, "promote", NAME)["shares"] == {"2": 100}
    assert not deployed.get_alias(FunctionName=NAME, Name="live").get("RoutingConfig", {}).get("AdditionalVersionWeights")


def test_rollback_sends_everything_to_the_previous_version(cli, deployed):
    _split(cli, "canary", NAME, "--percent", "25")
    assert _split(cli, "rollback", NAME) == {"function": NAME, "alias": "live", "primary": "1", "shares": {"1": 100}}


def test_errors(cli, deployed):
    assert cli("canary", NAME, "--percent", "100").exit_code == 2  # that is promote
    missing = cli("status", "worker-staging-process_checker")  # a function of the repository, not deployed there
    assert missing.exit_code == 1
    assert "worker-staging-process_checker: no such function or no 'live' alias; deploy it first" in missing.stderr


@pytest.mark.parametrize("args", [["status", "proces_checker", "--env", "prod"], ["canary", "worker-prod-proces_checker",
                                  "--percent", "10"], ["promote", "helo", "--env", "dev"], ["prune", "worker-prod-nope"],
                                  ["logs", "proces_checker", "--env", "prod"], ["metrics", "proces_checker", "--env", "prod"],
                                  ["invoke", "proces_checker", "--remote", "prod"]],
                         ids=lambda args: args[0])
def test_an_unknown_name_is_a_usage_error_before_any_aws_call(cli, monkeypatch, args):
    """No AWS at all (a closed port): the name is refused before anything asks it."""
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("AWS_REGION", "eu-west-1")
    result = cli(*args)
    assert result.exit_code == 2, result.output
    error = result.stderr.strip().splitlines()[-1]
    assert error.startswith(f"error: no function {args[1]!r} in functions/ (nor a deployed name of one, "
                            "<project>-<env>-<name>); ")
    if "proces_checker" in args[1]:
        assert "did you mean process_checker" in error or "did you mean worker-prod-process_checker" in error
    if args[1] == "helo":
        assert error.endswith("the functions are: api_log_exporter, process_checker")


def test_canary_needs_two_versions(cli, aws_env, deployed):
    lam = boto3.client("lambda")
    role = lam.get_function(FunctionName=NAME)["Configuration"]["Role"]
    single = "worker-dev-process_checker"
    lam.create_function(FunctionName=single, Runtime="python3.12", Role=role, Handler="a.handler",
                        Code={"ZipFile": lambda_zip("x = 1\n")}, Publish=True)
    lam.create_alias(FunctionName=single, Name="live", FunctionVersion="1")
    result = cli("canary", "process_checker", "--env", "dev", "--percent", "10")
    assert result.exit_code == 1 and f"{single}: needs two published versions to shift between, has 1" in result.stderr
    lam.delete_function(FunctionName=single)


def test_prune_deletes_versions_no_alias_uses_beyond_the_newest(cli, deployed):
    for n in range(3, 7):  # versions 3..6
        deployed.update_function_code(FunctionName=NAME, ZipFile=lambda_zip(f"def handler(e, c):\n    return {n}\n"),
                                      Publish=True)
    deployed.update_alias(FunctionName=NAME, Name="live", FunctionVersion="6",
                          RoutingConfig={"AdditionalVersionWeights": {"3": 0.1}})
    deployed.create_alias(FunctionName=NAME, Name="pinned", FunctionVersion="1")
    dry = json.loads(cli("prune", NAME, "--keep", "2", "--dry-run", "--json").stdout)
    assert dry[0]["deleted"] == ["2", "4"] and dry[0]["in_use"] == ["1", "3", "6"]
    assert len(_versions(deployed)) == 6  # nothing deleted
    done = cli("prune", NAME, "--keep", "2")
    assert done.exit_code == 0, done.output
    assert f"{NAME}: deleted 2 version(s) (2, 4); kept 1, 3, 5, 6 (aliases use 1, 3, 6)" in done.stdout
    assert _versions(deployed) == ["1", "3", "5", "6"]
    assert cli("prune").exit_code == 2  # neither a name nor --all


def _versions(lam) -> list[str]:
    return [v["Version"] for v in lam.list_versions_by_function(FunctionName=NAME)["Versions"] if v["Version"] != "$LATEST"]


def test_a_function_of_the_repository_is_named_with_its_environment(cli, deployed):
    """`process_checker --env prod` is worker-prod-process_checker; without --env the
    short name is refused with the environments to choose from, never guessed."""
    assert _split(cli, "status", "process_checker", "--env", "prod")["function"] == NAME
    assert _split(cli, "canary", "process_checker", "--env", "prod", "--percent", "10")["shares"] == {"2": 10.0, "1": 90.0}
    assert _split(cli, "promote", "process_checker", "--env", "prod")["shares"] == {"2": 100}
    bare = cli("status", "process_checker")
    assert bare.exit_code == 2
    assert ("error: process_checker is a function of this repository: say which environment's with --env ENV "
            "(dev, prod, staging), or give its deployed name (dev: worker-dev-process_checker)") in bare.stderr
    unknown = cli("rollback", "process_checker", "--env", "qa")
    assert unknown.exit_code == 2 and "--env qa: no terraform/env/qa.tfvars (there are: dev, prod, staging)" in unknown.stderr
    pruned = json.loads(cli("prune", "process_checker", "--env", "prod", "--dry-run", "--json").stdout)
    assert [r["function"] for r in pruned] == [NAME]


def test_prune_deletes_the_images_only_deleted_versions_ran(cli, aws_env):
    """An image function in moto: versions 1-4 on images A, B, C, B; prune --keep 1 deletes
    versions 1-3, and images A and C (B is still what version 4 runs, D what live runs)."""
    import hashlib

    import boto3

    ecr, iam, lam = boto3.client("ecr"), boto3.client("iam"), boto3.client("lambda")
    repo = ecr.create_repository(repositoryName="worker-prod-functions")["repository"]
    digests = {}
    for label in "ABC":
        manifest = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                               "config": {"digest": "sha256:" + label * 64, "size": 1}, "layers": []})
        digest = "sha256:" + hashlib.sha256(manifest.encode()).hexdigest()
        ecr.put_image(repositoryName="worker-prod-functions", imageManifest=manifest, imageTag=f"fn.{label}",
                      imageDigest=digest)
        digests[label] = digest
    role = iam.create_role(RoleName="prune-images", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    url = repo["repositoryUri"]
    name = "worker-prod-api_log_exporter"  # a function of the repository, as deployed in prod
    lam.create_function(FunctionName=name, Role=role, PackageType="Image", Code={"ImageUri": f"{url}@{digests['A']}"})
    for label in "ABCB":
        lam.update_function_code(FunctionName=name, ImageUri=f"{url}@{digests[label]}")
        lam.publish_version(FunctionName=name, Description=f"build-pkg code {digests[label]}")
    lam.create_alias(FunctionName=name, Name="live", FunctionVersion="4")
    try:
        dry = json.loads(cli("prune", name, "--keep", "1", "--dry-run", "--json").stdout)[0]
        assert dry["deleted"] == ["1", "2", "3"]
        assert dry["images_deleted"] == sorted(f"{url}@{digests[label]}" for label in "AC")
        assert len(ecr.list_images(repositoryName="worker-prod-functions")["imageIds"]) == 3  # dry: nothing gone
        done = cli("prune", name, "--keep", "1")
        assert done.exit_code == 0 and "deleted 2 image(s) only those versions ran" in done.stdout
        left = {i["imageDigest"] for i in ecr.list_images(repositoryName="worker-prod-functions")["imageIds"]}
        assert left == {digests["B"]}
    finally:
        lam.delete_function(FunctionName=name)
        iam.delete_role(RoleName="prune-images")
        ecr.delete_repository(repositoryName="worker-prod-functions", force=True)


def test_a_deployed_name_of_another_environment_than_env_is_refused(cli, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    result = cli("status", "worker-dev-process_checker", "--env", "prod")
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines()[-1] == (
        "error: worker-dev-process_checker is process_checker as deployed in dev, not in prod: drop --env prod, or "
        "name worker-prod-process_checker")
