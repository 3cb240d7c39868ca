"""Worker processes for CPU-bound steps (parsing sources, drawing the chart), on all cores.

One pool of workers (one per core) serves the whole process: once started, a worker takes the
next task in well under a millisecond. `start_workers()` starts them as a command begins, so
that their start-up overlaps its other work. Workers are forked either from the command itself,
while it runs no other thread and has the parsing code loaded already (ready at once, no import
to pay), or from a server process that has imported the parsing and charting code (a second or
so, in the background): the only way once the process runs threads, such as Prefect's. A pool
whose worker died is replaced from that server on the next submit. Workers only run functions
of this package: they never import the calling script (multiprocessing would otherwise
re-import it in every worker, a second or more when it imports Prefect), so scripts need no
`if __name__ == "__main__":` guard for them either.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from importlib.machinery import ModuleSpec
from multiprocessing import forkserver
from multiprocessing.context import BaseContext
from typing import Any

from flows.lifecycle import end_with

PRELOAD = ["flows.sources.ingest", "flows.brief.chart"]
# Workers run at a lower priority: while they parse, the run's own process imports Prefect and
# Prefect's API server starts, and the flow waits for both first. Measured with `brief ingest`
# over 2,000 feeds on the run's own server, 2 cores: 16.8 s at the same priority, 15.0 s at 10
# (medians of 4, alternated). Where nothing else needs the cores it changes nothing.
NICENESS = 10
_lock = threading.Lock()
_main_lock = threading.RLock()
_pool: WorkerPool | None = None
_server_started = False


def _context(preload: list[str] = PRELOAD) -> multiprocessing.context.ForkServerContext:
    ctx = multiprocessing.get_context("forkserver")
    if not _server_started:  # a running server keeps what it preloaded
        ctx.set_forkserver_preload(preload)
    return ctx


@contextmanager
def _main_not_reimported() -> Iterator[None]:
    """While workers start, name the main module "__main__" so they skip re-importing it."""
    with _main_lock:  # one thread at a time: another may be starting workers too
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
    """A process pool whose workers come from the preloaded server (or are forked from this
    process, with the fork context)."""

    def __init__(self, workers: int, context: BaseContext | None = None) -> None:
        # a worker ends with this process, even killed (flows/lifecycle.py)
        super().__init__(
            max_workers=workers,
            mp_context=context or _context(),
            initializer=_start_worker,
            initargs=(os.getpid(),),
        )

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future:
        with _main_not_reimported():  # workers start on submit
            return super().submit(fn, *args, **kwargs)


def _start_worker(run: int) -> None:
    """A worker's initializer: end with the run's process (flows/lifecycle.py), and yield the
    cores to it."""
    end_with(run)
    os.nice(NICENESS)


def cores() -> int:
    """The cores this process may use."""
    return (
        len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    )


def can_fork() -> bool:
    """Whether this process may start workers: a daemonic process (a Dask worker's, or one of
    these workers) may not have children."""
    return not multiprocessing.current_process().daemon


def _shared(replace: WorkerPool | None = None) -> WorkerPool:
    """The process's pool; a new one from the preloaded server if `replace` is it."""
    global _pool
    with _lock:
        if _pool is None or _pool is replace:
            if _pool is not None:
                _pool.shutdown(wait=False, cancel_futures=True)
            _pool = WorkerPool(cores())
        return _pool


def submit(fn: Callable[..., Any], /, *args: Any) -> Future:
    """Run `fn(*args)` on a worker of the process's pool; its result arrives as a future."""
    pool = _shared()
    try:
        return pool.submit(fn, *args)
    except BrokenProcessPool:  # a worker died earlier: start a fresh pool
        return _shared(replace=pool).submit(fn, *args)


def start_workers(charts: bool = True) -> None:
    """Start one worker per core now, without waiting for them.

    A command that draws no chart (`charts=False`), in a process running no other thread yet
    (the CLI before Prefect is imported), forks its workers from itself: they have the parsing
    code already. Otherwise the preloaded server starts (its imports take about a second) and
    the workers are forked from it in the background."""
    global _pool, _server_started
    forkable = "fork" in multiprocessing.get_all_start_methods()
    if not charts and forkable and threading.active_count() == 1:
        with _lock:
            if _pool is None:
                _pool = WorkerPool(cores(), multiprocessing.get_context("fork"))
                for _ in range(cores()):  # the first submit forks every worker, then threads
                    _pool.submit(os.getpid)  # start: the fork happens while there are none
        return
    _context(PRELOAD if charts else PRELOAD[:1])
    with _main_not_reimported():
        forkserver.ensure_running()
    _server_started = True
    threading.Thread(target=fork_workers, name="start-workers", daemon=True).start()


def fork_workers() -> list[int]:
    """Fork one worker per core (if not yet running) and wait until each answers; returns
    their process ids."""
    return sorted({future.result() for future in [submit(os.getpid) for _ in range(cores())]})
