"""A run killed outright (SIGKILL) at any stage leaves no process behind and a consistent store,
and the next run makes the same brief as a run never interrupted; one writing run at a time.

The kill points: in the fetch (a loopback feed drips for a minute; the kill comes once the
server has the request) and, through the test hook BRIEF_PAUSE_AT (flows/lifecycle.py), with the
store's transaction open, with the estimates' transaction open, and with one brief file
written. Before the kill the test records the run's descendants (its Prefect server, its
forkserver and workers) and the token its children carry (flows/runlock.py).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
import tomllib
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import pytest

from flows.pipeline import ABANDONED
from flows.store.db import MIGRATIONS

if TYPE_CHECKING:
    from tests.support.faultserver import FaultServer

DAY = "2025-08-08"
BRIEF_FILES = ("brief.md", "brief.txt", "brief.html")
# a few of the bundled sources (each kind of fact, a feed), and a feed served on loopback
BUNDLED = (
    "anthropic-news",
    "house-prices",
    "llm-prices-history",
    "aider-polyglot",
    "epoch-gpqa-diamond",
    "house-scores",
    "house-run-costs",
    "house-profiles",
)
FETCH = {"allow_private_hosts": ["127.0.0.1"], "total_timeout_s": 120.0, "read_timeout_s": 120.0}


def _sources(bundled: Path, server: FaultServer) -> list[dict]:
    with (bundled / "brief.toml").open("rb") as fh:
        table = tomllib.load(fh)
    chosen = []
    for src in table["sources"]:
        if src["id"] in BUNDLED:
            src = dict(src)
            if "path" in src:
                src["path"] = str((bundled / src["path"]).resolve())
            chosen.append(src)
    feed = {"id": "slow-feed", "kind": "feed", "format": "feed", "url": server.url("/drip")}
    return [*chosen, feed]


@pytest.fixture(scope="module")
def prefect_home(tmp_path_factory) -> Path:
    """One Prefect home for the module's runs: its database is made once."""
    return tmp_path_factory.mktemp("prefect")


def _env(prefect_home: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_API", "BRIEF_"))}
    env["PREFECT_HOME"] = str(prefect_home)
    return {**env, **extra}


def _brief(*args: str) -> list[str]:
    return [str(Path(sys.executable).with_name("brief")), *args]


def _run(cfg: Path, prefect_home: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        _brief("run", "--date", DAY, "--config", str(cfg)),
        capture_output=True,
        text=True,
        env=_env(prefect_home),
        timeout=600,
    )


@pytest.fixture(scope="module")
def uninterrupted(
    tmp_path_factory, make_config, bundled, module_fault_server, prefect_home: Path
) -> dict:
    """The brief an uninterrupted run makes from the configuration, in a folder of its own."""
    module_fault_server.state["drip_s"] = 0.0  # the feed ends at once (empty: a failed source)
    folder = tmp_path_factory.mktemp("uninterrupted")
    cfg = make_config(folder, _sources(bundled, module_fault_server), fetch=FETCH)
    done = _run(cfg, prefect_home)
    assert done.returncode == 3, (done.stdout, done.stderr)  # the empty feed fails, as below
    out = folder / "out" / DAY
    return {
        "returncode": done.returncode,
        "listing": sorted(p.name for p in out.iterdir()),
        "files": {name: (out / name).read_bytes() for name in BRIEF_FILES},
    }


def _processes() -> dict[int, tuple[int, str]]:
    """Every process: pid -> (parent pid, state letter)."""
    found = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            fields = stat.rpartition(")")[2].split()
            found[int(entry.name)] = (int(fields[1]), fields[0])
    return found


def _descendants(root: int) -> dict[int, str]:
    """The living descendants of `root`: pid -> command line."""
    procs = _processes()
    found: dict[int, str] = {}
    frontier = [root]
    while frontier:
        parent = frontier.pop()
        for pid, (ppid, _) in procs.items():
            if ppid == parent and pid not in found:
                try:
                    cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")
                except OSError:
                    continue
                found[pid] = cmdline.decode(errors="replace")
                frontier.append(pid)
    return found


def _carrying(token: str) -> list[int]:
    """Processes whose environment carries the run's token."""
    mark = f"BRIEF_RUN_TOKEN={token}".encode()
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if mark in (entry / "environ").read_bytes().split(b"\0"):
                    pids.append(int(entry.name))
            except OSError:
                continue
    return pids


def _survivors(pids: list[int], token: str, wait_s: float = 60.0) -> list[int]:
    """Those of `pids` (or carrying `token`) still running after up to `wait_s` seconds."""
    deadline = time.monotonic() + wait_s
    while True:
        procs = _processes()
        alive = sorted({p for p in [*pids, *_carrying(token)] if p in procs and procs[p][1] != "Z"})
        if not alive or time.monotonic() > deadline:
            return alive
        time.sleep(0.2)


def _hold_at(point: str, proc: subprocess.Popen, marker: Path, server: FaultServer) -> None:
    """Wait until the run reaches its kill point."""
    deadline = time.monotonic() + 300
    while not (server.count("/drip") > 0 if point == "fetch" else marker.exists()):
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, f"the run never reached {point}"
        time.sleep(0.1)
    if point == "fetch":
        time.sleep(0.5)  # inside the read of the dripping feed


@pytest.mark.parametrize("point", ["fetch", "store", "estimates", "render"])
def test_a_killed_run_leaves_nothing_behind_and_the_next_run_makes_the_same_brief(
    tmp_path: Path,
    make_config,
    bundled: Path,
    module_fault_server: FaultServer,
    uninterrupted: dict,
    prefect_home: Path,
    point: str,
) -> None:
    server = module_fault_server
    server.hits.clear()
    cfg = make_config(tmp_path, _sources(bundled, server), fetch=FETCH)
    marker = tmp_path / "paused"
    hook = {} if point == "fetch" else {"BRIEF_PAUSE_AT": f"{point}:{marker}"}
    server.state["drip_s"] = 60.0 if point == "fetch" else 0.0
    proc = subprocess.Popen(
        _brief("run", "--date", DAY, "--config", str(cfg)),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=_env(prefect_home, **hook),
    )
    try:
        _hold_at(point, proc, marker, server)
        holder = json.loads((tmp_path / "brief.duckdb.lock").read_text())
        children = _descendants(proc.pid)

        # one writing run at a time: a second one is refused at once, naming the holder
        second = subprocess.run(
            _brief("ingest", "--config", str(cfg)),
            capture_output=True,
            text=True,
            env=_env(prefect_home, COLUMNS="500"),  # the message on one line
            timeout=300,
        )
        message = " ".join(second.stderr.split())
        assert second.returncode == 1, (second.stdout, second.stderr)
        assert f"another run (pid {proc.pid}, `brief run --date {DAY} --config" in message
        assert f"holds the store {tmp_path / 'brief.duckdb'}; it has run for" in message
        children = {**_descendants(proc.pid), **children}
        proc.kill()
        proc.wait()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        server.state["drip_s"] = 0.0

    # the run had its Prefect server and its workers, and none of them outlives it
    assert any("uvicorn" in c and "prefect.server" in c for c in children.values()), children
    assert any("forkserver" in c for c in children.values()), children
    assert holder["pid"] == proc.pid
    left = _survivors(list(children), holder["token"])
    for pid in _carrying(holder["token"]):  # a failing test leaves nothing behind either
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    assert not left, {pid: children.get(pid, "carries the run's token") for pid in left}

    # what the killed run wrote of the brief is whole
    out = tmp_path / "out" / DAY
    written = [name for name in BRIEF_FILES if (out / name).exists()]
    assert len(written) == (1 if point == "render" else 0), written
    for name in written:
        assert (out / name).read_bytes() == uninterrupted["files"][name], name

    # the next run completes
    rerun = _run(cfg, prefect_home)
    assert rerun.returncode == uninterrupted["returncode"], (rerun.stdout, rerun.stderr)
    assert "Traceback" not in rerun.stderr

    # the store opens, has every migration and shows the killed run as abandoned
    with duckdb.connect(str(tmp_path / "brief.duckdb"), read_only=True) as con:
        applied = {name for (name,) in con.execute("SELECT name FROM _migrations").fetchall()}
        runs = con.execute(
            "SELECT status, error FROM runs ORDER BY started_at, finished_at"
        ).fetchall()
    assert {name for name, _ in MIGRATIONS} <= applied
    assert runs == [("failed", ABANDONED), ("partial", None)]
    with sqlite3.connect(tmp_path / "review.sqlite") as review:
        assert review.execute("PRAGMA integrity_check").fetchone() == ("ok",)

    # the brief: the same files, byte for byte, and nothing half-written beside them
    assert sorted(p.name for p in out.iterdir()) == uninterrupted["listing"]
    for name in BRIEF_FILES:
        assert (out / name).read_bytes() == uninterrupted["files"][name], name
