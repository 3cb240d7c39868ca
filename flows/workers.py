"""Worker processes for CPU-bound steps (parsing sources, drawing the chart), on all cores.

Workers are forked from a server process that has already imported the parsing and charting
code, so a pool starts in milliseconds once the server runs. `start_workers()` starts that
server early (the CLI calls it before Prefect starts) so its imports overlap other start-up
work. Workers only run functions of this package: they never import the calling script
(multiprocessing would otherwise re-import it in every worker, a second or more when it
imports Prefect), so scripts need no `if __name__ == "__main__":` guard for them either.
"""

from __future__ import annotations

import multiprocessing
import sys
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from importlib.machinery import ModuleSpec
from multiprocessing import forkserver
from typing import Any

PRELOAD = ["flows.ingest", "flows.chart"]


def _context() -> multiprocessing.context.ForkServerContext:
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(PRELOAD)
    return ctx


@contextmanager
def _main_not_reimported() -> Iterator[None]:
    """While workers start, name the main module "__main__" so they skip re-importing it."""
    main = sys.modules["__main__"]
    saved = getattr(main, "__spec__", None)
    if saved is None:
        main.__spec__ = ModuleSpec("__main__", None)
    try:
        yield
    finally:
        if saved is None:
            main.__spec__ = None


class WorkerPool(ProcessPoolExecutor):
    """A process pool whose workers come from the preloaded server."""

    def __init__(self, workers: int) -> None:
        super().__init__(max_workers=workers, mp_context=_context())

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future:
        with _main_not_reimported():  # workers start on submit
            return super().submit(fn, *args, **kwargs)


def start_workers() -> None:
    """Start the server that forks workers (its imports take about a second)."""
    _context()
    with _main_not_reimported():
        forkserver.ensure_running()


def pool(workers: int) -> WorkerPool:
    """A pool of `workers` processes forked from the preloaded server."""
    return WorkerPool(workers)


def run_in_worker(fn: Callable[..., Any], *args: Any) -> Any:
    """Call `fn(*args)` in a worker process and return its result (exceptions propagate)."""
    one = pool(1)
    try:
        return one.submit(fn, *args).result()
    finally:
        one.shutdown(wait=False)  # the worker exits on its own; no need to wait for it
