"""`prune`: delete a function's published versions that no alias uses, beyond the newest N.

Every apply of a changed function publishes a version, and Terraform never
deletes one; Lambda's code storage is 75 GB per region. A version stays when an
alias points at it (its primary version or a canary weight), when it is among
the newest `keep`, and always $LATEST.

An image function's deleted versions take their images with them: an image (by digest)
that only deleted versions used is deleted from its environment's ECR repository
(`<project>-<env>-functions`, never a repository shared through `release --repository`),
one that a kept version or $LATEST runs never is. The repository's lifecycle policy is the backstop for
images no version ever used.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import CanaryError
from .traffic import _call, _client, _versions
from .version_code import image_uri

DEFAULT_KEEP = 3  # the live version, the one a rollback goes to, and one more


@dataclass(frozen=True)
class Pruned:
    function: str
    deleted: tuple[str, ...]
    kept: tuple[str, ...]
    in_use: tuple[str, ...]  # versions an alias points at
    dry_run: bool
    images_deleted: tuple[str, ...] = ()  # <repository>@<digest> of images only deleted versions ran


def prune(function: str, keep: int = DEFAULT_KEEP, dry_run: bool = False, client=None, ecr=None) -> Pruned:
    if keep < 1:
        raise CanaryError(f"--keep {keep}: keep at least the newest version")
    lam = _client(client)
    versions = _versions(function, lam)
    in_use = _alias_versions(function, lam)
    newest = set(versions[-keep:])
    doomed = [v for v in versions if v not in newest and str(v) not in in_use]
    kept = [str(v) for v in versions if v not in doomed]
    images = _orphaned_images(function, lam, [str(v) for v in doomed], kept) if doomed else []
    if not dry_run:
        for version in doomed:
            _call("delete_function", function, lam.delete_function, FunctionName=function, Qualifier=str(version))
        _delete_images(function, images, ecr)
    return Pruned(function, tuple(map(str, doomed)), tuple(kept), tuple(sorted(in_use, key=int)), dry_run,
                  tuple(images))


def _orphaned_images(function: str, lam, doomed: list[str], kept: list[str]) -> list[str]:
    """The images of `doomed` versions that no kept version nor $LATEST runs ([] for a zip function)."""
    latest = _call("get_function", function, lam.get_function, FunctionName=function)
    if latest.get("Configuration", {}).get("PackageType") != "Image":
        return []
    uses = {q: image_uri(_call("get_function", function, lam.get_function, FunctionName=function, Qualifier=q))
            for q in doomed + kept}
    still = {uses[q] for q in kept} | {image_uri(latest)}
    # Only from the function's own environment's repository, <project>-<env>-functions: a
    # repository shared with other environments (release --repository) may hold an image
    # another environment's function still runs; its lifecycle policy is left to expire it.
    return sorted(uri for uri in {uses[q] for q in doomed if uses[q]} - still if _own_repository(function, uri))


def _own_repository(function: str, uri: str) -> bool:
    name = uri.partition("@")[0].partition("/")[2]
    return name.endswith("-functions") and function.startswith(name.removesuffix("functions"))


def _delete_images(function: str, images: list[str], ecr) -> None:
    from .. import aws

    by_repository: dict[tuple[str, str], list[str]] = {}
    for uri in images:
        repository, _, digest = uri.partition("@")
        host, _, name = repository.partition("/")
        by_repository.setdefault((host, name), []).append(digest)
    for (host, name), digests in sorted(by_repository.items()):
        parts = host.split(".")  # ACCOUNT.dkr.ecr.REGION.amazonaws.com
        if len(parts) < 6 or parts[1:3] != ["dkr", "ecr"]:
            continue  # not an ECR repository: nothing of ours to delete there
        client = ecr or aws.client("ecr", parts[3])
        _call("batch_delete_image", function, client.batch_delete_image, registryId=parts[0], repositoryName=name,
              imageIds=[{"imageDigest": d} for d in digests])


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
