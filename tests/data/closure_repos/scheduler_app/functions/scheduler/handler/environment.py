import os
from dataclasses import dataclass


@dataclass(frozen=True)
class Environment:
    table: str
    interval_minutes: int

    @classmethod
    def from_env(cls) -> "Environment":
        return cls(table=os.environ.get("CONFIG_TABLE", "config"),
                   interval_minutes=int(os.environ.get("INTERVAL_MINUTES", "5")))
