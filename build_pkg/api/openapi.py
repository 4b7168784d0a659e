"""One OpenAPI document for the project's REST API, from the documents each function's
Powertools resolver generates. Pure: documents in, a document (or an error) out.

Powertools 3.x emits OpenAPI 3.1.0; API Gateway imports only 2.0 and 3.0 ("Invalid OpenAPI
input" otherwise), so each document is brought down to 3.0.3 the way its schema language
differs: `const` is a one-value `enum`, a `null` alternative (`anyOf`/`oneOf` with
`{"type": "null"}`, or `type: [X, "null"]`) is `nullable: true`, `examples` is one
`example`, numeric `exclusiveMinimum`/`exclusiveMaximum` are `minimum`/`maximum` with the
boolean flag, and what 3.0 has no place for (`info.summary`, `jsonSchemaDialect`, `$schema`,
`webhooks`, `contentMediaType`) goes. Every operation gets its Lambda proxy integration,
the URI left as a `templatefile` placeholder (`${uri_<function>}`) so no ARN is written here
(and `${`/`%{` in the code's own text escaped, so nothing else is filled in).
"""

from __future__ import annotations

import copy
import json
import re

from ..errors import FunctionError

OPENAPI_NAME = "openapi.json"  # in terraform/, beside the REST API that serves it
VERSION = "3.0.3"
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
_DROPPED = ("$schema", "contentMediaType", "contentEncoding", "$comment", "unevaluatedProperties")


def down_convert(document: dict) -> dict:
    """A 3.1 document as 3.0.3 (a 3.0 one is returned as it is, copied)."""
    converted = copy.deepcopy(document)
    if not str(converted.get("openapi", "")).startswith("3.1"):
        return converted
    converted["openapi"] = VERSION
    converted.get("info", {}).pop("summary", None)
    for key in ("jsonSchemaDialect", "webhooks"):
        converted.pop(key, None)
    return _alphanumeric_models(_walk(converted))


def _alphanumeric_models(document: dict) -> dict:
    """API Gateway's models must have alphanumeric names (pydantic writes `Order-Input`)."""
    schemas = (document.get("components") or {}).get("schemas") or {}
    renamed = {name: re.sub(r"[^A-Za-z0-9]", "", name) for name in schemas}
    if all(old == new for old, new in renamed.items()):
        return document
    text = json.dumps(document)
    for old, new in renamed.items():
        text = text.replace(f'"#/components/schemas/{old}"', f'"#/components/schemas/{new}"')
    document = json.loads(text)
    document["components"]["schemas"] = {renamed[k]: v for k, v in document["components"]["schemas"].items()}
    return document


_SCHEMA_MAPS = ("properties", "patternProperties", "schemas", "$defs", "definitions", "responses", "content",
                "paths")


def _walk(node):
    if isinstance(node, list):
        return [_walk(item) for item in node]
    if not isinstance(node, dict):
        return node
    # A map of names to schemas (a model's fields): its keys are names, never keywords.
    node = {k: ({name: _walk(v2) for name, v2 in v.items()} if k in _SCHEMA_MAPS and isinstance(v, dict) else _walk(v))
            for k, v in node.items() if k not in _DROPPED}
    if isinstance(node.get("prefixItems"), list):  # a tuple: 3.0 has no positions, only the item kinds
        items = node.pop("prefixItems")
        node["items"] = items[0] if len(set(map(json.dumps, items))) == 1 else {"anyOf": items}
        node["minItems"] = node["maxItems"] = len(items)
    if "const" in node:
        node["enum"] = [node.pop("const")]
    for key in ("anyOf", "oneOf"):
        options = node.get(key)
        if isinstance(options, list) and any(o == {"type": "null"} for o in options):
            rest = [o for o in options if o != {"type": "null"}]
            node.pop(key)
            node["nullable"] = True
            if len(rest) == 1:
                node = {**rest[0], **node} if "$ref" not in rest[0] else {**node, "allOf": rest}
            elif rest:
                node[key] = rest
    kind = node.get("type")
    if isinstance(kind, list):
        kinds = [k for k in kind if k != "null"]
        if len(kinds) < len(kind):
            node["nullable"] = True
        if len(kinds) == 1:
            node["type"] = kinds[0]
        else:
            node.pop("type")
            node["anyOf"] = [{"type": k} for k in kinds]
    if isinstance(node.get("examples"), list) and not _is_media_examples(node):
        examples = node.pop("examples")
        if examples:
            node["example"] = examples[0]
    for bound, flag in (("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")):
        if isinstance(node.get(bound), (int, float)) and not isinstance(node.get(bound), bool):
            node[flag] = node.pop(bound)
            node[bound] = True
    return node


def _is_media_examples(node: dict) -> bool:
    """`examples` of a parameter or media type is a map in 3.0 too; only a schema's is a list."""
    return isinstance(node.get("examples"), dict)


def merge(documents: dict[str, tuple[str, dict]], title: str) -> dict:
    """One document from {function: (its source file, its 3.0 document)}: each path and method
    served by one function (two is an error naming both files; `/a/{x}` and `/a/{y}` are one
    route), models and security schemes merged by name."""
    paths: dict[str, dict] = {}
    owners: dict[tuple[str, str], str] = {}
    components: dict[str, dict[str, tuple[str, dict]]] = {"schemas": {}, "securitySchemes": {}}
    for name, (source, document) in sorted(documents.items()):
        for path, item in sorted((document.get("paths") or {}).items()):
            for method, operation in sorted(item.items()):
                if method not in METHODS:
                    continue
                key = (re.sub(r"\{[^}]*\}", "{}", path), method)
                if key in owners:
                    raise FunctionError(f"{method.upper()} {path} is served by both {owners[key]} and {source}; "
                                        "keep the route in one function")
                owners[key] = source
                paths.setdefault(_escape(path), {})[method] = {**_escape(operation), "x-amazon-apigateway-integration": {
                    "type": "aws_proxy", "httpMethod": "POST", "uri": "${uri_" + name + "}",
                    "passthroughBehavior": "when_no_match"}}
        for kind, found in components.items():
            for item_name, item in sorted(((document.get("components") or {}).get(kind) or {}).items()):
                item = _escape(item)
                if item_name in found and found[item_name][1] != item:
                    raise FunctionError(f"{source} and {found[item_name][0]} define {item_name!r} differently; "
                                        "rename one (API Gateway has one namespace of models)")
                found[item_name] = (source, item)
    _one_variable_per_level(_path_owners(documents))
    merged = {"openapi": VERSION, "info": {"title": title, "version": "1.0.0"}, "paths": paths}
    kept = {kind: {k: v for k, (_, v) in found.items()} for kind, found in components.items() if found}
    if kept:
        merged["components"] = kept
    return merged


def _path_owners(documents: dict[str, tuple[str, dict]]) -> dict[str, str]:
    owners: dict[str, str] = {}
    for _, (source, document) in sorted(documents.items()):
        for path in sorted(document.get("paths") or {}):
            owners.setdefault(path, source)
    return owners


def _one_variable_per_level(owners: dict[str, str]) -> None:
    """A REST API is a tree of resources, and a resource has at most one child that is a
    path variable: /shop/{item_id} and /shop/{other}/x cannot both be imported."""
    children: dict[tuple[str, ...], dict[str, str]] = {}
    for path, source in sorted(owners.items()):
        segments = [s for s in path.strip("/").split("/") if s]
        for i, segment in enumerate(segments):
            if segment.startswith("{"):
                children.setdefault(tuple(segments[:i]), {}).setdefault(segment, source)
    for parent, found in sorted(children.items()):
        if len(found) > 1:
            (one, first), (other, second) = sorted(found.items())[:2]
            where = f"{first} and {second}" if first != second else first
            raise FunctionError(f"/{'/'.join(parent)} has two path variables below it, {one} and {other} ({where}); "
                                "API Gateway allows one per level: give them one name")


def _escape(node):
    """The document is a `templatefile` source: `${` and `%{` in the code's own text are
    written `$${` and `%%{`, so only the integration placeholders are filled in."""
    if isinstance(node, str):
        return node.replace("${", "$${").replace("%{", "%%{")
    if isinstance(node, list):
        return [_escape(item) for item in node]
    if isinstance(node, dict):
        return {_escape(k): _escape(v) for k, v in node.items()}
    return node


def routes(document: dict) -> list[tuple[str, str]]:
    """(METHOD, path) of every operation, sorted."""
    return sorted((method.upper(), path) for path, item in (document.get("paths") or {}).items()
                  for method in item if method in METHODS)


def dumps(document: dict) -> bytes:
    """Stable bytes: the body's hash is what redeploys the API, so only content may move it."""
    return (json.dumps(document, indent=2, sort_keys=True) + "\n").encode()


def validate(document: dict) -> None:
    """Checked with openapi-spec-validator as OpenAPI 3.0; FunctionError naming the first fault."""
    from openapi_spec_validator import validate as check
    from openapi_spec_validator.validation.exceptions import OpenAPIValidationError

    try:
        check(document)
    except OpenAPIValidationError as exc:
        where = "/".join(str(p) for p in getattr(exc, "absolute_path", []) or [])
        first = str(exc).splitlines()[0]
        raise FunctionError(f"terraform/openapi.json would not be valid OpenAPI {VERSION}"
                            f"{' at ' + where if where else ''}: {first[:200]}{'...' if len(first) > 200 else ''}; "
                            "simplify that model or route") from None
