"""The worker pool (flows/sources/workers.py): where its workers come from and their priority.

Each case runs in a process of its own, as a command does: how workers start depends on what
the process has done before (threads started, the pool made)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

PROBE = """
import json, os, signal, sys, time
from flows.environment import configure
configure()
import flows.cli  # as the command does: the parsing code is loaded with it
from flows.sources import workers
charts = sys.argv[1] == "charts"
workers.start_workers(charts=charts)
first = workers.submit(os.getppid).result(timeout=120)
nice = workers.submit(os.nice, 0).result(timeout=120)
loaded = workers.submit(eval, "'flows.sources.ingest' in __import__('sys').modules").result(
    timeout=120
)
os.kill(workers.submit(os.getpid).result(timeout=120), signal.SIGKILL)
time.sleep(0.5)
try:
    again = workers.submit(os.getppid).result(timeout=120)
except Exception:  # the broken pool is noticed on this submit's result: the next one replaces it
    again = workers.submit(os.getppid).result(timeout=120)
print(json.dumps({"me": os.getpid(), "first": first, "again": again, "nice": nice,
                  "loaded": loaded, "own": os.nice(0)}))
"""


def probe(repo_root, mode: str) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, mode],
        cwd=repo_root,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.splitlines()[-1])


@pytest.mark.parametrize("mode", ["charts", "parsing"])
def test_workers_yield_the_cores_to_the_run(repo_root, mode: str) -> None:
    from flows.sources.workers import NICENESS

    seen = probe(repo_root, mode)
    assert seen["nice"] == min(19, seen["own"] + NICENESS) > seen["own"]
    assert seen["loaded"]


def test_a_command_that_draws_no_chart_forks_its_workers_from_itself(repo_root) -> None:
    seen = probe(repo_root, "parsing")
    assert seen["first"] == seen["me"]  # forked from the command: no import to wait for
    assert seen["again"] != seen["me"]  # a replacement comes from the preloaded server


def test_workers_that_draw_charts_come_from_the_preloaded_server(repo_root) -> None:
    seen = probe(repo_root, "charts")
    assert seen["first"] != seen["me"] and seen["again"] != seen["me"]
