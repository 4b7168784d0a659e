"""The command line: thin commands over the core; errors are translated here, once."""

from __future__ import annotations

import json
import sys
import traceback
from dataclasses import dataclass

import click

from . import __version__
from .build import BuildOptions, build as run_build
from .errors import BuildPkgError
from .limits import mb
from .progress import Reporter
from .project import Project
from .target import ARCHES


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


@main.command()
@click.option("--runtime", metavar="pythonX.Y", help="Lambda runtime. [default: the Pipfile's python_version]")
@click.option("--arch", type=click.Choice(ARCHES), default="x86_64", show_default=True,
              help="Lambda architecture the dependencies are installed for.")
@click.option("--handler", "handler", default="handler", show_default=True, metavar="NAME",
              help="Name of the function every entry point must define.")
@click.option("--allow-unhashed", multiple=True, metavar="PACKAGE",
              help="Install this VCS or path entry of the lock although it cannot be hash-checked (repeatable).")
@click.option("--force", is_flag=True, help="Rebuild even when nothing changed.")
@_json_option
@click.pass_obj
def build(obj: Context, runtime, arch, handler, allow_unhashed, force, as_json) -> None:
    """Build terraform/dists.zip and its manifest, byte-identical for identical inputs.

    Installs the lock's [packages] as wheels for the Lambda platform (hashes
    checked), adds functions/, and writes terraform/dists.zip with
    terraform/dists.manifest.json beside it. Nothing is written when a step
    fails, and an unchanged tree is not rebuilt.
    """
    options = BuildOptions(runtime=runtime, arch=arch, handler=handler,
                           allow_unhashed=frozenset(allow_unhashed), force=force)
    result = run_build(obj.project(), options, obj.reporter(quiet=as_json))
    manifest = result.manifest
    if as_json:
        click.echo(json.dumps({**manifest, "up_to_date": result.up_to_date,
                               "warnings": list(result.warnings)}, indent=2))
        return
    state = "up to date" if result.up_to_date else "built"
    click.echo(
        f"{manifest['package']} {state}: {len(manifest['functions'])} functions, "
        f"{len(manifest['dependencies'])} packages, {mb(manifest['zipped_bytes'])} zipped "
        f"({mb(manifest['unzipped_bytes'])} unzipped), {manifest['runtime']} {manifest['arch']}, "
        f"filebase64sha256 {manifest['filebase64sha256']}"
    )


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
