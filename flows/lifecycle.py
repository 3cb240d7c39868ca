"""A run's child processes end with it, however it ends.

A run has two kinds of children: the workers (flows/sources/workers.py: forked from the run
itself, or from a forkserver) and, without a PREFECT_API_URL, Prefect's temporary API server
(a uvicorn process of about 200 MB). On a normal exit or a signal they are stopped by the usual exit
handlers; a SIGKILL runs no handler, so on Linux the children end by themselves:

- the API server asks the kernel to kill it when its parent dies (`prctl(PR_SET_PDEATHSIG,
  SIGKILL)`, set between fork and exec). The signal fires when the *thread* that forked the
  child ends, so the server is started by the run's main thread (flows/apiserver.py), never by
  one of Prefect's short-lived threads;
- each worker watches the run's process and exits when it ends (one forked by the forkserver
  is not the run's child, and the forkserver waits for its workers); the forkserver then exits
  by itself (its pipe to the run and its workers closes).

Whatever survives anyway (another OS, a race at start-up) is killed by the next run
(flows/runlock.py). `pause_point` is the test hook that holds a run at a named stage.
"""

from __future__ import annotations

import ctypes
import os
import select
import signal
import sys
import threading
import time
from pathlib import Path
from typing import Any

PR_SET_PDEATHSIG = 1
_libc: Any = None
if sys.platform.startswith("linux"):
    try:
        _libc = ctypes.CDLL(None, use_errno=True)
    except OSError:  # no C library to call: children are left to the next run's reaping
        _libc = None


def die_with_parent(parent: int | None = None) -> None:
    """Ask the kernel to SIGKILL this process when its parent (the thread that forked it) ends.
    Linux only; elsewhere nothing. Runs in a child between fork and exec, or in a worker. With
    the `parent` pid known, a child whose parent died before this call exits at once."""
    if _libc is not None:
        _libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        if parent is not None and os.getppid() != parent:
            os._exit(1)


def end_with(pid: int) -> None:
    """A worker's initializer: end this worker when process `pid` (the run) ends.

    A worker's parent is the forkserver, and the forkserver waits for every worker to close its
    pipe before it exits, so neither would end by itself: a thread here waits on the run's
    pidfd and exits the worker when the run is gone; then the forkserver exits too. The death
    signal covers a forkserver killed by other means."""
    die_with_parent()
    try:
        pidfd = os.pidfd_open(pid)
    except ProcessLookupError:  # the run ended before this worker started
        os._exit(1)
    except (OSError, AttributeError):  # no pidfd here: left to the next run's reaping
        return

    def wait() -> None:
        select.select([pidfd], [], [])
        os._exit(1)

    threading.Thread(target=wait, name="end-with-run", daemon=True).start()


PAUSE_VAR = "BRIEF_PAUSE_AT"


def pause_point(stage: str) -> None:
    """Test hook: with BRIEF_PAUSE_AT="<stage>:<file>" in the environment, a run reaching
    `stage` ("store", "estimates", "render") writes its pid to `file` and waits there until it is
    killed. Without the variable it does nothing."""
    wanted = os.environ.get(PAUSE_VAR, "")
    name, _, marker = wanted.partition(":")
    if name != stage or not marker:
        return
    Path(marker).write_text(str(os.getpid()))
    while True:
        time.sleep(1)
