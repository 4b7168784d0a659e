"""`validate`: init and plan (which validates) the real tree offline against the stand-in AWS provider."""

from __future__ import annotations

import json

import click

from .options import Context, json_option


@click.command("validate")
@click.option("--env", "env", default="dev", show_default=True, metavar="ENV",
              help="Plan with terraform/env/ENV.tfvars.")
@json_option
@click.pass_obj
def validate(obj: Context, env, as_json) -> None:
    """Run terraform init and plan (which validates first) of terraform/ offline.

    The AWS provider is a stand-in that serves the real provider's schema
    (hashicorp/aws 6.62.0), so Terraform itself checks every argument name, type,
    required argument, nested block and reference, and plans every resource.
    Needs a built package (build first). Exit 1 with Terraform's own messages
    when anything is wrong. --json adds how many resources the plan would create,
    update, replace, delete and import.
    """
    from ..infra.validate import validate as run_validate

    result = run_validate(obj.project(), env, obj.reporter(), summarize=as_json)
    if as_json:
        click.echo(json.dumps({"environment": env, "valid": True, "changes": result.changes,
                               "plan": result.summary}, indent=2))
        return
    click.echo(f"validate: terraform/ is valid and plans with env/{env}.tfvars "
               f"({'changes' if result.changes else 'no changes'} against an empty state)")


COMMANDS = (validate,)
