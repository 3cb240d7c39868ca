"""The run's own Prefect API server, started the moment a run begins.

Without `PREFECT_API_URL`, Prefect starts a temporary ("ephemeral") API server process the first
time a flow needs its client: a uvicorn process that imports Prefect's server and opens its
database, seconds of work on a core. Prefect starts it late (once the flow is called) and the
run's process first imports the whole server package only to start it. `start_api_server()`
starts the same server (the command and environment of Prefect's `SubprocessASGIServer`, which
a test keeps equal) as the run's first act, before Prefect is imported, so that its start-up
overlaps the run's own imports and parsing; `ApiServer.use()` then points Prefect at it, unless
Prefect's settings (a profile, prefect.toml) name a server of their own, in which case it is
stopped unused.

The server is a child of the main thread that dies with the run, even killed
(`PR_SET_PDEATHSIG`, flows/lifecycle.py), carries the run's token when the command has claimed
it (flows/runlock.py) and is stopped at exit, once it has recorded the run's task runs
(`ApiServer.settle`). It differs from Prefect's own start in two respects (`DEFAULTS`; the
environment wins), each about a second of a core at every start (on 2 cores here, 9.4 s of CPU
to the first answer with Prefect's settings, 7.5 s without these two):

- block types are not registered, nor checked against the last registration (which imports
  every installed Prefect collection: prefect-dask brings Dask). The runs use no blocks; a
  `prefect server start` on the same Prefect home registers them;
- automations (Prefect's triggers and actions services) are not evaluated. The run's own
  failures are notified by `[notify]` (flows/ops/notify.py); automations need a lasting server
  (`prefect server start`, with PREFECT_API_URL pointing at it), which evaluates them as usual.
"""

from __future__ import annotations

import atexit
import http.client
import importlib.util
import json
import os
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

from flows.lifecycle import die_with_parent

# what Prefect's SubprocessASGIServer adds to the environment of the server it starts
EPHEMERAL_ENV = {
    "PREFECT_UI_ENABLED": "0",
    "PREFECT__SERVER_EPHEMERAL": "1",
    "PREFECT__SERVER_FINAL": "1",
}
# the settings that differ from Prefect's own start (see above); the environment wins
DEFAULTS = {
    "PREFECT_API_BLOCKS_REGISTER_ON_START": "false",
    "PREFECT_MEMOIZE_BLOCK_AUTO_REGISTRATION": "false",
    "PREFECT_SERVER_SERVICES_TRIGGERS_ENABLED": "false",
}
ADDRESS_IN_USE = 3  # uvicorn's exit code when its port was taken meanwhile
UNFINISHED = ["SCHEDULED", "PENDING", "RUNNING", "PAUSED", "CANCELLING"]


class ApiServerError(RuntimeError):
    """The API server did not start; the message says why."""


def free_port() -> int:
    """A TCP port on 127.0.0.1 free right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def server_command(port: int) -> list[str]:
    """The command Prefect runs for its ephemeral server, on `port`."""
    spec = importlib.util.find_spec("prefect")  # without importing Prefect (seconds)
    assert spec is not None and spec.origin is not None, "Prefect is not installed"
    return [
        sys.executable,
        "-m",
        "uvicorn",
        "--app-dir",
        str(Path(spec.origin).parent.parent),
        "--factory",
        "prefect.server.api.server:create_app",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--log-level",
        "error",
        "--lifespan",
        "on",
    ]


def server_environment() -> dict[str, str]:
    """This process's environment (with the run's token, flows/runlock.py), as Prefect's
    ephemeral server gets it."""
    return {**DEFAULTS, **os.environ, **EPHEMERAL_ENV}


class ApiServer:
    """A Prefect API server process on 127.0.0.1, dying with this process."""

    def __init__(self) -> None:
        self.port = 0
        self.process: subprocess.Popen[bytes] | None = None
        self.started_at = datetime.now(UTC)
        self.used = False

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api"

    def start(self) -> ApiServer:
        """Start the process (without waiting for it to answer); stopped at exit."""
        self.port = free_port()
        self.process = subprocess.Popen(
            server_command(self.port),
            env=server_environment(),
            preexec_fn=partial(die_with_parent, os.getpid()),
        )
        atexit.register(self.stop)
        return self

    def _post(self, path: str, body: dict) -> object:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
        try:
            conn.request(
                "POST", f"/api{path}", json.dumps(body), {"Content-Type": "application/json"}
            )
            response = conn.getresponse()
            if response.status != 200:
                raise OSError(f"{path}: HTTP {response.status}")
            return json.loads(response.read())
        finally:
            conn.close()

    def task_runs(self) -> tuple[int, int]:
        """The task runs recorded for the flow runs started against this server: all of them,
        and those not finished."""
        since = {"flow_runs": {"start_time": {"after_": self.started_at.isoformat()}}}
        unfinished = {"task_runs": {"state": {"type": {"any_": UNFINISHED}}}}
        total = self._post("/task_runs/count", since)
        behind = self._post("/task_runs/count", {**since, **unfinished})
        assert isinstance(total, int) and isinstance(behind, int)
        return total, behind

    def settle(self, timeout_s: float = 5.0, quiet_s: float = 0.2) -> None:
        """Wait (at most `timeout_s`) until the server has recorded every task run of the run.

        A task run reaches the server as events, which its task-run recorder writes one by one;
        the run's last events are still being written when the run ends. Stopped then, the
        server cancels the write in flight: Prefect logs "Error flushing 1 events" with a
        CancelledError traceback and the task run keeps a stale state. So the server is stopped
        only once no task run of the run is unfinished and their number has held for `quiet_s`
        (events still in its socket are being read)."""
        deadline = time.monotonic() + timeout_s
        last: tuple[int, int] | None = None
        while time.monotonic() < deadline:
            try:
                now = self.task_runs()
            except OSError:
                return  # not answering: nothing more will be written
            if now[1] == 0 and now == last:
                return
            last = now
            time.sleep(quiet_s)

    def healthy(self) -> bool:
        """Whether the server answers its health check."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
        try:
            conn.request("GET", "/api/health")
            return conn.getresponse().status == 200
        except OSError:
            return False
        finally:
            conn.close()

    def wait(self, timeout_s: float) -> None:
        """Wait until the server answers (raises ApiServerError if it exits or does not answer
        within `timeout_s`). A port taken meanwhile by another process starts it on another."""
        deadline = time.monotonic() + timeout_s
        while not self.healthy():
            assert self.process is not None, "the server was not started"
            code = self.process.poll()
            if code == ADDRESS_IN_USE:
                self.start()
            elif code is not None:
                raise ApiServerError(f"Prefect's API server exited with code {code} at start-up")
            elif time.monotonic() > deadline:
                self.stop()
                raise ApiServerError(
                    f"Prefect's API server did not answer within {timeout_s:g} s "
                    "([tool.prefect] server.ephemeral.startup_timeout_seconds)"
                )
            time.sleep(0.05)

    def use(self) -> None:
        """Point Prefect at this server and wait until it answers, unless Prefect's settings
        name a server of their own or forbid a temporary one: then stop it unused."""
        from prefect.context import refresh_global_settings_context
        from prefect.settings import get_current_settings

        settings = get_current_settings()
        if settings.api.url or not settings.server.ephemeral.enabled:
            self.stop()
            return
        os.environ["PREFECT_API_URL"] = self.api_url  # for this process and its children
        refresh_global_settings_context()
        self.wait(settings.server.ephemeral.startup_timeout_seconds)
        self.used = True

    def stop(self) -> None:
        """Stop the server once it has recorded the run's task runs (SIGTERM, then SIGKILL
        after 5 s). At exit, Prefect has sent the run's last events by then."""
        if self.process is None:
            return
        if self.used and self.process.poll() is None:
            self.settle()
        process, self.process = self.process, None
        atexit.unregister(self.stop)
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def start_api_server() -> ApiServer | None:
    """Start Prefect's API server for this run now, unless the environment names one to use
    or forbids a temporary one. Call it from the main thread (the server dies with the thread
    that started it), then `use()` it before the first flow."""
    if os.environ.get("PREFECT_API_URL"):
        return None
    if os.environ.get("PREFECT_SERVER_EPHEMERAL_ENABLED", "").lower() in ("0", "false"):
        return None
    return ApiServer().start()
