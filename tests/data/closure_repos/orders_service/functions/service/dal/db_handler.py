from abc import ABC, abstractmethod

from service.models.order import Order


class DalHandler(ABC):
    @abstractmethod
    def put(self, order: Order) -> None: ...

    @abstractmethod
    def get(self, order_id: str) -> Order | None: ...
