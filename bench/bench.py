#!/usr/bin/env python3
"""Benchmark `build-pkg.py build` against the script teams run today, side by side.

Makes a worker repo with N functions (half flat modules, half packages) and the
realistic lock in bench/fixture/ (23 packages: boto3, requests, pydantic,
orjson, PyYAML, cryptography, ...), then times, alternating the two in one run:

  baseline:  pipenv requirements > requirements.txt; pip install -r requirements.txt -t DIR;
             cp -r functions/* DIR; cd DIR && zip -r dists.zip .
  build-pkg: build-pkg.py -C REPO build

for a first build (download caches warm, no build cache), a no-op rebuild and a
rebuild after editing one function; plus zip sizes and whether the zip's sha256
repeats. Reports medians and ratios as a Markdown table. Then the same repo
without and with the dependency layer (no-op, one-function edit, a lock change
that bumps one package; the code-only zip; the layer bytes a code edit changes),
what each libdeflate level costs and buys on the fixture's dependencies, and at scale:
`tf --check` and `check` over --tf-functions (500) function files, and
`validate` of the real tree with --functions (50) functions against the stand-in
AWS provider, with how many functions get a new code hash after one edit (beyond 50
functions, also its group sizes and Go's default collector side by side:
bench/validate_groups.py); and the
static import analysis over --tf-functions (500) functions, cold and warm; and
what a warm `invoke` adds to the handler's own time; and images (bench/images.py):
`build --image` against a naive per-function image, the bytes each pushes, digest stability;
and OpenAPI generation from 50 resolvers, cold and cached, then start-api's first and warm
requests against the handler's own time (bench/api.py); and `make check` at --functions (50)
against the whole suite `make test` ran before it (bench/check.py); and releases at
--scale-functions (50,200,500) against the stand-in and moto, a one-function edit against
the same release planning the whole tree (bench/scale.py); and `start-api` under load and
faults beside a baseline commit (bench/load.py, --load-baseline REF).

    .venv/bin/python bench/bench.py [--functions 50] [--runs 3] [--baseline-runs 1]
                                    [--only build|terraform|validate|layer|levels|closure|invoke|image|api|check|scale|load]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from api import bench_api
from load import bench_load
from check import bench_check
from images import bench_images
from scale import bench_scale

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
FIXTURE = HERE / "fixture"
# The builder's example repository (its worker_lib and Terraform tree): never the team's
# functions/ and terraform/, which the benchmark must not depend on.
EXAMPLE = REPO / "tests" / "data" / "worker"
PYTHON = sys.executable
PIPENV = REPO / ".tools" / "bin" / "pipenv"

BASELINE = """set -e
rm -rf build dists.zip requirements.txt
"{pipenv}" requirements > requirements.txt
"{python}" -m pip install -q -r requirements.txt -t build
cp -r functions/* build
cd build && zip -qr ../dists.zip .
"""

FLAT = '''"""Job {i}: fetch a report, validate it, store a summary."""

import json

import boto3
import requests
from pydantic import BaseModel

from worker_lib.log import get_logger

logger = get_logger("job_{i}")


class Row(BaseModel):
    id: int
    value: float


def summarise(rows: list[Row]) -> dict:
    return {{"count": len(rows), "total": sum(r.value for r in rows)}}


def handler(event, context):
    rows = [Row(**row) for row in event.get("rows", [])]
    summary = summarise(rows)
    logger.info("summary", extra=summary)
    return json.loads(json.dumps(summary))
'''


def make_repo(root: Path, count: int) -> None:
    (root / "functions").mkdir(parents=True)
    (root / "terraform").mkdir()
    shutil.copytree(EXAMPLE / "functions" / "worker_lib", root / "functions" / "worker_lib",
                    ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("Pipfile", "Pipfile.lock"):
        shutil.copy(FIXTURE / name, root / name)
    for i in range(count):
        code = FLAT.format(i=i)
        if i % 2 == 0:
            (root / "functions" / f"lambda_job_{i:03d}.py").write_text(code)
        else:
            package = root / "functions" / f"job_{i:03d}"
            package.mkdir()
            (package / "__init__.py").write_text("")
            (package / "main.py").write_text(code)


def edit_one(root: Path, n: int) -> None:
    path = root / "functions" / "lambda_job_000.py"
    path.write_text(FLAT.format(i=0) + f"\n# edit {n}\n")


def unedit(root: Path) -> None:
    (root / "functions" / "lambda_job_000.py").write_text(FLAT.format(i=0))


def timed(cmd: list[str], cwd: Path, env: dict) -> float:
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        sys.exit(f"bench: {' '.join(cmd[:3])} failed in {cwd}:\n{proc.stderr[-2000:]}")
    return elapsed


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def bench_terraform(count: int, runs: int, work: Path) -> list[str]:
    """`tf --check` and `check` over a repo of `count` functions whose files `tf` wrote."""
    repo = work / "terraform-scale"
    make_repo(repo, count)
    shutil.rmtree(repo / "terraform")
    shutil.copytree(EXAMPLE / "terraform", repo / "terraform", ignore=shutil.ignore_patterns(
        "dists.zip", "dists.manifest.json", ".terraform", "*.tfstate*", "lambda_*.tf"))
    cli = [PYTHON, str(REPO / "build-pkg.py"), "-C", str(repo)]
    timed(cli + ["tf"], repo, dict(os.environ))
    lines = [
        "",
        f"{count} functions, each with its Terraform file written by `tf`, median of {runs} runs:",
        "",
        "| command | median | target |",
        "|---|---:|---:|",
    ]
    warm = {**os.environ, "BUILD_PKG_CACHE_DIR": str(work / "tf-cache")}
    timed(cli + ["check"], repo, warm)  # fills the python-hcl2 cache for the warm rows
    rows = (
        ("`tf --check`", ["tf", "--check"], None),
        ("`check`, no parse cache (a fresh CI machine)", ["check"], None),
        ("`check`, parse cache warm (nothing changed)", ["check"], warm),
    )
    for number, (label, args, env) in enumerate(rows):
        times = []
        for run in range(runs):
            run_env = env or {**os.environ, "BUILD_PKG_CACHE_DIR": str(work / f"cold-{number}-{run}")}
            times.append(timed(cli + args, repo, run_env))
        lines.append(f"| {label} | {statistics.median(times):.2f} s | < 2 s |")
    return lines


# six 1.16.0's wheel as the index publishes it: the "library update" of the bump rows.
SIX_1_16 = {"version": "==1.16.0",
            "hashes": ["sha256:8abb2f1d86890a2dfb989f9a77cfcfd3e47c2a354b01111771326f8aa26e0254"]}


def _set_layer(repo: Path, on: bool) -> None:
    main_tf = repo / "terraform" / "main.tf"
    text = main_tf.read_text()
    main_tf.write_text(text.replace(f"dependency_layer = {'false' if on else 'true'}",
                                    f"dependency_layer = {'true' if on else 'false'}"))


def _bump_six(repo: Path, bumped: bool) -> None:
    lock = json.loads((FIXTURE / "Pipfile.lock").read_text())
    if bumped:
        lock["default"]["six"] |= SIX_1_16
    (repo / "Pipfile.lock").write_text(json.dumps(lock, indent=4) + "\n")


def _forget_bumped_six(cache: Path) -> None:
    """Remove six 1.16.0's cache entry, so each bump run installs it as the first one did."""
    for entry in (cache / "deps").iterdir():
        index = entry / "index.json"
        if index.is_file() and json.loads(index.read_text())["version"] == "1.16.0":
            shutil.rmtree(entry)


def bench_layer(count: int, runs: int, work: Path) -> list[str]:
    """Without and with the dependency layer: no-op, one-function edit, one-package bump;
    the code-only zip and what a code edit changes in the layer."""
    repo = work / "layer-scale"
    make_repo(repo, count)
    shutil.rmtree(repo / "terraform")
    shutil.copytree(EXAMPLE / "terraform", repo / "terraform", ignore=shutil.ignore_patterns(
        "dists.zip", "layer.zip", "dists.manifest.json", ".terraform", "*.tfstate*", "lambda_*.tf", ".release"))
    cache = work / "layer-cache"
    env = {**os.environ, "BUILD_PKG_CACHE_DIR": str(cache)}
    cli = [PYTHON, str(REPO / "build-pkg.py"), "-C", str(repo), "build"]
    times: dict[tuple[str, bool], list[float]] = {}
    sizes: dict[str, float] = {}
    for layer in (False, True):
        _set_layer(repo, layer)
        timed(cli, repo, env)
        for run in range(runs):
            times.setdefault(("noop", layer), []).append(timed(cli, repo, env))
            before = sha(repo / "terraform" / "layer.zip") if layer else None
            edit_one(repo, run)
            times.setdefault(("edit", layer), []).append(timed(cli, repo, env))
            if layer:
                after = (repo / "terraform" / "layer.zip").read_bytes()
                sizes["layer_changed"] = 0 if hashlib.sha256(after).hexdigest() == before else len(after)
                sizes["code"] = (repo / "terraform" / "dists.zip").stat().st_size
                sizes["layer"] = len(after)
            unedit(repo)
            timed(cli, repo, env)
            _bump_six(repo, True)
            times.setdefault(("bump", layer), []).append(timed(cli, repo, env))
            _bump_six(repo, False)
            _forget_bumped_six(cache)
            timed(cli, repo, env)
    _set_layer(repo, False)
    labels = {"noop": "no-op rebuild (target < 0.5 s)", "edit": "rebuild after editing one function (target < 1 s)",
              "bump": "rebuild after a lock change that bumps one package (six; target < 1.5 s)"}
    lines = ["", f"{count} functions, without and with the dependency layer, median of {runs} runs:", "",
             "| | without the layer | with the layer |", "|---|---:|---:|"]
    for key, label in labels.items():
        lines.append(f"| {label} | {statistics.median(times[(key, False)]):.2f} s | "
                     f"{statistics.median(times[(key, True)]):.2f} s |")
    lines += ["", f"With the layer: dists.zip (the code) is {sizes['code'] / 1e6:.3f} MB (target < 1 MB); "
              f"layer.zip is {sizes['layer'] / 1e6:.1f} MB, and a one-function edit changes "
              f"{sizes['layer_changed']} of its bytes (target 0)."]
    return lines


def bench_levels(runs: int, work: Path) -> list[str]:
    """What each libdeflate level costs and buys on the fixture's dependencies (all cores)."""
    from concurrent.futures import ThreadPoolExecutor

    import deflate

    sys.path.insert(0, str(REPO))
    from build_pkg.package.sources import walk_dependencies
    from uv import find_uv_bin

    lock = json.loads((FIXTURE / "Pipfile.lock").read_text())
    requirements = work / "levels.txt"
    requirements.write_text("".join(
        f"{name}{entry['version']} " + " ".join(f"--hash={h}" for h in entry["hashes"]) + "\n"
        for name, entry in lock["default"].items()))
    site = work / "levels-site"
    subprocess.run([find_uv_bin(), "pip", "install", "--target", str(site), "--python-platform",
                    "x86_64-manylinux2014", "--python-version", "3.12", "--no-deps", "--no-installer-metadata",
                    "--no-compile-bytecode", "--require-hashes", "--no-build", "-r", str(requirements)],
                   check=True, capture_output=True)
    data = sorted((f.path.read_bytes() for f in walk_dependencies(site)), key=len, reverse=True)
    total = sum(map(len, data))
    lines = ["", f"libdeflate levels on the fixture's dependencies ({len(data)} files, {total / 1e6:.1f} MB), "
             f"{os.cpu_count()} threads, median of {runs} runs:", "",
             "| level | compress time | compressed | vs level 6 |", "|---:|---:|---:|---:|"]
    results = {}
    for level in (1, 3, 6, 8, 9, 10, 12):
        elapsed = []
        for _ in range(runs):
            start = time.perf_counter()
            with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
                size = sum(pool.map(lambda b: min(len(deflate.deflate_compress(b, level)), len(b)), data))
            elapsed.append(time.perf_counter() - start)
        results[level] = (statistics.median(elapsed), size)
    for level, (seconds, size) in results.items():
        lines.append(f"| {level} | {seconds:.2f} s | {size / 1e6:.2f} MB | {size / results[6][1]:.3f}x |")
    return lines


def bench_validate(count: int, runs: int, work: Path) -> list[str]:
    """`validate` (init and plan of the real tree against the stand-in) at `count` functions."""
    repo = work / "validate-scale"
    make_repo(repo, count)
    shutil.rmtree(repo / "terraform")
    shutil.copytree(EXAMPLE / "terraform", repo / "terraform", ignore=shutil.ignore_patterns(
        "dists.zip", "dists.manifest.json", ".terraform", "*.tfstate*", "lambda_*.tf", ".release"))
    cli = [PYTHON, str(REPO / "build-pkg.py"), "-C", str(repo)]
    env = {**os.environ, "BUILD_PKG_CACHE_DIR": str(work / "validate-cache")}
    timed(cli + ["tf"], repo, env)
    timed(cli + ["build"], repo, env)
    timed(cli + ["validate"], repo, env)  # installs the stand-in's mirror once, as any first run does
    times = [timed(cli + ["validate"], repo, env) for _ in range(runs)]
    before = _code_hashes(repo)
    edit_one(repo, 1)
    timed(cli + ["build"], repo, env)
    changed = sum(1 for name, digest in _code_hashes(repo).items() if before.get(name) != digest)
    unedit(repo)
    zipped = (repo / "terraform" / "dists.zip").stat().st_size
    groups = []
    if count > 50:  # more than one group: what the groups and the collector's tuning buy
        from validate_groups import bench_validate_groups

        groups = bench_validate_groups(count, runs, repo, cli, env)
    return groups + ["", f"`validate` of a tree with {count} functions (init and plan, which validates, of "
            f"{count * 5 + 3} resources against the stand-in AWS provider), median of {runs} runs: "
            f"{statistics.median(times):.2f} s" + (" (target < 10 s)" if count <= 50 else ""),
            "", f"After editing one function of {count}: {changed} function(s) get a new source_code_hash "
            f"(with one hash for the whole zip: {count}), so Terraform sends {changed} x {zipped / 1e6:.1f} MB "
            f"= {changed * zipped / 1e6:.1f} MB to Lambda (with one hash: {count * zipped / 1e6:.1f} MB)."]


def bench_closure(count: int, runs: int, work: Path) -> list[str]:
    """The static import analysis alone (in this process) over `count` functions: cold (every
    file parsed) and warm (the per-file cache of the last run), what `build` spends on it."""
    sys.path.insert(0, str(REPO))
    from build_pkg.package.closure import analyse
    from build_pkg.package.discover import discover
    from build_pkg.package.sources import walk_functions

    repo = work / "closure-scale"
    make_repo(repo, count)
    functions = discover(repo, repo / "functions", check_handlers=False)
    sources = [(f.arcname, f.path.read_bytes()) for f in walk_functions(repo / "functions", repo).files]
    cold, warm = [], []
    for run in range(runs):
        cache = work / f"closure-cache-{run}.json"
        start = time.perf_counter()
        result = analyse(functions, sources, (3, 12), cache)
        cold.append(time.perf_counter() - start)
        start = time.perf_counter()
        analyse(functions, sources, (3, 12), cache)
        warm.append(time.perf_counter() - start)
    files = sum(len(c.files) for c in result.closures.values()) / len(result.closures)
    return [
        "",
        f"Import analysis over {count} functions ({len(sources)} files; a closure holds {files:.1f} files on "
        f"average), median of {runs} runs:",
        "",
        "| analysis | median |",
        "|---|---:|",
        f"| cold (every file parsed) | {statistics.median(cold):.3f} s |",
        f"| warm (per-file cache) | {statistics.median(warm):.3f} s |",
    ]


def bench_invoke(runs: int, work: Path) -> list[str]:
    """`invoke --repeat 21` of a handler that returns at once and of one that sleeps 10 ms:
    the median warm REPORT duration is the handler's time plus the local Runtime API's."""
    import re

    repo = work / "invoke"
    make_repo(repo, 0)
    (repo / "functions" / "lambda_instant.py").write_text("def handler(event, context):\n    return 1\n")
    (repo / "functions" / "lambda_sleepy.py").write_text(
        "import time\n\ndef handler(event, context):\n    time.sleep(0.01)\n    return 1\n")
    cli = [PYTHON, str(REPO / "build-pkg.py"), "-C", str(repo)]
    timed(cli + ["build"], repo, dict(os.environ))
    found: dict[str, list[float]] = {"instant": [], "sleepy": []}
    cold: list[float] = []
    for _ in range(runs):
        for name in found:
            proc = subprocess.run(cli + ["invoke", name, "--no-build", "--repeat", "21"], capture_output=True, text=True)
            durations = [float(d) for d in re.findall(r"^REPORT .*?Duration: ([\d.]+) ms", proc.stderr, re.M)]
            if len(durations) != 21:
                sys.exit(f"bench: invoke {name} gave {len(durations)} REPORT lines:\n{proc.stderr[-2000:]}")
            cold.append(durations[0])
            found[name] += durations[1:]
    instant, sleepy = statistics.median(found["instant"]), statistics.median(found["sleepy"])
    return [
        "",
        f"`invoke --repeat 21`, {runs} runs (the first invocation of each run cold, 20 warm):",
        "",
        "| handler | median warm Duration | overhead over the handler's time (target < 2 ms) |",
        "|---|---:|---:|",
        f"| returns at once | {instant:.2f} ms | {instant:.2f} ms |",
        f"| sleeps 10 ms | {sleepy:.2f} ms | {sleepy - 10:.2f} ms |",
    ]


def _code_hashes(repo: Path) -> dict[str, str]:
    manifest = json.loads((repo / "terraform" / "dists.manifest.json").read_text())
    return {f["name"]: f["source_code_hash"] for f in manifest["functions"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--functions", type=int, default=50)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--tf-functions", type=int, default=500,
                        help="functions in the repo for the tf --check / check scale runs")
    parser.add_argument("--only", choices=("build", "terraform", "validate", "layer", "levels", "closure", "invoke",
                                           "image", "api", "check", "scale", "load"),
                        help="run one part only")
    parser.add_argument("--baseline-runs", type=int, default=1,
                        help="runs of the whole suite, the baseline of `make check` (minutes each)")
    parser.add_argument("--scale-functions", default="50,200,500",
                        help="repository sizes for --only scale, comma-separated")
    parser.add_argument("--load-baseline", metavar="REF",
                        help="the commit --only load measures beside this checkout (default: before the load work)")
    args = parser.parse_args()
    if not PIPENV.exists():
        sys.exit("bench: run `make setup` first (needs .tools/bin/pipenv)")
    if args.only in ("terraform", "validate", "layer", "levels", "closure", "invoke", "image", "api", "check", "scale",
                     "load"):
        work = Path(tempfile.mkdtemp(prefix="build-pkg-bench-"))
        part = {"terraform": lambda: bench_terraform(args.tf_functions, args.runs, work),
                "validate": lambda: bench_validate(args.functions, args.runs, work),
                "layer": lambda: bench_layer(args.functions, args.runs, work),
                "levels": lambda: bench_levels(args.runs, work),
                "closure": lambda: bench_closure(args.tf_functions, args.runs, work),
                "invoke": lambda: bench_invoke(args.runs, work),
                "image": lambda: bench_images(args.functions, args.runs, work, make_repo, edit_one, unedit,
                                              timed),
                "api": lambda: bench_api(args.functions, args.runs, work, timed),
                "check": lambda: bench_check(args.functions, args.runs, work, make_repo, edit_one, unedit, timed,
                                             args.baseline_runs),
                "scale": lambda: bench_scale([int(n) for n in args.scale_functions.split(",")], args.runs, work,
                                             make_repo, edit_one),
                "load": lambda: bench_load(args.runs, work, args.load_baseline, make_repo)}[args.only]()
        print("\n".join(part))
        shutil.rmtree(work, ignore_errors=True)
        return

    work = Path(tempfile.mkdtemp(prefix="build-pkg-bench-"))
    base_repo, ours_repo = work / "baseline", work / "build-pkg"
    make_repo(base_repo, args.functions)
    make_repo(ours_repo, args.functions)

    # Both sides go to the same index with nothing but their own download cache:
    # this machine's pip configuration (local wheel folders) is switched off.
    base_env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_")}
    base_env |= {"PIP_CONFIG_FILE": os.devnull, "PIP_DISABLE_PIP_VERSION_CHECK": "1",
                 "PIPENV_IGNORE_VIRTUALENVS": "1", "PIPENV_VERBOSITY": "-1"}
    baseline_cmd = ["bash", "-c", BASELINE.format(pipenv=PIPENV, python=PYTHON)]
    ours_cmd = [PYTHON, str(REPO / "build-pkg.py"), "-C", str(ours_repo), "build"]

    def ours_env(cache: Path) -> dict:
        return {**os.environ, "BUILD_PKG_CACHE_DIR": str(cache)}

    print(f"bench: {args.functions} functions, {args.runs} runs, in {work}", file=sys.stderr)
    # Warm both download caches (pip's and uv's); these runs are not counted.
    timed(baseline_cmd, base_repo, base_env)
    timed(ours_cmd, ours_repo, ours_env(work / "warmup-cache"))

    results: dict[str, dict[str, list[float]]] = {k: {"baseline": [], "ours": []} for k in ("first", "noop", "edit")}
    base_hashes, our_hashes = set(), set()
    for run in range(args.runs):
        cache = work / f"cache-{run}"
        unedit(base_repo)
        unedit(ours_repo)
        (ours_repo / "terraform" / "dists.zip").unlink(missing_ok=True)
        (ours_repo / "terraform" / "dists.manifest.json").unlink(missing_ok=True)
        results["first"]["baseline"].append(timed(baseline_cmd, base_repo, base_env))
        base_hashes.add(sha(base_repo / "dists.zip"))
        results["first"]["ours"].append(timed(ours_cmd, ours_repo, ours_env(cache)))
        our_hashes.add(sha(ours_repo / "terraform" / "dists.zip"))

        results["noop"]["baseline"].append(timed(baseline_cmd, base_repo, base_env))
        base_hashes.add(sha(base_repo / "dists.zip"))
        results["noop"]["ours"].append(timed(ours_cmd, ours_repo, ours_env(cache)))
        our_hashes.add(sha(ours_repo / "terraform" / "dists.zip"))

        edit_one(base_repo, run)
        edit_one(ours_repo, run)
        results["edit"]["baseline"].append(timed(baseline_cmd, base_repo, base_env))
        results["edit"]["ours"].append(timed(ours_cmd, ours_repo, ours_env(cache)))

    base_size = (base_repo / "dists.zip").stat().st_size
    our_size = (ours_repo / "terraform" / "dists.zip").stat().st_size
    labels = {"first": "first build (warm download cache)", "noop": "no-op rebuild",
              "edit": "rebuild after editing one function"}
    lines = [
        f"{args.functions} functions, 23 locked packages, median of {args.runs} runs "
        f"({os.cpu_count()} cores, Python {sys.version.split()[0]})",
        "",
        "| | baseline script | build-pkg | build-pkg / baseline |",
        "|---|---:|---:|---:|",
    ]
    for key, label in labels.items():
        b, o = statistics.median(results[key]["baseline"]), statistics.median(results[key]["ours"])
        lines.append(f"| {label} | {b:.2f} s | {o:.2f} s | {o / b:.3f}x |")
    lines.append(f"| zip size | {base_size / 1e6:.1f} MB | {our_size / 1e6:.1f} MB | {our_size / base_size:.3f}x |")
    # Every first build and no-op rebuild sees the same inputs (the edit is undone first).
    lines.append(f"| same sha256 for the same inputs | {'yes' if len(base_hashes) == 1 else f'no ({len(base_hashes)} different)'} "
                 f"| {'yes' if len(our_hashes) == 1 else f'no ({len(our_hashes)} different)'} | |")
    if args.only != "build":
        lines += bench_layer(args.functions, args.runs, work)
        lines += bench_levels(args.runs, work)
        lines += bench_terraform(args.tf_functions, args.runs, work)
        lines += bench_closure(args.tf_functions, args.runs, work)
        lines += bench_invoke(args.runs, work)
        lines += bench_validate(args.functions, args.runs, work)
        lines += bench_images(args.functions, args.runs, work, make_repo, edit_one, unedit, timed)
        lines += bench_api(args.functions, args.runs, work, timed)
        lines += bench_check(args.functions, args.runs, work, make_repo, edit_one, unedit, timed, args.baseline_runs)
    table = "\n".join(lines)
    print(table)
    out = HERE / "results"
    out.mkdir(exist_ok=True)
    (out / "build.md").write_text(table + "\n")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
