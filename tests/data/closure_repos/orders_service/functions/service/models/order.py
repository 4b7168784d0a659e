from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Order:
    order_id: str
    customer_name: str
    count: int

    def as_dict(self) -> dict:
        return asdict(self)
