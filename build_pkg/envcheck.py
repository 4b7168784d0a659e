"""Is this Python's environment the one Pipfile.lock describes? CI restores .venv from a
cache keyed by the lock, and trusts it only when this says yes (else it syncs afresh):

    .venv/bin/python -m build_pkg.envcheck Pipfile.lock

Yes means: every package of [packages] and [dev-packages] whose markers hold on this
machine is installed at its locked version, and every file pip installed for it still has
the sha256 its RECORD names (what the installer wrote, from the wheel whose hash the lock
checked). A restored environment that a newer lock, another runner image or a damaged
cache made different is refused with one line naming the first difference.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import json
import sys
from importlib import metadata
from pathlib import Path

from packaging.markers import Marker

_SECTIONS = ("default", "develop")


def problems(lock_path: Path) -> list[str]:
    """What differs between this environment and the lock (empty: it is the lock's)."""
    lock = json.loads(lock_path.read_text(encoding="utf-8"))
    found = []
    for section in _SECTIONS:
        for name, entry in sorted((lock.get(section) or {}).items()):
            markers = entry.get("markers")
            if markers and not Marker(markers).evaluate():
                continue
            try:
                dist = metadata.distribution(name)
            except metadata.PackageNotFoundError:
                found.append(f"{name} is not installed")
                continue
            wanted = str(entry.get("version", "")).removeprefix("==")
            if wanted and dist.version != wanted:
                found.append(f"{name} is {dist.version}, the lock says {wanted}")
                continue
            found += _changed_files(name, dist)
    return found


def _changed_files(name: str, dist) -> list[str]:
    # RECORD read here: Distribution.files leaves out the files that are missing.
    for row in csv.reader((dist.read_text("RECORD") or "").splitlines()):
        if len(row) < 2 or not row[1].startswith("sha256="):
            continue  # RECORD itself, and files written after the install (.pyc)
        try:
            data = Path(dist.locate_file(row[0])).read_bytes()
        except OSError:
            return [f"{name}: {row[0]} is missing"]
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        if digest != row[1].removeprefix("sha256="):
            return [f"{name}: {row[0]} is not the file its installer wrote"]
    return []


def main(argv: list[str]) -> int:
    path = Path(argv[1] if len(argv) > 1 else "Pipfile.lock")
    found = problems(path)
    if found:
        more = f" (and {len(found) - 1} more)" if len(found) > 1 else ""
        print(f"envcheck: {sys.prefix} is not the environment {path.name} describes: {found[0]}{more}",
              file=sys.stderr)
        return 1
    print(f"envcheck: {sys.prefix} is the environment {path.name} describes", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
