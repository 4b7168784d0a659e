"""The merged OpenAPI 3.0 document as API Gateway's REST import takes it. Pure: a document in,
the document and what was dropped out, or a FunctionError where the import would refuse it
or deploy something other than what the code says.

API Gateway's developer guide ("Amazon API Gateway important notes for REST APIs", its
OpenAPI part) lists what the import does not support; tests/data/apigateway_import_rules.json
holds that list, and the tests check every document against it. Here each item is:

- transformed where an equivalent exists: an integer's `exclusiveMinimum: true` with
  `minimum: n` is `minimum: n + 1` (and the maximum alike); a number with `format` int32 or
  int64 is an `integer`; a `oneOf`/`anyOf` of one schema is that schema; a response that
  refers to `#/components/responses/X` gets X written in place;
- dropped, and named in one warning (model and keyword), where API Gateway ignores it:
  `discriminator`, `example`, `readOnly`, `writeOnly`, `deprecated`, `additionalProperties`,
  `oneOf`/`anyOf` of several schemas, a number's exclusive bound, `format: decimal`. The
  model validates less than the code's own (pydantic) model then: the function still
  validates its input;
- refused in one line: a path segment API Gateway cannot hold (a parameter that is not a
  whole segment, characters outside letters, digits and `_-.,:`), and a security scheme
  other than `apiKey` without a Lambda authorizer (`x-amazon-apigateway-authorizer`), which
  would deploy the routes without the authentication the code declares.
"""

from __future__ import annotations

import copy
import re

from ..errors import FunctionError

IGNORED = ("discriminator", "example", "readOnly", "writeOnly", "deprecated", "additionalProperties")
_SEGMENT = re.compile(r"^([A-Za-z0-9_.,:-]+|\{[A-Za-z0-9_]+\+?\})$")
_SCHEMA_LISTS = ("allOf", "anyOf", "oneOf")
_URI = re.compile(r"\$\{uri_([A-Za-z0-9_]+)\}")


def for_api_gateway(document: dict) -> tuple[dict, dict[str, list[str]]]:
    """(the document API Gateway imports as the code means it, {model or place: keywords dropped})."""
    document = copy.deepcopy(document)
    _check_paths(document)
    _check_security(document)
    _inline_responses(document)
    dropped: dict[str, set[str]] = {}
    schemas = (document.get("components") or {}).get("schemas") or {}
    for name in list(schemas):
        schemas[name] = _schema(schemas[name], dropped.setdefault(name, set()))
    for path, item in (document.get("paths") or {}).items():
        for method, operation in item.items():
            if isinstance(operation, dict):
                _schemas_in(operation, dropped.setdefault(f"{method.upper()} {path}", set()))
    # API Gateway validates requests only: what a response's model loses changes nothing
    # deployed (Powertools' own ValidationError model among them), so only request models are named.
    validated = _request_models(document)
    return document, {place: sorted(keywords) for place, keywords in sorted(dropped.items())
                      if keywords and (place in validated or " " in place)}


def _request_models(document: dict) -> set[str]:
    """The models requests are validated against: those request bodies and parameters refer
    to, and the models those refer to."""
    schemas = (document.get("components") or {}).get("schemas") or {}
    found: set[str] = set()
    todo = [_refs({k: v for k, v in operation.items() if k in ("requestBody", "parameters")})
            for item in (document.get("paths") or {}).values() for operation in item.values()
            if isinstance(operation, dict)]
    pending = [name for names in todo for name in names]
    while pending:
        name = pending.pop()
        if name not in found and name in schemas:
            found.add(name)
            pending += _refs(schemas[name])
    return found


def _refs(node) -> list[str]:
    if isinstance(node, dict):
        ref = node.get("$ref")
        own = [ref.rsplit("/", 1)[1]] if isinstance(ref, str) and ref.startswith("#/components/schemas/") else []
        return own + [name for value in node.values() for name in _refs(value)]
    if isinstance(node, list):
        return [name for item in node for name in _refs(item)]
    return []


def _function(item: dict) -> str:
    for operation in item.values():
        found = _URI.search(str((operation or {}).get("x-amazon-apigateway-integration", {}).get("uri", "")))
        if found:
            return found.group(1)
    return "its function"


def _check_paths(document: dict) -> None:
    for path, item in (document.get("paths") or {}).items():
        for segment in [s for s in path.strip("/").split("/") if s]:
            if not _SEGMENT.match(segment):
                raise FunctionError(
                    f"{_function(item)}: route {path}: API Gateway's REST import refuses the segment {segment!r} (a "
                    "path parameter must be a whole segment, {name}; others hold letters, digits and _-.,: only); "
                    "change the route")


def _check_security(document: dict) -> None:
    for name, scheme in ((document.get("components") or {}).get("securitySchemes") or {}).items():
        if isinstance(scheme, dict) and scheme.get("type") != "apiKey" \
                and "x-amazon-apigateway-authorizer" not in scheme:
            raise FunctionError(
                f"security scheme {name!r} is {scheme.get('type')!r}: API Gateway's REST import takes apiKey schemes "
                "only, and the routes would deploy without that authentication; use a Lambda authorizer "
                "(x-amazon-apigateway-authorizer on the scheme) or an apiKey scheme")


def _inline_responses(document: dict) -> None:
    """`"500": {"$ref": "#/components/responses/X"}` is refused in the document's root: X in place."""
    shared = (document.get("components") or {}).pop("responses", None) or {}
    for item in (document.get("paths") or {}).values():
        for operation in item.values():
            responses = (operation or {}).get("responses") if isinstance(operation, dict) else None
            for status, response in (responses or {}).items():
                ref = response.get("$ref", "") if isinstance(response, dict) else ""
                if ref.startswith("#/components/responses/") and ref.rsplit("/", 1)[1] in shared:
                    responses[status] = copy.deepcopy(shared[ref.rsplit("/", 1)[1]])
    if not document.get("components"):
        document.pop("components", None)


def _schemas_in(node, dropped: set[str], in_response: bool = False) -> None:
    """Every schema under an operation (request bodies, responses, parameters), in place;
    what a response's schema loses is not named (responses are not validated)."""
    if isinstance(node, list):
        for item in node:
            _schemas_in(item, dropped, in_response)
    elif isinstance(node, dict):
        for key, value in list(node.items()):
            if key == "schema" and isinstance(value, dict):
                node[key] = _schema(value, set() if in_response else dropped)
            else:
                _schemas_in(value, dropped, in_response or key == "responses")


def _schema(node, dropped: set[str]):
    if not isinstance(node, dict):
        return node
    node = dict(node)
    for key in _SCHEMA_LISTS:
        options = node.get(key)
        if isinstance(options, list) and len(options) == 1 and key != "allOf":
            only = node.pop(key)[0]
            node = {**node, "allOf": [only]} if "$ref" in only else {**only, **node}
        elif isinstance(options, list) and key != "allOf":
            node.pop(key)
            dropped.add(key)
    if node.get("format") in ("int32", "int64"):
        node.pop("format")
        if node.get("type") == "number":
            node["type"] = "integer"
    if node.get("format") == "decimal":
        node.pop("format")
        dropped.add("format: decimal")
    for flag, bound, step in (("exclusiveMinimum", "minimum", 1), ("exclusiveMaximum", "maximum", -1)):
        if flag not in node:
            continue
        exclusive = node.pop(flag)
        if exclusive is True and isinstance(node.get(bound), (int, float)):
            if node.get("type") == "integer" and float(node[bound]).is_integer():
                node[bound] = int(node[bound]) + step
            else:
                dropped.add(flag)  # a number's bound becomes inclusive: nothing else says it
    for keyword in IGNORED:
        if keyword in node:
            node.pop(keyword)
            dropped.add(keyword)
    if isinstance(node.get("properties"), dict):
        node["properties"] = {name: _schema(value, dropped) for name, value in node["properties"].items()}
    for key in ("items", "not"):
        if isinstance(node.get(key), dict):
            node[key] = _schema(node[key], dropped)
    if isinstance(node.get("allOf"), list):
        node["allOf"] = [_schema(item, dropped) for item in node["allOf"]]
    return node


def warning(dropped: dict[str, list[str]]) -> str:
    """One line naming each model (or route) and what was dropped from it."""
    listed = "; ".join(f"{place}: {', '.join(keywords)}" for place, keywords in dropped.items())
    return (f"terraform/openapi.json: API Gateway's REST import does not support {listed}; dropped (its models "
            "validate less than the code's: the functions' own validation still holds)")
