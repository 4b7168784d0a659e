"""`prune`: delete a function's published versions that no alias uses, beyond the newest N.

Every apply of a changed function publishes a version, and Terraform never
deletes one; Lambda's code storage is 75 GB per region. A version stays when an
alias points at it (its primary version or a canary weight), when it is among
the newest `keep`, and always $LATEST.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import CanaryError
from .traffic import _call, _client, _versions

DEFAULT_KEEP = 3  # the live version, the one a rollback goes to, and one more


@dataclass(frozen=True)
class Pruned:
    function: str
    deleted: tuple[str, ...]
    kept: tuple[str, ...]
    in_use: tuple[str, ...]  # versions an alias points at
    dry_run: bool


def prune(function: str, keep: int = DEFAULT_KEEP, dry_run: bool = False, client=None) -> Pruned:
    if keep < 1:
        raise CanaryError(f"--keep {keep}: keep at least the newest version")
    lam = _client(client)
    versions = _versions(function, lam)
    in_use = _alias_versions(function, lam)
    newest = set(versions[-keep:])
    doomed = [v for v in versions if v not in newest and str(v) not in in_use]
    if not dry_run:
        for version in doomed:
            _call("delete_function", function, lam.delete_function, FunctionName=function, Qualifier=str(version))
    kept = [str(v) for v in versions if v not in doomed]
    return Pruned(function, tuple(map(str, doomed)), tuple(kept), tuple(sorted(in_use, key=int)), dry_run)


def _alias_versions(function: str, lam) -> set[str]:
    used: set[str] = set()
    marker = None
    while True:
        kwargs = {"FunctionName": function, **({"Marker": marker} if marker else {})}
        page = _call("list_aliases", function, lam.list_aliases, **kwargs)
        for alias in page.get("Aliases", []):
            used.add(alias["FunctionVersion"])
            used.update((alias.get("RoutingConfig") or {}).get("AdditionalVersionWeights") or {})
        marker = page.get("NextMarker")
        if not marker:
            return {v for v in used if v.isdigit()}


def deployed_names(project, env: str) -> list[str]:
    """Every function of functions/ as deployed in `env` (<project>-<environment>-<name>, or an
    adopted function's live name)."""
    from ..errors import UsageError
    from ..infra.environments import read
    from ..package.discover import discover

    environment = next((e for e in read(project) if e.name == env), None)
    if environment is None:
        raise UsageError(f"--env {env}: no terraform/env/{env}.tfvars")
    return [environment.function_name(f.name)
            for f in discover(project.root, project.functions_dir, check_handlers=False)]
