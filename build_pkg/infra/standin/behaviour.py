"""What the schema cannot say, written for the types this project uses.

Which arguments force a replacement, what a new resource's computed attributes
are (ids, ARNs in each service's format, a function `version` that counts up
when a published function changes), and how an import ID maps to attributes.
Every value is derived from the resource's own arguments, so the same
configuration always gets the same identifiers.
"""

from __future__ import annotations

import hashlib

ACCOUNT = "123456789012"
TIMESTAMP = "2026-01-01T00:00:00.000+0000"

# Arguments whose change replaces the resource (ForceNew in the real provider).
FORCE_NEW = {
    "aws_lambda_function": {"function_name", "package_type"},
    "aws_lambda_alias": {"function_name", "name"},
    "aws_lambda_permission": {"action", "event_source_token", "function_name", "function_url_auth_type",
                              "principal", "principal_org_id", "qualifier", "source_account", "source_arn",
                              "statement_id", "statement_id_prefix"},
    "aws_lambda_function_url": {"function_name", "qualifier"},
    "aws_lambda_event_source_mapping": {"event_source_arn", "starting_position", "starting_position_timestamp"},
    "aws_lambda_layer_version": {"layer_name", "filename", "s3_bucket", "s3_key", "s3_object_version",
                                 "source_code_hash", "compatible_runtimes", "compatible_architectures",
                                 "description", "license_info"},
    "aws_cloudwatch_log_group": {"name", "name_prefix"},
    "aws_iam_role": {"name", "name_prefix", "path"},
    "aws_iam_role_policy": {"name", "name_prefix", "role"},
    "aws_iam_role_policy_attachment": {"role", "policy_arn"},
    "aws_iam_policy": {"name", "name_prefix", "path"},
    "aws_cloudwatch_event_rule": {"name", "name_prefix", "event_bus_name"},
    "aws_cloudwatch_event_target": {"rule", "target_id", "event_bus_name"},
    "aws_sns_topic": {"name", "name_prefix", "fifo_topic"},
    "aws_sns_topic_subscription": {"topic_arn", "protocol", "endpoint"},
    "aws_sqs_queue": {"name", "name_prefix", "fifo_queue"},
    "aws_s3_bucket": {"bucket", "bucket_prefix"},
    "aws_s3_bucket_notification": {"bucket"},
    "aws_s3_object": {"bucket", "key"},
    "aws_apigatewayv2_api": {"protocol_type"},
    "aws_apigatewayv2_integration": {"api_id", "integration_type"},
    "aws_apigatewayv2_route": {"api_id"},
    "aws_apigatewayv2_stage": {"api_id", "name"},
    "aws_ecr_repository": {"name"},
    "aws_api_gateway_deployment": {"rest_api_id", "triggers", "variables"},
    "aws_api_gateway_stage": {"rest_api_id", "stage_name"},
    "aws_ecr_lifecycle_policy": {"repository"},
    "aws_ecr_repository_policy": {"repository"},
}

# Computed attributes that a change to any argument changes too (else they keep their value).
CHANGES_ON_UPDATE = {
    "aws_lambda_function": {"last_modified", "code_sha256", "source_code_size"},
    "aws_lambda_layer_version": {"version", "arn", "created_date"},
}


def _h(*parts: object, length: int = 10) -> str:
    return hashlib.sha256("\0".join(map(str, parts)).encode()).hexdigest()[:length]


def _uuid(*parts: object) -> str:
    h = _h(*parts, length=32)
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def _fn_name(value: str | None) -> str:
    """A function_name argument may be a name or an ARN (optionally qualified)."""
    value = value or ""
    if value.startswith("arn:"):
        return value.split(":")[6]
    return value


def lambda_version(state: dict, prior: dict | None) -> str:
    if not state.get("publish"):
        return "$LATEST"
    before = (prior or {}).get("version")
    return str(int(before) + 1) if isinstance(before, str) and before.isdigit() else "1"


def generate(type_name: str, attr: str, state: dict, prior: dict | None, region: str, counters) -> object:
    """The value of computed attribute `attr` of a resource whose other values are `state`."""
    s = state
    fn = _fn_name(s.get("function_name"))
    fn_arn = f"arn:aws:lambda:{region}:{ACCOUNT}:function:{fn}"
    if type_name == "aws_lambda_function":
        version = s.get("version") if isinstance(s.get("version"), str) else lambda_version(s, prior)
        arn = fn_arn
        return {
            "id": fn, "arn": arn, "version": version, "qualified_arn": f"{arn}:{version}",
            "invoke_arn": _invoke_arn(region, arn), "qualified_invoke_arn": _invoke_arn(region, f"{arn}:{version}"),
            "response_streaming_invoke_arn": _invoke_arn(region, arn).replace("2015-03-31", "2021-11-15"),
            "last_modified": TIMESTAMP, "source_code_size": 1024, "code_sha256": s.get("source_code_hash") or _h(fn),
            "signing_job_arn": "", "signing_profile_version_arn": "",
        }.get(attr, _fallback(type_name, attr, s, region))
    if type_name == "aws_lambda_alias":
        arn = f"{fn_arn}:{s.get('name')}"
        return {"id": arn, "arn": arn, "invoke_arn": _invoke_arn(region, arn)}.get(attr, _fallback(type_name, attr, s, region))
    if type_name == "aws_lambda_layer_version":
        name = s.get("layer_name")
        version = counters(f"layer:{name}") if attr in ("version", "arn", "id") else None
        arn = f"arn:aws:lambda:{region}:{ACCOUNT}:layer:{name}"
        return {"version": str(version), "arn": f"{arn}:{version}", "id": f"{arn}:{version}", "layer_arn": arn,
                "created_date": TIMESTAMP, "code_sha256": s.get("source_code_hash") or _h(name),
                "source_code_size": 1024, "signing_job_arn": "", "signing_profile_version_arn": ""}.get(
            attr, _fallback(type_name, attr, s, region))
    if type_name == "aws_lambda_permission":
        return {"id": s.get("statement_id") or f"terraform-{_h(s)}", "statement_id": f"terraform-{_h(s)}"}.get(
            attr, _fallback(type_name, attr, s, region))
    if type_name == "aws_lambda_event_source_mapping":
        uuid = _uuid(fn, s.get("event_source_arn"))
        return {"id": uuid, "uuid": uuid, "function_arn": fn_arn, "state": "Enabled", "last_modified": TIMESTAMP,
                "last_processing_result": "No records processed", "state_transition_reason": "USER_INITIATED",
                "arn": f"arn:aws:lambda:{region}:{ACCOUNT}:event-source-mapping:{uuid}"}.get(
            attr, _fallback(type_name, attr, s, region))
    if type_name == "aws_lambda_function_url":
        url_id = _h(fn, s.get("qualifier"), length=32)
        return {"id": fn, "function_url": f"https://{url_id}.lambda-url.{region}.on.aws/", "url_id": url_id,
                "function_arn": fn_arn}.get(attr, _fallback(type_name, attr, s, region))
    ids = {
        "aws_cloudwatch_log_group": lambda: (s.get("name"), f"arn:aws:logs:{region}:{ACCOUNT}:log-group:{s.get('name')}"),
        "aws_iam_role": lambda: (s.get("name"), f"arn:aws:iam::{ACCOUNT}:role{s.get('path') or '/'}{s.get('name')}"),
        "aws_iam_policy": lambda: (f"arn:aws:iam::{ACCOUNT}:policy/{s.get('name')}",
                                   f"arn:aws:iam::{ACCOUNT}:policy/{s.get('name')}"),
        "aws_iam_role_policy": lambda: (f"{s.get('role')}:{s.get('name')}", None),
        "aws_iam_role_policy_attachment": lambda: (f"{s.get('role')}-{_h(s.get('policy_arn'))}", None),
        "aws_cloudwatch_event_rule": lambda: (_bus_prefixed(s, s.get("name")),
                                              f"arn:aws:events:{region}:{ACCOUNT}:rule/{_bus_prefixed(s, s.get('name'))}"),
        "aws_cloudwatch_event_target": lambda: (
            _bus_prefixed(s, f"{s.get('rule')}-{s.get('target_id') or 'terraform-' + _h(s.get('arn'))}"), None),
        "aws_sns_topic": lambda: (f"arn:aws:sns:{region}:{ACCOUNT}:{s.get('name')}",
                                  f"arn:aws:sns:{region}:{ACCOUNT}:{s.get('name')}"),
        "aws_sns_topic_subscription": lambda: (f"{s.get('topic_arn')}:{_uuid(s.get('endpoint'))}",
                                               f"{s.get('topic_arn')}:{_uuid(s.get('endpoint'))}"),
        "aws_sqs_queue": lambda: (f"https://sqs.{region}.amazonaws.com/{ACCOUNT}/{s.get('name')}",
                                  f"arn:aws:sqs:{region}:{ACCOUNT}:{s.get('name')}"),
        "aws_s3_bucket": lambda: (s.get("bucket"), f"arn:aws:s3:::{s.get('bucket')}"),
        "aws_s3_bucket_notification": lambda: (s.get("bucket"), None),
        "aws_s3_object": lambda: (s.get("key"), f"arn:aws:s3:::{s.get('bucket')}/{s.get('key')}"),
        "aws_ecr_repository": lambda: (s.get("name"), f"arn:aws:ecr:{region}:{ACCOUNT}:repository/{s.get('name')}"),
        "aws_ecr_lifecycle_policy": lambda: (s.get("repository"), None),
        "aws_ecr_repository_policy": lambda: (s.get("repository"), None),
    }
    if type_name in ids:
        identifier, arn = ids[type_name]()
        if attr == "id":
            return identifier
        if attr == "arn" and arn:
            return arn
    return _fallback(type_name, attr, s, region)


def _bus_prefixed(state: dict, name: str) -> str:
    bus = state.get("event_bus_name")
    return f"{bus}/{name}" if bus and bus != "default" else name


def _invoke_arn(region: str, function_arn: str) -> str:
    return f"arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/{function_arn}/invocations"


def _fallback(type_name: str, attr: str, state: dict, region: str) -> object:
    """Attributes no rule names: derived from the resource's arguments, by kind."""
    config_key = {k: v for k, v in sorted(state.items()) if not isinstance(v, (dict, list))}
    token = _h(type_name, config_key)
    if type_name.startswith("aws_apigatewayv2_") or type_name.startswith("aws_api_gateway_"):
        api_id = state.get("api_id") or state.get("rest_api_id") or token
        special = {
            "api_endpoint": f"https://{token}.execute-api.{region}.amazonaws.com",
            "execution_arn": f"arn:aws:execute-api:{region}:{ACCOUNT}:{api_id if 'api_id' in state or 'rest_api_id' in state else token}",
            "invoke_url": f"https://{api_id}.execute-api.{region}.amazonaws.com/{state.get('name') or state.get('stage_name') or ''}",
            "root_resource_id": _h(token, "root"),
        }
        if attr in special:
            return special[attr]
        if attr == "id":
            return state.get("name") if type_name.endswith("_stage") else token[:7 if "route" in type_name or "integration" in type_name else 10]
    if attr == "id":
        return token
    if attr == "arn" or attr.endswith("_arn"):
        service = type_name.removeprefix("aws_").split("_")[0]
        return f"arn:aws:{service}:{region}:{ACCOUNT}:{type_name.removeprefix('aws_')}/{token}"
    if attr in ("registry_id", "owner_id", "account_id"):
        return ACCOUNT
    if attr == "repository_url":
        return f"{ACCOUNT}.dkr.ecr.{region}.amazonaws.com/{state.get('name')}"
    if attr.endswith("date") or attr.endswith("_time") or attr == "last_modified":
        return TIMESTAMP
    return None  # the caller fills an empty value of the attribute's type


def import_state(type_name: str, import_id: str) -> dict:
    """The identifying attributes an import ID stands for (Terraform's import ID formats)."""
    parts = import_id.split("/")
    if type_name in ("aws_lambda_function", "aws_cloudwatch_log_group", "aws_iam_role", "aws_ecr_repository",
                     "aws_sqs_queue"):
        key = {"aws_lambda_function": "function_name", "aws_sqs_queue": "name"}.get(type_name, "name")
        if type_name == "aws_sqs_queue":
            return {"id": import_id, "name": import_id.rstrip("/").split("/")[-1]}
        return {"id": import_id, key: import_id}
    if type_name == "aws_lambda_alias":
        return {"function_name": parts[0], "name": parts[1]} if len(parts) == 2 else {}
    if type_name == "aws_lambda_permission":
        if len(parts) != 2:
            return {}
        fn, _, qualifier = parts[0].partition(":")
        return {"id": parts[1], "function_name": fn, "statement_id": parts[1], "qualifier": qualifier or None}
    if type_name == "aws_lambda_event_source_mapping":
        return {"id": import_id, "uuid": import_id}
    if type_name == "aws_lambda_function_url":
        fn, _, qualifier = import_id.partition("/")
        return {"id": fn, "function_name": fn, "qualifier": qualifier or None}
    if type_name == "aws_cloudwatch_event_rule":
        bus, name = (parts[0], parts[1]) if len(parts) == 2 else (None, parts[0])
        return {"id": import_id, "name": name, "event_bus_name": bus}
    if type_name == "aws_cloudwatch_event_target":
        if len(parts) == 3:
            return {"id": import_id, "event_bus_name": parts[0], "rule": parts[1], "target_id": parts[2]}
        return {"id": import_id, "rule": parts[0], "target_id": parts[1]} if len(parts) == 2 else {}
    if type_name == "aws_sns_topic_subscription":
        return {"id": import_id, "arn": import_id, "topic_arn": import_id.rsplit(":", 1)[0]}
    if type_name == "aws_iam_role_policy":
        role, _, name = import_id.partition(":")
        return {"id": import_id, "role": role, "name": name}
    if type_name == "aws_iam_role_policy_attachment":
        role, _, arn = import_id.partition("/")
        return {"id": import_id, "role": role, "policy_arn": arn}
    return {"id": import_id}
