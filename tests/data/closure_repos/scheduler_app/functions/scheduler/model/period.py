from dataclasses import dataclass


@dataclass(frozen=True)
class Period:
    name: str
    begin: int
    end: int

    def is_running(self, hour: int) -> bool:
        return self.begin <= hour < self.end
