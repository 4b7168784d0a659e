"""A stand-in for the hashicorp/aws provider, 6.62.0, over Terraform's plugin protocol 6.

It serves the real provider's schema (aws_schema.json, for the types this project
uses), so Terraform core validates configuration exactly as it would against the
real one: argument names, types, required arguments, nested blocks, references.
It plans like the real provider where its rules say how: arguments that force a
replacement, computed attributes unknown until apply, a function's version that
changes with it. Apply fills computed attributes with deterministic values (ARNs
from names in each service's format, versions that count up). It imports by
Terraform's import ID formats.

What it does not do: it calls no AWS API and keeps nothing but Terraform's state
(and a counter of layer versions in Terraform's data directory); it knows no
service-side rules (IAM policy grammar, name collisions, quotas, eventual
consistency); optional arguments that the real provider also computes are
treated as plain optional (left null when unset); it never reports drift.
"""

from __future__ import annotations

import fcntl
import hashlib
import functools
import json
import os
import sys
import traceback
from pathlib import Path

from tf.gen import tfplugin_pb2 as pb
from tf.gen import tfplugin_pb2_grpc as rpc

from . import behaviour
from .values import (UNKNOWN, computed, computed_only, data_source_schema, decode, encode, normalize,
                     resource_schema, schema)

_NESTING = pb.Schema.NestedBlock.NestingMode
_IMPORTED = b"imported"  # private data of a resource imported and not applied since
# What the real provider announces (terraform-plugin-mux announces all three), less
# MoveResourceState, which the stand-in does not serve. GetProviderSchemaOptional lets
# Terraform use the schema it already has for the second and third instance of a plan.
_CAPABILITIES = pb.ServerCapabilities(plan_destroy=True, get_provider_schema_optional=True)


def _dv(value) -> pb.DynamicValue:
    return pb.DynamicValue(msgpack=encode(value))


def _error(summary: str, detail: str = "") -> pb.Diagnostic:
    return pb.Diagnostic(severity=pb.Diagnostic.ERROR, summary=summary, detail=detail)


def _block(spec: dict) -> pb.Schema.Block:
    attributes = [
        pb.Schema.Attribute(name=name, type=json.dumps(a["type"]).encode(), required=bool(a.get("required")),
                            optional=bool(a.get("optional")) and not a.get("required"),
                            computed=bool(a.get("computed")))
        for name, a in sorted(spec["attributes"].items())
    ]
    blocks = [
        pb.Schema.NestedBlock(type_name=name, block=_block(b["block"]), nesting=_NESTING.LIST,
                              min_items=b["min_items"], max_items=b["max_items"])
        for name, b in sorted(spec["blocks"].items())
    ]
    return pb.Schema.Block(attributes=attributes, block_types=blocks)


def _guarded(response_type):
    """Turn an exception into an error diagnostic Terraform shows, instead of a broken pipe."""
    def decorate(method):
        @functools.wraps(method)
        def wrapper(self, request, context):
            try:
                return method(self, request, context)
            except Exception as exc:  # noqa: BLE001 (every failure must reach Terraform as a diagnostic)
                traceback.print_exc(file=sys.stderr)
                return response_type(diagnostics=[_error(f"stand-in aws provider: {exc}")])
        return wrapper
    return decorate


class StandInProvider(rpc.ProviderServicer):
    def __init__(self) -> None:
        self.region = "us-east-1"
        self.default_tags: dict = {}
        self._schema_response = None

    # -- schema and configuration -------------------------------------------------------

    def GetMetadata(self, request, context):  # noqa: N802 (the protocol's names)
        s = schema()
        return pb.GetMetadata.Response(
            server_capabilities=_CAPABILITIES,
            resources=[pb.GetMetadata.ResourceMetadata(type_name=n) for n in s["resource_schemas"]],
            data_sources=[pb.GetMetadata.DataSourceMetadata(type_name=n) for n in s["data_source_schemas"]])

    def GetProviderSchema(self, request, context):  # noqa: N802
        if self._schema_response is None:
            s = schema()
            self._schema_response = pb.GetProviderSchema.Response(
                provider=pb.Schema(block=_block(s["provider_schema"])),
                resource_schemas={n: pb.Schema(block=_block(b)) for n, b in s["resource_schemas"].items()},
                data_source_schemas={n: pb.Schema(block=_block(b)) for n, b in s["data_source_schemas"].items()},
                server_capabilities=_CAPABILITIES)
        return self._schema_response

    def ValidateProviderConfig(self, request, context):  # noqa: N802
        return pb.ValidateProviderConfig.Response()

    def ValidateResourceConfig(self, request, context):  # noqa: N802
        return pb.ValidateResourceConfig.Response()

    def ValidateDataResourceConfig(self, request, context):  # noqa: N802
        return pb.ValidateDataResourceConfig.Response()

    @_guarded(pb.ConfigureProvider.Response)
    def ConfigureProvider(self, request, context):  # noqa: N802
        config = decode(request.config.msgpack) or {}
        if isinstance(config.get("region"), str):
            self.region = config["region"]
        for block in config.get("default_tags") or []:
            if isinstance(block.get("tags"), dict):
                self.default_tags.update(block["tags"])
        return pb.ConfigureProvider.Response()

    def StopProvider(self, request, context):  # noqa: N802
        return pb.StopProvider.Response()

    # -- resources -----------------------------------------------------------------------

    @_guarded(pb.UpgradeResourceState.Response)
    def UpgradeResourceState(self, request, context):  # noqa: N802
        raw = json.loads(request.raw_state.json or b"{}")
        state = normalize(raw, resource_schema(request.type_name))
        return pb.UpgradeResourceState.Response(upgraded_state=_dv(state))

    @_guarded(pb.ReadResource.Response)
    def ReadResource(self, request, context):  # noqa: N802
        state = decode(request.current_state.msgpack)
        if state is not None and request.private == _IMPORTED:
            # A real Read fills everything from AWS; here the derivable values.
            state = self._fill(request.type_name, state, None, missing=lambda v: v is None)
        return pb.ReadResource.Response(new_state=_dv(state), private=request.private)

    @_guarded(pb.PlanResourceChange.Response)
    def PlanResourceChange(self, request, context):  # noqa: N802
        type_name = request.type_name
        prior = decode(request.prior_state.msgpack)
        proposed = decode(request.proposed_new_state.msgpack)
        config = decode(request.config.msgpack) or {}
        if proposed is None:  # destroy
            return pb.PlanResourceChange.Response(planned_state=_dv(None))
        spec = resource_schema(type_name)
        derived = computed(spec)
        planned = dict(proposed)
        # An imported resource knows only what its import ID says: an argument it does not know
        # (null) is taken from configuration, as the real provider would have read it from AWS.
        imported = request.prior_private == _IMPORTED
        replace = [] if prior is None else sorted(
            a for a in behaviour.FORCE_NEW.get(type_name, ()) if a in spec["attributes"]
            and prior.get(a) != proposed.get(a) and not (imported and prior.get(a) is None))
        creating = prior is None or bool(replace)
        changed = creating or any(proposed.get(k) != prior.get(k) for k in proposed if k not in derived)
        moving = set(behaviour.CHANGES_ON_UPDATE.get(type_name, ()))
        if type_name == "aws_lambda_function" and proposed.get("publish"):
            moving |= {"version", "qualified_arn", "qualified_invoke_arn"}
        for attr in derived:
            if config.get(attr) is not None:
                continue
            if creating or (changed and attr in moving):
                planned[attr] = UNKNOWN
        if "tags_all" in spec["attributes"] and proposed.get("tags") is not UNKNOWN:
            planned["tags_all"] = {**self.default_tags, **(proposed.get("tags") or {})} or None
        steps = [pb.AttributePath(steps=[pb.AttributePath.Step(attribute_name=a)]) for a in replace]
        return pb.PlanResourceChange.Response(planned_state=_dv(planned), requires_replace=steps,
                                              planned_private=request.prior_private)

    @_guarded(pb.ApplyResourceChange.Response)
    def ApplyResourceChange(self, request, context):  # noqa: N802
        planned = decode(request.planned_state.msgpack)
        if planned is None:  # destroyed
            return pb.ApplyResourceChange.Response(new_state=_dv(None))
        prior = decode(request.prior_state.msgpack)
        state = self._fill(request.type_name, planned, prior, missing=lambda v: v is UNKNOWN)
        return pb.ApplyResourceChange.Response(new_state=_dv(state))

    @_guarded(pb.ImportResourceState.Response)
    def ImportResourceState(self, request, context):  # noqa: N802
        known = behaviour.import_state(request.type_name, request.id)
        if not known:
            return pb.ImportResourceState.Response(diagnostics=[_error(
                f"unexpected import ID {request.id!r} for {request.type_name}",
                "See the resource's documentation for its import ID format.")])
        state = normalize(known, resource_schema(request.type_name))
        return pb.ImportResourceState.Response(imported_resources=[pb.ImportResourceState.ImportedResource(
            type_name=request.type_name, state=_dv(state), private=_IMPORTED)])

    # -- data sources --------------------------------------------------------------------

    @_guarded(pb.ReadDataSource.Response)
    def ReadDataSource(self, request, context):  # noqa: N802
        type_name = request.type_name
        config = decode(request.config.msgpack) or {}
        state = normalize(config, data_source_schema(type_name))
        account = behaviour.ACCOUNT
        values = {
            "aws_caller_identity": {"id": account, "account_id": account, "user_id": "AIDASTANDIN",
                                    "arn": f"arn:aws:iam::{account}:user/stand-in"},
            "aws_region": {"id": self.region, "name": self.region, "region": self.region,
                           "endpoint": f"ec2.{self.region}.amazonaws.com", "description": self.region},
            "aws_partition": {"id": "aws", "partition": "aws", "dns_suffix": "amazonaws.com",
                              "reverse_dns_prefix": "com.amazonaws"},
        }.get(type_name, {})
        if type_name == "aws_iam_policy_document":
            document = _policy_document(state)
            values = {"id": hashlib.sha256(document.encode()).hexdigest()[:10], "json": document, "minified_json": document}
        for attr, value in values.items():
            if attr in state and state[attr] is None:
                state[attr] = value
        state = self._fill(type_name, state, None, missing=lambda v: v is None or v is UNKNOWN,
                           spec=data_source_schema(type_name))
        return pb.ReadDataSource.Response(state=_dv(state))

    # -- values --------------------------------------------------------------------------

    def _fill(self, type_name: str, state: dict, prior: dict | None, missing, spec: dict | None = None) -> dict:
        """Give every computed attribute for which `missing(value)` holds its derived value."""
        spec = spec or resource_schema(type_name)
        state = dict(state)
        memo: dict[str, int] = {}
        # version first: qualified ARNs are made from it
        for attr in sorted(computed(spec) | computed_only(spec), key=lambda a: (a != "version", a)):
            if not missing(state.get(attr)):
                continue
            value = behaviour.generate(type_name, attr, state, prior, self.region, lambda key: self._count(key, memo))
            state[attr] = value
        return _no_unknowns(state)

    def _count(self, key: str, memo: dict) -> int:
        """A counter that survives the provider process (layer versions count up across applies)."""
        if key in memo:
            return memo[key]
        path = Path(os.environ.get("TF_DATA_DIR") or ".terraform") / "standin-aws-counters.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "a+") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            handle.seek(0)
            counters = json.loads(handle.read() or "{}")
            counters[key] = counters.get(key, 0) + 1
            handle.seek(0)
            handle.truncate()
            handle.write(json.dumps(counters))
        memo[key] = counters[key]
        return memo[key]


def _no_unknowns(value):
    if value is UNKNOWN:
        return None
    if isinstance(value, dict):
        return {k: _no_unknowns(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_no_unknowns(v) for v in value]
    return value


def _policy_document(state: dict) -> str:
    statements = []
    for block in state.get("statement") or []:
        statement = {"Effect": block.get("effect") or "Allow"}
        if block.get("sid"):
            statement["Sid"] = block["sid"]
        if block.get("actions"):
            statement["Action"] = block["actions"]
        if block.get("resources"):
            statement["Resource"] = block["resources"]
        principals = {p.get("type"): p.get("identifiers") for p in block.get("principals") or []}
        if principals:
            statement["Principal"] = principals
        statements.append(statement)
    return json.dumps({"Version": "2012-10-17", "Statement": statements}, separators=(",", ":"))
