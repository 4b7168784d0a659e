from dataclasses import dataclass

from service.models.order import Order


@dataclass(frozen=True)
class OrderEntry:
    id: str
    name: str
    count: int

    @classmethod
    def of(cls, order: Order) -> "OrderEntry":
        return cls(order.order_id, order.customer_name, order.count)

    def order(self) -> Order:
        return Order(self.id, self.name, self.count)
