"""The builder's cache: what it can rebuild (packed dependencies, parse results, the
runtime client, unpacked packages), and the one way an entry is made, used and removed.

An entry is a directory that appears whole or not at all: it is built in a
temporary directory beside it and renamed into place. When two processes build
the same entry at once, the second rename fails and the finished entry of the
first is accepted. Temporary directories carry the pid of the process that made
them, so those left by a killed process are swept by the next one. An entry in
use holds a shared lock, and eviction only takes entries whose lock it can hold
exclusively, so nothing deletes a tree that a running process still reads.
"""

from __future__ import annotations

import atexit
import errno
import fcntl
import os
import shutil
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

_TMP_PREFIX = ".tmp-"
_LOCK_SUFFIX = ".lock"
STALE_AFTER_S = 24 * 3600  # a temporary directory this old is stale whatever its pid says


def cache_root() -> Path:
    """$BUILD_PKG_CACHE_DIR, else $XDG_CACHE_HOME/build-pkg, else ~/.cache/build-pkg; always
    absolute (a relative one is taken from the working folder now: Terraform, run with
    -chdir, would read it from another)."""
    if os.environ.get("BUILD_PKG_CACHE_DIR"):
        return Path(os.environ["BUILD_PKG_CACHE_DIR"]).absolute()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return (Path(base) / "build-pkg").absolute()


def ensure_entry(entry: Path, build: Callable[[Path], None]) -> Path:
    """`entry`, built by `build(tmp_dir)` unless it exists. Returns `entry`.

    `build` fills the temporary directory it is given; on any exception the
    directory is removed and nothing appears at `entry`.
    """
    if entry.is_dir():
        return entry
    entry.parent.mkdir(parents=True, exist_ok=True)
    sweep(entry.parent)
    work = Path(tempfile.mkdtemp(prefix=f"{_TMP_PREFIX}{os.getpid()}-", dir=entry.parent))
    try:
        build(work)
        try:
            os.rename(work, entry)
        except OSError as exc:
            # ENOTEMPTY/EEXIST: a concurrent process renamed its finished entry first.
            if exc.errno not in (errno.ENOTEMPTY, errno.EEXIST) or not entry.is_dir():
                raise
    finally:
        remove_tree(work)
    return entry


@contextmanager
def scratch(parent: Path) -> Iterator[Path]:
    """A temporary directory under `parent`, removed afterwards; named like an entry's
    temporary directory, so one left by a killed process is swept the same way."""
    parent.mkdir(parents=True, exist_ok=True)
    sweep(parent)
    work = Path(tempfile.mkdtemp(prefix=f"{_TMP_PREFIX}{os.getpid()}-", dir=parent))
    try:
        yield work
    finally:
        # Thousands of installed files take a few tenths of a second to delete: a thread does
        # it while the caller goes on, and the process waits for it before exiting (if it is
        # killed first, the next sweep removes what is left, as the name carries our pid).
        removal = threading.Thread(target=remove_tree, args=(work,), name="remove-scratch", daemon=True)
        removal.start()
        _REMOVALS.append(removal)


# Daemon threads, joined at exit here rather than by threading's own shutdown: a Ctrl-C
# during that wait is then one line and exit 130, as at any other moment, not a traceback.
_REMOVALS: list[threading.Thread] = []


@atexit.register
def _finish_removals() -> None:
    try:
        for removal in _REMOVALS:
            removal.join()
    except KeyboardInterrupt:
        print("interrupted (the next build removes the scratch files left)", file=sys.stderr, flush=True)
        os._exit(130)


def discard(entry: Path) -> None:
    """Remove an entry (for example a corrupt one): renamed away first, so no reader
    ever finds it half deleted."""
    if not entry.exists():
        return
    gone = entry.parent / f"{_TMP_PREFIX}{os.getpid()}-gone-{entry.name}"
    try:
        os.rename(entry, gone)
    except OSError:
        return  # another process removed or replaced it first
    remove_tree(gone)


def sweep(directory: Path) -> list[Path]:
    """Remove temporary directories whose process is gone (or that are very old)."""
    removed = []
    try:
        candidates = [p for p in directory.iterdir() if p.name.startswith(_TMP_PREFIX)]
    except OSError:
        return removed
    for path in candidates:
        if _is_stale(path):
            remove_tree(path)
            removed.append(path)
    return removed


def _is_stale(path: Path) -> bool:
    pid_text = path.name[len(_TMP_PREFIX):].split("-", 1)[0]
    try:
        age = time.time() - path.lstat().st_mtime
    except OSError:
        return False
    if age > STALE_AFTER_S:
        return True
    if not pid_text.isdigit():
        return age > 3600  # an older builder's naming: give it an hour
    pid = int(pid_text)
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def remove_tree(path: Path) -> None:
    """Delete a directory, including read-only trees (unpacked packages are 0555): a
    folder is made writable only when removing something in it fails."""
    if not path.exists():
        return

    def writable_and_retry(function, failed, _error) -> None:
        try:
            os.chmod(os.path.dirname(failed), 0o755)
            if os.path.isdir(failed) and not os.path.islink(failed):
                os.chmod(failed, 0o755)
            function(failed)
        except OSError:
            pass

    shutil.rmtree(path, onexc=writable_and_retry)


def _lock_path(entry: Path) -> Path:
    return entry.parent / f"{entry.name}{_LOCK_SUFFIX}"


@contextmanager
def in_use(entry: Path) -> Iterator[None]:
    """Hold a shared lock on `entry` for as long as it is read; marks it recently used."""
    lock = _lock_path(entry)
    lock.parent.mkdir(parents=True, exist_ok=True)
    while True:
        fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
        fcntl.flock(fd, fcntl.LOCK_SH)
        try:
            # An evictor may have unlinked the lock file between our open and our lock.
            if os.stat(lock).st_ino == os.fstat(fd).st_ino:
                break
        except FileNotFoundError:
            pass
        os.close(fd)
    try:
        os.utime(lock)
        yield
    finally:
        os.close(fd)


def evict_least_recent(directory: Path, keep: int) -> list[Path]:
    """Remove all but the `keep` most recently used entries, skipping any in use."""
    entries = []
    for lock in directory.glob(f"*{_LOCK_SUFFIX}"):
        entry = directory / lock.name.removesuffix(_LOCK_SUFFIX)
        try:
            entries.append((lock.stat().st_mtime, entry))
        except OSError:
            continue
    entries.sort(reverse=True)
    removed = []
    for _, entry in entries[keep:]:
        if evict(entry):
            removed.append(entry)
    return removed


def evict(entry: Path) -> bool:
    """Remove `entry` unless a process holds it; True when it was removed."""
    lock = _lock_path(entry)
    try:
        fd = os.open(lock, os.O_RDWR)
    except FileNotFoundError:
        if entry.is_file():
            entry.unlink(missing_ok=True)
        else:
            discard(entry)
        return True
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False  # a running process reads it
        discard(entry)
        lock.unlink(missing_ok=True)
        return True
    finally:
        os.close(fd)


@contextmanager
def exclusive(name: str, on_wait: Callable[[], None] | None = None) -> Iterator[None]:
    """Hold the cache-wide lock `name` (for example one repository's build) exclusively.

    The lock file lives in the cache, not in the repository, so it never shows
    as an untracked file. `on_wait` is called once if another process holds it.
    """
    lock = cache_root() / "locks" / f"{name}{_LOCK_SUFFIX}"
    lock.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if on_wait:
                on_wait()
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def touch(entry: Path) -> None:
    """Mark `entry` as used now (what `prune` orders by)."""
    try:
        os.utime(entry)
    except OSError:
        pass


# What `cache` shows and `prune` removes, by kind (the cache's top-level folders).
KINDS = ("deps", "runtime-client", "task", "hcl", "image", "api")
DEFAULT_MAX_BYTES = 2 * 1024**3  # 2 GiB: a few dependency sets and unpacked packages
DEFAULT_MAX_AGE_DAYS = 30


@dataclass(frozen=True)
class CacheEntry:
    kind: str
    path: Path
    size: int
    last_used: float  # epoch seconds

    def as_dict(self) -> dict:
        return {"kind": self.kind, "name": self.path.name, "bytes": self.size, "last_used": int(self.last_used)}


def entries(root: Path | None = None) -> list[CacheEntry]:
    """Every entry of every kind, most recently used first."""
    root = root or cache_root()
    found = []
    for kind in KINDS:
        try:
            children = list((root / kind).iterdir())
        except OSError:
            continue
        for path in children:
            if path.name.startswith(_TMP_PREFIX) or path.name.endswith(_LOCK_SUFFIX):
                continue
            lock = _lock_path(path)
            used = max(_mtime(path), _mtime(lock) if lock.exists() else 0.0)
            found.append(CacheEntry(kind, path, _size(path), used))
    found.sort(key=lambda e: -e.last_used)
    return found


@dataclass(frozen=True)
class Pruned:
    removed: tuple[CacheEntry, ...]
    kept: tuple[CacheEntry, ...]
    skipped_in_use: tuple[CacheEntry, ...]
    swept: tuple[Path, ...]  # temporary directories of killed processes


def prune(max_bytes: int = DEFAULT_MAX_BYTES, max_age_days: float = DEFAULT_MAX_AGE_DAYS,
          root: Path | None = None, now: float | None = None) -> Pruned:
    """Keep the most recently used entries within `max_bytes`; drop any unused for
    `max_age_days`; sweep temporary directories; never remove an entry in use."""
    root = root or cache_root()
    swept = [p for kind in KINDS for p in sweep(root / kind)]
    now = time.time() if now is None else now
    removed, kept, in_use_now = [], [], []
    total = 0
    for entry in entries(root):  # most recent first: the budget goes to them
        too_old = now - entry.last_used > max_age_days * 86400
        if not too_old and total + entry.size <= max_bytes:
            kept.append(entry)
            total += entry.size
        elif evict(entry.path):
            removed.append(entry)
        else:
            in_use_now.append(entry)
    return Pruned(tuple(removed), tuple(kept), tuple(in_use_now), tuple(swept))


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


def _size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    total = 0
    for dirpath, _dirnames, filenames in os.walk(path):
        for name in filenames:
            try:
                total += os.lstat(os.path.join(dirpath, name)).st_size
            except OSError:
                pass
    return total
