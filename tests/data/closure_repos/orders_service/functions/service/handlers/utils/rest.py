import json


def response(status: int, body: dict) -> dict:
    return {"statusCode": status, "headers": {"Content-Type": "application/json"}, "body": json.dumps(body)}


def body_of(event: dict) -> dict:
    return json.loads(event.get("body") or "{}")
