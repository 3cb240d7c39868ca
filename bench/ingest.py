"""Benchmark: ingesting the bundled feeds against plain `feedparser.parse` on the same bytes.

Both run in this process on the same files, read once into memory beforehand. The pipeline's
figure is the whole ingest of each feed source into a fresh DuckDB file: parsing (in the
process's worker pool, both cores), sanitising, plain-text extraction, validation, versioned
inserts and the facts read from release text. The workers' start-up is not timed: it happens
once per process, while Prefect starts in `brief run`. Target: a ratio of at most 1.2; below 1.0
means both cores paid off. The machine's speed drifts, so runs alternate with the baseline and
the median of the pairs is the figure to read.

With `--many N` it measures what an operator sees instead: the whole `brief ingest` (a new
process: imports, Prefect's start, the workers, parsing, the store, the snapshot) over N small
feed files cut from the real feeds of tests/data/real/feeds, into a fresh store each time,
against plain `feedparser.parse` of the same bytes in this process. It prints the ratio (target
<= 3 on 2 cores), whether stderr held a traceback, and the summary's length in lines.

Usage: .venv/bin/python bench/ingest.py [--repeat 9]
       .venv/bin/python bench/ingest.py --many 2000 [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from flows.environment import configure  # noqa: E402

configure()

import feedparser  # noqa: E402

from bench import figures  # noqa: E402
from flows.config import load_config  # noqa: E402
from flows.sources.ingest import prepare_all  # noqa: E402
from flows.sources.workers import cores, fork_workers, start_workers  # noqa: E402
from flows.store.load import ingest_sources  # noqa: E402
from tests.support.config import write_config  # noqa: E402
from tests.support.feeds import write_feeds  # noqa: E402

BRIEF = Path(sys.executable).with_name("brief")


def many(count: int, repeat: int) -> list[figures.Figure]:
    """`brief ingest` over `count` small feed files against plain feedparser."""
    with tempfile.TemporaryDirectory() as tmp:
        sources = write_feeds(Path(tmp) / "feeds", count)
        data = [Path(s["path"]).read_bytes() for s in sources]
        print(f"{count} feed files, {sum(map(len, data)) / 1e6:.2f} MB, {cores()} cores")
        env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
        plain, ours, tracebacks, lines = [], [], 0, 0
        for i in range(repeat):  # alternate, so drift in the machine hits both alike
            start = time.perf_counter()
            for body in data:
                feedparser.parse(body)
            plain.append(time.perf_counter() - start)
            folder = Path(tmp) / f"run-{i}"
            folder.mkdir()
            cfg = write_config(folder, sources)
            start = time.perf_counter()
            done = subprocess.run(
                [str(BRIEF), "ingest", "-c", str(cfg)], capture_output=True, text=True, env=env
            )
            ours.append(time.perf_counter() - start)
            assert done.returncode == 0, done.stderr[-3000:]
            tracebacks += "Traceback" in done.stderr + done.stdout
            lines = max(lines, len(done.stdout.splitlines()))
            print(f"  run {i + 1}: plain {plain[-1]:.2f} s, brief ingest {ours[-1]:.2f} s")
    p, o = statistics.median(plain), statistics.median(ours)
    print(f"plain feedparser.parse, one process: {p:6.2f} s (median of {repeat})")
    print(f"brief ingest, a new process:         {o:6.2f} s (median of {repeat})")
    print(f"ratio: {o / p:.2f}  (target <= 3 on 2 cores)")
    print(f"runs whose output held a traceback: {tracebacks} of {repeat}")
    print(f"summary: {lines} lines")
    return [
        figures.Figure(
            "ingest",
            f"brief ingest, {count} feed files, a new process",
            o,
            "plain feedparser.parse, one process",
            p,
            "ratio <= 3",
            o / p <= 3,
            count,
        )
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=9, help="timed runs of each (median kept)")
    parser.add_argument("--many", type=int, help="time `brief ingest` over this many feeds")
    figures.add_option(parser)
    args = parser.parse_args()
    if args.many:
        figures.write(args.figures, many(args.many, args.repeat))
        return
    start = time.perf_counter()
    start_workers()
    pids = fork_workers()  # the workers are up: their start-up is not timed below
    print(
        f"{len(pids)} workers' start-up (once per process, overlapping Prefect's in "
        f"`brief run`): {time.perf_counter() - start:.2f} s"
    )
    with tempfile.TemporaryDirectory() as tmp:
        cfg = load_config(write_config(Path(tmp)))
        feeds = [s for s in cfg.sources if s.format in ("feed", "rss", "atom", "jsonfeed")]
        data = {s.id: s.path.read_bytes() for s in feeds}
        mb = sum(map(len, data.values())) / 1e6
        print(f"{len(feeds)} feed sources, {mb:.2f} MB")
        plain, ours, stage = [], [], []
        for i in range(args.repeat):  # alternate, so drift in the machine hits both alike
            start = time.perf_counter()
            for body in data.values():
                feedparser.parse(body)
            plain.append(time.perf_counter() - start)
            db = Path(tmp) / f"bench-{i}.duckdb"
            start = time.perf_counter()
            results = ingest_sources(db, feeds, f"bench-{i}", datetime.now(UTC))
            ours.append(time.perf_counter() - start)
            assert all(r.ok for r in results), [r.reason for r in results if not r.ok]
            start = time.perf_counter()
            futures = prepare_all(Path(tmp) / "none.duckdb", feeds)
            for f in futures.values():
                f.result()
            stage.append(time.perf_counter() - start)
    p, o = statistics.median(plain), statistics.median(ours)
    print(f"plain feedparser.parse:       {p:6.3f} s (median of {args.repeat})")
    print(
        f"pipeline ingest (fresh store): {o:6.3f} s (median of {args.repeat}; "
        f"first {ours[0]:.3f} s)"
    )
    print(
        f"of which fetch and parse on all cores: {statistics.median(stage):6.3f} s, "
        f"ratio {statistics.median(stage) / p:.2f}"
    )
    ratios = sorted(b / a for a, b in zip(plain, ours, strict=True))
    print(
        f"ratio: {o / p:.2f} of the medians; per pair {ratios[0]:.2f} to {ratios[-1]:.2f}, "
        f"median {statistics.median(ratios):.2f}  (target <= 1.2, aim < 1.0)"
    )
    baseline = "plain feedparser.parse"
    figures.write(
        args.figures,
        [
            figures.Figure(
                "ingest",
                f"ingest of the {len(feeds)} bundled feeds, fresh store",
                o,
                baseline,
                p,
                "ratio <= 1.2",
                o / p <= 1.2,
            ),
            figures.Figure(
                "ingest",
                "of which fetch and parse on all cores",
                statistics.median(stage),
                baseline,
                p,
            ),
        ],
    )


if __name__ == "__main__":
    main()
