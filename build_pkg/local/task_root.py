"""The folder that plays Lambda's /var/task for a local run: the zip unpacked, or an image
function's layers unpacked in order (see image_root), kept in the build cache and reused
while the package's bytes (or the image's digest) are the same."""

from __future__ import annotations

import os
import zipfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from ..cache import cache_root, ensure_entry, evict_least_recent, in_use
from ..fsutil import file_sha256
from ..progress import Reporter
from ..project import Project
from .image_root import image_root

TASK_ROOTS_KEPT = 4


@contextmanager
def task_root(project: Project, manifest: dict, name: str, as_image: bool, report: Reporter) -> Iterator[Path]:
    """/var/task: the zip unpacked, or the function's image's layers unpacked in order."""
    if not as_image:
        with unpacked(project.package_path) as task:
            yield task
        return
    with image_root(project, manifest, name, report) as root:
        yield root / "var" / "task"


@contextmanager
def unpacked(package: Path) -> Iterator[Path]:
    """The package unpacked, read-only like Lambda's /var/task, reused while its bytes are the same.

    Unpacking thousands of files costs seconds on a slow disk; a package that did
    not change is unpacked once. Read-only also means a function that writes
    next to its code fails here as it would in Lambda. The tree is held in use
    while the caller runs, so another invoke's eviction never deletes it.
    """
    base = cache_root() / "task"
    root = base / file_sha256(package)[:24]

    def unpack(work: Path) -> None:
        with zipfile.ZipFile(package) as archive:
            archive.extractall(work)
        _set_read_only(work)

    with in_use(root):
        ensure_entry(root, unpack)
        evict_least_recent(base, TASK_ROOTS_KEPT)
        yield root


def _set_read_only(root: Path) -> None:
    for dirpath, dirnames, filenames in os.walk(root):
        for name in filenames:
            os.chmod(os.path.join(dirpath, name), 0o444)
        os.chmod(dirpath, 0o555)
