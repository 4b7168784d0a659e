"""`new`: scaffold a function: code, test, sample event and Terraform file."""

from __future__ import annotations

import json

import click

from ..local.scaffold import LAYOUTS, TRIGGERS
from .options import Context, function_settings_options, json_option, settings_from_options


@click.command()
@click.argument("name")
@click.option("--layout", type=click.Choice(LAYOUTS), default="flat", show_default=True,
              help="flat: functions/lambda_NAME.py; package: functions/NAME/main.py.")
@click.option("--trigger", type=click.Choice(TRIGGERS), default="none", show_default=True,
              help="What invokes it; its settings come from the options below (schedule: rate(1 hour) "
                   "unless --schedule; http: GET /NAME unless --http; rest: a Powertools REST resolver with "
                   "GET /NAME/{item_id} and POST /NAME on the project's REST API).")
@function_settings_options
@json_option
@click.pass_obj
def new(obj: Context, name, layout, trigger, as_json, **options) -> None:
    """Scaffold function NAME: code, test, sample event and Terraform file.

    The code uses Powertools' Logger and the trigger's event data class; the
    test runs the handler on the sample event and passes as written; the .tf
    comes from the same generator as `tf`. Nothing existing is overwritten.
    """
    from ..local.new import create

    created = create(obj.project(), name, layout, trigger, settings_from_options(**options))
    if as_json:
        click.echo(json.dumps({"name": name, "created": list(created.files), "generated": created.generated,
                               "to_add": list(created.to_add), "test": created.test_path,
                               "event": created.event_path}, indent=2))
        return
    for rel in created.files:
        click.echo(f"created {rel}")
    if created.generated:
        click.echo(created.generated)
    click.echo("next steps:")
    for line in created.to_add:
        click.echo(f"  {line}")
    click.echo(f"  make check                                 # its test ({created.test_path}), check, validate")
    click.echo(f"  ./build-pkg.py invoke {name} --event {created.event_path}")
    if trigger == "rest":
        click.echo("  ./build-pkg.py start-api                   # serves its routes on 127.0.0.1:3000")
    click.echo("  ./build-pkg.py check")


COMMANDS = (new,)
