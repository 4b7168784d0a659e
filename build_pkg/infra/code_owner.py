"""Who deploys the functions' code: Terraform (the default) or `release --code-only`.

The project chooses in one place, the worker module's two `lifecycle` blocks: Terraform's
`ignore_changes` must be a literal, so it cannot follow a variable. Code-only means the
function ignores its code arguments and the alias its version, both or neither: a function
that ignored its code while the alias followed Terraform's version would move `live` back
to the version Terraform last published.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import SettingError
from ..project import Project
from .parse import parse_text, resources
from .render import MODULE_DIR

# description: the identity marker of the code each version runs, written by whoever deploys the code.
CODE_ARGUMENTS = ("image_uri", "filename", "s3_bucket", "s3_key", "source_code_hash", "description")
ALIAS_ARGUMENT = "function_version"


@dataclass(frozen=True)
class CodeOwner:
    code_only: bool  # true: `release --code-only` deploys code; Terraform ignores it
    file: str  # the module file that says so


def read(project: Project) -> CodeOwner:
    path = project.terraform_dir / MODULE_DIR / "main.tf"
    rel = project.rel(path)
    try:
        parsed = parse_text(rel, path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise SettingError(f"{rel}: cannot be read ({exc.strerror})") from None
    if parsed.data is None:
        raise SettingError(f"{rel}: {parsed.error}")
    ignored = {rtype: _ignored(body) for rtype, _, body in resources(parsed.data)
               if rtype in ("aws_lambda_function", "aws_lambda_alias")}
    function = ignored.get("aws_lambda_function", set())
    alias = ignored.get("aws_lambda_alias", set())
    code = set(CODE_ARGUMENTS) <= function
    if code != (ALIAS_ARGUMENT in alias) or (not code and function & set(CODE_ARGUMENTS)):
        raise SettingError(
            f"{rel}: for code-only releases the function's lifecycle must ignore {', '.join(CODE_ARGUMENTS)} and the "
            f"alias's {ALIAS_ARGUMENT}; for Terraform-deployed code, neither (set both lifecycle blocks alike)")
    return CodeOwner(code, rel)


def _ignored(body: dict) -> set[str]:
    found: set[str] = set()
    for block in body.get("lifecycle", []) or []:
        for item in block.get("ignore_changes", []) or []:
            found.add(str(item).strip("${}"))
    return found
