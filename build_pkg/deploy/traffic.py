"""Shift a function's `live` alias (an adopted function's own, with --alias) between its
newest and previous versions (boto3).

Terraform points `live` at the version it just published and ignores the
alias's routing, so these commands only ever change the routing of that
version against the one before it: Terraform and the canary never fight.

  canary NAME --percent P   P% to the newest version, the rest to the previous one
  promote NAME              100% to the newest version
  rollback NAME             100% to the previous version (until the next apply moves it on)
  status NAME               the current split
"""

from __future__ import annotations

from dataclasses import dataclass

from .. import aws
from ..errors import AwsError, CanaryError

ALIAS = "live"


@dataclass(frozen=True)
class Split:
    function: str
    primary: str  # version the alias points at
    weights: dict[str, float]  # additional version -> share of traffic
    alias: str = ALIAS

    def shares(self) -> dict[str, float]:
        """Version -> percent of traffic."""
        extra = {v: round(w * 100, 2) for v, w in self.weights.items()}
        return {self.primary: round(100 - sum(extra.values()), 2), **extra}

    def describe(self) -> str:
        parts = [f"version {v} {p:g}%" for v, p in sorted(self.shares().items(), key=lambda kv: -kv[1])]
        return f"{self.function} {self.alias}: " + ", ".join(parts)


def _client(client=None):
    return client or aws.client("lambda")


def _call(what: str, function: str, fn, **kwargs):
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        return fn(**kwargs)
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "")
        if code == "ResourceNotFoundException":
            alias = kwargs.get("Name", ALIAS)
            raise CanaryError(f"{function}: no such function or no {alias!r} alias; deploy it first"
                              + (" (an adopted function keeps its own alias: pass --alias)" if alias == ALIAS else "")
                              ) from None
        raise CanaryError(f"{function}: {what} failed: {exc}") from None
    except BotoCoreError as exc:
        raise AwsError(f"{function}: {what} failed: {aws.explain(exc)}") from None


def status(function: str, client=None, alias: str = ALIAS) -> Split:
    found = _call("get_alias", function, _client(client).get_alias, FunctionName=function, Name=alias)
    weights = (found.get("RoutingConfig") or {}).get("AdditionalVersionWeights") or {}
    return Split(function, found["FunctionVersion"], {k: float(v) for k, v in weights.items()}, alias)


def _versions(function: str, client) -> list[int]:
    versions, marker = [], None
    while True:
        kwargs = {"FunctionName": function, **({"Marker": marker} if marker else {})}
        page = _call("list_versions_by_function", function, client.list_versions_by_function, **kwargs)
        versions += [int(v["Version"]) for v in page["Versions"] if v["Version"].isdigit()]
        marker = page.get("NextMarker")
        if not marker:
            return sorted(versions)


def newest_and_previous(function: str, client) -> tuple[str, str]:
    versions = _versions(function, client)
    if len(versions) < 2:
        raise CanaryError(f"{function}: needs two published versions to shift between, has {len(versions)}")
    return str(versions[-1]), str(versions[-2])


def canary(function: str, percent: float, client=None, alias: str = ALIAS) -> Split:
    if not 0 < percent < 100:
        raise CanaryError(f"--percent {percent:g} must be between 0 and 100 (promote or rollback for all)")
    lam = _client(client)
    newest, previous = newest_and_previous(function, lam)
    return _update(function, lam, newest, {previous: round(1 - percent / 100, 4)}, alias)


def promote(function: str, client=None, alias: str = ALIAS) -> Split:
    lam = _client(client)
    newest, _ = newest_and_previous(function, lam)
    return _update(function, lam, newest, {}, alias)


def rollback(function: str, client=None, alias: str = ALIAS) -> Split:
    lam = _client(client)
    _, previous = newest_and_previous(function, lam)
    return _update(function, lam, previous, {}, alias)


def _update(function: str, lam, primary: str, weights: dict[str, float], alias: str = ALIAS) -> Split:
    _call("update_alias", function, lam.update_alias, FunctionName=function, Name=alias,
          FunctionVersion=primary, RoutingConfig={"AdditionalVersionWeights": weights})
    return status(function, lam, alias)


@dataclass(frozen=True)
class LiveAlias:
    """A deployed function's live alias against its newest published version."""

    function: str
    primary: str
    weights: dict[str, float]
    newest: int
    alias: str = ALIAS

    @property
    def rolled_back(self) -> bool:
        """Live points at an older version with no canary: someone rolled it back.
        (After any apply, Terraform leaves live on the newest version.)"""
        return not self.weights and self.primary.isdigit() and int(self.primary) < self.newest


def live_aliases(functions: list[str], client=None, aliases: dict[str, str] | None = None) -> dict[str, LiveAlias]:
    """The live alias of each deployed function (`aliases` names another for a function that
    keeps its own, as an adopted one may); functions not deployed yet are left out."""
    from botocore.exceptions import ClientError

    lam = _client(client)
    found = {}
    for function in functions:
        name = (aliases or {}).get(function, ALIAS)
        try:
            alias = lam.get_alias(FunctionName=function, Name=name)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "ResourceNotFoundException":
                continue
            raise CanaryError(f"{function}: get_alias failed: {exc}") from None
        weights = (alias.get("RoutingConfig") or {}).get("AdditionalVersionWeights") or {}
        versions = _versions(function, lam)
        found[function] = LiveAlias(function, alias["FunctionVersion"], {k: float(v) for k, v in weights.items()},
                                    versions[-1] if versions else 0, name)
    return found


def clear_canary(function: str, client=None, alias: str = ALIAS) -> Split:
    """Drop the alias's extra weights, leaving it on the version it points at."""
    lam = _client(client)
    primary = status(function, lam, alias).primary
    return _update(function, lam, primary, {}, alias)
