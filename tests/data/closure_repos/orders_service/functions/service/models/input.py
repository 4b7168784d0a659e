from dataclasses import dataclass

from service.models.exceptions import InvalidRequest


@dataclass(frozen=True)
class CreateOrderRequest:
    customer_name: str
    count: int

    @classmethod
    def parse(cls, body: dict) -> "CreateOrderRequest":
        try:
            return cls(str(body["customer_name"]), int(body["order_item_count"]))
        except (KeyError, ValueError) as exc:
            raise InvalidRequest(str(exc)) from exc
