import json
from pathlib import Path

from ..util import log
from .period import Period

_PERIODS = Path(__file__).resolve().parent.parent / "data" / "periods.json"


def load_periods() -> list[Period]:
    log(f"reading {_PERIODS.name}")
    return [Period(**item) for item in json.loads(_PERIODS.read_text())]
