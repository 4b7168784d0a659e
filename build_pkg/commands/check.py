"""`check`: functions/ and terraform/ agree, the lock is fresh."""

from __future__ import annotations

import json

import click

from .options import Context, json_option, target_options


@click.command("check")
@target_options
@json_option
@click.pass_obj
def check(obj: Context, runtime, arch, allow_unhashed, as_json) -> None:
    """Check that functions/ and terraform/ agree, before anything is applied.

    Parses every .tf with python-hcl2 and checks: each handler resolves to a
    function that defines it, as MODULE.handler; every function has exactly one Terraform
    definition; names are unique and valid; runtime, architecture and package
    path agree with the build; module calls pass only declared variables and
    set every required one; the lock is fresh; the routes of the functions'
    Powertools resolvers (as the last build read them) are the routes Terraform
    serves: REST routes in terraform/openapi.json, HTTP API routes in their
    .tf's http_routes, and the reverse. Exit 1 with one line per problem.
    """
    from dataclasses import replace

    from ..infra.check import Problem, check_project
    from ..local.routes import route_check

    project = obj.project()
    result, warnings = check_project(project, runtime, arch, frozenset(allow_unhashed))
    found, unread = route_check(project)
    routes = [Problem(file, None, message) for file, message in found]
    warnings = list(warnings) + [f"{source}: its routes were not compared with Terraform's (no build in this "
                                 "checkout has read them); run `build-pkg.py build`, then `check`" for source in unread]
    if routes:
        result = replace(result, problems=tuple(sorted(result.problems + tuple(routes),
                                                       key=lambda p: (p.file, p.line or 0, p.message))))
    if as_json:
        click.echo(json.dumps({
            "ok": not result.problems, "functions": result.functions, "definitions": result.definitions,
            "warnings": list(warnings),
            "problems": [{"file": p.file, "line": p.line, "message": obj.advice(p.message)} for p in result.problems],
        }, indent=2))
    else:
        report = obj.reporter()
        for warning in warnings:
            report.warn(warning)
        for problem in result.problems:
            click.echo(obj.advice(str(problem)))
        if not result.problems:
            click.echo(f"check: {result.functions} functions and {result.definitions} Terraform definitions agree; lock is fresh")
    if result.problems:
        if not as_json:
            click.echo(f"check: {len(result.problems)} problem(s)", err=True)
        raise SystemExit(1)


COMMANDS = (check,)
