"""Versions of the tools that decide the package's bytes (part of cache keys and the manifest)."""

from __future__ import annotations

import hashlib
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


@lru_cache(maxsize=None)
def builder_digest(modules: tuple[str, ...] = ()) -> str:
    """sha256 of the builder's packaging code: build_pkg/package/*.py, or the named modules.

    That code decides which files go in, how they are filtered and how the zip's
    bytes are laid out, so an edited builder must neither reuse a cache entry nor
    report a package "up to date" that it would now build differently. A version
    string that nobody bumps cannot say that; the code's own bytes can.
    """
    digest = hashlib.sha256()
    package = Path(__file__).resolve().parent / "package"
    paths = [package / f"{m}.py" for m in modules] if modules else package.glob("*.py")
    for path in sorted(paths):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()
