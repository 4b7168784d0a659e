"""The provider schema of aws_schema.json, and values on the wire (cty's msgpack form).

Terraform sends and expects each resource's value as one msgpack object holding
every attribute and every nested block of its schema; an unknown value is msgpack
extension 0 (refined unknowns use extension 12). `normalize` gives a value exactly
the schema's shape, which is what state upgrades and imports need.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import msgpack

SCHEMA_FILE = Path(__file__).with_name("aws_schema.json")


class _Unknown:
    """A value Terraform will only know after apply."""

    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN = _Unknown()


@lru_cache(maxsize=1)
def schema() -> dict:
    return json.loads(SCHEMA_FILE.read_text())


def resource_schema(type_name: str) -> dict:
    return schema()["resource_schemas"][type_name]


def data_source_schema(type_name: str) -> dict:
    return schema()["data_source_schemas"][type_name]


def decode(raw: bytes | None):
    if not raw:
        return None

    def ext(code, data):
        return UNKNOWN if code in (0, 12) else msgpack.ExtType(code, data)

    return msgpack.unpackb(raw, ext_hook=ext, strict_map_key=False)


def encode(value) -> bytes:
    def default(obj):
        if obj is UNKNOWN:
            return msgpack.ExtType(0, b"\x00")
        raise TypeError(f"cannot encode {obj!r}")

    return msgpack.packb(value, default=default)


def normalize(value: dict | None, block: dict) -> dict:
    """`value` with exactly the attributes and nested blocks of `block` (missing ones null or empty)."""
    value = value or {}
    out = {name: value.get(name) for name in block["attributes"]}
    for name, nested in block["blocks"].items():
        items = value.get(name) or []
        if isinstance(items, dict):
            items = [items]
        out[name] = [normalize(item, nested["block"]) for item in items if isinstance(item, dict)]
    return out


def computed_only(block: dict) -> set[str]:
    """Attributes the provider sets and configuration never does."""
    return {n for n, a in block["attributes"].items() if a.get("computed") and not a.get("optional") and not a.get("required")}


def computed(block: dict) -> set[str]:
    return {n for n, a in block["attributes"].items() if a.get("computed")}
