"""`status --env ENV`: what runs where, against what this checkout builds (boto3).

For each function of the repository: its alias (`live`, or an adopted function's own),
the version it points at and any canary weights, that version's runtime, memory and
last change, and the code each version the alias sends requests to runs (and each one
the REST API stage sends requests to, when it pins a version or runs a canary), against
the build's identity: an image version's resolved digest; a zip version's recorded
identity (the description it was published with, see version_code), believed only when
the zip the record names is the version's CodeSha256. A function deployed with the
environment's name prefix that the repository does not have is listed too. The comparison
is pure; the reads are at the edge, a few at a time (Lambda's control plane allows about
15 calls a second besides GetFunction).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field

from .. import aws
from ..deploy import version_code
from ..errors import AwsError, OperateError

IN_SYNC, DIFFERS, MISSING, NOT_OURS = "in sync", "differs", "missing", "not in the repository"
_READERS = 4


@dataclass(frozen=True)
class Deployed:
    function: str  # its name in AWS
    alias: str | None = None
    version: str | None = None  # what the alias points at
    weights: dict[str, float] = field(default_factory=dict)  # canary: other version -> share (0-1)
    runtime: str | None = None
    memory: int | None = None
    last_modified: str | None = None
    identity: str | None = None  # the code the version runs, as recorded and checked; None when unknown
    canary: dict[str, str | None] = field(default_factory=dict)  # a canary version -> the code it runs
    handler: str | None = None  # the live version's configuration, which the code's record does not cover
    architecture: str | None = None
    layers: tuple[str, ...] = ()  # the live version's layer ARNs
    api: dict[str, str | None] = field(default_factory=dict)  # what the REST API stage also sends to -> its code


@dataclass(frozen=True)
class Row:
    name: str  # in functions/, or the deployed name for one the repository lacks
    state: str
    deployed: Deployed
    built: str | None  # the identity this checkout builds
    why: str | None = None  # what differs, when something does

    def as_dict(self) -> dict:
        d = asdict(self.deployed)
        d["weights"] = {v: round(w * 100, 2) for v, w in self.deployed.weights.items()}
        return {"name": self.name, "state": self.state, **d, "built": self.built, "differs": self.why}


def compare(built: dict[str, str], deployed: dict[str, Deployed | None], others: list[Deployed],
            expected: dict[str, dict] | None = None) -> list[Row]:
    """A row per function of the repository (sorted), then one per deployed function it lacks.
    `expected`: per function, the handler, runtime and architecture this checkout deploys,
    which an out-of-band configuration change can move while the code's record stays."""
    rows = []
    for name in sorted(built):
        found = deployed.get(name)
        if found is None or found.version is None:
            rows.append(Row(name, MISSING, found or Deployed(""), built[name]))
            continue
        running = [found.identity, *found.canary.values()]  # every version the alias sends requests to
        why = [] if all(i == built[name] for i in running) else ["code"]
        why += [f"the REST API stage sends requests to {_qualifier(q)}, which runs other code"
                for q, identity in found.api.items() if identity != built[name]]
        wanted = (expected or {}).get(name) or {}
        for part, have in (("handler", found.handler), ("runtime", found.runtime), ("architecture", found.architecture)):
            if wanted.get(part) and have and have != wanted[part]:
                why.append(f"{part} {have} (this checkout: {wanted[part]})")
        if "layer" in wanted:  # the dependency layer: by content (see layer_verdicts)
            why += _layer_difference(found.layers, wanted["layer"], wanted.get("layer_verdicts") or {})
        rows.append(Row(name, DIFFERS if why else IN_SYNC, found, built[name], "; ".join(why) or None))
    rows += [Row(d.function, NOT_OURS, d, None) for d in sorted(others, key=lambda d: d.function)]
    return rows


def _qualifier(qualifier: str) -> str:
    return f"version {qualifier}" if qualifier.isdigit() else f"{qualifier!r}"


def dependency_layers(arns: tuple[str, ...], layer_name: str) -> list[str]:
    """The ARNs (arn:aws:lambda:REGION:ACCOUNT:layer:NAME:VERSION) of the project's own
    dependency layer among a version's layers; other layers are the team's to add."""
    return [arn for arn in arns if arn.split(":")[6:7] == [layer_name]]


def _layer_difference(arns: tuple[str, ...], wanted: dict, verdicts: dict[str, str | None]) -> list[str]:
    ours = dependency_layers(arns, wanted["name"])
    if wanted.get("content") is None:
        return [f"dependency layer {ours[0]} (this checkout builds none)"] if ours else []
    if not ours:
        return ["no dependency layer (this checkout builds one)"]
    return [f"dependency layer {arn}: {verdicts[arn]}" for arn in ours if verdicts.get(arn)]


def layer_verdicts(lam, arns: set[str], layer: dict) -> dict[str, str | None]:
    """Per deployed dependency layer: None when it is this build's (the same zip, or a zip
    whose files are this build's), else what differs. Its content is read from the zip
    Lambda serves when the bytes differ (another builder may zip the same files otherwise)."""
    import urllib.request

    from ..package.layer import content_identity

    verdicts = {}
    for arn in sorted(arns):
        name, _, number = arn.rpartition(":")
        content = _call(lam.get_layer_version, arn, LayerName=name, VersionNumber=int(number)).get("Content", {})
        if content.get("CodeSha256") == layer["filebase64sha256"]:
            verdicts[arn] = None
            continue
        location = content.get("Location") or ""
        if not location.startswith(("https://", "http://")):
            verdicts[arn] = "another zip, whose files cannot be read (no download address)"
            continue
        with urllib.request.urlopen(location, timeout=120) as answer:  # a presigned address
            same = content_identity(answer.read()) == layer["content_sha256"]
        verdicts[arn] = None if same else "other files than this build's"
    return verdicts


def needs_attention(rows: list[Row]) -> bool:
    """What CI gates on: a function whose deployed code differs, or that is not deployed."""
    return any(row.state in (DIFFERS, MISSING) for row in rows)


def table(rows: list[Row]) -> list[str]:
    header = ("FUNCTION", "STATE", "VERSION", "ALIAS", "RUNTIME", "MEMORY", "LAST MODIFIED")
    lines = [header]
    for row in rows:
        d = row.deployed
        alias = f"{d.alias} ({canary_split(d.version, d.weights)})" if d.weights else (d.alias or "-")
        lines.append((row.name, row.state, d.version or "-", alias, d.runtime or "-",
                      f"{d.memory} MB" if d.memory else "-", (d.last_modified or "-")[:19].replace("T", " ")))
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    shown = ["  ".join(cell.ljust(widths[i]) for i, cell in enumerate(line)).rstrip() for line in lines]
    return shown + [f"{row.name} differs: {row.why}" for row in rows if row.why]


def canary_split(primary: str | None, weights: dict[str, float]) -> str:
    """`canary: 2 at 10%, 1 at 90%`: the newer version is the canary, whichever of the alias's
    primary and its weighted versions it is (canary sends the newest a share of the alias)."""
    shares = {**weights, **({primary: max(0.0, 1 - sum(weights.values()))} if primary else {})}
    ordered = sorted(shares, key=lambda v: int(v) if v.isdigit() else -1, reverse=True)
    return "canary: " + ", ".join(f"{v} at {round(shares[v] * 100, 2):g}%" for v in ordered)


def read(lam, targets: dict[str, tuple[str, str]], prefix: str, others: tuple[str, ...] = (),
         api: dict[str, tuple[str, ...]] | None = None) -> tuple[dict[str, Deployed | None], list[Deployed]]:
    """`targets`: name -> (deployed name, alias). Returns each one's state, and the deployed
    functions named `<prefix>-...` that no target names (but not those of another
    environment whose prefix starts with this one: `others`, worker-dev-eu beside worker-dev).
    `api`: per name, the qualifiers the REST API stage sends requests to besides the alias
    (a pinned version, the stage canary's), whose code is read too."""
    with ThreadPoolExecutor(_READERS) as pool:
        found = dict(zip(targets, pool.map(lambda n: _one(lam, *targets[n], (api or {}).get(n, ())), targets)))
    ours = {function for function, _ in targets.values()}
    others = [Deployed(name, runtime=config.get("Runtime"), memory=config.get("MemorySize"),
                       last_modified=config.get("LastModified"))
              for name, config in _listed(lam, f"{prefix}-") if name not in ours
              and not any(name.startswith(f"{other}-") for other in others if other.startswith(f"{prefix}-"))]
    return found, others


def _one(lam, function: str, alias: str, stage_qualifiers: tuple[str, ...] = ()) -> Deployed | None:
    from botocore.exceptions import ClientError

    try:
        routing = _call(lam.get_alias, function, FunctionName=function, Name=alias)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") != "ResourceNotFoundException":
            raise OperateError(f"{function}: get_alias failed: {exc}") from None
        return _without_alias(lam, function)
    version = routing["FunctionVersion"]
    weights = {k: float(v) for k, v in ((routing.get("RoutingConfig") or {}).get("AdditionalVersionWeights") or {}).items()}
    found = _call(lam.get_function, function, FunctionName=function, Qualifier=version)
    config = found.get("Configuration", {})
    image = config.get("PackageType") == "Image"
    identities = {}
    for routed in [version, *sorted(weights)]:  # a canary's version runs too
        answer = found if routed == version else _call(lam.get_function, function, FunctionName=function,
                                                        Qualifier=routed)
        identities[routed] = _image_identity(answer) if image else version_code.zip_identity(answer["Configuration"])
    api = {}
    for qualifier in stage_qualifiers:
        if qualifier in (alias, version):
            continue  # what the alias runs, read above
        try:
            answer = _call(lam.get_function, function, FunctionName=function, Qualifier=qualifier)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") != "ResourceNotFoundException":
                raise OperateError(f"{function}: get_function {qualifier} failed: {exc}") from None
            api[qualifier] = None  # the stage names what is not there: its requests fail
            continue
        api[qualifier] = _image_identity(answer) if image else version_code.zip_identity(answer["Configuration"])
    return Deployed(function, alias, version, weights, config.get("Runtime") or ("image" if image else None),
                    config.get("MemorySize"), config.get("LastModified"), identities[version],
                    {v: i for v, i in identities.items() if v != version}, config.get("Handler"),
                    (config.get("Architectures") or [None])[0],
                    tuple(entry.get("Arn") for entry in config.get("Layers") or ()), api)


def _image_identity(answer: dict) -> str | None:
    """An image version runs the digest Lambda resolved; the marker only where no digest is named."""
    code = answer.get("Code", {})
    for uri in (code.get("ResolvedImageUri"), code.get("ImageUri")):
        if uri and "@sha256:" in uri:
            return uri.rpartition("@")[2]
    return version_code.identity(answer, image=True)


def _without_alias(lam, function: str) -> Deployed | None:
    """A function without its alias is not deployed the way releases deploy it: missing,
    with what there is of it shown."""
    from botocore.exceptions import ClientError

    try:
        config = _call(lam.get_function, function, FunctionName=function).get("Configuration", {})
    except ClientError:
        return None
    return Deployed(function, None, None, {}, config.get("Runtime"), config.get("MemorySize"),
                    config.get("LastModified"))


def _listed(lam, prefix: str):
    from botocore.exceptions import ClientError

    marker = None
    while True:
        try:
            page = _call(lam.list_functions, prefix, **({"Marker": marker} if marker else {}))
        except ClientError as exc:
            raise OperateError(f"list_functions failed: {exc}") from None
        for config in page.get("Functions", []):
            if config["FunctionName"].startswith(prefix):
                yield config["FunctionName"], config
        marker = page.get("NextMarker")
        if not marker:
            return


def _call(fn, function: str, **kwargs):
    """ClientError passes to the caller (which knows what a missing function means)."""
    from botocore.exceptions import BotoCoreError

    try:
        return fn(**kwargs)
    except BotoCoreError as exc:
        raise AwsError(f"{function}: {aws.explain(exc)}") from None
