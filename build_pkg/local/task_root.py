"""The folder that plays Lambda's /var/task for a local run: the zip unpacked, or an image
function's layers unpacked in order (see image_root), kept in the build cache and reused
while the package's bytes (or the image's digest) are the same."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from ..progress import Reporter
from ..project import Project
from ..sandbox.unpack import unpacked
from .image_root import image_root


@contextmanager
def task_root(project: Project, manifest: dict, name: str, as_image: bool, report: Reporter) -> Iterator[Path]:
    """/var/task: the zip unpacked, or the function's image's layers unpacked in order."""
    if not as_image:
        with unpacked(project.package_path) as task:
            yield task
        return
    with image_root(project, manifest, name, report) as root:
        yield root / "var" / "task"
