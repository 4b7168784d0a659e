"""Parse Terraform files with python-hcl2, turning parse failures into positions.

python-hcl2 takes ~4-7 ms per small file (batching files into one call does
not change that), so a 500-function tree costs seconds of parsing. Two things
keep `check` fast: results are cached by the sha256 of the file's text (a file
that did not change is not parsed again), and the files that must be parsed are
parsed in worker processes (build_pkg/pool.py) forked after the grammar is loaded.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path

import functools
import importlib.util

from ..fsutil import atomic_write
from ..pool import PARALLEL_FROM, pmap



@functools.cache
def _cache_version() -> str:
    """python-hcl2's version without importing it (its grammar library costs 50 ms, which a
    build whose .tf files are all cached need not pay): the bytes of its version file."""
    spec = importlib.util.find_spec("hcl2")
    folder = Path((spec.submodule_search_locations or [""])[0]) if spec else Path()
    try:
        version = hashlib.sha256((folder / "version.py").read_bytes()).hexdigest()[:16]
    except OSError:
        import hcl2  # no version file: ask the module

        version = hcl2.__version__
    return f"python-hcl2 {version} strip-quotes flat-blocks"


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


def warm_up() -> None:
    """Load the grammar, so forked workers inherit it instead of each building it."""
    parse_text("<warm-up>", "")


def parse_text(rel: str, text: str) -> TfFile:
    try:
        import hcl2
        from hcl2.utils import SerializationOptions

        options = SerializationOptions(strip_string_quotes=True, explicit_blocks=False, with_comments=False)
        return TfFile(rel, text, hcl2.loads(text, serialization_options=options))
    except Exception as exc:  # lark raises several unrelated classes; all mean "does not parse"
        line = getattr(exc, "line", None)
        column = getattr(exc, "column", None)
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        where = f"{line}:{column}" if line and column else str(line or "?")
        return TfFile(rel, text, None, f"does not parse at {where}: {first}", line if isinstance(line, int) else None)


def _parse_job(job: tuple[str, str]) -> TfFile:
    rel, text = job
    return parse_text(rel, text)


def _digest(text: str) -> str:
    return hashlib.sha256(f"{_cache_version()}\0{text}".encode()).hexdigest()


def _load_cache(cache_file: Path | None) -> dict:
    if cache_file is None:
        return {}
    try:
        data = json.loads(cache_file.read_text())
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


def _save_cache(cache_file: Path, entries: dict) -> None:
    """One file for the whole tree: one read and one write instead of hundreds."""
    try:
        atomic_write(cache_file, json.dumps(entries, separators=(",", ":")).encode())
    except OSError:
        pass  # a cache that cannot be written only costs speed


def parse_files(root: Path, paths: list[Path], cache_file: Path | None = None, pool=None) -> list[TfFile]:
    """Parse `paths` (in order). `cache_file` keeps results by content digest.

    It holds the entries of the last run's tree, so only files that changed since
    (or differ on the branch just checked out) are parsed again.
    """
    cache = _load_cache(cache_file)
    used: dict[str, dict] = {}
    results: dict[str, TfFile] = {}
    jobs = []
    for path in paths:
        rel = path.relative_to(root).as_posix()
        text = path.read_text(encoding="utf-8", errors="replace")
        digest = _digest(text)
        if digest in cache:
            used[digest] = cache[digest]
            results[rel] = TfFile(rel, text, cache[digest])
        else:
            jobs.append((rel, text))
    if jobs:  # the grammar, loaded only when a file must be parsed (0.1 s), before workers fork
        warm_up()
    parsed = pmap(pool if len(jobs) >= PARALLEL_FROM else None, _parse_job, jobs)
    for tf in parsed:
        results[tf.rel] = tf
        if tf.data is not None:
            used[_digest(tf.text)] = tf.data
    if cache_file is not None and (parsed or len(used) != len(cache)):
        _save_cache(cache_file, used)
    return [results[path.relative_to(root).as_posix()] for path in paths]


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
