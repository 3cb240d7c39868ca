"""The store's lock (flows/runlock.py): the next writer stops what a killed run left running, and
only that; the message a second writer gets names the holder."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from flows.runlock import Holder, lock_path


def _sleeper(token: str | None) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if k != "BRIEF_RUN_TOKEN"}
    if token is not None:
        env["BRIEF_RUN_TOKEN"] = token
    return subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"], env=env)


def test_the_next_writer_stops_what_a_killed_run_left_and_nothing_else(
    tmp_path: Path, make_config, brief
) -> None:
    cfg = make_config(tmp_path, sources=[])
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        text=True,
        capture_output=True,
        check=True,
    )
    token = "1234-left-by-a-killed-run"
    lock_path(tmp_path / "brief.duckdb").write_text(
        json.dumps(
            {
                "pid": int(dead.stdout),
                "command": "brief run",
                "started_at": "2025-08-08T06:00:01+00:00",
                "token": token,
            }
        )
    )
    left = _sleeper(token)  # a child of that run, say its Prefect server
    others = [_sleeper("5678-another-store"), _sleeper(None)]  # the same command line
    try:
        done = brief(
            "backfill", "--from", "2025-08-08", "--to", "2025-08-08", "-c", str(cfg), cwd=tmp_path
        )
        assert done.returncode == 0, (done.stdout, done.stderr)
        assert left.wait(timeout=30) == -9
        assert f"(pids {left.pid})" in " ".join(done.stderr.split())
        assert all(p.poll() is None for p in others)
        holder = json.loads(lock_path(tmp_path / "brief.duckdb").read_text())
        assert holder["command"].startswith("brief backfill --from 2025-08-08")
        assert holder["token"] != token
    finally:
        for p in [left, *others]:
            p.kill()
            p.wait()


def test_the_children_of_a_holder_still_running_are_left_alone(
    tmp_path: Path, make_config, brief
) -> None:
    """A process that gave the lock up (a command run inside another program) stops its own
    children: they are not a killed run's leftovers."""
    cfg = make_config(tmp_path, sources=[])
    token = "4321-of-a-holder-still-running"
    ticks = Path("/proc/self/stat").read_text().rpartition(")")[2].split()[19]
    lock_path(tmp_path / "brief.duckdb").write_text(
        json.dumps(
            {
                "pid": os.getpid(),
                "command": "brief run",
                "started_at": "2025-08-08T06:00:01+00:00",
                "token": token,
                "start_ticks": int(ticks),
            }
        )
    )
    child = _sleeper(token)
    try:
        done = brief(
            "backfill", "--from", "2025-08-08", "--to", "2025-08-08", "-c", str(cfg), cwd=tmp_path
        )
        assert done.returncode == 0, (done.stdout, done.stderr)
        assert child.poll() is None and "Stopped" not in done.stderr
    finally:
        child.kill()
        child.wait()


def test_the_holder_is_described_with_its_command_and_age() -> None:
    holder = Holder(1234, "brief run --date 2025-08-08", "2025-08-08T06:00:01+00:00", "t")
    now = datetime(2025, 8, 8, 6, 3, 5, tzinfo=UTC)
    assert holder.describe(Path("data/brief.duckdb"), now) == (
        "another run (pid 1234, `brief run --date 2025-08-08`, started 06:00:01 UTC) holds the "
        "store data/brief.duckdb; it has run for 3 min"
    )
    later = datetime(2025, 8, 9, 8, 0, 1, tzinfo=UTC)
    assert "started 2025-08-08 06:00:01 UTC" in holder.describe(Path("s"), later)
    assert holder.describe(Path("s"), later).endswith("it has run for 26.0 h")


def test_a_flow_run_no_command_started_takes_the_lock_too(
    tmp_path: Path, make_config, prefect_server, held_store
) -> None:
    """A scheduled run (a flow run `brief serve` or a worker starts) is one writer like any."""
    import pytest

    from flows.daily import daily_brief
    from flows.runlock import StoreBusy

    cfg = make_config(tmp_path, sources=[])
    day = datetime(2025, 8, 8, tzinfo=UTC).date()
    with (
        held_store(tmp_path / "brief.duckdb", how="locked", command="brief run --date 2025-08-08"),
        pytest.raises(StoreBusy, match=r"brief run --date 2025-08-08.*holds the store"),
    ):
        daily_brief(edition_date=day, config_path=str(cfg))
    summary = daily_brief(edition_date=day, config_path=str(cfg))
    assert summary.outputs  # the lock went with its holder; and this run gave its own up:
    with open(lock_path(tmp_path / "brief.duckdb")) as fh:
        import fcntl

        fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
