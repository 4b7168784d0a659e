"""Where the builder keeps what it can rebuild: packed dependencies, parse results, task roots."""

from __future__ import annotations

import os
from pathlib import Path


def cache_root() -> Path:
    """$BUILD_PKG_CACHE_DIR, else $XDG_CACHE_HOME/build-pkg, else ~/.cache/build-pkg."""
    if os.environ.get("BUILD_PKG_CACHE_DIR"):
        return Path(os.environ["BUILD_PKG_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "build-pkg"
