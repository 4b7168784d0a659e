"""`bench.py --only load`: `start-api` under load and faults, this checkout side by side with
a baseline (`--load-baseline REF`, default the commit before the servers' load work), each
served from its own copy of the builder on the same repository: a function for a fast
route (it returns at once), a 100 ms one, and one whose reply carries a header value
outside latin-1 and its own framing headers. Client and server share this machine's cores.

Per run, per builder:
- 2,000 requests to the fast route at concurrency 32, each on a new connection: latency
  p50 / p99 / max, and the kernel's ListenOverflows during them (a dropped SYN costs the
  client a 1 s retry);
- 32 clients at once on the 100 ms route (4 runtimes): the longest wait against what first
  come, first served gives (8 rounds of 100 ms), as a ratio;
- 300 slow clients (a request line and no end): the server's threads and open files
  while they wait;
- four faulty inputs (a reply with a header value outside latin-1 and its own Content-Length,
  a Content-Length of 100 GB, a chunk of ffffffffff bytes, a body cut short): how many got an
  HTTP answer and how many a line on the server's stderr.

Medians over the runs; the baseline is measured in the same run, interleaved.
"""

from __future__ import annotations

import http.client
import os
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
BASELINE = "9d5e934"  # the tree before the servers' load and fault work (issue 31, item 10)

FAST = "def handler(event, context):\n    return {'statusCode': 200, 'body': 'ok'}\n"
SLOW = "import time\n\n\ndef handler(event, context):\n    time.sleep(0.1)\n    return {'statusCode': 200, 'body': 'ok'}\n"
ODD = ("def handler(event, context):\n    return {'statusCode': 200, 'body': 'ok', 'headers': {'X-Name': 'caf\\u00e9 "
       "\\u2615', 'Content-Length': '999'}}\n")
FAULTS = {
    "header outside latin-1": b"GET /odd HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    "Content-Length: 100000000000": b"POST /fast HTTP/1.1\r\nHost: x\r\nContent-Length: 100000000000\r\n\r\nab",
    "chunk size ffffffffff": b"POST /fast HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nffffffffff\r\nab",
    "body cut short": b"POST /fast HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nab",
}


def bench_load(runs: int, work: Path, baseline: str | None, make_repo) -> list[str]:
    builders = {"this checkout": REPO}
    ref = baseline or BASELINE
    builders[f"baseline {ref}"] = _extract(ref, work / "baseline")
    results: dict[str, list[dict]] = {name: [] for name in builders}
    for run in range(runs):
        for name, builder in builders.items():
            print(f"bench load: {name}, run {run + 1}", file=sys.stderr)
            results[name].append(_one_run(builder, work / f"repo-{len(results[name])}-{abs(hash(name))}", make_repo))
    return _table(results, runs)


def _extract(ref: str, into: Path) -> Path:
    """The builder at `ref`, beside this one, sharing its .venv (the same packages)."""
    into.mkdir(parents=True)
    archive = subprocess.run(["git", "-C", str(REPO), "archive", ref], capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    (into / ".venv").symlink_to(REPO / ".venv")
    return into


def _one_run(builder: Path, repo: Path, make_repo) -> dict:
    make_repo(repo, 0)  # bench.py's: the same generated repository as the other benchmarks
    shutil.copytree(REPO / "tests" / "data" / "worker" / "terraform", repo / "terraform", dirs_exist_ok=True,
                    ignore=shutil.ignore_patterns("lambda_*.tf", ".terraform", "*.zip", "*.json"))
    cli = [sys.executable, str(builder / "build-pkg.py"), "-C", str(repo)]
    for name, code in (("fast", FAST), ("slow", SLOW), ("odd", ODD)):
        (repo / "functions" / f"lambda_{name}.py").write_text(code)
        subprocess.run(cli + ["tf", name, "--http", f"ANY /{name}"], check=True, capture_output=True)
    log = repo.parent / f"{repo.name}.err"
    server = subprocess.Popen(cli + ["start-api", "--port", "0", "--no-watch"], stdout=subprocess.PIPE,
                              stderr=log.open("wb"), text=True)
    try:
        line = server.stdout.readline()
        if " on " not in line:
            sys.exit(f"bench load: start-api did not start:\n{log.read_text()[-2000:]}")
        host, port = line.split(" on ")[1].strip().removeprefix("http://").split(":")
        address = (host, int(port))
        for name in ("fast", "slow"):
            _request(address, f"/{name}")  # warm
        found = {}
        overflows = _listen_overflows()
        began = time.perf_counter()
        latencies = _concurrent(address, "/fast", 2000, 32)
        found["throughput"] = 2000 / (time.perf_counter() - began)
        found["overflows"] = _listen_overflows() - overflows
        found["p50"], found["p99"], found["max"] = _percentiles(latencies)
        for _ in range(4):  # four warm runtimes of the slow function
            _concurrent(address, "/slow", 4, 4)
        waits = _concurrent(address, "/slow", 32, 32)
        found["fair"] = max(waits) / 800.0
        found["threads"], found["fds"] = _slow_clients(address, server.pid, 300)
        found["answered"], found["logged"] = _faults(address, log)
    finally:
        server.terminate()
        server.wait(timeout=30)
    return found


def _request(address, path: str) -> float:
    began = time.perf_counter()
    connection = http.client.HTTPConnection(*address, timeout=120)
    try:
        connection.request("GET", path)
        reply = connection.getresponse()
        reply.read()
        if reply.status != 200:
            sys.exit(f"bench load: {path} answered {reply.status}")
    finally:
        connection.close()
    return (time.perf_counter() - began) * 1000


def _concurrent(address, path: str, total: int, concurrency: int) -> list[float]:
    """`total` requests from `concurrency` threads, each on a new connection; their latencies."""
    latencies: list[float] = []
    left = iter(range(total))
    lock = threading.Lock()

    def client():
        while True:
            with lock:
                if next(left, None) is None:
                    return
            latencies.append(_request(address, path))

    threads = [threading.Thread(target=client) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies


def _percentiles(values: list[float]) -> tuple[float, float, float]:
    ordered = sorted(values)
    return ordered[len(ordered) // 2], ordered[int(len(ordered) * 0.99) - 1], ordered[-1]


def _listen_overflows() -> int:
    lines = Path("/proc/net/netstat").read_text().splitlines()
    for names, values in zip(lines[::2], lines[1::2]):
        if names.startswith("TcpExt:"):
            return int(dict(zip(names.split()[1:], values.split()[1:]))["ListenOverflows"])
    return 0


def _slow_clients(address, pid: int, count: int) -> tuple[int, int]:
    clients = []
    for _ in range(count):
        try:
            client = socket.create_connection(address, timeout=5)
            client.sendall(b"GET /fast HTTP/1.1\r\nHost: x\r\n")
            clients.append(client)
        except OSError:
            break
    time.sleep(1.5)
    status = Path(f"/proc/{pid}/status").read_text()
    threads = int(next(line.split()[1] for line in status.splitlines() if line.startswith("Threads:")))
    fds = len(os.listdir(f"/proc/{pid}/fd"))
    for client in clients:
        client.close()
    time.sleep(0.5)
    return threads, fds


def _faults(address, log: Path) -> tuple[int, int]:
    answered = logged = 0
    for request in FAULTS.values():
        before = log.read_text(errors="replace").count("\n")
        with socket.create_connection(address, timeout=40) as raw:
            raw.sendall(request)
            if b"Content-Length: 10\r\n" in request:
                raw.shutdown(socket.SHUT_WR)
            try:
                answer = raw.recv(65536)
            except OSError:
                answer = b""
        answered += answer.startswith(b"HTTP/1.1 ")
        time.sleep(0.2)
        logged += log.read_text(errors="replace").count("\n") > before
    return answered, logged


def _table(results: dict[str, list[dict]], runs: int) -> list[str]:
    names = list(results)

    def median(name: str, key: str) -> float:
        return statistics.median(r[key] for r in results[name])

    now, base = names
    lines = ["", f"`start-api` under load and faults, median of {runs} runs (client and server on this machine's "
             "cores):", "", f"| | {now} | {base} | ratio | target |", "|---|---:|---:|---:|---:|"]
    rows = (("fast route, 2,000 requests at concurrency 32: p50", "p50", "ms", ""),
            ("p99", "p99", "ms", "< 20 ms"),
            ("max", "max", "ms", ""),
            ("requests a second (32 in flight / throughput = the median latency, by Little's law)", "throughput",
             "", ""),
            ("ListenOverflows during them", "overflows", "", "0"),
            ("32 clients on a 100 ms function (4 runtimes): longest wait / first-come-first-served's 800 ms",
             "fair", "x", "< 2x"),
            ("300 slow clients: the server's threads", "threads", "", "bounded"),
            ("300 slow clients: the server's open files", "fds", "", "bounded"),
            (f"faulty inputs answered (of {len(FAULTS)})", "answered", "", str(len(FAULTS))),
            (f"faulty inputs with a stderr line (of {len(FAULTS)})", "logged", "", str(len(FAULTS))))
    for label, key, unit, target in rows:
        a, b = median(now, key), median(base, key)
        ratio = f"{a / b:.3f}x" if b else "-"
        fmt = "{:.1f}" if unit in ("ms", "x") else "{:.0f}"
        lines.append(f"| {label} | {fmt.format(a)}{' ' + unit if unit == 'ms' else unit if unit else ''} | "
                     f"{fmt.format(b)}{' ' + unit if unit == 'ms' else unit if unit else ''} | {ratio} | {target} |")
    return lines
