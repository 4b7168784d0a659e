"""The built package unpacked as Lambda's /var/task, read-only, kept in the build cache and
reused while the package's bytes are the same."""

from __future__ import annotations

import os
import zipfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from ..cache import cache_root, ensure_entry, evict_least_recent, in_use
from ..fsutil import file_sha256

TASK_ROOTS_KEPT = 4


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
