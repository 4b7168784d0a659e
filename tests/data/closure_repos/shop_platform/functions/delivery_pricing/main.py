import json
import math


def handler(event, context):
    distance = float((event.get("queryStringParameters") or {}).get("distance", 1))
    return {"statusCode": 200, "body": json.dumps({"pricing": math.ceil(distance * 1.5)})}
