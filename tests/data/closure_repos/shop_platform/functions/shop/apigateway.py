import json

from .helpers import Encoder


def iam_user_id(event: dict) -> str | None:
    return ((event.get("requestContext") or {}).get("identity") or {}).get("cognitoIdentityId")


def response(message, status_code: int = 200) -> dict:
    body = message if isinstance(message, str) else json.dumps(message, cls=Encoder)
    return {"statusCode": status_code, "headers": {"Access-Control-Allow-Origin": "*"}, "body": body}
