"""Where things live in a worker repository."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .errors import ProjectError

PACKAGE_NAME = "dists.zip"
MANIFEST_NAME = "dists.manifest.json"
LAYER_NAME = "layer.zip"


@dataclass(frozen=True)
class Project:
    root: Path

    @classmethod
    def at(cls, directory: str | Path) -> "Project":
        root = Path(directory).absolute()
        if not root.is_dir():
            raise ProjectError(f"{directory}: no such directory; pass the worker repository with -C DIR")
        if not (root / "Pipfile").is_file():
            # -C repo/functions: the folder inside the repository, not its root.
            holder = next((f for f in root.parents if (f / "Pipfile").is_file() and (f / "functions").is_dir()), None)
            if holder is not None:
                raise ProjectError(f"{directory} is inside the worker repository {holder}, not its root; pass "
                                   f"-C {holder}")
            # Nothing is written into a folder that is no worker repository (`new` would scaffold there).
            raise ProjectError(f"{directory} is not a worker repository: Pipfile not found there; pass the worker "
                               "repository with -C DIR (the folder with the Pipfile and functions/)")
        return cls(root)

    @classmethod
    def find(cls, start: str | Path = ".") -> "Project":
        """The worker repository holding `start`: the nearest folder upward with a Pipfile
        and functions/ (as git finds its root), so any folder inside it works."""
        here = Path(start).absolute()
        for folder in (here, *here.parents):
            if (folder / "Pipfile").is_file() and (folder / "functions").is_dir():
                return cls(folder)
        raise ProjectError(f"{here} is not inside a worker repository (no Pipfile beside a functions/ folder here "
                           "or above); run from inside one, or pass it with -C DIR")

    @property
    def functions_dir(self) -> Path:
        return self.root / "functions"

    @property
    def terraform_dir(self) -> Path:
        return self.root / "terraform"

    @property
    def pipfile(self) -> Path:
        return self.root / "Pipfile"

    @property
    def lockfile(self) -> Path:
        return self.root / "Pipfile.lock"

    @property
    def package_path(self) -> Path:
        return self.terraform_dir / PACKAGE_NAME

    @property
    def layer_path(self) -> Path:
        return self.terraform_dir / LAYER_NAME

    @property
    def main_tf(self) -> Path:
        return self.terraform_dir / "main.tf"

    @property
    def manifest_path(self) -> Path:
        return self.terraform_dir / MANIFEST_NAME

    def rel(self, path: Path) -> str:
        return shown_path(path, self.root)


def shown_path(path: Path, root: Path) -> str:
    """`path` as messages show it: relative to `root` with "/", else as given."""
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()
