import json

from . import helpers


def ddb_to_event(record: dict, bus: str, source: str, detail_type: str) -> dict:
    image = record["dynamodb"].get("NewImage") or record["dynamodb"].get("OldImage") or {}
    detail = {key: next(iter(value.values())) for key, value in image.items()}
    return {"Source": source, "DetailType": detail_type, "EventBusName": bus,
            "Detail": json.dumps(detail, cls=helpers.Encoder)}
