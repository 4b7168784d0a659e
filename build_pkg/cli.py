"""The command line: the click group, its global options, and the one place errors
are translated into a line on stderr and an exit status. Each command lives in
build_pkg/commands/, parses its options, calls a capability and prints.
"""

from __future__ import annotations

import sys
import traceback

import click

from . import __version__
from .commands import (adopt, build, cache, check, completion, event, invoke, new, operate, prune, release, serve,
                       size, test, tf, traffic, validate)
from .commands.options import Context
from .errors import BuildPkgError


class _Group(click.Group):
    """Every error as `error: ...` on stderr: domain errors one line (exit 1); usage errors,
    click's own and ours, after the command's usage line (exit 2); a traceback only with -v.
    Ctrl-C is `interrupted` and exit 130."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except BuildPkgError as exc:
            verbose = isinstance(ctx.obj, Context) and ctx.obj.verbose
            if verbose:
                traceback.print_exc()
            message = ctx.obj.advice(str(exc)) if isinstance(ctx.obj, Context) else str(exc)
            if exc.exit_code == click.UsageError.exit_code:
                _usage_error(self._subcommand_context(ctx), message)
            click.echo(f"error: {message}", err=True)
            ctx.exit(exc.exit_code)
        except click.UsageError as exc:
            _usage_error(exc.ctx or ctx, exc.format_message())
        except KeyboardInterrupt:  # Ctrl-C: one line, the shell's status for it (not click's "Aborted!")
            click.echo(("\n" if sys.stderr.isatty() else "") + "interrupted", err=True)  # after a terminal's ^C
            ctx.exit(130)

    def _subcommand_context(self, ctx: click.Context) -> click.Context:
        """For the usage line of the command that refused its input."""
        command = self.get_command(ctx, ctx.invoked_subcommand) if ctx.invoked_subcommand else None
        return click.Context(command, info_name=ctx.invoked_subcommand, parent=ctx) if command else ctx


def _usage_error(ctx: click.Context, message: str):
    click.echo(ctx.get_usage(), err=True)
    click.echo(f"Try '{ctx.command_path} {ctx.help_option_names[0]}' for help.", err=True)
    click.echo(f"error: {message}", err=True)
    ctx.exit(click.UsageError.exit_code)


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

    Before a push, `make check` runs a team member's loop: build, check,
    tf --check, test (the functions' tests with the closure check) and
    validate. `make test` runs that and the builder's own suite.
    """
    ctx.obj = Context(project_dir, verbose)


for _module in (build, check, tf, new, event, invoke, serve, size, test, release, traffic, operate, prune, cache,
                validate, adopt, completion):
    for _command in _module.COMMANDS:
        main.add_command(_command)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
