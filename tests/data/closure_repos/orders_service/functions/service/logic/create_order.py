import uuid

from service.dal import get_dal_handler
from service.logic.utils.idempotency import PERSISTENCE
from service.models.input import CreateOrderRequest
from service.models.order import Order


def create_order(request: CreateOrderRequest) -> Order:
    order = Order(str(uuid.uuid5(uuid.NAMESPACE_URL, request.customer_name)), request.customer_name, request.count)
    PERSISTENCE.put(order)
    get_dal_handler().put(order)
    return order
