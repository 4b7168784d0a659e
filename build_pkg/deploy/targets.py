"""Which deployed Lambda function a command means: a function of this repository by its
short name in an environment (`hello --env dev` -> worker-dev-hello, or an adopted
function's live name and alias), or the deployed name of one given as it is. A name that
is neither is refused (with the close matches) before anything asks AWS."""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import ProjectError, UsageError
from ..infra.environments import Environment, read
from ..package.discover import discover, unknown_function
from ..project import Project


@dataclass(frozen=True)
class Target:
    function: str  # the deployed name
    alias: str  # the alias its triggers invoke: `live`, or an adopted function's own
    environment: Environment | None
    name: str | None = None  # its name in functions/ (None outside a worker repository)


def resolve(project_of, names: list[str], env: str | None, flag: str = "--env") -> list[Target]:
    """`project_of` gives the Project (raising ProjectError outside a worker repository,
    where every name is taken as deployed: there is nothing to check it against). Inside
    one, a name is a function of functions/ (with --env), or the deployed name of one in
    some environment (<project>-<env>-<name>, or an adopted function's live name); anything
    else is a usage error with the close matches, before any AWS call. A short name without
    --env is refused: which environment's function it means is not something to guess
    before shifting traffic."""
    try:
        project: Project | None = project_of()
    except ProjectError:
        if env:
            raise
        return [Target(name, "live", None) for name in names]
    environment = _environment(project, env, flag) if env else None
    ours = sorted(f.name for f in discover(project.root, project.functions_dir, check_handlers=False))
    environments = read(project)
    deployed = {e.function_name(n): (n, e) for e in environments for n in ours}
    targets = []
    for name in names:
        if name in deployed and name not in ours:
            short, where = deployed[name]
            if environment is not None and where.name != environment.name:
                raise UsageError(f"{name} is {short} as deployed in {where.name}, not in {environment.name}: drop "
                                 f"{flag} {environment.name}, or name {environment.function_name(short)}")
            targets.append(Target(name, where.alias(short), where, short))
        elif name not in ours:
            raise UsageError(unknown_function(name, ours, project, sorted(deployed)))
        elif environment is not None:
            targets.append(Target(environment.function_name(name), environment.alias(name), environment, name))
        else:
            example = f" ({environments[0].name}: {environments[0].function_name(name)})" if environments else ""
            raise UsageError(f"{name} is a function of this repository: say which environment's with {flag} ENV "
                             f"({', '.join(e.name for e in environments) or 'terraform/env/ has none'}), "
                             f"or give its deployed name{example}")
    return targets


def _environment(project: Project, env: str, flag: str = "--env") -> Environment:
    environments = read(project)
    found = next((e for e in environments if e.name == env), None)
    if found is None:
        raise UsageError(f"{flag} {env}: no terraform/env/{env}.tfvars (there are: "
                         f"{', '.join(e.name for e in environments) or 'none'})")
    return found
