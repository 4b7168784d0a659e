from typing import TYPE_CHECKING

from scheduler.handler.environment import Environment
from scheduler.model import Period, load_periods

if TYPE_CHECKING:
    from scheduler.util.typing import Context


def lambda_handler(event: dict, context: "Context") -> dict:
    env = Environment.from_env()
    periods = load_periods()
    return {"table": env.table, "running": [p.name for p in periods if p.is_running(event.get("hour", 9))],
            "kind": Period.__name__}
