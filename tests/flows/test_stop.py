"""A run stopped by SIGTERM or Ctrl-C (SIGINT) stops cleanly: exit 1 with a plain message, no
traceback, and the run recorded as failed with the signal's name.

The run is held in its fetch by a loopback server that drips a feed for 30 s; the signal is sent
once the server has the request, so it always lands inside the flow.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import pytest

if TYPE_CHECKING:
    from tests.support.faultserver import FaultServer


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_stops_the_run_and_is_recorded(
    make_config, tmp_path: Path, fault_server: FaultServer, signum: signal.Signals
) -> None:
    cfg = make_config(
        tmp_path,
        sources=[
            {"id": "slow", "kind": "feed", "format": "feed", "url": fault_server.url("/drip")}
        ],
        fetch={
            "allow_private_hosts": ["127.0.0.1"],
            "total_timeout_s": 60.0,
            "read_timeout_s": 60.0,
        },
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_API")}
    env["PREFECT_HOME"] = str(tmp_path / "prefect")
    brief = Path(sys.executable).with_name("brief")
    proc = subprocess.Popen(
        [str(brief), "run", "--date", "2025-08-08", "--config", str(cfg)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        deadline = time.monotonic() + 180
        while fault_server.count("/drip") == 0:
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "the run never fetched its source"
            time.sleep(0.2)
        time.sleep(0.5)
        proc.send_signal(signum)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    name = signal.Signals(signum).name
    assert proc.returncode == 1, (out, err)
    assert f"stopped by {name}" in " ".join(err.split())
    assert "Traceback" not in err + out
    with duckdb.connect(str(tmp_path / "brief.duckdb"), read_only=True) as con:
        runs = con.execute("SELECT status, error FROM runs").fetchall()
    assert runs == [("failed", f"KeyboardInterrupt: stopped by {name}")]
