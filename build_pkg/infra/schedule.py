"""EventBridge schedule expressions, checked as EventBridge parses them. Pure.

rate(value unit): value a positive whole number; unit minute/hour/day for 1 and
minutes/hours/days above 1 ("rate(1 minutes)" and "rate(5 minute)" are refused).
cron(minutes hours day-of-month month day-of-week year): six fields, and one of
day-of-month and day-of-week must be "?".
"""

from __future__ import annotations

import re

_RATE = re.compile(r"^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$")
_CRON = re.compile(r"^cron\((.*)\)$")
_MONTHS = "JAN|FEB|MAR|APR|MAY|JUN|JUL|AUG|SEP|OCT|NOV|DEC"
_DAYS = "SUN|MON|TUE|WED|THU|FRI|SAT"
# (name, lowest, highest, names allowed, extra single tokens allowed)
_FIELDS = (
    ("minutes", 0, 59, None, ()),
    ("hours", 0, 23, None, ()),
    ("day-of-month", 1, 31, None, ("?", "L", "LW")),
    ("month", 1, 12, _MONTHS, ()),
    ("day-of-week", 1, 7, _DAYS, ("?", "L")),
    ("year", 1970, 2199, None, ()),
)


def schedule_problem(expression: str) -> str | None:
    """Why EventBridge would refuse `expression`, or None when it is valid."""
    rate = _RATE.match(expression)
    if rate:
        value, unit = int(rate.group(1)), rate.group(2)
        if value < 1:
            return f"schedule {expression!r}: the rate must be at least 1"
        singular = unit.rstrip("s")
        wanted = singular if value == 1 else singular + "s"
        if unit != wanted:
            return f"schedule {expression!r}: EventBridge wants 'rate({value} {wanted})'"
        return None
    cron = _CRON.match(expression)
    if not cron:
        return (f"schedule {expression!r} is not 'rate(1 minute)', 'rate(N minutes|hours|days)' "
                "or 'cron(minutes hours day-of-month month day-of-week year)'")
    fields = cron.group(1).split()
    if len(fields) != 6:
        return (f"schedule {expression!r}: cron() takes six fields (minutes hours day-of-month month "
                f"day-of-week year), not {len(fields)}")
    for value, (name, low, high, names, singles) in zip(fields, _FIELDS):
        if not _field_ok(value, low, high, names, singles, name):
            return f"schedule {expression!r}: {value!r} is not a valid {name} field"
    day_of_month, day_of_week = fields[2], fields[4]
    if (day_of_month == "?") == (day_of_week == "?"):
        return f"schedule {expression!r}: exactly one of day-of-month and day-of-week must be '?'"
    return None


def _field_ok(value: str, low: int, high: int, names: str | None, singles: tuple[str, ...], name: str) -> bool:
    if value in singles or value == "*":
        return True
    for part in value.split(","):
        if not _part_ok(part, low, high, names, name):
            return False
    return True


def _part_ok(part: str, low: int, high: int, names: str | None, name: str) -> bool:
    if name == "day-of-month" and re.fullmatch(r"\d{1,2}W", part):
        return low <= int(part[:-1]) <= high
    if name == "day-of-week" and re.fullmatch(r"[1-7]#[1-5]|[1-7]L", part):
        return True
    base, slash, step = part.partition("/")
    if slash and not (step.isdigit() and int(step) >= 1):
        return False
    if base == "*":
        return bool(slash)
    start, dash, end = base.partition("-")
    return _value_ok(start, low, high, names) and (not dash or _value_ok(end, low, high, names))


def _value_ok(token: str, low: int, high: int, names: str | None) -> bool:
    if token.isdigit():
        return low <= int(token) <= high
    return bool(names) and re.fullmatch(names, token.upper()) is not None
