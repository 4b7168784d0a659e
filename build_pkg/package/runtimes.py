"""Lambda's Python runtimes: when each is deprecated and when Lambda blocks it. Pure.

Lambda deprecates a runtime in phases: on the deprecation date it stops patching
it; on the block-create date new functions can no longer use it; on the
block-update date existing ones can no longer be updated. A build for a
deprecated runtime warns; a build for a runtime whose updates are blocked is
refused, since the apply that would deploy it fails anyway.

Sources: the "Supported runtimes" and "Deprecated runtimes" tables of the AWS
Lambda Developer Guide (docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html),
as quoted by AWS's own deprecation notices (python3.10: 2026-10-31, create blocked
2027-02-01, update 2027-03-03) and mirrored in cfn-lint's runtime lifecycle data
(its June 2026 sync, PR #4532, moved the block dates of python3.8 to python3.10 to
2027-02-01 and 2027-03-03). Checked 2026-11-23. AWS has moved these dates before:
update this table when it does.

`patch` is a patch release of the runtime's Python as Lambda has run it; PEP 508
markers such as `python_full_version >= "3.12.1"` are evaluated against it (not
against X.Y.0, which no Lambda runtime runs).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class Runtime:
    name: str  # python3.12
    patch: str  # 3.12.11
    deprecated: dt.date
    block_create: dt.date
    block_update: dt.date
    amazon_linux: int  # 2 or 2023: decides the glibc, so the wheel platform


def _d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


RUNTIMES = {r.name: r for r in (
    Runtime("python3.14", "3.14.0", _d("2029-06-30"), _d("2029-07-31"), _d("2029-08-31"), 2023),
    Runtime("python3.13", "3.13.7", _d("2029-06-30"), _d("2029-07-31"), _d("2029-08-31"), 2023),
    Runtime("python3.12", "3.12.11", _d("2028-10-31"), _d("2028-11-30"), _d("2029-01-10"), 2023),
    Runtime("python3.11", "3.11.13", _d("2027-06-30"), _d("2027-07-31"), _d("2027-08-31"), 2),
    Runtime("python3.10", "3.10.18", _d("2026-10-31"), _d("2027-02-01"), _d("2027-03-03"), 2),
    Runtime("python3.9", "3.9.23", _d("2025-12-15"), _d("2027-02-01"), _d("2027-03-03"), 2),
    Runtime("python3.8", "3.8.20", _d("2024-10-14"), _d("2027-02-01"), _d("2027-03-03"), 2),
    Runtime("python3.7", "3.7.17", _d("2023-12-04"), _d("2024-01-09"), _d("2025-11-01"), 2),
    Runtime("python3.6", "3.6.15", _d("2022-07-18"), _d("2022-07-18"), _d("2022-08-29"), 1),
)}


def newest(today: dt.date) -> Runtime:
    """The newest runtime that is not deprecated on `today`."""
    live = [r for r in RUNTIMES.values() if r.deprecated > today]
    return max(live or RUNTIMES.values(), key=lambda r: tuple(int(p) for p in r.name[6:].split(".")))


def support_problem(name: str, today: dt.date) -> tuple[str, str] | None:
    """("warn" | "refuse", message) for a deprecated or blocked runtime, else None."""
    runtime = RUNTIMES.get(name)
    if runtime is None:
        return None
    successor = newest(today).name
    if today >= runtime.block_update:
        return "refuse", (f"{name} can no longer be deployed: Lambda blocked updates of functions on it on "
                          f"{runtime.block_update} (deprecated {runtime.deprecated}); build for {successor}")
    if today >= runtime.deprecated:
        blocked = ("new functions are blocked since" if today >= runtime.block_create
                   else "new functions are blocked from") + f" {runtime.block_create}"
        return "warn", (f"{name} is deprecated since {runtime.deprecated}: Lambda no longer patches it, "
                        f"{blocked} and updates from {runtime.block_update}; move to {successor}")
    return None
