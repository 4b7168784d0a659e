"""Parse Terraform files with python-hcl2, turning parse failures into positions.

python-hcl2 parses a small file in a few milliseconds, so a 500-function tree
is parsed in worker processes (forked after the grammar is loaded) to stay
well under two seconds.
"""

from __future__ import annotations

import os
import re
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import hcl2
from hcl2.utils import SerializationOptions

_OPTIONS = SerializationOptions(strip_string_quotes=True, explicit_blocks=False, with_comments=False)
_PARALLEL_FROM = 40  # files; below this a process pool costs more than it saves


@dataclass(frozen=True)
class TfFile:
    rel: str  # path relative to the project root
    text: str
    data: dict | None  # None when it does not parse
    error: str | None = None
    error_line: int | None = None

    def line_of_block(self, kind: str, label: str) -> int | None:
        match = re.search(rf'^\s*{kind}\s+"{re.escape(label)}"', self.text, re.MULTILINE)
        return self.text.count("\n", 0, match.start()) + 1 if match else None

    def line_of_argument(self, after_line: int | None, key: str) -> int | None:
        """The first `key =` at or after `after_line` (1-based)."""
        lines = self.text.splitlines()
        for number in range((after_line or 1), len(lines) + 1):
            if re.match(rf"^\s*{re.escape(key)}\s*=", lines[number - 1]):
                return number
        return after_line


def parse_text(rel: str, text: str) -> TfFile:
    try:
        return TfFile(rel, text, hcl2.loads(text, serialization_options=_OPTIONS))
    except Exception as exc:  # lark raises several unrelated classes; all mean "does not parse"
        line = getattr(exc, "line", None)
        column = getattr(exc, "column", None)
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        where = f"{line}:{column}" if line and column else str(line or "?")
        return TfFile(rel, text, None, f"does not parse at {where}: {first}", line if isinstance(line, int) else None)


def _parse_path(args: tuple[str, str]) -> TfFile:
    rel, path = args
    return parse_text(rel, Path(path).read_text(encoding="utf-8", errors="replace"))


def parse_files(root: Path, paths: list[Path]) -> list[TfFile]:
    jobs = [(p.relative_to(root).as_posix(), str(p)) for p in paths]
    if len(jobs) < _PARALLEL_FROM or (os.cpu_count() or 1) < 2:
        return [_parse_path(job) for job in jobs]
    _parse_path(jobs[0])  # build the grammar once, before forking, so workers inherit it
    import multiprocessing

    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=os.cpu_count(), mp_context=context) as pool:
        return list(pool.map(_parse_path, jobs, chunksize=max(1, len(jobs) // (4 * (os.cpu_count() or 2)))))


def blocks(data: dict, kind: str) -> list[tuple[str, dict]]:
    """(label, body) of each one-label block of `kind` (module, variable, output)."""
    found = []
    for entry in data.get(kind, []):
        for label, body in entry.items():
            found.append((label, body))
    return found


def resources(data: dict) -> list[tuple[str, str, dict]]:
    """(type, name, body) of each resource block."""
    found = []
    for entry in data.get("resource", []):
        for rtype, named in entry.items():
            for name, body in named.items():
                found.append((rtype, name, body))
    return found


def locals_of(data: dict) -> dict:
    merged: dict = {}
    for entry in data.get("locals", []):
        merged.update(entry)
    return merged
