"""Benchmark: ingesting the bundled feeds against plain `feedparser.parse` on the same bytes.

Both run in this process on the same files, read once into memory beforehand. The pipeline's
figure is the whole ingest of each feed source into a fresh DuckDB file: parsing (in the
process's worker pool, both cores), sanitising, plain-text extraction, validation, versioned
inserts and the facts read from release text. The workers' start-up is not timed: it happens
once per process, while Prefect starts in `brief run`. Target: a ratio of at most 1.2; below 1.0
means both cores paid off. The machine's speed drifts, so runs alternate with the baseline and
the median of the pairs is the figure to read.

With `--many N` it measures what an operator sees instead: the whole `brief ingest` (a new
process: imports, Prefect, the workers, parsing, the store, the snapshot) over N small feed files
cut from the real feeds of tests/data/real/feeds, into a fresh store each time, in both of
Prefect's set-ups: on the run's own temporary API server (no PREFECT_API_URL: it starts with the
run) and on a lasting `prefect server start` (as scheduled runs use; started once, before any
timing). The baseline is plain `feedparser.parse` of the same bytes in a process of its own,
with feedparser's own settings. A bare Prefect flow with as many tasks, started and ended the
same way, shows what Prefect alone costs in each set-up. It prints the ratios (target <= 3 on 2
cores), whether any output held a traceback, and the summary's length in lines.

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

# feedparser's own choice of XML parsers, before the pipeline's adapter changes it (to skip a
# failed import on every parse): the plain baseline is timed with it
PLAIN_PARSERS = list(feedparser.api.PREFERRED_XML_PARSERS)

from bench import figures  # noqa: E402
from flows.config import load_config  # noqa: E402
from flows.sources.ingest import prepare_all  # noqa: E402
from flows.sources.workers import cores, fork_workers, start_workers  # noqa: E402
from flows.store.load import ingest_sources  # noqa: E402
from tests.support.config import write_config  # noqa: E402
from tests.support.feeds import write_feeds  # noqa: E402
from tests.support.prefectserver import PrefectServer  # noqa: E402

BRIEF = Path(sys.executable).with_name("brief")


PLAIN = """
import sys, time, feedparser
data = [open(p, "rb").read() for p in sys.argv[1:]]
start = time.perf_counter()
for body in data:
    feedparser.parse(body)
print(time.perf_counter() - start)
"""


def plain_feedparser(paths: list[str]) -> float:
    """Plain `feedparser.parse` of every file, with feedparser's own settings, in a process of
    its own (the files read beforehand, not timed)."""
    done = subprocess.run(
        [sys.executable, "-c", PLAIN, *paths], capture_output=True, text=True, check=True
    )
    return float(done.stdout)


def timed(args: list[str], env: dict[str, str], cwd: Path) -> tuple[float, str, str]:
    """Seconds a new process took, its stdout and stderr (it must succeed)."""
    start = time.perf_counter()
    done = subprocess.run(args, capture_output=True, text=True, env=env, cwd=cwd)
    seconds = time.perf_counter() - start
    assert done.returncode == 0, done.stderr[-3000:]
    return seconds, done.stdout, done.stderr


def many(count: int, repeat: int) -> list[figures.Figure]:
    """`brief ingest` over `count` small feed files against plain feedparser, on the run's own
    temporary Prefect server and on a lasting one; and a bare Prefect flow with as many tasks,
    which is what Prefect alone costs."""
    root = Path(__file__).resolve().parents[1]
    with tempfile.TemporaryDirectory() as tmp:
        sources = write_feeds(Path(tmp) / "feeds", count)
        paths = [s["path"] for s in sources]
        mb = sum(Path(p).stat().st_size for p in paths) / 1e6
        print(f"{count} feed files, {mb:.2f} MB, {cores()} cores")
        tasks = 4 * cores() + 2  # the fetch-and-parse batches, the store, the snapshot
        home = Path(tmp) / "lasting"
        home.mkdir()
        lasting = PrefectServer(home)  # started before anything is timed
        try:
            own = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
            own["PYTHONPATH"] = str(root)
            modes = {"own": own, "lasting": {**own, "PREFECT_API_URL": lasting.api_url}}
            times: dict[str, list[float]] = {"plain": []}
            tracebacks, lines = 0, 0
            for i in range(repeat):  # alternate, so drift in the machine hits all alike
                times["plain"].append(plain_feedparser(paths))
                for mode, env in modes.items():
                    folder = Path(tmp) / f"run-{mode}-{i}"
                    folder.mkdir()
                    cfg = write_config(folder, sources)
                    took, out, err = timed([str(BRIEF), "ingest", "-c", str(cfg)], env, folder)
                    times.setdefault(f"ingest {mode}", []).append(took)
                    tracebacks += "Traceback" in out + err or "Error flushing" in out + err
                    lines = max(lines, len(out.splitlines()))
                    bare = [sys.executable, "-m", "tests.support.bareflow", str(tasks)]
                    took, _, _ = timed(bare, env, root)
                    times.setdefault(f"bare {mode}", []).append(took)
                print(
                    f"  round {i + 1}: "
                    + ", ".join(f"{k} {v[-1]:.2f} s" for k, v in times.items()),
                    flush=True,
                )
        finally:
            lasting.close()
    med = {k: statistics.median(v) for k, v in times.items()}
    p = med["plain"]
    print(f"plain feedparser.parse, a process of its own: {p:6.2f} s (median of {repeat})")
    for mode, what in (("own", "the run's own temporary server"), ("lasting", "a lasting server")):
        ours, bare = med[f"ingest {mode}"], med[f"bare {mode}"]
        print(
            f"on {what}: brief ingest {ours:6.2f} s, ratio {ours / p:.2f} (target <= 3); "
            f"a bare flow of {tasks} tasks {bare:6.2f} s, ratio {bare / p:.2f}"
        )
    print(f"runs whose output held a traceback: {tracebacks} of {2 * repeat}")
    print(f"summary: {lines} lines")
    baseline = "plain feedparser.parse, a process of its own"
    out = []
    for mode, what in (
        ("own", "on the run's own temporary server"),
        ("lasting", "on a lasting server"),
    ):
        out.append(
            figures.Figure(
                "ingest",
                f"brief ingest, {count} feed files, {what}",
                med[f"ingest {mode}"],
                baseline,
                p,
                "ratio <= 3",
                med[f"ingest {mode}"] / p <= 3,
                count,
            )
        )
        out.append(
            figures.Figure(
                "ingest",
                f"a bare Prefect flow of {tasks} tasks, {what}",
                med[f"bare {mode}"],
                baseline,
                p,
            )
        )
    return out


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
            ours_parsers = feedparser.api.PREFERRED_XML_PARSERS
            feedparser.api.PREFERRED_XML_PARSERS = PLAIN_PARSERS
            start = time.perf_counter()
            for body in data.values():
                feedparser.parse(body)
            plain.append(time.perf_counter() - start)
            feedparser.api.PREFERRED_XML_PARSERS = ours_parsers
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
