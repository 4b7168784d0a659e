"""OpenAPI from the code at scale (`bench.py --only api`): N functions, each a Powertools REST
resolver with two routes and a pydantic model, built once; then `build` with the zip up to
date, timed with the routes cache empty (every resolver's document generated in the built
package) and warm (nothing changed: nothing generated). Then `start-api` on the same
repository: the first request of each of 10 functions (its runtime's start, the resolver's
import) and 200 warm requests to one, each against the handler's own time (its REPORT
Duration) side by side. Medians of `runs`."""

from __future__ import annotations

import json
import os
import re
import subprocess
import time
import urllib.request
import shutil
import statistics
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent

ROUTES = '''from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from pydantic import BaseModel

app = APIGatewayRestResolver(enable_validation=True)


class Item{i}(BaseModel):
    id: int
    note: str | None = None


@app.get("/items{i}/<item_id>")
def read(item_id: int) -> Item{i}:
    return Item{i}(id=item_id)


@app.post("/items{i}")
def create(item: Item{i}) -> Item{i}:
    return item


def handler(event, context):
    return app.resolve(event, context)
'''


def bench_api(count: int, runs: int, work: Path, timed) -> list[str]:
    repo = work / "api-repo"
    (repo / "functions").mkdir(parents=True)
    (repo / "terraform").mkdir()
    for name in ("Pipfile", "Pipfile.lock"):
        shutil.copy(HERE / "fixture" / name, repo / name)
    for i in range(count):
        (repo / "functions" / f"lambda_api_{i:03d}.py").write_text(ROUTES.format(i=i))
    cache = work / "api-cache"
    env = {**os.environ, "BUILD_PKG_CACHE_DIR": str(cache)}
    cli = [sys.executable, str(REPO / "build-pkg.py"), "-C", str(repo), "build"]
    timed(cli, repo, env)  # the zip, the runtime client, the first documents
    cold, warm = [], []
    for _ in range(runs):
        shutil.rmtree(cache / "api", ignore_errors=True)
        cold.append(timed(cli, repo, env))
        warm.append(timed(cli, repo, env))
    routes = len(json.loads((repo / "terraform" / "openapi.json").read_text())["paths"])
    return _bench_openapi(count, runs, routes, cold, warm) + _bench_start_api(repo, env, runs)


def _bench_start_api(repo: Path, env: dict, runs: int) -> list[str]:
    first, latency, handler = [], [], []
    for _ in range(runs):
        log = repo.parent / "start-api.err"
        server = subprocess.Popen([sys.executable, str(REPO / "build-pkg.py"), "-C", str(repo), "start-api",
                                   "--port", "0", "--no-build", "--no-watch"], env=env, stdout=subprocess.PIPE,
                                  stderr=log.open("wb"), text=True)
        try:
            address = server.stdout.readline().split(" on ")[1].strip()
            for i in range(10):
                first.append(_get(f"{address}/items{i}/1"))
            timings = [_get(f"{address}/items0/{n}") for n in range(200)]
        finally:
            server.terminate()
            server.wait(timeout=30)
        reports = [float(d) for d in re.findall(r"^REPORT .*?\tDuration: ([\d.]+) ms", log.read_text(), re.M)]
        durations = reports[10:]  # the warm ones, in the order they were asked
        if len(durations) != len(timings):
            sys.exit(f"bench: start-api gave {len(reports)} REPORT lines for {10 + len(timings)} requests")
        latency += timings
        handler += durations
    overhead = [t - d for t, d in zip(latency, handler)]
    return ["", f"`start-api` on that repository, {runs} runs (the first request of 10 functions each; then 200 "
            "warm requests to one):", "",
            "| | median | the handler's own time (REPORT Duration) | ratio | target |", "|---|---:|---:|---:|---:|",
            f"| first request of a function (runtime start, import) | {statistics.median(first):.0f} ms | | | < 1500 ms |",
            f"| warm request, as the client sees it | {statistics.median(latency):.2f} ms | "
            f"{statistics.median(handler):.2f} ms | {statistics.median(latency) / statistics.median(handler):.2f}x | |",
            f"| overhead per warm request (client time - handler time) | {statistics.median(overhead):.2f} ms | | | "
            "< 3 ms |"]


def _get(url: str) -> float:
    began = time.perf_counter()
    with urllib.request.urlopen(url, timeout=60) as reply:
        reply.read()
        if reply.status != 200:
            sys.exit(f"bench: {url} answered {reply.status}")
    return (time.perf_counter() - began) * 1000


def _bench_openapi(count: int, runs: int, routes: int, cold: list[float], warm: list[float]) -> list[str]:
    return ["", f"OpenAPI from the code, {count} Powertools REST functions ({routes} paths), `build` with the zip "
            f"up to date, median of {runs} runs:", "",
            "| | median | target |", "|---|---:|---:|",
            f"| every document generated (routes cache empty) | {statistics.median(cold):.2f} s | < 3 s |",
            f"| nothing changed (every document cached) | {statistics.median(warm):.2f} s | free |"]
