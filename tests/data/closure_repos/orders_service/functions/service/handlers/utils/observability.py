import json
import os
import sys

SERVICE = os.environ.get("SERVICE_NAME", "orders")


def log(message: str, **fields) -> None:
    print(json.dumps({"service": SERVICE, "message": message, **fields}), file=sys.stderr)
