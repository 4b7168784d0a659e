"""What a release may be made from: a clean tree exactly at a release tag."""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

from ..errors import ReleaseError

RELEASE_TAG = re.compile(r"^v(\d+)\.(\d+)\.(\d+)(-rc\.(\d+))?$")


@dataclass(frozen=True)
class ReleasePoint:
    tag: str
    commit: str

    @property
    def environment(self) -> str:
        """vX.Y.Z goes to prod, vX.Y.Z-rc.N to staging."""
        return "staging" if RELEASE_TAG.match(self.tag).group(4) else "prod"


def _git(root: Path, *args: str) -> str:
    proc = subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True)
    if proc.returncode != 0:
        first = (proc.stderr.strip().splitlines() or ["git failed"])[0]
        raise ReleaseError(f"{root}: git {' '.join(args)} failed: {first}; is this a git checkout?")
    return proc.stdout


def release_point(root: Path) -> ReleasePoint:
    commit = _git(root, "rev-parse", "HEAD").strip()
    tags = sorted(t for t in _git(root, "tag", "--points-at", "HEAD").split() if RELEASE_TAG.match(t))
    if not tags:
        raise ReleaseError(
            f"HEAD ({commit[:12]}) is not at a release tag (vX.Y.Z or vX.Y.Z-rc.N); "
            "tag the commit to release, for example `git tag v1.2.3`"
        )
    if len(tags) > 1:
        raise ReleaseError(f"HEAD has several release tags ({', '.join(tags)}); keep one")
    return ReleasePoint(tags[0], commit)


def check_clean(root: Path) -> None:
    changed = [line[3:] for line in _git(root, "status", "--porcelain", "--untracked-files=all").splitlines() if line]
    if changed:
        shown = ", ".join(changed[:3]) + (", ..." if len(changed) > 3 else "")
        raise ReleaseError(
            f"the working tree has {len(changed)} uncommitted change(s) ({shown}); "
            "commit or stash them: a release is built from the tag alone"
        )


def check_nothing_ignored_ships(root: Path, arcnames: list[str]) -> None:
    """A file git ignores is not in the tag: packed from this checkout, it would ship what the
    tag does not hold (a developer's local settings), and a clone (CI's) would build another
    package. The release refuses it; `build` only warns."""
    if not arcnames:
        return
    listed = _git(root, "ls-files", "--others", "--ignored", "--exclude-standard", "-z", "--", "functions")
    ignored = {path.removeprefix("functions/") for path in listed.split("\0") if path}
    shipped = sorted(arc for arc in arcnames if arc in ignored)
    if shipped:
        more = f" (and {len(shipped) - 1} more)" if len(shipped) > 1 else ""
        raise ReleaseError(f"functions/{shipped[0]}{more} is ignored by git, so not in the tag, yet it would be "
                           "packaged from this checkout; delete it, or stop ignoring it and commit it")
