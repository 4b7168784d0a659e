from service.dal.db_handler import DalHandler
from service.dal.models.db import OrderEntry
from service.models.order import Order

_TABLES: dict[str, dict[str, OrderEntry]] = {}


class MemoryDal(DalHandler):
    def __init__(self, table: str):
        self.items = _TABLES.setdefault(table, {})

    def put(self, order: Order) -> None:
        self.items[order.order_id] = OrderEntry.of(order)

    def get(self, order_id: str) -> Order | None:
        entry = self.items.get(order_id)
        return None if entry is None else entry.order()
