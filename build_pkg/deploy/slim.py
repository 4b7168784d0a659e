"""The working root of a release that plans some functions: terraform/ without the other
functions' files.

`terraform plan -target` plans only its targets, but Terraform still loads and validates the
whole configuration first: at 500 functions, 28.6 s of a one-function plan (the refresh of the
targets is the small part). A copy of the root that holds only the shared files and the
planned functions' files costs what they cost. The state stays one: what the copy does not
hold is neither targeted nor planned, so it stays in the state as it was (an untargeted
resource is never planned for destruction, whatever the configuration says).

Everything but the root's `.tf` files is linked, not copied (the module, env/, the package,
the manifest, openapi.json, a local backend's state folder), so every relative path means
the same file from the copy as from terraform/; Terraform's data folder (backend settings,
providers, modules) is terraform/.terraform itself (TF_DATA_DIR).
"""

from __future__ import annotations

import shutil
from pathlib import Path

from ..package.discover import FLAT_PREFIX

_NOT_LINKED = {".terraform", ".release"}  # the data folder is shared by TF_DATA_DIR; .release holds this copy


def slim_root(tf_dir: Path, function_files: set[str], where: Path) -> tuple[Path, dict[str, str]]:
    """A root in `where` with terraform/'s shared `.tf` files (those that are not a function's,
    `lambda_*.tf`), the function files named in `function_files`, and links to everything else;
    and the environment Terraform runs it with."""
    if where.exists():
        shutil.rmtree(where)
    where.mkdir(parents=True)
    for entry in sorted(tf_dir.iterdir()):
        if entry.name in _NOT_LINKED:
            continue
        if entry.suffix == ".tf" and entry.is_file():
            if not entry.name.startswith(FLAT_PREFIX) or entry.name in function_files:
                shutil.copy2(entry, where / entry.name)
            continue
        (where / entry.name).symlink_to(entry.resolve())
    return where, {"TF_DATA_DIR": str((tf_dir / ".terraform").resolve())}
