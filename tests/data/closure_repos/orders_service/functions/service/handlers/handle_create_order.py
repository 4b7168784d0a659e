from service.handlers.utils.observability import log
from service.handlers.utils.rest import body_of, response
from service.logic.create_order import create_order
from service.models.input import CreateOrderRequest


def lambda_handler(event: dict, context) -> dict:
    request = CreateOrderRequest.parse(body_of(event))
    order = create_order(request)
    log("created", order_id=order.order_id)
    return response(200, order.as_dict())
