"""Canary at the API: the REST API stage's canary settings send a share of the API's
traffic to a function's newest version (boto3).

terraform/rest_api.tf gives every function a stage variable naming `live`, and leaves the
stage's canary settings alone. A canary pins the stage's own variable to the version
before the newest and adds canary settings whose stage-variable override names the
newest, at PERCENT of the stage's traffic (the canary runs the stage's deployment: only
the variable differs), after giving the API leave to invoke both versions (Terraform's
permission is for `live`; each qualifier needs its own). Other triggers still call the
`live` alias.

  canary NAME --api P   the stage: the previous version; P% of it: the newest
  promote NAME --api    API Gateway's promotion, in its documented order: the stage takes
                        the canary's deployment id and stage variables, the canary's
                        share goes to 0.0, then the canary settings go; the variable is
                        then `live` again when live is that version (Terraform's value,
                        so a code-only release moves the API with the alias)
  rollback NAME --api   the canary settings go; the stage stays on the previous version
  status NAME --api     what the stage sends where

One canary per stage (API Gateway has one); a canary of another function must be
promoted or rolled back first. The patch operations are made by pure functions; the
calls are at the edge.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .. import aws
from ..errors import CanaryError
from . import traffic


@dataclass(frozen=True)
class StageSplit:
    variable: str  # the function's stage variable: its short name
    api: str
    stage: str
    primary: str  # what the stage's variable names: `live` or a version
    live_version: str | None  # what `live` points at, when the variable names it
    canary: str | None  # the version the canary's override names, if there is a canary for it
    percent: float  # the canary's share

    def shares(self) -> dict[str, float]:
        primary = self.live_version if self.primary == traffic.ALIAS and self.live_version else self.primary
        if self.canary is None or self.percent <= 0:
            return {primary: 100.0}
        if self.canary == primary:
            return {primary: 100.0}
        return {primary: round(100 - self.percent, 2), self.canary: round(self.percent, 2)}

    def describe(self) -> str:
        shown = self.primary if self.primary != traffic.ALIAS else f"live (version {self.live_version or '?'})"
        parts = [f"version {v} {p:g}%" for v, p in sorted(self.shares().items(), key=lambda kv: -kv[1])]
        return f"{self.variable} on {self.api} stage {self.stage} (variable: {shown}): " + ", ".join(parts)

    def as_dict(self) -> dict:
        return {"function": self.variable, "api": self.api, "stage": self.stage, "variable": self.primary,
                "canary": self.canary, "percent": self.percent, "shares": self.shares()}


# -- the patch operations (pure) --------------------------------------------------------

def _canary_of(stage: dict) -> dict:
    return stage.get("canarySettings") or {}


def other_canary(stage: dict, variable: str) -> list[str]:
    """The functions another canary on the stage overrides (one canary per stage)."""
    return sorted(k for k in (_canary_of(stage).get("stageVariableOverrides") or {}) if k != variable)


def canary_operations(stage: dict, variable: str, previous: str, newest: str, percent: float) -> list[dict]:
    """The stage on `previous`, its canary (the stage's own deployment) on `newest` at `percent`."""
    return [
        {"op": "replace", "path": f"/variables/{variable}", "value": previous},
        {"op": "replace", "path": "/canarySettings/deploymentId", "value": stage["deploymentId"]},
        {"op": "replace", "path": f"/canarySettings/stageVariableOverrides/{variable}", "value": newest},
        {"op": "replace", "path": "/canarySettings/useStageCache", "value": "false"},
        {"op": "replace", "path": "/canarySettings/percentTraffic", "value": f"{percent:g}"},
    ]


def promote_operations(stage: dict) -> list[list[dict]]:
    """API Gateway's promotion, one update per list: the stage takes the canary's deployment
    and its stage variables, the canary's share goes to 0.0; then the settings go."""
    canary = _canary_of(stage)
    first = []
    if canary.get("deploymentId"):
        first.append({"op": "replace", "path": "/deploymentId", "value": canary["deploymentId"]})
    first += [{"op": "replace", "path": f"/variables/{name}", "value": value}
              for name, value in sorted((canary.get("stageVariableOverrides") or {}).items())]
    first.append({"op": "replace", "path": "/canarySettings/percentTraffic", "value": "0.0"})
    return [first, [{"op": "remove", "path": "/canarySettings"}]]


def rollback_operations() -> list[list[dict]]:
    return [[{"op": "remove", "path": "/canarySettings"}]]


def split_of(stage: dict, variable: str, api: str, live_version: str | None) -> StageSplit:
    canary = _canary_of(stage)
    override = (canary.get("stageVariableOverrides") or {}).get(variable)
    primary = (stage.get("variables") or {}).get(variable)
    if primary is None:
        raise CanaryError(f"{api} stage {stage.get('stageName')}: no stage variable {variable!r}; is {variable} "
                          "served by the REST API (terraform/openapi.json)? deploy it first")
    return StageSplit(variable, api, stage.get("stageName", ""), primary, live_version, override,
                      float(canary.get("percentTraffic") or 0) if override else 0.0)


# -- the calls ---------------------------------------------------------------------------

@dataclass(frozen=True)
class ApiTarget:
    api_name: str  # <project>-<env>-rest
    stage: str  # the environment's name
    variable: str  # the function's short name
    function: str  # its deployed name
    alias: str


def _call(what: str, fn, **kwargs):
    return aws.call(what, CanaryError, fn, **kwargs)


def find_api(apigw, name: str) -> str:
    position = None
    while True:
        page = _call("get_rest_apis", apigw.get_rest_apis, **({"position": position} if position else {}), limit=500)
        for item in page.get("items", []):
            if item.get("name") == name:
                return item["id"]
        position = page.get("position")
        if not position:
            raise CanaryError(f"no REST API named {name}; deploy it first (terraform/rest_api.tf serves "
                              "terraform/openapi.json, which `build` writes from the resolvers)")


def _stage(apigw, api_id: str, target: ApiTarget) -> dict:
    return _call("get_stage", apigw.get_stage, restApiId=api_id, stageName=target.stage)


def _live_version(target: ApiTarget, lam) -> str | None:
    return traffic.status(target.function, lam, target.alias).primary


def status(target: ApiTarget, apigw, lam) -> StageSplit:
    api_id = find_api(apigw, target.api_name)
    return split_of(_stage(apigw, api_id, target), target.variable, target.api_name, _live_version(target, lam))


def canary(target: ApiTarget, percent: float, apigw, lam) -> StageSplit:
    if not 0 < percent < 100:
        raise CanaryError(f"--api {percent:g} must be between 0 and 100 (promote or rollback for all)")
    api_id = find_api(apigw, target.api_name)
    stage = _stage(apigw, api_id, target)
    current = split_of(stage, target.variable, target.api_name, None)  # refuses a stage without the variable
    others = other_canary(stage, target.variable)
    if others:
        raise CanaryError(f"{target.api_name} stage {target.stage} has a canary for {', '.join(others)}; promote "
                          f"or roll it back first (a stage has one canary)")
    newest, previous = traffic.newest_and_previous(target.function, lam)
    if current.canary is not None:  # adjusting a running canary keeps what the stage runs
        previous = current.primary
    for qualifier in (previous, newest):
        allow_the_api(lam, target.function, qualifier, api_id)
    _update(apigw, api_id, target, canary_operations(stage, target.variable, previous, newest, percent))
    return status(target, apigw, lam)


def allow_the_api(lam, function: str, qualifier: str, api_id: str) -> None:
    """A version the stage names needs its own permission (Terraform's is for `live`):
    one statement per version, from this API only, added once."""
    from botocore.exceptions import ClientError

    arn = _call("get_function", lam.get_function, FunctionName=function)["Configuration"]["FunctionArn"]  # 100/s
    region, account = arn.split(":")[3:5]
    try:
        lam.add_permission(FunctionName=function, Qualifier=qualifier, StatementId=f"build-pkg-rest-api-{qualifier}",
                           Action="lambda:InvokeFunction", Principal="apigateway.amazonaws.com",
                           SourceArn=f"arn:aws:execute-api:{region}:{account}:{api_id}/*/*/*")
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") != "ResourceConflictException":  # already there
            raise CanaryError(f"{function}: add_permission for version {qualifier} failed: {exc}") from None


def promote(target: ApiTarget, apigw, lam) -> StageSplit:
    api_id = find_api(apigw, target.api_name)
    stage = _stage(apigw, api_id, target)
    split = split_of(stage, target.variable, target.api_name, None)
    if split.canary is None:
        raise CanaryError(f"{target.api_name} stage {target.stage} has no canary for {target.variable}; "
                          f"start one with `canary {target.variable} --api PERCENT`")
    canary_deployment = _canary_of(stage).get("deploymentId")
    if canary_deployment and canary_deployment != stage.get("deploymentId"):
        # The canary runs the deployment the stage had when it began; promoting it now would
        # put the stage back on that one, undoing the routes deployed since.
        raise CanaryError(f"{target.api_name} stage {target.stage} was deployed again since the canary began "
                          f"(stage {stage.get('deploymentId')}, canary {canary_deployment}); run `canary "
                          f"{target.variable} --api PERCENT` again, then promote")
    for operations in promote_operations(stage):
        _update(apigw, api_id, target, operations)
    alias = traffic.status(target.function, lam, target.alias)
    if alias.primary == split.canary and not alias.weights:
        _update(apigw, api_id, target, [{"op": "replace", "path": f"/variables/{target.variable}",
                                         "value": traffic.ALIAS}])
    return status(target, apigw, lam)


def rollback(target: ApiTarget, apigw, lam) -> StageSplit:
    api_id = find_api(apigw, target.api_name)
    stage = _stage(apigw, api_id, target)
    split = split_of(stage, target.variable, target.api_name, None)
    if split.canary is None:
        raise CanaryError(f"{target.api_name} stage {target.stage} has no canary for {target.variable} to roll back")
    for operations in rollback_operations():
        _update(apigw, api_id, target, operations)
    return status(target, apigw, lam)


def _update(apigw, api_id: str, target: ApiTarget, operations: list[dict]) -> None:
    _call("update_stage", apigw.update_stage, restApiId=api_id, stageName=target.stage, patchOperations=operations)


# -- what a release must know ------------------------------------------------------------

@dataclass(frozen=True)
class StageState:
    api_id: str
    pinned: dict[str, str]  # function -> the version its variable names (not `live`)
    canary: tuple[str, ...]  # the functions the stage's canary overrides
    overrides: dict[str, str] = field(default_factory=dict)  # function -> what the canary's variable names
    percent: float = 0.0  # the canary's share of the stage

    def qualifiers(self) -> dict[str, tuple[str, ...]]:
        """Per function, what the stage sends requests to besides its `live` alias: a pinned
        version, the canary's version (when the canary has a share)."""
        found: dict[str, list[str]] = {}
        for name, value in self.pinned.items():
            found.setdefault(name, []).append(value)
        for name, value in self.overrides.items():
            if self.percent > 0 and value != traffic.ALIAS and value not in found.get(name, ()):
                found.setdefault(name, []).append(value)
        return {name: tuple(values) for name, values in sorted(found.items())}


def stage_state(apigw, api_name: str, stage_name: str) -> StageState | None:
    """The stage as a release finds it; None when there is no such API or stage yet."""
    from botocore.exceptions import ClientError

    try:
        api_id = find_api(apigw, api_name)
        stage = apigw.get_stage(restApiId=api_id, stageName=stage_name)
    except CanaryError:
        return None
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") == "NotFoundException":
            return None
        raise CanaryError(f"get_stage failed: {exc}") from None
    pinned = {k: v for k, v in (stage.get("variables") or {}).items() if v != traffic.ALIAS}
    overrides = dict(_canary_of(stage).get("stageVariableOverrides") or {})
    return StageState(api_id, pinned, tuple(sorted(overrides)), overrides,
                      float(_canary_of(stage).get("percentTraffic") or 0))


def clear_canary(apigw, api_id: str, stage_name: str) -> None:
    _call("update_stage", apigw.update_stage, restApiId=api_id, stageName=stage_name,
          patchOperations=rollback_operations()[0])


def follow_live(apigw, state: StageState, stage_name: str, functions: list[str]) -> list[str]:
    """After a code-only release moved `functions`' live aliases: their stage variables name
    `live` again and a canary of any of them goes (Terraform is not there to do it).
    Returns the functions whose variable was pinned."""
    moved = sorted(name for name in functions if name in state.pinned)
    operations = [{"op": "replace", "path": f"/variables/{name}", "value": traffic.ALIAS} for name in moved]
    if set(functions) & set(state.canary):
        operations += rollback_operations()[0]
    if operations:
        _call("update_stage", apigw.update_stage, restApiId=state.api_id, stageName=stage_name,
              patchOperations=operations)
    return moved
