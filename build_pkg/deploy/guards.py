"""What a release reads and guards around its apply: the planned functions' live aliases
(a rollback the apply would undo is refused; a canary that would outlive a new version
is cleared) and the REST API stage (a pin the apply would undo is refused; a stage
canary is cleared once every variable names `live` again)."""

from __future__ import annotations

from .. import aws
from ..api.openapi import OPENAPI_NAME
from ..errors import AwsError, CanaryError, ReleaseError
from ..infra.environments import read as read_environments
from ..progress import Reporter
from ..project import Project
from . import api_canary, traffic


def deployed_names(project: Project, env: str, names: list[str]) -> dict[str, tuple[str, str]]:
    """Function name -> (its deployed name in `env`, the alias its triggers invoke): an adopted
    function's own, else <project>-<environment>-<name> and `live`."""
    environment = next((e for e in read_environments(project) if e.name == env), None)
    return {name: (environment.function_name(name), environment.alias(name)) for name in names} if environment else {}


def lambda_client(project: Project, env: str):
    """Lambda in the environment's region (its tfvars `region`, else AWS_REGION); None when no
    region can be found, so the alias checks warn and are skipped as when AWS cannot be asked."""
    environment = next((e for e in read_environments(project) if e.name == env), None)
    try:
        return aws.client("lambda", aws.region(None, environment.values if environment else None))
    except AwsError:
        return None


def live_aliases(deployed: dict[str, tuple[str, str]], lam, report: Reporter) -> dict[str, traffic.LiveAlias]:
    """Function name -> its live alias as deployed; empty when AWS cannot be asked."""
    from botocore.exceptions import BotoCoreError

    try:
        if lam is None:
            raise AwsError(aws.NO_REGION)
        found = traffic.live_aliases([d for d, _ in deployed.values()], lam, aliases=dict(deployed.values()))
    except (BotoCoreError, AwsError) as exc:
        report.warn(f"could not read the functions' live aliases ({exc}); canary and rollback checks skipped")
        return {}
    by_deployed = {d: name for name, (d, _) in deployed.items()}
    return {by_deployed[d]: alias for d, alias in found.items()}


def refuse_undoing_a_rollback(rows: list[dict], aliases: dict, options) -> None:
    """An apply moves live to the newest version, which would silently undo a rollback
    unless this release brings new code for that function."""
    undone = [f"{row['name']} (live on {aliases[row['name']].primary}, newest {aliases[row['name']].newest})"
              for row in rows if row["name"] in aliases and aliases[row["name"]].rolled_back
              and "code" not in row["changes"]]
    if undone and not options.allow_roll_forward:
        raise ReleaseError(
            f"{', '.join(undone)} rolled back; this release does not change their code, so the apply "
            "would move live back to the newest version: release a fix, `promote` them, or pass --allow-roll-forward")


def clear_outlived_canaries(rows: list[dict], aliases: dict, lam, report: Reporter) -> list[str]:
    """A function this release changed has a new live version: an earlier canary's weights
    (which Terraform leaves alone) would now send traffic to an old version. Clear them."""
    cleared = []
    for row in rows:
        alias = aliases.get(row["name"])
        if alias and alias.weights and row["changes"]:
            traffic.clear_canary(alias.function, lam, alias=alias.alias)
            report.step(f"cleared the canary weights of {alias.function} ({alias.weights}): it has a new live version")
            cleared.append(row["name"])
    return cleared


def api_stage(project: Project, env: str, report: Reporter):
    """The REST API stage of `env` as deployed, and the client that read it (no stage
    without a REST API, or before its first apply; a warning when AWS cannot be asked)."""
    from botocore.exceptions import BotoCoreError

    environment = next((e for e in read_environments(project) if e.name == env), None)
    if environment is None or not (project.terraform_dir / OPENAPI_NAME).exists():
        return None, None
    try:
        apigw = aws.client("apigateway", aws.region(None, environment.values))
        return api_canary.stage_state(apigw, f"{environment.prefix}-rest", env), apigw
    except (BotoCoreError, AwsError, CanaryError) as exc:
        report.warn(f"could not read the REST API's stage ({exc}); its canary and rollback checks skipped")
        return None, None


def refuse_undoing_an_api_pin(rows: list[dict], aliases: dict, stage, options) -> None:
    """An API canary or an API rollback pins a function's stage variable to a version older
    than live; the apply sets the variable back to `live` (Terraform's value), which would
    end that canary or undo that rollback unless this release brings new code for it."""
    if stage is None:
        return
    undone = [f"{row['name']} (the API runs version {stage.pinned[row['name']]}, live is {aliases[row['name']].newest})"
              for row in rows if row["name"] in stage.pinned and row["name"] in aliases
              and stage.pinned[row["name"]] != str(aliases[row["name"]].newest) and "code" not in row["changes"]]
    if undone and not options.allow_roll_forward:
        raise ReleaseError(
            f"{', '.join(undone)}: an API canary or rollback; this release does not change their code, so the apply "
            "would point the API back at live: `promote --api` or `rollback --api` and release a fix, or pass "
            "--allow-roll-forward")


def clear_api_canary(stage, apigw, env: str, report: Reporter) -> list[str]:
    """After an apply every stage variable names `live` again: a canary override left on the
    stage (which Terraform leaves alone) would send a share of the API to an old version."""
    if stage is None or not stage.canary:
        return []
    api_canary.clear_canary(apigw, stage.api_id, env)
    report.step(f"removed the REST API stage {env}'s canary ({', '.join(stage.canary)}): the apply set every "
                "function's stage variable back to live")
    return list(stage.canary)
