"""`release --code-only`: the developers' side deploys code without Terraform.

For teams where Terraform owns the configuration and the developers ship the code (the
worker module's lifecycle ignores the code, see infra.code_owner). The same gate as a
release (HEAD at a release tag, a clean tree, a fresh lock, `check`), the same build; then,
for exactly the functions whose deployed code differs from this build's:
UpdateFunctionCode (the image `<repository>@<digest>`, or the zip), wait until the update
is done, PublishVersion (refused by Lambda if the code moved in between, as CodeSha256 is
given), and move the alias to it with its canary weights cleared, as an apply does.

What is deployed is read from AWS (see version_code), never from a previous summary: a
version whose code cannot be named is deployed again, never taken as the same.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from .. import aws
from ..api.openapi import OPENAPI_NAME
from ..errors import AwsError, ReleaseError
from ..fsutil import atomic_write
from ..infra.code_owner import read as code_owner
from ..infra.environments import Environment, read as read_environments
from ..package.inputs import Inputs
from ..progress import Reporter
from . import api_canary, traffic, version_code
from .artifacts import upload_package

ZIP_DIRECT_LIMIT = 50 * 1024 * 1024  # Lambda's limit for a zip sent in the request; larger goes through S3


@dataclass(frozen=True)
class CodeOnlyOptions:
    env: str
    repository: str | None = None  # images: the ECR repository URL; default <account>.dkr.ecr.<region>.../<prefix>-functions
    s3_bucket: str | None = None  # zips over 50 MB go through S3
    allow_roll_forward: bool = False  # move a rolled-back function forward although its code did not change


@dataclass
class CodeOnlyResult:
    environment: str
    deployed: list[dict] = field(default_factory=list)  # {name, function, version, identity}
    unchanged: list[str] = field(default_factory=list)
    pushed: dict | None = None


def deploy_code(project, inputs: Inputs, manifest: dict, options: CodeOnlyOptions, report: Reporter,
                client=None) -> CodeOnlyResult:
    owner = code_owner(project)
    if not owner.code_only:
        raise ReleaseError(f"{owner.file}: Terraform deploys the code here, so its next apply would put back what "
                           "its manifest names; set both lifecycle blocks for code-only releases (see the comment "
                           "there), or release without --code-only")
    environment = _environment(project, options.env)
    region = aws.region(None, environment.values)
    lam = client or aws.client("lambda", region)
    image = manifest.get("package_type") == "image"
    result = CodeOnlyResult(options.env)
    names = {f["name"]: (environment.function_name(f["name"]), environment.alias(f["name"]))
             for f in manifest["functions"]}
    wanted = {f["name"]: _identity(f, image) for f in manifest["functions"]}
    deployed = {name: _deployed_identity(lam, function, alias, image) for name, (function, alias) in names.items()}
    changed = [name for name in wanted if deployed[name] != wanted[name]]
    _refuse_undoing_a_rollback(lam, names, wanted, changed, image, options)
    result.unchanged = [name for name in wanted if name not in changed]
    if not changed:
        report.step(f"code-only release to {options.env}: every function already runs this build's code")
        return result

    _refuse_what_code_only_cannot_change(lam, {name: names[name][0] for name in changed}, manifest, image,
                                         f"{environment.prefix}-dependencies")
    code = _code_source(project, manifest, image, options, region, report, result, changed)
    for name in changed:
        function, alias = names[name]
        report.step(f"{function}: deploying {wanted[name][:19]}...")
        updated = _call(lam.update_function_code, function, FunctionName=function, **code(name))
        _wait_updated(lam, function)
        marker = wanted[name] if image else f"{wanted[name]} zip {updated['CodeSha256']}"
        version = _call(lam.publish_version, function, FunctionName=function, CodeSha256=updated["CodeSha256"],
                        Description=f"{version_code.MARKER}{marker}")["Version"]
        _call(lam.update_alias, function, FunctionName=function, Name=alias, FunctionVersion=version,
              RoutingConfig={"AdditionalVersionWeights": {}})
        result.deployed.append({"name": name, "function": function, "version": version, "identity": wanted[name]})
    _follow_live_on_the_api(project, environment, region, changed, report)
    return result


def _refuse_what_code_only_cannot_change(lam, functions: dict[str, str], manifest: dict, image: bool,
                                         layer_name: str) -> None:
    """The code goes onto the function's configuration as it is: a handler, runtime or
    architecture this build changed would leave the new version unable to run the new code
    (a renamed module), and a dependency layer this build changed (a lock change) would leave
    it on the old dependencies. A code-only release changes neither (Terraform's release
    does): it refuses, naming the function. The deployed layer counts as this build's only
    when its zip is byte for byte the one built here; other layers are the team's."""
    built = {f["name"]: f for f in manifest["functions"]}
    layer = manifest.get("layer")
    for name, function in functions.items():
        # GetFunction answers what GetFunctionConfiguration does, from Lambda's 100-a-second
        # quota instead of the control plane's 15.
        config = _call(lam.get_function, function, FunctionName=function).get("Configuration", {})
        wanted = {"handler": None if image else built[name]["handler"],
                  "runtime": None if image else manifest["runtime"], "architecture": manifest["arch"]}
        have = {"handler": config.get("Handler"), "runtime": config.get("Runtime"),
                "architecture": (config.get("Architectures") or [None])[0]}
        for part, value in wanted.items():
            if value and have[part] and have[part] != value:
                raise ReleaseError(f"{function}: its {part} is {have[part]}, this build's is {value}: a code-only "
                                   "release changes no configuration; run a release without --code-only")
        if image:
            continue
        arns = [e.get("Arn") for e in config.get("Layers") or []
                if (e.get("Arn") or "").split(":")[6:7] == [layer_name]]
        # GetLayerVersion by the layer's ARN and number: the same answer as GetLayerVersionByArn.
        deployed = [_call(lam.get_layer_version, function, LayerName=arn.rsplit(":", 1)[0],
                          VersionNumber=int(arn.rsplit(":", 1)[1])).get("Content", {}).get("CodeSha256")
                    for arn in arns]
        if deployed != ([layer["filebase64sha256"]] if layer else []):
            raise ReleaseError(f"{function}: runs {'another dependency layer' if arns else 'no dependency layer'} "
                               "than this build's (the lock changed, or the layer is new): a code-only release "
                               "cannot publish one; run a release without --code-only")


def _follow_live_on_the_api(project, environment: Environment, region: str | None, changed: list[str],
                            report: Reporter) -> None:
    """A function the REST API stage pinned to a version (an API canary or rollback) now has
    new code behind live: the stage follows live again, as an apply would make it."""
    if not (project.terraform_dir / OPENAPI_NAME).exists():
        return
    apigw = aws.client("apigateway", region)
    state = api_canary.stage_state(apigw, f"{environment.prefix}-rest", environment.name)
    if state is None:
        return
    moved = api_canary.follow_live(apigw, state, environment.name, changed)
    if moved:
        report.step(f"the REST API stage {environment.name} follows live again for {', '.join(moved)}")


def _refuse_undoing_a_rollback(lam, names, wanted, changed, image, options) -> None:
    """As a Terraform release does: a function someone rolled back (live behind its newest
    version) whose newest version already runs this build's code is not moved forward by a
    release that brings it nothing new, unless asked."""
    live = traffic.live_aliases([names[n][0] for n in changed], lam, aliases=dict(names.values()))
    undone = []
    for name in changed:
        alias = live.get(names[name][0])
        if alias and alias.rolled_back and _deployed_identity(lam, alias.function, str(alias.newest), image) == wanted[name]:
            undone.append(f"{name} (live on {alias.primary}, newest {alias.newest})")
    if undone and not options.allow_roll_forward:
        raise ReleaseError(f"{', '.join(undone)} rolled back; this release does not change their code, so it would "
                           "move live back to the newest version: release a fix, `promote` them, or pass "
                           "--allow-roll-forward")


def write_summary(out_dir: Path, tag: str, commit: str, result: CodeOnlyResult, tests: dict | None = None) -> Path:
    summary = {"tag": tag, "commit": commit, "environment": result.environment, "mode": "code-only",
               "status": "applied", "deployed": result.deployed, "unchanged": result.unchanged,
               "pushed": result.pushed, "tests": tests}
    path = out_dir / "code-only.json"
    atomic_write(path, (json.dumps(summary, indent=2) + "\n").encode())
    return path


def _identity(function: dict, image: bool) -> str:
    return function["image_digest"] if image else function["code_sha256"]


def _deployed_identity(lam, function: str, qualifier: str, image: bool) -> str | None:
    """What the alias (or version) runs, as the builder names it: a zip version's marker is
    believed only with the code the identity was first published with (see zip_identity),
    so code uploaded outside a release is deployed again, never taken as this build's."""
    found = version_code.get_version(lam, function, qualifier)
    if image:
        return version_code.identity(found, image)
    return version_code.zip_identity(found.get("Configuration", {}))


def _code_source(project, manifest, image, options, region, report, result, changed):
    """name -> UpdateFunctionCode arguments; pushes the images (or stores the zip) first."""
    if image:
        from ..image.push import push_images

        repository = options.repository or default_repository(project, options.env, region)
        pushed = push_images(project, manifest, repository, report)
        result.pushed = pushed.as_dict()
        digests = {f["name"]: f["image_digest"] for f in manifest["functions"]}
        return lambda name: {"ImageUri": f"{repository.removeprefix('https://')}@{digests[name]}"}
    if options.s3_bucket:
        stored = upload_package(project.package_path, manifest["sha256"], options.s3_bucket)
        return lambda name: {"S3Bucket": stored.bucket, "S3Key": stored.key}  # the package itself: nothing copied
    data = project.package_path.read_bytes()
    if len(data) > ZIP_DIRECT_LIMIT:
        raise ReleaseError(f"{project.rel(project.package_path)} is over Lambda's 50 MB for a direct upload; "
                           "pass --s3-bucket BUCKET")
    return lambda name: {"ZipFile": data}


def default_repository(project, env: str, region: str | None) -> str:
    environment = _environment(project, env)
    sts = aws.client("sts", region)
    try:
        account = sts.get_caller_identity()["Account"]
    except Exception as exc:  # botocore's faults, as one line
        raise AwsError(f"cannot tell the AWS account for the image repository ({aws.explain(exc)}); "
                       "pass --repository") from None
    return f"{account}.dkr.ecr.{region}.amazonaws.com/{environment.prefix}-functions"


def repository_exists(repository: str, region: str | None) -> bool:
    from botocore.exceptions import BotoCoreError, ClientError

    host, _, name = repository.removeprefix("https://").partition("/")
    try:
        aws.client("ecr", region).describe_repositories(registryId=host.split(".", 1)[0], repositoryNames=[name])
        return True
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") == "RepositoryNotFoundException":
            return False
        raise AwsError(f"{repository}: describe_repositories failed: {exc}") from None
    except BotoCoreError as exc:
        raise AwsError(f"{repository}: {aws.explain(exc)}") from None


def _environment(project, env: str) -> Environment:
    found = next((e for e in read_environments(project) if e.name == env), None)
    if found is None:
        raise ReleaseError(f"--env {env}: no terraform/env/{env}.tfvars")
    return found


def _wait_updated(lam, function: str) -> None:
    from botocore.exceptions import WaiterError

    try:
        lam.get_waiter("function_updated_v2").wait(FunctionName=function, WaiterConfig={"Delay": 1, "MaxAttempts": 300})
    except WaiterError as exc:
        raise ReleaseError(f"{function}: the code update did not finish ({exc}); see its LastUpdateStatusReason") from None


def _call(method, function: str, **kwargs):
    return traffic._call(method.__name__, function, method, **kwargs)
