"""`release --code-only` against moto in server mode (Lambda, IAM) and, for images, a real
registry on 127.0.0.1: exactly the functions whose code changed are updated, published and
moved to, with canary weights cleared and a rollback of an unchanged function left alone."""

from __future__ import annotations

import json

import boto3
import pytest
from registry_fixtures import push_base
from test_release import commit_and_tag, make_release_repo, release

MODULE = "terraform/modules/worker_function/main.tf"
NAMES = {"process_checker": "worker-prod-process_checker", "api_log_exporter": "worker-prod-api_log_exporter"}
HANDLERS = {"process_checker": "lambda_process_checker.handler", "api_log_exporter": "api_log_exporter.main.handler"}


def _code_only_lifecycle(repo) -> None:
    path = repo.root / MODULE
    text = path.read_text()
    text = text.replace("    ignore_changes = []\n",
                        "    ignore_changes = [image_uri, filename, s3_bucket, s3_key, source_code_hash, description]\n", 1)
    text = text.replace("ignore_changes = [routing_config]", "ignore_changes = [routing_config, function_version]")
    path.write_text(text)


def _deploy_first(image: bool) -> boto3.client:
    """The two functions as a first Terraform apply leaves them: version 1, `live` on it."""
    iam, lam = boto3.client("iam"), boto3.client("lambda")
    role = iam.create_role(RoleName="code-only", AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17"}))
    for short, name in NAMES.items():
        if image:
            lam.create_function(FunctionName=name, Role=role["Role"]["Arn"], PackageType="Image", Publish=True,
                                Code={"ImageUri": "123456789012.dkr.ecr.eu-west-1.amazonaws.com/x@sha256:" + "0" * 64})
        else:
            lam.create_function(FunctionName=name, Runtime="python3.12", Role=role["Role"]["Arn"], Publish=True,
                                Handler=HANDLERS[short], Code={"ZipFile": b"PK\x05\x06" + b"\0" * 18})
        lam.create_alias(FunctionName=name, Name="live", FunctionVersion="1")
    return lam


@pytest.fixture
def release_repo(worker_repo, standin_env, monkeypatch):
    return make_release_repo(worker_repo, standin_env, monkeypatch)


@pytest.fixture
def cleanup_aws(aws_env):
    yield
    lam, iam = boto3.client("lambda"), boto3.client("iam")
    for name in NAMES.values():
        try:
            lam.delete_function(FunctionName=name)
        except lam.exceptions.ResourceNotFoundException:
            pass
    iam.delete_role(RoleName="code-only")


def _live(lam, name: str) -> tuple[str, dict, dict]:
    alias = lam.get_alias(FunctionName=name, Name="live")
    found = lam.get_function(FunctionName=name, Qualifier="live")
    return alias["FunctionVersion"], (alias.get("RoutingConfig") or {}).get("AdditionalVersionWeights") or {}, found


def test_image_functions_get_exactly_their_changed_code(release_repo, cleanup_aws, registry, cli):
    repo = release_repo
    base = push_base(f"{registry}/lambda/python")
    main_tf = repo.root / "terraform" / "main.tf"
    main_tf.write_text(main_tf.read_text().replace('package_type = "zip"', 'package_type = "image"').replace(
        "base_image   = null", f'base_image   = "{base}"'))
    _code_only_lifecycle(repo)
    commit_and_tag(repo, "v1.0.0")
    lam = _deploy_first(image=True)
    lam.publish_version(FunctionName=NAMES["process_checker"])  # version 2, and a canary of it on live
    lam.update_alias(FunctionName=NAMES["process_checker"], Name="live", FunctionVersion="1",
                     RoutingConfig={"AdditionalVersionWeights": {"2": 0.1}})

    first = release(cli, repo, "--code-only", "--env", "prod", "--repository", f"{registry}/worker", "--json")
    assert first.exit_code == 0, first.output
    out = json.loads(first.stdout)
    assert sorted(d["name"] for d in out["deployed"]) == sorted(NAMES) and out["unchanged"] == []
    digests = {f["name"]: f["image_digest"] for f in repo.manifest()["functions"]}
    for name, function in NAMES.items():
        version, weights, found = _live(lam, function)
        assert found["Code"]["ImageUri"] == f"{registry}/worker@{digests[name]}" and weights == {}
        assert found["Configuration"]["Description"] == f"build-pkg code {digests[name]}"
    assert out["pushed"]["manifests"] and len(out["pushed"]["manifests"]) == 2

    jsonl = repo.root / "functions" / "worker_lib" / "jsonl.py"  # only the exporter imports it
    jsonl.write_text(jsonl.read_text() + "\n# faster\n")
    commit_and_tag(repo, "v1.0.1")
    second = json.loads(release(cli, repo, "--code-only", "--env", "prod", "--repository", f"{registry}/worker",
                                "--json").stdout)
    assert [d["name"] for d in second["deployed"]] == ["api_log_exporter"] and second["unchanged"] == ["process_checker"]
    assert len(second["pushed"]["blobs"]) == 2 and len(second["pushed"]["manifests"]) == 1  # its code layer, config
    newest = _live(lam, NAMES["api_log_exporter"])[0]
    lam.update_alias(FunctionName=NAMES["api_log_exporter"], Name="live", FunctionVersion=str(int(newest) - 1))

    checker = repo.root / "functions" / "lambda_process_checker.py"
    checker.write_text(checker.read_text() + "\n# tuned\n")
    commit_and_tag(repo, "v1.0.2")
    refused = release(cli, repo, "--code-only", "--env", "prod", "--repository", f"{registry}/worker")
    assert refused.exit_code == 1, refused.output
    assert f"api_log_exporter (live on {int(newest) - 1}, newest {newest}) rolled back" in refused.output
    assert _live(lam, NAMES["api_log_exporter"])[0] == str(int(newest) - 1)  # nothing moved
    third = json.loads(release(cli, repo, "--code-only", "--env", "prod", "--repository", f"{registry}/worker",
                               "--allow-roll-forward", "--json").stdout)
    assert sorted(d["name"] for d in third["deployed"]) == sorted(NAMES)
    digest = next(f["image_digest"] for f in repo.manifest()["functions"] if f["name"] == "process_checker")
    assert _live(lam, NAMES["process_checker"])[2]["Code"]["ImageUri"].endswith(digest)
    assert _live(lam, NAMES["api_log_exporter"])[2]["Configuration"]["Description"].endswith(
        next(f["image_digest"] for f in repo.manifest()["functions"] if f["name"] == "api_log_exporter"))


def test_zip_functions_deploy_by_the_build_identity(release_repo, cleanup_aws, cli):
    repo = release_repo
    _code_only_lifecycle(repo)
    commit_and_tag(repo, "v1.0.0")
    lam = _deploy_first(image=False)
    first = json.loads(release(cli, repo, "--code-only", "--env", "prod", "--json").stdout)
    assert sorted(d["name"] for d in first["deployed"]) == sorted(NAMES)  # versions without a marker: deployed
    zip_bytes = repo.zip_path.read_bytes()
    import base64
    import hashlib

    assert _live(lam, NAMES["api_log_exporter"])[2]["Configuration"]["CodeSha256"] == base64.b64encode(
        hashlib.sha256(zip_bytes).digest()).decode()
    jsonl = repo.root / "functions" / "worker_lib" / "jsonl.py"  # only the exporter imports it
    jsonl.write_text(jsonl.read_text() + "\n# faster\n")
    commit_and_tag(repo, "v1.0.1")
    second = json.loads(release(cli, repo, "--code-only", "--env", "prod", "--json").stdout)
    assert [d["name"] for d in second["deployed"]] == ["api_log_exporter"] and second["unchanged"] == ["process_checker"]


def test_code_only_needs_the_module_to_leave_code_alone(release_repo, cli):
    commit_and_tag(release_repo, "v1.0.0")
    result = release(cli, release_repo, "--code-only", "--env", "prod")
    assert result.exit_code == 1
    assert f"{MODULE}: Terraform deploys the code here" in result.output
    half = release_repo.root / MODULE
    half.write_text(half.read_text().replace("ignore_changes = [routing_config]",
                                             "ignore_changes = [routing_config, function_version]"))
    commit_and_tag(release_repo, "v1.0.1")
    mixed = release(cli, release_repo, "--code-only", "--env", "prod")
    assert mixed.exit_code == 1 and "set both lifecycle blocks alike" in mixed.output  # check refuses it first
    checked = cli("-C", str(release_repo.root), "check")
    assert checked.exit_code == 1 and f"{MODULE}: for code-only releases" in checked.output


def test_a_terraform_release_pushes_the_images_before_its_plan(release_repo, registry, cli):
    """The Terraform path with images: pushed first, then each function deploys its digest."""
    repo = release_repo
    base = push_base(f"{registry}/lambda/python")
    main_tf = repo.root / "terraform" / "main.tf"
    main_tf.write_text(main_tf.read_text().replace('package_type = "zip"', 'package_type = "image"').replace(
        "base_image   = null", f'base_image   = "{base}"'))
    commit_and_tag(repo, "v1.0.0")
    first = release(cli, repo, "--auto-approve", "--repository", f"{registry}/worker")
    assert first.exit_code == 0, first.output
    summary = json.loads((repo.root / "terraform" / ".release" / "v1.0.0" / "summary.json").read_text())
    assert summary["status"] == "applied" and len(summary["images"]["manifests"]) == 2
    state = json.loads((repo.root / "terraform" / "state" / "prod.tfstate").read_text())
    uris = {r["module"]: r["instances"][0]["attributes"] for r in state["resources"]
            if r["type"] == "aws_lambda_function"}
    digest = next(f["image_digest"] for f in repo.manifest()["functions"] if f["name"] == "process_checker")
    assert uris["module.lambda_process_checker"]["image_uri"].endswith(f"-functions@{digest}")
    assert uris["module.lambda_process_checker"]["package_type"] == "Image"

    checker = repo.root / "functions" / "lambda_process_checker.py"
    checker.write_text(checker.read_text() + "\n# tuned\n")
    commit_and_tag(repo, "v1.0.1")
    second = release(cli, repo, "--auto-approve", "--repository", f"{registry}/worker",
                     "--previous-manifest", str(repo.root / "terraform" / ".release" / "v1.0.0" / "summary.json"))
    assert second.exit_code == 0, second.output
    summary = json.loads((repo.root / "terraform" / ".release" / "v1.0.1" / "summary.json").read_text())
    assert {f["name"]: f["changes"] for f in summary["functions"]} == {"api_log_exporter": [],
                                                                       "process_checker": ["code"]}
    assert len(summary["images"]["blobs"]) == 2 and len(summary["images"]["manifests"]) == 1


def test_a_code_only_release_never_puts_new_code_on_an_old_dependency_layer(release_repo, cleanup_aws, cli):
    """With dependency_layer = true, a lock change is a new layer, which only Terraform's
    release publishes: code-only refuses, naming the function, until the layer it runs is this
    build's (then it deploys as usual)."""
    import base64

    repo = release_repo
    _code_only_lifecycle(repo)
    main_tf = repo.root / "terraform" / "main.tf"
    main_tf.write_text(main_tf.read_text().replace("dependency_layer = false", "dependency_layer = true"))
    commit_and_tag(repo, "v1.0.0")
    lam = _deploy_first(image=False)
    old = lam.publish_layer_version(LayerName="worker-prod-dependencies", Content={"ZipFile": b"PK\x05\x06" + b"\0" * 18},
                                    CompatibleRuntimes=["python3.12"])
    for name in NAMES.values():
        lam.update_function_configuration(FunctionName=name, Layers=[old["LayerVersionArn"]])
    refused = release(cli, repo, "--code-only", "--env", "prod")
    assert refused.exit_code == 1
    assert refused.stderr.strip().splitlines()[-1].startswith("error: worker-prod-")
    assert ("runs another dependency layer than this build's (the lock changed, or the layer is new): a code-only "
            "release cannot publish one; run a release without --code-only") in refused.stderr
    assert not (repo.root / "terraform" / ".release" / "v1.0.0" / "code-only.json").exists()

    # What Terraform's release does: this build's layer published and attached; then code-only deploys.
    layer = repo.root / "terraform" / "layer.zip"
    new = lam.publish_layer_version(LayerName="worker-prod-dependencies", Content={"ZipFile": layer.read_bytes()},
                                    CompatibleRuntimes=["python3.12"])
    assert new["Content"]["CodeSha256"] == json.loads((repo.root / "terraform" / "dists.manifest.json").read_text())[
        "layer"]["filebase64sha256"] == base64.b64encode(__import__("hashlib").sha256(layer.read_bytes()).digest()).decode()
    for name in NAMES.values():
        lam.update_function_configuration(FunctionName=name, Layers=[new["LayerVersionArn"]])
    done = release(cli, repo, "--code-only", "--env", "prod", "--json")
    assert done.exit_code == 0, done.output
    assert sorted(d["name"] for d in json.loads(done.stdout)["deployed"]) == sorted(NAMES)



def test_a_code_only_release_refuses_a_handler_it_cannot_change(release_repo, cleanup_aws, cli):
    """A function moved to the package layout has a new handler; the code-only release would put
    the new zip under the old handler (Runtime.ImportModuleError on every call)."""
    repo = release_repo
    _code_only_lifecycle(repo)
    commit_and_tag(repo, "v1.0.0")
    _deploy_first(image=False)
    moved = repo.root / "functions" / "process_checker"
    moved.mkdir()
    (repo.root / "functions" / "lambda_process_checker.py").rename(moved / "main.py")
    (moved / "__init__.py").write_text("")
    tf = repo.root / "terraform" / "lambda_process_checker.tf"
    tf.write_text(tf.read_text().replace('"lambda_process_checker.handler"', '"process_checker.main.handler"'))
    commit_and_tag(repo, "v1.0.1")
    refused = release(cli, repo, "--code-only", "--env", "prod")
    assert refused.exit_code == 1
    assert refused.stderr.strip().splitlines()[-1] == (
        "error: worker-prod-process_checker: its handler is lambda_process_checker.handler, this build's is "
        "process_checker.main.handler: a code-only release changes no configuration; run a release without "
        "--code-only")
