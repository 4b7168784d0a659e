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

from ..errors import FunctionError

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
    return _walk(converted)


def _walk(node):
    if isinstance(node, list):
        return [_walk(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {k: _walk(v) for k, v in node.items() if k not in _DROPPED}
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
    served by one function (two is an error naming both files), schemas merged by name."""
    paths: dict[str, dict] = {}
    owners: dict[tuple[str, str], tuple[str, str]] = {}
    schemas: dict[str, dict] = {}
    for name, (source, document) in sorted(documents.items()):
        for path, item in sorted((document.get("paths") or {}).items()):
            for method, operation in sorted(item.items()):
                if method not in METHODS:
                    continue
                claimed = owners.get((path, method))
                if claimed:
                    raise FunctionError(f"{method.upper()} {path} is served by both {claimed[1]} and {source}; "
                                        "keep the route in one function")
                owners[(path, method)] = (name, source)
                paths.setdefault(_escape(path), {})[method] = {**_escape(operation), "x-amazon-apigateway-integration": {
                    "type": "aws_proxy", "httpMethod": "POST", "uri": "${uri_" + name + "}",
                    "passthroughBehavior": "when_no_match"}}
        for schema_name, schema in sorted(((document.get("components") or {}).get("schemas") or {}).items()):
            if schema_name in schemas and schemas[schema_name] != schema:
                raise FunctionError(f"{source}: its model {schema_name!r} differs from another function's of the "
                                    "same name; rename one (API Gateway has one namespace of models)")
            schemas[schema_name] = _escape(schema)
    merged = {"openapi": VERSION, "info": {"title": title, "version": "1.0.0"}, "paths": paths}
    if schemas:
        merged["components"] = {"schemas": schemas}
    return merged


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
        raise FunctionError(f"terraform/openapi.json would not be valid OpenAPI {VERSION}: "
                            f"{str(exc).splitlines()[0]}{' at ' + where if where else ''}") from None
