"""The commands that messages tell people to run, named once: each works right after
`make build`, from any shell (pipenv itself lives in .tools/, not on PATH). A repository
whose Makefile lacks those targets is told pipenv's own commands instead (for_repository),
which the CLI applies to every error and warning it prints."""

from __future__ import annotations

import re
from pathlib import Path

LOCK = "`make lock`"  # re-lock Pipfile.lock after editing the Pipfile
ADD = "`make add PACKAGE=NAME`"  # a run-time dependency: [packages], re-locked
ADD_DEV = "`make add-dev PACKAGE=NAME`"  # a tool for the builder or the tests: [dev-packages]

# Each advice, the Makefile target it needs, and pipenv's own way to do it.
_ADVICE = (
    (re.compile(r"`make lock`"), "lock", r"`pipenv lock`"),
    (re.compile(r"`make add PACKAGE=([^`\s]+)`"), "add", r"`pipenv install \1`"),
    (re.compile(r"`make add-dev PACKAGE=([^`\s]+)`"), "add-dev", r"`pipenv install --dev \1`"),
)


def for_repository(text: str, root: Path | None) -> str:
    """`text` with each `make` advice the repository at `root` cannot follow (its Makefile
    has no such target) replaced by the pipenv command that does the same."""
    if root is None or "`make " not in text:
        return text
    try:
        makefile = (Path(root) / "Makefile").read_text(encoding="utf-8", errors="replace")
    except OSError:
        makefile = ""
    for pattern, target, instead in _ADVICE:
        if not re.search(rf"^{re.escape(target)}\s*:", makefile, flags=re.M):
            text = pattern.sub(instead, text)
    return text
