"""`validate`: init, validate and plan the real tree offline against the stand-in AWS provider."""

from __future__ import annotations

import click

from .options import Context


@click.command("validate")
@click.option("--env", "env", default="dev", show_default=True, metavar="ENV",
              help="Plan with terraform/env/ENV.tfvars.")
@click.pass_obj
def validate(obj: Context, env) -> None:
    """Run terraform init, validate and plan of terraform/ offline.

    The AWS provider is a stand-in that serves the real provider's schema
    (hashicorp/aws 6.62.0), so Terraform itself checks every argument name, type,
    required argument, nested block and reference, and plans every resource.
    Needs a built package (build first). Exit 1 with Terraform's own messages
    when anything is wrong.
    """
    from ..infra.validate import validate as run_validate

    result = run_validate(obj.project(), env, obj.reporter())
    click.echo(f"validate: terraform/ is valid and plans with env/{env}.tfvars "
               f"({'changes' if result.changes else 'no changes'} against an empty state)")


COMMANDS = (validate,)
