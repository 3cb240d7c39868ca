"""The run's own Prefect API server (flows/apiserver.py): started the way Prefect starts its
temporary server, stopped only once it has recorded the run's task runs (so that Prefect's
task-run recorder never fails on events in flight and prints its traceback), and stopped unused
when Prefect's settings name a server of their own."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys

from prefect.server.api import server as prefect_api
from prefect.settings import PREFECT_API_URL, Settings, temporary_settings

from flows import apiserver

PORT = 18765


def test_started_with_the_command_and_environment_prefect_uses(monkeypatch) -> None:
    seen: dict = {}

    class Capture:
        def __init__(self, args: list[str], env: dict[str, str] | None = None, **_: object):
            seen["args"], seen["env"] = args, env

    monkeypatch.setattr(prefect_api.subprocess, "Popen", Capture)
    # as in a new process: settings from the environment and profile, none from a test's context
    monkeypatch.setattr(prefect_api, "get_current_settings", Settings)
    theirs = prefect_api.SubprocessASGIServer(PORT)
    try:
        theirs._run_uvicorn_command()
    finally:
        prefect_api.SubprocessASGIServer._instances.pop(PORT, None)
    assert apiserver.server_command(PORT) == seen["args"]
    ours = apiserver.server_environment()

    def read(env: dict[str, str]) -> dict:
        """The settings a server started with `env` reads."""
        with monkeypatch.context() as m:
            for key in list(os.environ):
                m.delenv(key)
            for key, value in env.items():
                m.setenv(key, value)
            return Settings().model_dump(mode="json")

    # the same settings as Prefect's own start, but for the documented differences
    assert read(ours) == read({**seen["env"], **apiserver.DEFAULTS})
    for key, value in apiserver.EPHEMERAL_ENV.items():
        assert ours[key] == seen["env"][key] == value
    for key, value in apiserver.DEFAULTS.items():  # the documented differences, overridable
        assert ours[key] == os.environ.get(key, value)


def test_a_run_ends_with_every_task_run_recorded_and_no_traceback(repo_root, tmp_path) -> None:
    """Ten tasks, then the exit at once: the server is stopped while Prefect's last events are
    on their way, unless it is let to record them first."""
    home = tmp_path / "prefect"  # the server's own database, read below
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    runs = []
    for _ in range(3):  # the race it guards against is lost more often than not
        done = subprocess.run(
            [sys.executable, "-m", "tests.support.bareflow"],
            cwd=repo_root,
            env={**env, "PREFECT_HOME": str(home)},
            capture_output=True,
            text=True,
            timeout=300,
        )
        output = done.stdout + done.stderr
        assert done.returncode == 0, output[-3000:]
        assert "Traceback" not in output and "Error flushing" not in output, output[-3000:]
        runs.append(done.stdout.split()[-1])
    with sqlite3.connect(home / "prefect.db") as db:
        for run in runs:
            states = db.execute(
                "SELECT state_type, count(*) FROM task_run WHERE flow_run_id = ? GROUP BY 1",
                [run],
            ).fetchall()
            assert states == [("COMPLETED", 10)], (run, states)


def test_stopped_unused_when_prefect_names_a_server_of_its_own(monkeypatch) -> None:
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    server = apiserver.start_api_server()
    assert server is not None and server.process is not None
    process = server.process
    with temporary_settings(updates={PREFECT_API_URL: "http://127.0.0.1:9/api"}):
        server.use()
    assert server.process is None and process.wait(timeout=10) is not None
    assert "PREFECT_API_URL" not in os.environ


def test_none_started_when_the_environment_names_a_server(monkeypatch) -> None:
    monkeypatch.setenv("PREFECT_API_URL", "http://127.0.0.1:9/api")
    assert apiserver.start_api_server() is None
    monkeypatch.delenv("PREFECT_API_URL")
    monkeypatch.setenv("PREFECT_SERVER_EPHEMERAL_ENABLED", "false")
    assert apiserver.start_api_server() is None
