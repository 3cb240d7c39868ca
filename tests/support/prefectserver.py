"""A real `prefect server start` on 127.0.0.1, with its own SQLite database in a temp folder.

The session's `prefect_server` fixture is Prefect's test harness, which runs the server in its
ephemeral mode: no scheduler service, so no scheduled run ever fires there. Scheduling tests
use this one instead (the `scheduling_server` fixture)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

from flows.apiserver import free_port


class PrefectServer:
    """`prefect server start` in its own process; `api_url` for PREFECT_API_URL."""

    def __init__(self, home: Path, startup_timeout: float = 180) -> None:
        self.home = home
        self.port = free_port()
        self.api_url = f"http://127.0.0.1:{self.port}/api"
        self.log = home / "server.log"
        env = {
            **os.environ,
            "PREFECT_HOME": str(home),
            "PREFECT_SERVER_DATABASE_CONNECTION_URL": f"sqlite+aiosqlite:///{home}/prefect.db",
            "PREFECT_UI_ENABLED": "false",
        }
        env.pop("PREFECT_API_URL", None)
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                [
                    str(Path(sys.executable).with_name("prefect")),
                    "server",
                    "start",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(self.port),
                ],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + startup_timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"prefect server start ended: {self.log.read_text()[-2000:]}")
            try:
                if httpx.get(f"{self.api_url}/health", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        self.close()
        raise RuntimeError(f"prefect server did not answer within {startup_timeout} s")

    def env(self) -> dict[str, str]:
        """The environment for a process that talks to this server."""
        return {**os.environ, "PREFECT_API_URL": self.api_url}

    def call(self, method: str, path: str, body: Any = None) -> Any:
        response = httpx.request(method, f"{self.api_url}{path}", json=body, timeout=30)
        response.raise_for_status()
        return response.json()

    def deployment(self, flow: str, name: str) -> dict | None:
        try:
            return self.call("GET", f"/deployments/name/{flow}/{name}")
        except httpx.HTTPStatusError as exc:
            if exc.response.status_code == 404:
                return None
            raise

    def runs(self, deployment_id: str) -> list[dict]:
        """The deployment's flow runs, each with its `state_type` (COMPLETED, FAILED...)."""
        return self.call(
            "POST",
            "/flow_runs/filter",
            {"flow_runs": {"deployment_id": {"any_": [deployment_id]}}, "limit": 200},
        )

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    @staticmethod
    def wait_for(what: str, check, timeout: float, every: float = 2.0, why=lambda: ""):
        """Poll `check()` until it returns something truthy; fail naming `what` after `timeout`."""
        deadline = time.monotonic() + timeout
        while True:
            got = check()
            if got:
                return got
            if time.monotonic() > deadline:
                raise AssertionError(f"{what}: not within {timeout:.0f} s. {why()}")
            time.sleep(every)
