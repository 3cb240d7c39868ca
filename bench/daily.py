"""Benchmark: the daily run against a bare Prefect flow with the same number of tasks.

Both run in this process against the same ephemeral Prefect server (started once, before timing),
so the difference is the pipeline's own work: reading and validating the bundled sources, DuckDB
writes, estimates, signals and rendering. Target: at most 3 s added on the bundled data.

Each timed run starts after a pause: a flow of two dozen task runs leaves Prefect's ephemeral
server a backlog of state changes to write for a second or two, and a flow started meanwhile waits
for it. A scheduled daily run never follows another flow that closely, so neither run is made to
pay for the one before it.

Usage: .venv/bin/python bench/daily.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from flows.environment import configure  # noqa: E402

configure()

from prefect import flow, task  # noqa: E402
from prefect.cache_policies import NO_CACHE  # noqa: E402

from bench import figures  # noqa: E402
from flows.config import load_config  # noqa: E402
from flows.daily import daily_brief  # noqa: E402
from flows.sources.workers import start_workers  # noqa: E402
from tests.support.config import write_config  # noqa: E402

DAY = date(2025, 8, 8)


@task(cache_policy=NO_CACHE)
def noop(i: int) -> int:
    return i


@flow(name="bare-flow")
def bare_flow(n_tasks: int) -> int:
    return sum(noop.with_options(task_run_name=f"noop-{i}")(i) for i in range(n_tasks))


SETTLE_S = 4.0  # the previous flow's backlog is written by then


def timed(fn, *args, **kwargs) -> float:
    time.sleep(SETTLE_S)
    start = time.perf_counter()
    fn(*args, **kwargs)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="timed runs of each (median kept)")
    figures.add_option(parser)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        filled = write_config(Path(tmp))  # the store every rerun finds filled
        n_tasks = len(load_config(filled).sources) + 2  # one per source, signals, render
        start_workers()  # as `brief run` does, while Prefect starts
        t0 = time.perf_counter()
        bare_flow(1)  # starts the ephemeral server: not timed below
        print(f"Prefect ephemeral server start-up and first flow: {time.perf_counter() - t0:.1f} s")
        empty_adds, rerun_adds, bare = [], [], []
        for i in range(args.repeat):  # alternate, so drift in the machine hits both alike
            fresh = filled  # the first run fills it
            if i:
                (Path(tmp) / f"empty-{i}").mkdir()
                fresh = write_config(Path(tmp) / f"empty-{i}")
            bare.append(timed(bare_flow, n_tasks))
            empty_adds.append(
                timed(daily_brief, edition_date=DAY, config_path=str(fresh)) - bare[-1]
            )
            bare.append(timed(bare_flow, n_tasks))
            rerun_adds.append(
                timed(daily_brief, edition_date=DAY, config_path=str(filled)) - bare[-1]
            )
    empty, rerun = statistics.median(empty_adds), statistics.median(rerun_adds)
    print(
        f"bare flow, {n_tasks} no-op tasks:          {statistics.median(bare):5.2f} s "
        f"(median of {len(bare)})"
    )
    print(
        f"daily brief on an empty store adds:     {empty:5.2f} s (median of {args.repeat}; "
        f"each {', '.join(f'{x:.2f}' for x in empty_adds)}; the first is this process's "
        "first run)"
    )
    print(f"daily brief rerun on a filled store adds: {rerun:5.2f} s (median of {args.repeat})")
    print(f"target: the pipeline adds at most 3 s -> {'met' if empty <= 3 else 'NOT met'}")
    base = statistics.median(bare)
    baseline = f"bare Prefect flow, {n_tasks} no-op tasks"
    figures.write(
        args.figures,
        [
            figures.Figure(
                "daily",
                "daily brief, empty store",
                base + empty,
                baseline,
                base,
                "adds <= 3 s",
                empty <= 3,
            ),
            figures.Figure(
                "daily",
                "daily brief, rerun on a filled store",
                base + rerun,
                baseline,
                base,
                "adds <= 3 s",
                rerun <= 3,
            ),
        ],
    )


if __name__ == "__main__":
    main()
