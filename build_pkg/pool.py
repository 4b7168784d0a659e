"""A process pool for CPU-bound parsing of many small files (python-hcl2, ast)."""

from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import Executor, ProcessPoolExecutor
from contextlib import contextmanager
from typing import Callable, Iterator

PARALLEL_FROM = 40  # jobs; below this, forking costs more than it saves


@contextmanager
def worker_pool(jobs: int) -> Iterator[Executor | None]:
    """Forked workers (they inherit loaded grammars and modules), or None when not worth it."""
    workers = os.cpu_count() or 1
    if jobs < PARALLEL_FROM or workers < 2:
        yield None
        return
    with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork")) as pool:
        yield pool


def pmap(pool: Executor | None, fn: Callable, jobs: list) -> list:
    if pool is None:
        return [fn(job) for job in jobs]
    chunk = max(1, len(jobs) // (4 * (os.cpu_count() or 2)))
    return list(pool.map(fn, jobs, chunksize=chunk))
