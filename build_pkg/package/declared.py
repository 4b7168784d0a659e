"""What analysis cannot see, declared: a comment in any first-party module names files or
folders (under functions/) that every function reaching the module uses, so they join its
closure and its identity:

    # build-pkg: uses worker_lib/plugins/          a folder: every file under it
    # build-pkg: uses orders/prices.json           one file
    # build-pkg: uses worker_lib/rules/*.yaml      a pattern (fnmatch)

Several names may share a line. Pure: the comments are read from the source's bytes.
"""

from __future__ import annotations

import fnmatch
import re

_DECLARATION = re.compile(rb"^[ \t]*#[ \t]*build-pkg:[ \t]*uses[ \t]+(.+?)[ \t]*$", re.M)
MARKER = "# build-pkg: uses"


def declared_uses(source: bytes) -> tuple[tuple[int, str], ...]:
    """(line, name) for each name the module's `# build-pkg: uses` comments give."""
    found = []
    for match in _DECLARATION.finditer(source):
        line = source.count(b"\n", 0, match.start()) + 1
        for name in re.split(r"[\s,]+", match.group(1).decode("utf-8", "replace")):
            if name:
                found.append((line, name.removeprefix("functions/").removeprefix("./")))
    return tuple(found)


def matching(name: str, arcs: frozenset[str]) -> list[str]:
    """The files (arcnames under functions/) a declared name covers: a folder's (with or
    without its trailing /), a file, or what a pattern matches."""
    if any(c in name for c in "*?["):
        return sorted(arc for arc in arcs if fnmatch.fnmatchcase(arc, name))
    folder = name.rstrip("/") + "/"
    return sorted(arc for arc in arcs if arc == name or arc.startswith(folder))
