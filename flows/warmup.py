"""Prefect's API started in the background, so that its start-up (a server process that imports
Prefect's server and opens its database: seconds) overlaps the command's own work (reading the
configuration, forking the workers, parsing the first batches).

Without `PREFECT_API_URL`, Prefect starts an ephemeral server process the first time a flow
asks for its client; `start_prefect()` starts that same server (Prefect's own object, one per
process) on a thread now, as a child that dies with this process (flows/lifecycle.py), and the
flow finds it running. The kernel's death signal is tied to the thread that started the child,
so that thread then waits for as long as the process lives. A failed start is not raised here:
the flow then starts the server itself and reports the error as it always would.
"""

from __future__ import annotations

import threading
from collections.abc import Callable


def _start_server(ready: threading.Event) -> None:
    try:
        from prefect.settings import get_current_settings

        settings = get_current_settings()
        if settings.api.url or not settings.server.ephemeral.enabled:
            return  # a server of its own: nothing to start
        from flows.lifecycle import start_prefect_server

        start_prefect_server()
    except Exception:  # the flow's own start reports it
        return
    finally:
        ready.set()
    threading.Event().wait()  # the server's death signal follows this thread: it stays


def start_prefect() -> Callable[[], object]:
    """Start Prefect's ephemeral server on a thread (unless the settings name a server of
    their own); returns the wait for it, to call before the flow starts."""
    ready = threading.Event()
    threading.Thread(target=_start_server, args=(ready,), name="start-prefect", daemon=True).start()
    return ready.wait
