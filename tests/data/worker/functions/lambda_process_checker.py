"""Process checker: probe HTTP health endpoints and log one JSON result per target.

Targets come from the event (`{"targets": ["https://.../health", ...]}`) or from
the CHECK_TARGETS environment variable (comma-separated). A target is healthy
when it answers with the expected status (EXPECT_STATUS, default 200) within
CHECK_TIMEOUT seconds (default 5).
"""

from __future__ import annotations

import time

import requests

from worker_lib.config import env_float, env_list
from worker_lib.log import get_logger

logger = get_logger("process_checker")
_session = requests.Session()  # reused across warm invocations


def probe(url: str, timeout: float, expect_status: int) -> dict:
    started = time.monotonic()
    try:
        response = _session.get(url, timeout=timeout, allow_redirects=False)
    except requests.RequestException as exc:
        return {"url": url, "healthy": False, "status": None, "error": type(exc).__name__,
                "latency_ms": round((time.monotonic() - started) * 1000, 1)}
    return {"url": url, "healthy": response.status_code == expect_status,
            "status": response.status_code, "error": None,
            "latency_ms": round((time.monotonic() - started) * 1000, 1)}


def handler(event: dict, context) -> dict:
    targets = (event or {}).get("targets") or env_list("CHECK_TARGETS")
    timeout = env_float("CHECK_TIMEOUT", 5.0)
    expect_status = int(env_float("EXPECT_STATUS", 200))
    results = [probe(url, timeout, expect_status) for url in targets]
    for result in results:
        (logger.info if result["healthy"] else logger.warning)("probe", extra=result)
    unhealthy = [r["url"] for r in results if not r["healthy"]]
    return {"checked": len(results), "healthy": len(results) - len(unhealthy), "unhealthy": unhealthy}
