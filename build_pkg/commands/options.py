"""Options shared by several commands, defined once (as pip-tools does)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import click

from ..package.inputs import Inputs, resolve
from ..package.target import ARCHES
from ..progress import Reporter
from ..errors import ProjectError
from ..project import Project

if TYPE_CHECKING:
    from ..infra.settings import FunctionSettings


@dataclass
class Context:
    """What the group's options give every command."""

    project_dir: str | None  # None: found upward from the current folder
    verbose: bool

    def project(self) -> Project:
        return Project.find() if self.project_dir is None else Project.at(self.project_dir)

    def inputs(self, runtime: str | None, arch: str, allow_unhashed=()) -> Inputs:
        """The lock (read once), the target and the project, for commands that build or check."""
        return resolve(self.project(), runtime, arch, frozenset(allow_unhashed))

    def reporter(self, quiet: bool = False) -> Reporter:
        return Reporter(verbose=self.verbose, quiet=quiet, advice=self.advice)

    def advice(self, text: str) -> str:
        """`text` with the `make` fixes it names as this repository can run them."""
        from ..fixes import for_repository

        try:
            return for_repository(text, self.project().root)
        except ProjectError:
            return text


class KeyValue(click.ParamType):
    """KEY=VALUE, the one parser of every --env: the key must not be empty."""

    name = "KEY=VALUE"

    def convert(self, value, param, ctx):
        if isinstance(value, tuple):
            return value
        key, sep, rest = str(value).partition("=")
        if not sep or not key:
            # `invoke hello --env dev` means the deployed function more often than a variable.
            hint = (f" (to run the function deployed in {value}, use --remote {value})"
                    if ctx is not None and ctx.command.name == "invoke" and sep == "" and value else "")
            self.fail(f"{value!r} is not KEY=VALUE{hint}", param, ctx)
        return key, rest


def function_names(ctx: click.Context, param, incomplete: str) -> list[str]:
    """Shell completion of a function name: the functions of the repository in play."""
    from ..package.discover import discover

    try:
        project_dir = ctx.find_root().params.get("project_dir")
        project = Project.find() if project_dir is None else Project.at(project_dir)
        names = [f.name for f in discover(project.root, project.functions_dir, check_handlers=False)]
    except Exception:  # completion must never print an error into the shell
        return []
    return [name for name in names if name.startswith(incomplete)]


def region_option(f=None, *, help_text: str = "AWS region. [default: the region of --env's tfvars when given, "
                                              "else AWS_REGION or the profile's]"):
    """--region; `help_text` for a command whose environment is named otherwise (invoke --remote)."""
    def decorate(g):
        return click.option("--region", metavar="REGION", help=help_text)(g)
    return decorate(f) if f is not None else decorate


def target_env_option(f):
    return click.option("--env", "env", metavar="ENV",
                        help="The environment (terraform/env/ENV.tfvars) whose deployed function a short "
                             "name of functions/ means: hello --env dev is <project>-dev-hello.")(f)


def json_option(f):
    return click.option("--json", "as_json", is_flag=True, help="Print the result as JSON on stdout.")(f)


# What --runtime and --arch decide on each command that takes them.
_TARGET_PURPOSE = {
    "build": ("Lambda runtime to build for", "Lambda architecture the dependencies are installed for"),
    "check": ("Lambda runtime the Terraform files must name (the build's)",
              "Lambda architecture the Terraform files must name (the build's)"),
    "invoke": ("Lambda runtime to build and run the function with (a local pythonX.Y runs it)",
               "Lambda architecture to build for (it must be this machine's)"),
    "release": ("Lambda runtime to build and deploy for", "Lambda architecture to build and deploy for"),
    "status": ("Without FUNCTION: Lambda runtime of the build to compare with",
               "Without FUNCTION: Lambda architecture of the build to compare with"),
    "adopt": ("Lambda runtime the adopted functions move to (the build's)",
              "Lambda architecture the adopted functions move to (the build's)"),
}


def target_options(f):
    """--runtime, --arch and --allow-unhashed: what every command that must agree with the
    build resolves the lock with; the help says what they decide on this command."""
    runtime_help, arch_help = _TARGET_PURPOSE.get(f.__name__, _TARGET_PURPOSE["build"])
    verb = "Accept" if f.__name__ in ("check", "adopt") else "Install"  # these two install nothing
    f = click.option("--allow-unhashed", multiple=True, metavar="PACKAGE",
                     help=f"{verb} this VCS or path entry of the lock although it cannot be hash-checked "
                          "(repeatable; give the same ones to every command, so all agree).")(f)
    f = click.option("--arch", type=click.Choice(ARCHES), default="x86_64", show_default=True, help=arch_help + ".")(f)
    return click.option("--runtime", metavar="pythonX.Y",
                        help=f"{runtime_help}. [default: the Pipfile's python_version]")(f)


def layer_option(f):
    """--layer/--no-layer, for the commands that build (None: the project's setting)."""
    return click.option("--layer/--no-layer", "layer", default=None,
                        help="Put the dependencies in terraform/layer.zip (a Lambda layer under python/) and only "
                             "the functions' code in dists.zip. [default: `dependency_layer` in terraform/main.tf, "
                             "else off]")(f)


def _image_options(image_help: str):
    """--image/--no-image (None: the project's setting) with `image_help`, and --base-image."""
    def decorate(f):
        f = click.option("--base-image", "base_image", metavar="REF",
                         help="Build the images on this base, HOST/NAME[:TAG]@sha256:..., for this run. [default: "
                              "`base_image` in terraform/main.tf, else the AWS base image pinned for the runtime]")(f)
        return click.option("--image/--no-image", "image", default=None, help=image_help)(f)
    return decorate


# For the commands that build, and for those that run functions (invoke, the servers).
image_options = _image_options(
    "Also build one OCI image per function in terraform/images/, each function's image_digest in the manifest. "
    "[default: `package_type = \"image\"` in terraform/main.tf, else zip only]")
run_image_options = _image_options(
    "Run the functions from their images (each one's layers unpacked in order as its task root), or from the "
    "zip. [default: `package_type = \"image\"` in terraform/main.tf, or the images the last build made]")


def env_option(help_text: str):
    return click.option("--env", "env", multiple=True, type=KeyValue(), metavar="KEY=VALUE", help=help_text)


def function_settings_options(f):
    """Trigger and setting options of a function's Terraform file (shared by `tf` and `new`)."""
    options = [
        click.option("--memory", type=int, default=128, show_default=True, help="Memory in MB."),
        click.option("--timeout", type=int, default=30, show_default=True, help="Timeout in seconds."),
        env_option("Environment variable (repeatable)."),
        click.option("--schedule", metavar="EXPR", help='EventBridge schedule, e.g. "rate(5 minutes)" or "cron(0 3 * * ? *)".'),
        click.option("--sqs", "sqs", metavar="KEY",
                     help='Queue that feeds the function: var.queues["KEY"], an ARN per environment in terraform/env/*.tfvars.'),
        click.option("--sns", "sns", metavar="KEY",
                     help='Topic the function subscribes to: var.topics["KEY"], per environment.'),
        click.option("--s3-bucket", metavar="KEY",
                     help='Bucket whose object-created events invoke the function: var.buckets["KEY"], per environment.'),
        click.option("--s3-prefix", metavar="PREFIX", help="With --s3-bucket: only keys starting with PREFIX."),
        click.option("--s3-suffix", metavar="SUFFIX", help="With --s3-bucket: only keys ending with SUFFIX."),
        click.option("--http", "http", multiple=True, metavar='"METHOD /path"',
                     help='Route on the shared HTTP API, e.g. "GET /health" (repeatable).'),
    ]
    for option in reversed(options):
        f = option(f)
    return f


def settings_from_options(memory, timeout, env, schedule, sqs, sns, s3_bucket, s3_prefix, s3_suffix,
                          http) -> "FunctionSettings":
    """The options of `function_settings_options` as settings (validated by their users)."""
    # Imported here: the settings pull in python-hcl2 (~0.1 s), which `build` never needs.
    from ..infra.settings import FunctionSettings

    if (s3_prefix or s3_suffix) and not s3_bucket:
        raise click.BadParameter("needs --s3-bucket", param_hint="--s3-prefix/--s3-suffix")
    return FunctionSettings(
        memory=memory, timeout=timeout, environment=tuple(env), schedule=schedule,
        sqs_queue=sqs, sns_topic=sns, s3_bucket=s3_bucket, s3_prefix=s3_prefix,
        s3_suffix=s3_suffix, http_routes=tuple(http),
    )
