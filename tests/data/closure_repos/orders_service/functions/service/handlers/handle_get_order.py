from service.handlers.utils.rest import response
from service.logic.get_order import get_order


def lambda_handler(event: dict, context) -> dict:
    order = get_order((event.get("pathParameters") or {}).get("order_id", ""))
    return response(404, {"message": "not found"}) if order is None else response(200, order.as_dict())
