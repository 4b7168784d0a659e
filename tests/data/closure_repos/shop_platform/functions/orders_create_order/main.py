import json
import os

from shop import response

SCHEMA_FILE = os.path.join(os.path.dirname(__file__), "schema.json")
with open(SCHEMA_FILE) as fp:
    SCHEMA = json.load(fp)


def handler(event, context):
    order = event.get("order") or {}
    missing = [field for field in SCHEMA["required"] if field not in order]
    return response({"missing": missing} if missing else {"accepted": True}, 400 if missing else 200)
