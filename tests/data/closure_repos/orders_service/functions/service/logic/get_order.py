from service.dal import get_dal_handler
from service.models.order import Order


def get_order(order_id: str) -> Order | None:
    return get_dal_handler().get(order_id)
