"""OpenAPI from the code at scale (`bench.py --only api`): N functions, each a Powertools REST
resolver with two routes and a pydantic model, built once; then `build` with the zip up to
date, timed with the routes cache empty (every resolver's document generated in the built
package) and warm (nothing changed: nothing generated). Medians of `runs`."""

from __future__ import annotations

import json
import os
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
    return ["", f"OpenAPI from the code, {count} Powertools REST functions ({routes} paths), `build` with the zip "
            f"up to date, median of {runs} runs:", "",
            "| | median | target |", "|---|---:|---:|",
            f"| every document generated (routes cache empty) | {statistics.median(cold):.2f} s | < 3 s |",
            f"| nothing changed (every document cached) | {statistics.median(warm):.2f} s | free |"]
