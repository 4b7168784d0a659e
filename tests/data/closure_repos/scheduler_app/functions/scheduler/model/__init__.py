from .period import Period
from .store import load_periods

__all__ = ["Period", "load_periods"]
