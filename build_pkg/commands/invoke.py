"""`invoke`: run one function locally from the built package, as Lambda runs it (or, with
--remote, the deployed one)."""

from __future__ import annotations

import io
import json
import re
import sys
from pathlib import Path

import click

from ..errors import InvokeError, UsageError
from .options import (Context, env_option, function_names, json_option, layer_option, region_option, run_image_options,
                      target_options)


@click.command()
@click.argument("name", shell_complete=function_names)
@click.option("--event", "event_file", metavar="FILE", help="Event JSON file, or - for stdin. [default: {}]")
@env_option("Environment variable, over the .tf's values (repeatable).")
@click.option("--timeout", type=click.IntRange(1, 900), help="Seconds. [default: the .tf's timeout]")
@click.option("--memory", type=click.IntRange(128, 10240), help="MB, reported as Memory Size. [default: the .tf's]")
@click.option("--repeat", type=click.IntRange(1, 1000), default=1, show_default=True,
              help="Invocations in one runtime process: the first is cold, the rest warm.")
@click.option("--no-build", is_flag=True, help="Use terraform/dists.zip as it is; do not rebuild it when stale.")
@click.option("--debug-port", type=click.IntRange(1, 65535), metavar="PORT",
              help="Run under debugpy on 127.0.0.1:PORT and wait for your editor to attach (docs/debugging.md).")
@layer_option
@run_image_options
@target_options
@click.option("--remote", "remote", metavar="ENV",
              help="Invoke the function deployed in environment ENV instead, through its alias (boto3).")
@click.option("--qualifier", metavar="ALIAS|VERSION", help="With --remote: what to invoke. [default: its alias, live]")
@click.option("--async", "asynchronous", is_flag=True,
              help="With --remote: an event invocation (Lambda queues it and answers 202 at once).")
@region_option(help_text="With --remote: the function's AWS region. [default: the region of ENV's tfvars, "
                         "else AWS_REGION or the profile's]")
@json_option
@click.pass_obj
def invoke(obj: Context, name, event_file, env, timeout, memory, repeat, no_build, debug_port, layer, image, base_image,
           runtime, arch, allow_unhashed, remote, qualifier, asynchronous, region, as_json) -> None:
    """Run function NAME locally from the built package, as Lambda runs it.

    Builds first when the package is stale, unpacks it into a temporary folder
    (Lambda's /var/task) and runs the real runtime client (awslambdaric) in a
    separate Python whose import path is only that folder, the dependency
    layer's python/ (unpacked as Lambda's /opt) when the build made one, and the
    client, against a Runtime API served on 127.0.0.1. Environment, memory and timeout
    come from terraform/lambda_NAME.tf. Results go to stdout (one JSON line per
    invocation; with --json one document with each invocation's status, result,
    duration, init duration and memory); logs with START, END and REPORT lines to
    stderr. Exit 1 when the
    handler raises, times out or fails to import. With --image (or
    package_type = "image" in terraform/main.tf) the task root is the function's
    image instead: its layers unpacked in order, whiteouts honoured, no Docker.
    With --debug-port PORT the runtime waits for a debugger (debugpy, from the
    dev packages) to attach on 127.0.0.1:PORT; breakpoints set in functions/
    hit, and the timeout is an hour.

    With --remote ENV, the function deployed in ENV runs instead, through its
    alias (or --qualifier): the same event options, output and exit status;
    the log's tail (Lambda's last 4 KB) on stderr. (--env KEY=VALUE stays an
    environment variable, for local runs.)
    """
    from ..local.invoke import InvokeOptions, run

    event = _event(event_file)
    if remote:
        local_only = {"--env": env, "--timeout": timeout, "--memory": memory, "--repeat": repeat != 1,
                      "--no-build": no_build, "--layer/--no-layer": layer is not None,
                      "--image/--no-image": image is not None, "--base-image": base_image, "--runtime": runtime,
                      "--allow-unhashed": allow_unhashed, "--debug-port": debug_port}
        given = [flag for flag, value in local_only.items() if value]
        if given:
            raise UsageError(f"{', '.join(given)}: for local runs; --remote invokes what is deployed")
        return _remote(obj, name, remote, qualifier, asynchronous, region, event, as_json)
    if qualifier or asynchronous or region:
        raise UsageError("--qualifier, --async and --region go with --remote ENV")
    if debug_port:
        from ..local.debug import check_port

        check_port(debug_port)
    options = InvokeOptions(event=event, env=dict(env), timeout=timeout, memory=memory, repeat=repeat,
                            build=not no_build, layer=layer, image=image, base_image=base_image,
                            debug_port=debug_port)
    out = io.StringIO() if as_json else sys.stdout
    outcomes = run(obj.inputs(runtime, arch, allow_unhashed), name, options, obj.reporter(), out)
    if as_json:
        click.echo(json.dumps({"function": name, "invocations": [
            {"request_id": o.request_id, "status": o.status, "result": o.document,
             "duration_ms": round(o.duration_ms, 2), "init_ms": None if o.init_ms is None else round(o.init_ms, 2),
             "max_memory_mb": o.max_memory_mb} for o in outcomes]}, indent=2))
    if any(o.failed for o in outcomes):
        raise SystemExit(1)


def _event(event_file: str | None) -> bytes:
    from ..local.invoke import parse_event

    if event_file is None:
        return b"{}"
    if event_file == "-":
        return parse_event(click.get_binary_stream("stdin").read(), "stdin")
    try:
        raw = Path(event_file).read_bytes()
    except OSError as exc:
        raise InvokeError(f"{event_file}: cannot read the event ({exc.strerror}); pass a JSON file or - for stdin") from None
    return parse_event(raw, event_file)


def _remote(obj: Context, name: str, env: str, qualifier: str | None, asynchronous: bool, region: str | None,
            event: bytes, as_json: bool) -> None:
    from .. import aws
    from ..deploy.targets import resolve
    from ..operate import remote

    target = resolve(obj.project, [name], env, flag="--remote")[0]
    values = target.environment.values if target.environment else None
    outcome = remote.invoke(remote.client(aws.region(region, values)), target.function, qualifier or target.alias,
                            event, asynchronous)
    if outcome.log:  # a traceback's lines joined by \r, as Lambda logs them: one per line here
        click.echo(re.sub(r"\r(?!\n)", "\n", outcome.log).rstrip("\n"), err=True)
    if as_json:
        click.echo(json.dumps({"function": name, "deployed": target.function, "invocations": [
            {"request_id": outcome.request_id, "status": outcome.status, "result": outcome.document,
             "version": outcome.version, "duration_ms": outcome.duration_ms, "init_ms": outcome.init_ms,
             "max_memory_mb": outcome.max_memory_mb}]}, indent=2))
    else:
        click.echo(json.dumps(outcome.document))
    if outcome.failed:
        raise SystemExit(1)


COMMANDS = (invoke,)
