"""Where one build writes its outputs before they replace the previous ones, together.

A build writes nothing into terraform/ until every phase has succeeded: each output (the
zip, the layer, openapi.json, the image layout, the manifest) is written into
terraform/.build-staging/ first. The commit then writes a journal there naming what it
moves, moves each output into place with os.replace (the manifest last: until it moves,
the old manifest names the old zip's hash, so no reader trusts a mix) and removes the
folder. A build that fails or is interrupted before its commit leaves terraform/ as it
was; a commit cut short (a killed process) is finished by the next build before it starts,
from the journal. Builds of one repository never overlap (the pipeline holds its lock), so
one staging folder per repository is enough.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

from ..fsutil import atomic_write

FOLDER = ".build-staging"
_JOURNAL = "commit.json"
_WRITE, _REMOVE = "write", "remove"


class Staging:
    """The outputs one build will commit: files and folders written, outputs removed."""

    def __init__(self, outputs: Path, last: str):
        self.outputs = outputs  # terraform/
        self.root = outputs / FOLDER
        self.last = last  # the output that moves last (the manifest)
        self._changes: dict[str, str] = {}
        self._committing = False

    def __enter__(self) -> "Staging":
        finish_interrupted_commit(self.outputs)
        self.root.mkdir(parents=True)
        (self.root / "out").mkdir()
        return self

    def __exit__(self, kind, value, traceback) -> None:
        if self._committing and kind is not None:
            # Interrupted half-way through the commit (a Ctrl-C): finish it now, from the
            # journal; if that is cut short too, the next build finishes it.
            finish_interrupted_commit(self.outputs)
            return
        shutil.rmtree(self.root, ignore_errors=True)  # after a commit: already gone

    def write(self, name: str, data: bytes) -> Path:
        path = self.root / "out" / name
        atomic_write(path, data)
        self._changes[name] = _WRITE
        return path

    def folder(self, name: str) -> Path:
        """An empty folder to fill with the output `name` (the image layout)."""
        path = self.root / "out" / name
        shutil.rmtree(path, ignore_errors=True)
        path.mkdir(parents=True)
        self._changes[name] = _WRITE
        return path

    def remove(self, name: str) -> None:
        """The output `name` goes at the commit (only if it is there now)."""
        if (self.outputs / name).exists():
            self._changes[name] = _REMOVE
        else:
            self._changes.pop(name, None)

    def path(self, name: str) -> Path | None:
        """Where a later phase reads `name`: as staged, else as it is now (None: not there)."""
        change = self._changes.get(name)
        if change == _WRITE:
            return self.root / "out" / name
        if change == _REMOVE:
            return None
        current = self.outputs / name
        return current if current.exists() else None

    def changes(self) -> dict[str, str]:
        return dict(self._changes)

    def commit(self) -> None:
        """Move every staged output into place, `last` last; remove what is to be removed."""
        if not self._changes:
            return
        ordered = sorted(self._changes.items(), key=lambda item: (item[0] == self.last, item[0]))
        atomic_write(self.root / _JOURNAL, json.dumps(ordered).encode())
        self._committing = True
        _apply(self.outputs, self.root, ordered)
        self._changes, self._committing = {}, False


def finish_interrupted_commit(outputs: Path) -> None:
    """A staging folder left by a killed build: finish its commit if it had begun (its
    journal is there), else throw it away."""
    root = outputs / FOLDER
    if not root.exists():
        return
    try:
        ordered = json.loads((root / _JOURNAL).read_bytes())
    except (OSError, ValueError):
        ordered = None
    if isinstance(ordered, list):
        _apply(outputs, root, [tuple(item) for item in ordered])
    shutil.rmtree(root, ignore_errors=True)


def _apply(outputs: Path, root: Path, ordered: list[tuple[str, str]]) -> None:
    """Each step may already have happened (a commit finished a second time): each checks."""
    old = root / "old"
    old.mkdir(exist_ok=True)
    for name, change in ordered:
        target, staged = outputs / name, root / "out" / name
        if change == _WRITE and not os.path.lexists(staged):
            continue  # moved already
        if target.is_dir() and not target.is_symlink():
            os.replace(target, old / name)  # a folder cannot be replaced in one step: set aside first
        elif change == _REMOVE:
            target.unlink(missing_ok=True)
        if change == _WRITE:
            os.replace(staged, target)
