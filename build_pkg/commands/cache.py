"""`cache`: what the builder's cache holds, and `cache prune` to keep it within a budget."""

from __future__ import annotations

import json
import re

import click

from ..cache import DEFAULT_MAX_AGE_DAYS, DEFAULT_MAX_BYTES, cache_root, entries, prune
from .options import json_option

_SIZE = re.compile(r"^(\d+(?:\.\d+)?)\s*([KMGT]?)i?B?$", re.IGNORECASE)


class ByteSize(click.ParamType):
    """A size such as 500M, 2G or 1048576 (bytes); K, M, G, T are powers of 1024."""

    name = "SIZE"

    def convert(self, value, param, ctx):
        if isinstance(value, int):
            return value
        match = _SIZE.match(str(value).strip())
        if not match:
            self.fail(f"{value!r} is not a size like 500M or 2G", param, ctx)
        number, unit = float(match.group(1)), match.group(2).upper()
        return int(number * 1024 ** " KMGT".index(unit or " "))


def _human(size: int) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} GiB"


@click.group("cache", invoke_without_command=True)
@click.option("--entries", "each", is_flag=True, help="List every entry, not only the totals by kind.")
@json_option
@click.pass_context
def cache(ctx: click.Context, each, as_json) -> None:
    """Show what the builder's cache holds, by kind and by entry.

    The cache is $BUILD_PKG_CACHE_DIR, else $XDG_CACHE_HOME/build-pkg, else
    ~/.cache/build-pkg: packed dependencies (deps), the Lambda runtime client
    (runtime-client), invoke's unpacked packages (task) and parse results (hcl).
    """
    if ctx.invoked_subcommand is not None:
        return
    found = entries()
    kinds: dict[str, list[int]] = {}
    for entry in found:
        total = kinds.setdefault(entry.kind, [0, 0])
        total[0] += 1
        total[1] += entry.size
    if as_json:
        click.echo(json.dumps({"root": str(cache_root()), "bytes": sum(e.size for e in found),
                               "kinds": {k: {"entries": n, "bytes": b} for k, (n, b) in kinds.items()},
                               "entries": [e.as_dict() for e in found]}, indent=2))
        return
    click.echo(f"{cache_root()}: {_human(sum(e.size for e in found))} in {len(found)} entries")
    for kind, (count, size) in sorted(kinds.items(), key=lambda kv: -kv[1][1]):
        click.echo(f"  {kind:<15} {count:>4} entries  {_human(size):>10}")
        if each:
            for entry in (e for e in found if e.kind == kind):
                click.echo(f"    {entry.path.name[:40]:<40} {_human(entry.size):>10}")


@cache.command("prune")
@click.option("--max-size", type=ByteSize(), default=DEFAULT_MAX_BYTES, show_default="2G",
              help="Keep the most recently used entries within this size.")
@click.option("--max-age-days", type=click.FloatRange(min=0), default=DEFAULT_MAX_AGE_DAYS, show_default=True,
              help="Remove entries not used for this many days, whatever the size.")
@json_option
def prune_command(max_size, max_age_days, as_json) -> None:
    """Remove least recently used entries beyond --max-size, and old ones.

    Entries in use by a running invoke are never removed; temporary
    directories left by a killed process are swept.
    """
    result = prune(max_size, max_age_days)
    if as_json:
        click.echo(json.dumps({"removed": [e.as_dict() for e in result.removed],
                               "kept": [e.as_dict() for e in result.kept],
                               "in_use": [e.as_dict() for e in result.skipped_in_use],
                               "swept": [str(p) for p in result.swept]}, indent=2))
        return
    freed = sum(e.size for e in result.removed)
    click.echo(f"cache prune: removed {len(result.removed)} entries ({_human(freed)}), kept {len(result.kept)} "
               f"({_human(sum(e.size for e in result.kept))}), {len(result.skipped_in_use)} in use, "
               f"{len(result.swept)} temporary directories swept")


COMMANDS = (cache,)
