"""Is Pipfile.lock readable at all? Standard library only, so that `make` can ask before
pipenv touches the lock (pipenv renames a lock it cannot parse to Pipfile.lock.bak and
fails with an unrelated error), and the builder gives the same message for the same fault.

    python3 -m build_pkg.lockcheck Pipfile.lock              before `pipenv sync`
    python3 -m build_pkg.lockcheck --for-lock Pipfile.lock   before `pipenv lock`

Before a re-lock, merge-conflict markers still stop (a side must be taken first: the
lock is about to be rewritten from the Pipfile, which may hold conflicts too), while a
lock that is merely unreadable is set aside as Pipfile.lock.broken, so that `make lock`
does what the messages promise: regenerate it.
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
    args = argv[1:]
    for_lock = "--for-lock" in args
    path = Path(next((a for a in args if a != "--for-lock"), "Pipfile.lock"))
    found = problem(path)
    if found is None or (for_lock and not path.exists()):
        return 0
    if for_lock and "merge-conflict markers" not in found:
        broken = path.with_name(path.name + ".broken")
        path.replace(broken)
        print(f"{found.split(';')[0]}: moved to {broken.name}; locking anew", file=sys.stderr)
        return 0
    print(f"error: {found}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
