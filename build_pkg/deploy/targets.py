"""Which deployed Lambda function a command means: a function of this repository by its
short name in an environment (`hello --env dev` -> worker-dev-hello, or an adopted
function's live name and alias), or a deployed name given as it is."""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import ProjectError, UsageError
from ..infra.environments import Environment, read
from ..package.discover import discover
from ..project import Project


@dataclass(frozen=True)
class Target:
    function: str  # the deployed name
    alias: str  # the alias its triggers invoke: `live`, or an adopted function's own
    environment: Environment | None


def resolve(project_of, names: list[str], env: str | None, flag: str = "--env") -> list[Target]:
    """`project_of` gives the Project (raising ProjectError outside a worker repository,
    where every name is taken as deployed). A short name without --env is refused: which
    environment's function it means is not something to guess before shifting traffic."""
    try:
        project: Project | None = project_of()
    except ProjectError:
        if env:
            raise
        project = None
    environment = _environment(project, env, flag) if project and env else None
    ours = {f.name for f in discover(project.root, project.functions_dir, check_handlers=False)} if project else set()
    targets = []
    for name in names:
        if name not in ours:
            targets.append(Target(name, "live", environment))
        elif environment is not None:
            targets.append(Target(environment.function_name(name), environment.alias(name), environment))
        else:
            environments = read(project)
            example = f" ({environments[0].name}: {environments[0].function_name(name)})" if environments else ""
            raise UsageError(f"{name} is a function of this repository: say which environment's with --env ENV "
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
