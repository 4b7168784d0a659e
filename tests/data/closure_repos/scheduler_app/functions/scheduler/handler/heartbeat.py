import json

from scheduler.util import log


def report(event: dict, context) -> None:
    log(json.dumps({"alive": True}))
