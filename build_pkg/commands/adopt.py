"""`adopt`: write module calls and import blocks for functions already running in AWS."""

from __future__ import annotations

import json

import click

from .options import Context, KeyValue, json_option, region_option, target_options


@click.command("adopt")
@click.option("--match", "pattern", required=True, metavar="PATTERN",
              help="Shell-style pattern of the live function names to adopt, e.g. 'myproject_*' (apex's names).")
@click.option("--map", "maps", multiple=True, type=KeyValue(), metavar="LIVE=NAME",
              help="Live function LIVE is functions/' NAME (repeatable). [default: by name, or the part "
                   "after a <project>_ or <project>- prefix]")
@click.option("--env", "env", default="prod", show_default=True, metavar="ENV",
              help="The environment they run in (terraform/env/ENV.tfvars): there they keep their live names.")
@click.option("--dry-run", is_flag=True, help="Print what would be written; write nothing.")
@target_options
@region_option
@json_option
@click.pass_obj
def adopt(obj: Context, pattern, maps, env, dry_run, runtime, arch, allow_unhashed, region, as_json) -> None:
    """Adopt functions that already run in AWS, so Terraform imports them instead of creating them.

    Reads, with boto3, every function whose name matches PATTERN: its configuration,
    aliases, resource policy, event source mappings, the EventBridge rules that
    target it, SNS subscriptions, function URLs and log group. Each maps to a
    function in functions/; adopt writes its terraform/lambda_NAME.tf (live memory,
    timeout, environment, triggers, and its live names in ENV) and one import block
    per resource the module manages for it in terraform/imports.tf. Environment
    values that look like secrets become variables. Refuses, writing nothing, a
    live function with no counterpart or whose counterpart already has a file.
    """
    from ..deploy.adopt.run import AdoptOptions, adopt as run_adopt

    project = obj.project()
    target = obj.inputs(runtime, arch, allow_unhashed).target
    result = run_adopt(project, target, AdoptOptions(pattern, env, tuple(maps), dry_run, region))
    adoptions = result.plan.adoptions
    if as_json:
        click.echo(json.dumps({
            "environment": result.env, "written": result.written, "dry_run": dry_run,
            "adopted": [{"live": a.live.name, "function": a.function.name, "file": a.tf_file, "alias": a.alias,
                         "imports": [i.__dict__ for i in a.imports], "created": list(a.created),
                         "changed": list(a.changed), "unmanaged": list(a.unmanaged),
                         "secrets": [{"key": k, "variable": v} for k, v in a.secrets]} for a in adoptions],
            "already_adopted": [{"live": name, "file": file} for name, file in result.plan.already],
            "files": result.files if dry_run else sorted(result.files),
        }, indent=2))
        return
    if not adoptions:
        done = ", ".join(f"{name} ({file})" for name, file in result.plan.already)
        click.echo(f"nothing to do: every function matching {pattern!r} is adopted already: {done}")
        return
    for a in adoptions:
        click.echo(f"{a.live.name} -> {a.function.name} ({a.tf_file}): {len(a.imports)} import(s), alias {a.alias}")
        for label, items in (("creates", a.created), ("changes on the first apply", a.changed),
                             ("leaves unmanaged", a.unmanaged)):
            if items:
                click.echo(f"  {label}: {'; '.join(items)}")
        for key, variable in a.secrets:
            click.echo(f"warning: {a.live.name}: {key} looks like a secret, so it is not written; it is "
                       f"var.{variable}: set TF_VAR_{variable} where Terraform runs for {result.env}", err=True)
    for name, file in result.plan.already:
        click.echo(f"{name}: adopted already ({file})")
    if dry_run:
        for rel, text in result.files.items():
            click.echo(f"\n--- {rel} (would be written)\n{text}", nl=False)
        return
    click.echo(f"wrote {', '.join(sorted(result.files))}")
    click.echo(f"next: build-pkg.py check; plan {result.env} (terraform plan -var-file=env/{result.env}.tfvars): "
               f"every adopted resource shows as an import; apply it; then delete terraform/imports.tf")


COMMANDS = (adopt,)
