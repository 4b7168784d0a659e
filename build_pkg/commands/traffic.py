"""`canary`, `promote`, `rollback`, `status`: traffic on a deployed function's live alias."""

from __future__ import annotations

import json

import click

from .. import aws
from .options import Context, function_names, json_option, region_option, target_env_option, target_options


def alias_option(f):
    return click.option("--alias", metavar="NAME",
                        help="The alias to shift. [default: `live`, or with --env an adopted function's own]")(f)


def _target(obj: Context, function: str, env: str | None, alias: str | None, region: str | None):
    """The deployed function, its alias and a Lambda client in its region."""
    from ..deploy.targets import resolve

    target = resolve(obj.project, [function], env)[0]
    values = target.environment.values if target.environment else None
    return target.function, alias or target.alias, aws.client("lambda", aws.region(region, values))


def _api_target(obj: Context, function: str, env: str | None, region: str | None):
    """The function's stage variable on its environment's REST API stage, and clients."""
    from ..deploy.api_canary import ApiTarget
    from ..deploy.targets import resolve
    from ..errors import UsageError

    target = resolve(obj.project, [function], env)[0]
    if target.environment is None:
        raise UsageError(f"--api works on a function of this repository in an environment's REST API stage: "
                         f"give its short name and --env ENV (not {function})")
    environment = target.environment
    region_name = aws.region(region, environment.values)
    api = ApiTarget(f"{environment.prefix}-rest", environment.name, target.name or function, target.function,
                    target.alias)
    return api, aws.client("apigateway", region_name), aws.client("lambda", region_name)


def _print_api(split, as_json: bool) -> None:
    click.echo(json.dumps(split.as_dict()) if as_json else split.describe())


def api_flag(f):
    return click.option("--api", "api", is_flag=True,
                        help="Act on the function's REST API stage canary (needs --env) instead of its alias.")(f)


def _print(split, as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps({"function": split.function, "alias": split.alias, "primary": split.primary,
                               "shares": split.shares()}))
    else:
        click.echo(split.describe())


@click.command("canary")
@click.argument("function", shell_complete=function_names)
@click.option("--percent", type=click.FloatRange(0, 100, min_open=True, max_open=True),
              help="Share of the live alias's traffic for the newest version.")
@click.option("--api", "api_percent", metavar="PERCENT", type=click.FloatRange(0, 100, min_open=True, max_open=True),
              help="Instead: share of the REST API stage's traffic for the newest version (a stage canary; "
                   "needs --env).")
@target_env_option
@alias_option
@region_option
@json_option
@click.pass_obj
def canary(obj: Context, function, percent, api_percent, env, alias, region, as_json) -> None:
    """Send PERCENT of FUNCTION's live alias to its newest version, the rest to the previous one.

    FUNCTION is a function of functions/ with --env (hello --env dev), or a
    deployed Lambda name (<project>-<env>-<name>, or an adopted function's live
    name). With --api PERCENT, the environment's REST API stage does it
    instead: its stage variable for FUNCTION names the previous version and
    its canary settings send PERCENT of the API's requests to the newest.
    """
    from ..errors import UsageError

    if (percent is None) == (api_percent is None):
        raise UsageError("give --percent (the live alias) or --api PERCENT (the REST API stage), one of them")
    if api_percent is not None:
        from ..deploy import api_canary

        target, apigw, lam = _api_target(obj, function, env, region)
        return _print_api(api_canary.canary(target, api_percent, apigw, lam), as_json)
    from ..deploy import traffic

    name, alias, lam = _target(obj, function, env, alias, region)
    _print(traffic.canary(name, percent, lam, alias=alias), as_json)


@click.command("promote")
@click.argument("function", shell_complete=function_names)
@target_env_option
@alias_option
@api_flag
@region_option
@json_option
@click.pass_obj
def promote(obj: Context, function, env, alias, api, region, as_json) -> None:
    """Send all of FUNCTION's live alias to its newest version.

    With --api, promote the REST API stage's canary of FUNCTION, in API Gateway's documented order.
    """
    if api:
        from ..deploy import api_canary

        target, apigw, lam = _api_target(obj, function, env, region)
        return _print_api(api_canary.promote(target, apigw, lam), as_json)
    from ..deploy import traffic

    name, alias, lam = _target(obj, function, env, alias, region)
    _print(traffic.promote(name, lam, alias=alias), as_json)


@click.command("rollback")
@click.argument("function", shell_complete=function_names)
@target_env_option
@alias_option
@api_flag
@region_option
@json_option
@click.pass_obj
def rollback(obj: Context, function, env, alias, api, region, as_json) -> None:
    """Send all of FUNCTION's live alias back to the previous version.

    With --api, remove the REST API stage's canary; the stage stays on the previous version.
    """
    if api:
        from ..deploy import api_canary

        target, apigw, lam = _api_target(obj, function, env, region)
        return _print_api(api_canary.rollback(target, apigw, lam), as_json)
    from ..deploy import traffic

    name, alias, lam = _target(obj, function, env, alias, region)
    _print(traffic.rollback(name, lam, alias=alias), as_json)


@click.command("status")
@click.argument("function", required=False, shell_complete=function_names)
@target_env_option
@alias_option
@api_flag
@click.option("--no-build", is_flag=True,
              help="Without FUNCTION: compare with terraform/dists.manifest.json as it is, not a fresh build.")
@target_options
@region_option
@json_option
@click.pass_obj
def status(obj: Context, function, env, alias, api, no_build, runtime, arch, allow_unhashed, region,
           as_json) -> None:
    """Show how FUNCTION's live alias splits traffic between versions.

    With --api, what the REST API stage sends where. Without FUNCTION, every
    function of --env ENV in one table: live version, alias and canary weights,
    runtime, memory, last modified, and whether the live version runs the code
    this checkout builds (in sync, differs, missing, or not in the repository);
    exit 3 when a function differs or is missing.
    """
    if function is None:
        return _inventory(obj, env, no_build, runtime, arch, allow_unhashed, region, as_json)
    if api:
        from ..deploy import api_canary

        target, apigw, lam = _api_target(obj, function, env, region)
        return _print_api(api_canary.status(target, apigw, lam), as_json)
    from ..deploy import traffic

    name, alias, lam = _target(obj, function, env, alias, region)
    _print(traffic.status(name, lam, alias=alias), as_json)


def _inventory(obj: Context, env, no_build, runtime, arch, allow_unhashed, region, as_json) -> None:
    from ..deploy import api_canary
    from ..deploy.targets import resolve
    from ..errors import UsageError
    from ..operate import inventory

    if not env:
        raise UsageError("give FUNCTION, or --env ENV for every function of that environment")
    from ..infra.environments import read as read_environments

    project = obj.project()
    environments = read_environments(project)
    environment = next((e for e in environments if e.name == env), None)
    if environment is None:  # before the build: a typo costs nothing
        raise UsageError(f"--env {env}: no terraform/env/{env}.tfvars (there are: "
                         f"{', '.join(e.name for e in environments) or 'none'})")
    manifest = _built_manifest(obj, no_build, runtime, arch, allow_unhashed, as_json)
    image = manifest.get("package_type") == "image"
    built = {f["name"]: f["image_digest"] if image else f["code_sha256"] for f in manifest["functions"]}
    targets = dict(zip(built, resolve(obj.project, list(built), env)))
    region_name = aws.region(region, environment.values)
    lam = aws.client("lambda", region_name)
    neighbours = tuple(e.prefix for e in environments if e.name != env)
    stage = api_canary.stage_state(aws.client("apigateway", region_name), f"{environment.prefix}-rest", env)
    deployed, others = inventory.read(lam, {n: (t.function, t.alias) for n, t in targets.items()}, environment.prefix,
                                      neighbours, stage.qualifiers() if stage else None)
    expected = {f["name"]: {"handler": f["handler"], "runtime": None if image else manifest["runtime"],
                            "architecture": manifest["arch"]} for f in manifest["functions"]}
    if not image:  # the dependency layer a zip function runs, by content
        layer = {"name": f"{environment.prefix}-dependencies", "content": (manifest.get("layer") or {}).get(
            "content_sha256")}
        arns = {arn for d in deployed.values() if d for arn in inventory.dependency_layers(d.layers, layer["name"])}
        layer["layer_verdicts"] = inventory.layer_verdicts(lam, arns, manifest["layer"]) if layer["content"] else {}
        for wanted in expected.values():
            wanted["layer"], wanted["layer_verdicts"] = layer, layer["layer_verdicts"]
    rows = inventory.compare(built, deployed, others, expected)
    if as_json:
        click.echo(json.dumps({"environment": env, "ok": not inventory.needs_attention(rows),
                               "functions": [row.as_dict() for row in rows]}, indent=2))
    else:
        for line in inventory.table(rows):
            click.echo(line)
    if inventory.needs_attention(rows):
        raise SystemExit(3)


def _built_manifest(obj: Context, no_build, runtime, arch, allow_unhashed, quiet: bool) -> dict:
    """What this checkout builds: a build (incremental, a no-op when nothing changed), or
    with --no-build the manifest as it is."""
    project = obj.project()
    if no_build:
        try:
            return json.loads(project.manifest_path.read_text())
        except (OSError, ValueError):
            from ..errors import ProjectError

            raise ProjectError(f"{project.rel(project.manifest_path)} not found or unreadable; run "
                               "`build-pkg.py build` (or drop --no-build)") from None
    from ..image.build import ImageOptions
    from ..package.build import BuildOptions
    from ..pipeline.run import build

    return build(obj.inputs(runtime, arch, allow_unhashed), BuildOptions(), ImageOptions(),
                 obj.reporter(quiet=quiet)).manifest


COMMANDS = (canary, promote, rollback, status)
