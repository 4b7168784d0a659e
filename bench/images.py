"""Images at scale (`bench.py --only image`): `build --image` of N functions against a naive
per-function image, side by side, on a real registry on 127.0.0.1 (Debian's docker-registry).

naive:     what `docker build` per function with `COPY . /var/task` gives: one layer per
           function holding all of functions/ and every dependency, tar + gzip (Python's
           zlib, level 6, as docker's default), built again whole every time (nothing of it
           is reproducible, so nothing is reused). It does the same work in every row, so
           each row runs it once (about two minutes at 50 functions); what it pushes is
           every image whole, each time (each holds all the code, so an edit changes all).
build-pkg: build-pkg.py build --image --push (one shared dependency layer, one code layer
           per function, only missing blobs sent).

Rows: a build from an empty build cache (download caches warm), a no-op and a one-function
edit; the bytes each pushes for the first release and after the edit; and whether two
clones with other mtimes and umask give the same digests.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import shutil
import statistics
import subprocess
import sys
import tarfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path[:0] = [str(REPO), str(REPO / "tests" / "image")]

from registry_fixtures import push_base, start_registry  # noqa: E402  (the tests' registry and made base)


def _naive_images(repo: Path, site: Path) -> tuple[int, float, str]:
    """Every function's naive image, built: (bytes a push sends, seconds, the first one's digest)."""
    start = time.perf_counter()
    functions = sorted(p for p in (repo / "functions").iterdir() if p.name != "worker_lib" and
                       not p.name.startswith("__"))
    total, first = 0, ""
    for function in functions:
        buffer = io.BytesIO()
        with tarfile.open(fileobj=buffer, mode="w") as archive:
            archive.add(site, arcname="var/task")
            archive.add(repo / "functions", arcname="var/task", filter=lambda info: info)
        blob = gzip.compress(buffer.getvalue(), compresslevel=6)  # mtime: now, as docker's layers differ
        total += len(blob)
        first = first or hashlib.sha256(blob).hexdigest()
    return total, time.perf_counter() - start, first


def bench_images(count: int, runs: int, work: Path, make_repo, edit_one, unedit, timed) -> list[str]:
    if shutil.which("docker-registry") is None:
        return ["", "images: skipped, docker-registry is not installed (`make image-tools`)"]
    host, server = start_registry(work / "image-registry")
    try:
        return _run(host, count, runs, work, make_repo, edit_one, unedit, timed)
    finally:
        server.terminate()
        server.wait(timeout=10)


def _run(host, count, runs, work, make_repo, edit_one, unedit, timed) -> list[str]:
    base = push_base(f"{host}/lambda/python")
    repo, clone = work / "image-repo", work / "image-clone"
    make_repo(repo, count)
    cli = [sys.executable, str(REPO / "build-pkg.py"), "-C", str(repo)]
    build = cli + ["build", "--image", "--base-image", base]
    warm = {**os.environ, "BUILD_PKG_CACHE_DIR": str(work / "image-warm")}
    timed(build, repo, warm)  # the download caches, as a developer's machine has them
    site = work / "image-site"
    _install_site(repo, site, warm)

    rows: dict[str, dict[str, list[float]]] = {k: {"naive": [], "ours": []} for k in ("empty", "noop", "edit")}
    naive_bytes, naive_digests = 0, set()
    for run in range(runs):
        env = {**os.environ, "BUILD_PKG_CACHE_DIR": str(work / f"image-cache-{run}")}
        unedit(repo)
        shutil.rmtree(repo / "terraform" / "images", ignore_errors=True)
        (repo / "terraform" / "dists.manifest.json").unlink(missing_ok=True)
        rows["empty"]["ours"].append(timed(build, repo, env))
        if run == 0:
            naive_bytes, seconds, digest = _naive_images(repo, site)
            rows["empty"]["naive"].append(seconds)
            naive_digests.add(digest)
        rows["noop"]["ours"].append(timed(build, repo, env))
        if run == 0:
            _, seconds, digest = _naive_images(repo, site)  # the same inputs as the row above
            rows["noop"]["naive"].append(seconds)
            naive_digests.add(digest)
        edit_one(repo, run)
        rows["edit"]["ours"].append(timed(build, repo, env))
        if run == 0:
            rows["edit"]["naive"].append(_naive_images(repo, site)[1])

    unedit(repo)
    env = {**os.environ, "BUILD_PKG_CACHE_DIR": str(work / "image-cache-push")}
    first = _push(cli, repo, base, host, env)
    edit_one(repo, 99)
    after = _push(cli, repo, base, host, env)
    unedit(repo)
    digests = _digests(repo, cli, base, env)
    shutil.copytree(repo, clone, ignore=shutil.ignore_patterns("images", "dists.zip", "dists.manifest.json"))
    for path in clone.rglob("*"):
        if path.is_file():
            os.utime(path, (1_500_000_000, 1_500_000_000))
    clone_cli = [sys.executable, str(REPO / "build-pkg.py"), "-C", str(clone)]
    proc = subprocess.run(clone_cli + ["build", "--image", "--base-image", base], env={**env, "TZ": "Asia/Kathmandu"},
                          capture_output=True, text=True, preexec_fn=lambda: os.umask(0o077))
    if proc.returncode != 0:
        sys.exit(f"bench: clone build failed:\n{proc.stderr[-2000:]}")
    same = digests == {f["name"]: f["image_digest"] for f in json.loads(
        (clone / "terraform" / "dists.manifest.json").read_text())["functions"]}

    labels = {"empty": "image build, empty build cache", "noop": "no-op rebuild (target < 0.5 s)",
              "edit": "rebuild after editing one function (target < 1 s)"}
    lines = ["", f"Images, {count} functions; build-pkg: median of {runs} runs; naive: one run per row "
             "(it rebuilds every image whole each time):", "",
             "| | naive per-function image | build-pkg --image | build-pkg / naive |", "|---|---:|---:|---:|"]
    for key, label in labels.items():
        n, o = statistics.median(rows[key]["naive"]), statistics.median(rows[key]["ours"])
        lines.append(f"| {label} | {n:.2f} s | {o:.2f} s | {o / n:.4f}x |")
    lines.append(f"| bytes pushed, first release | {naive_bytes / 1e6:.1f} MB | {first / 1e6:.1f} MB | "
                 f"{first / naive_bytes:.4f}x |")
    lines.append(f"| bytes pushed after a one-function edit (target < 1% of a full push) | {naive_bytes / 1e6:.1f} MB | "
                 f"{after / 1e3:.1f} kB | {after / naive_bytes:.6f}x |")
    naive_same = "yes" if len(naive_digests) == 1 else f"no ({len(naive_digests)} digests for the same inputs)"
    lines.append(f"| same digests for the same inputs (build-pkg: in a clone with other mtimes, umask and TZ) | "
                 f"{naive_same} | {'yes' if same else 'NO'} | |")
    lines += ["", f"build-pkg's edit push is {after / first * 100:.3f}% of its own first push "
              f"({after:,} of {first:,} bytes; the base's layers are mounted, not sent)."]
    return lines


def _push(cli, repo, base, host, env) -> int:
    proc = subprocess.run(cli + ["build", "--image", "--base-image", base, "--push", f"{host}/worker", "--json"],
                          env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        sys.exit(f"bench: push failed:\n{proc.stderr[-2000:]}")
    return json.loads(proc.stdout)["pushed"]["bytes_sent"]


def _digests(repo, cli, base, env) -> dict[str, str]:
    subprocess.run(cli + ["build", "--image", "--base-image", base], env=env, check=True, capture_output=True)
    return {f["name"]: f["image_digest"] for f in json.loads(
        (repo / "terraform" / "dists.manifest.json").read_text())["functions"]}


def _install_site(repo: Path, site: Path, env: dict) -> None:
    """The locked dependencies installed once, as the naive Dockerfile's `pip install -t` does
    (its install time is not counted: a docker layer cache would keep it on one machine)."""
    from uv import find_uv_bin

    lock = json.loads((repo / "Pipfile.lock").read_text())
    requirements = site.with_suffix(".txt")
    requirements.write_text("".join(
        f"{name}{entry['version']} " + " ".join(f"--hash={h}" for h in entry["hashes"]) + "\n"
        for name, entry in lock["default"].items()))
    subprocess.run([find_uv_bin(), "pip", "install", "--target", str(site), "--python-platform",
                    "x86_64-manylinux2014", "--python-version", "3.12", "--no-deps", "--require-hashes",
                    "--no-build", "-r", str(requirements)], check=True, capture_output=True, env=env)
