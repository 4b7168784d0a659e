"""Versions of the tools that decide the package's bytes (part of cache keys and the manifest)."""

from __future__ import annotations

import importlib.util
from functools import lru_cache
from pathlib import Path


@lru_cache(maxsize=None)
def dist_version(module: str, distribution: str) -> str:
    """The installed version of `distribution`, read from its dist-info folder name.

    `importlib.metadata.version()` scans every path entry (~70 ms here), which is a
    quarter of a no-op build; the folder beside the module says the same thing.
    """
    spec = importlib.util.find_spec(module)
    if spec and spec.origin:
        site = Path(spec.origin).parent.parent
        for info in site.glob(f"{distribution}-*.dist-info"):
            return info.name[len(distribution) + 1:].removesuffix(".dist-info")
    from importlib import metadata

    return metadata.version(distribution)
