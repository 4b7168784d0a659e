"""What code a published version runs, as the builder names it (its deploy identity).

Every version carries the build's identity at the start of its description (`build-pkg
code <identity>`: the image digest, or the function's own code hash followed by `zip
<CodeSha256>`, the zip its code was uploaded in), written by Terraform (the worker module)
and by a code-only release alike. A version Terraform published before
that names its image in its ImageUri (`<repository>@<digest>`); a zip version without the
marker cannot be told apart from any other (None: the callers treat it as different).
"""

from __future__ import annotations

from ..errors import ReleaseError

MARKER = "build-pkg code "


def identity(found: dict, image: bool) -> str | None:
    """From a GetFunction answer of one version."""
    description = found.get("Configuration", {}).get("Description") or ""
    if description.startswith(MARKER):  # the identity, then the function's own description, if any
        return (description.removeprefix(MARKER).split() or [None])[0]
    if image:
        uri = found.get("Code", {}).get("ImageUri") or ""
        return uri.rpartition("@")[2] or None
    return None


def image_uri(found: dict) -> str | None:
    """The version's `<repository>@<digest>`, its marker's digest preferred (the ImageUri of
    a version Terraform published names it too)."""
    uri = found.get("Code", {}).get("ImageUri") or ""
    digest = identity(found, image=True)
    if not uri or not digest:
        return None
    name = uri.partition("@")[0]
    if ":" in name.rsplit("/", 1)[-1]:  # a tag after the repository's name (never a registry's port)
        name = name.rsplit(":", 1)[0]
    return f"{name}@{digest}"


def get_version(lam, function: str, qualifier: str) -> dict:
    from botocore.exceptions import ClientError

    try:
        return lam.get_function(FunctionName=function, Qualifier=qualifier)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") == "ResourceNotFoundException":
            raise ReleaseError(f"{function}: not deployed (or no {qualifier!r} alias or version); the first deploy of "
                               "a function is Terraform's: run a release without --code-only") from None
        raise ReleaseError(f"{function}: get_function failed: {exc}") from None


def zip_identity(config: dict) -> str | None:
    """What a zip version runs: its marker's identity, believed only when the marker names
    the zip the code was uploaded in and that is the version's CodeSha256 (code uploaded
    outside a release keeps the description, not the CodeSha256). None when it cannot be told."""
    description = config.get("Description") or ""
    if not description.startswith(MARKER):
        return None
    words = description.removeprefix(MARKER).split()
    if len(words) < 3 or words[1] != "zip" or words[2] != config.get("CodeSha256"):
        return None
    return words[0]
