"""The command line: the click group, its global options, and the one place errors
are translated into a line on stderr and an exit status. Each command lives in
build_pkg/commands/, parses its options, calls a capability and prints.
"""

from __future__ import annotations

import sys
import traceback

import click

from . import __version__
from .commands import (adopt, build, cache, check, completion, event, invoke, new, prune, release, size, tf, traffic,
                       validate)
from .commands.options import Context
from .errors import BuildPkgError


class _Group(click.Group):
    """Domain errors as one line (exit 1); usage errors as click shows its own (exit 2);
    a traceback only with -v."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except BuildPkgError as exc:
            verbose = isinstance(ctx.obj, Context) and ctx.obj.verbose
            if verbose:
                traceback.print_exc()
            if exc.exit_code == click.UsageError.exit_code:
                raise click.UsageError(str(exc), ctx=getattr(exc, "ctx", None)) from None
            click.echo(f"error: {exc}", err=True)
            ctx.exit(exc.exit_code)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-C", "--project-dir", default=None, metavar="DIR",
              help="Run against the worker repository in DIR. [default: the one holding the current folder, "
                   "found upward]")
@click.option("-v", "--verbose", is_flag=True, help="Show each step with timings, the installer's output and tracebacks.")
@click.version_option(__version__, prog_name="build-pkg")
@click.pass_context
def main(ctx: click.Context, project_dir: str | None, verbose: bool) -> None:
    """Build, check and deploy a monorepo of AWS Lambda functions.

    Functions live in functions/ as lambda_<name>.py or <name>/main.py; code
    shared by them lives in functions/worker_lib/. Run-time dependencies come
    from the [packages] of Pipfile.lock.
    """
    ctx.obj = Context(project_dir, verbose)


for _module in (build, check, tf, new, event, invoke, size, release, traffic, prune, cache, validate, adopt,
                completion):
    for _command in _module.COMMANDS:
        main.add_command(_command)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
