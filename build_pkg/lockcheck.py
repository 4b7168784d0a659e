"""Is Pipfile.lock readable at all? Standard library only, so that `make` can ask before
pipenv touches the lock (pipenv renames a lock it cannot parse to Pipfile.lock.bak and
fails with an unrelated error), and the builder gives the same message for the same fault.

    python3 -m build_pkg.lockcheck Pipfile.lock
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from .fixes import LOCK

_MARKERS = ("<<<<<<< ", "=======", ">>>>>>> ", "<<<<<<<\n", ">>>>>>>\n")


def problem(path: Path) -> str | None:
    """One line saying what is wrong with the lock file, naming it and what to do; None if it parses."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return f"{path.name} not found in {path.parent.absolute()}: run {LOCK}"
    except (OSError, UnicodeDecodeError) as exc:
        return f"{path.name} cannot be read ({exc}); restore it from git or run {LOCK}"
    for number, line in enumerate(text.splitlines(keepends=True), 1):
        if line.startswith(_MARKERS) or line.rstrip("\n") in ("=======", "<<<<<<<", ">>>>>>>"):
            return (f"{path.name}:{number}: merge-conflict markers ({line.strip()[:30]}); take one side "
                    f"(`git checkout --theirs {path.name}` or `--ours`), then run {LOCK}")
    try:
        json.loads(text)
    except json.JSONDecodeError as exc:
        return f"{path.name} is not valid JSON ({exc}); regenerate it with {LOCK}"
    return None


def main(argv: list[str]) -> int:
    path = Path(argv[1] if len(argv) > 1 else "Pipfile.lock")
    found = problem(path)
    if found:
        print(f"error: {found}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
