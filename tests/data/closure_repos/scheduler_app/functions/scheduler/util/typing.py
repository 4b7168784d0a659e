from typing import Protocol


class Context(Protocol):
    function_name: str
