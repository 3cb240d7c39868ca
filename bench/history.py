"""Benchmark: the analysts' history at scale: about 5,000 models alive a day, 100 workloads and
three years of daily prices and ratings (over 10 million fact rows), written by the project's
own ingest.

It builds (once; `--keep DIR` reuses it) a synthetic history (bench/synthetic.py) with 10,000
models living three years each, ingests it year by year with `brief ingest`, writes 100
workloads varied from the bundled five, backfills the first day of every month, and publishes
the analysts' snapshot. Then it times, each the median of `--repeat` runs:

- the analysts' queries on the snapshot: a model's price history, the cheapest viable model
  per workload and month, signals by verdict and week (target: each under 1 s);
- the estimates matrix of one date (5,000 models x 100 workloads; target under 1 s), against
  computing the same cells one `Side` at a time (the path before the matrix), on a sample;
- a 365-day backfill of the bundled data alone (target under 60 s).

Run after the test install: `.venv/bin/python bench/history.py [--keep /tmp/history]`.
Building takes about half an hour on 2 cores.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tomllib
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import duckdb  # noqa: E402

from bench import figures  # noqa: E402
from bench.figures import Figure  # noqa: E402
from bench.synthetic import Shape, write_history  # noqa: E402
from tests.support.config import write_config  # noqa: E402
from tests.support.paths import DATA  # noqa: E402

DAY = date(2025, 8, 8)
SHAPE = Shape(years=3, models=10_000, daily_evals=0)  # about 5,000 alive on any day
WORKLOADS = 100
BRIEF = str(Path(sys.executable).with_name("brief"))


def workloads_toml(count: int) -> str:
    """`count` workloads varied from the bundled ones: traffic, sizes, attempts, benchmarks."""
    with (DATA / "workloads.toml").open("rb") as fh:
        bundled = tomllib.load(fh)["workloads"]
    names = sorted(bundled)
    benchmarks = sorted({b for wl in bundled.values() for b in wl["benchmarks"]})
    lines = []
    for j in range(count):
        base = dict(bundled[names[j % len(names)]])
        base.pop("trace", None)
        base.pop("observed_cost_from", None)
        scale = 0.5 + (j * 7 % 20) / 10
        base["requests_per_day"] = round(base["requests_per_day"] * scale)
        base["prompt_tokens"] = round(base["prompt_tokens"] * (0.5 + (j % 5) / 4))
        base["output_tokens"] = round(base["output_tokens"] * (0.5 + (j % 3) / 2))
        base["max_attempts"] = 1 + j % 3
        first = benchmarks[j % len(benchmarks)]
        base["benchmarks"] = [first, *[b for b in base["benchmarks"] if b != first]][:3]
        base["label"] = f"{base.get('label', names[j % len(names)])} ({j})"
        lines.append(f"[workloads.w{j:03d}]")
        for key, value in base.items():
            lines.append(f"{key} = {_toml(value)}")
        lines.append("")
    return "\n".join(lines)


def _toml(value: object) -> str:
    if isinstance(value, str):
        return '"' + value.replace('"', '\\"') + '"'
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {_toml(v)}" for k, v in value.items()) + " }"
    return repr(value)


def _bundled_sources() -> list[dict]:
    with (DATA / "brief.toml").open("rb") as fh:
        sources = tomllib.load(fh)["sources"]
    return [
        dict(s, **({"path": str((DATA / s["path"]).resolve())} if "path" in s else {}))
        for s in sources
    ]


def _config(folder: Path, sources: list[dict]) -> Path:
    # a year of the history is a CSV of 40-110 MB: above the default fetch limit of 50 MiB
    path = write_config(folder, sources, fetch={"max_bytes": 1 << 30})
    text = path.read_text().replace(
        f'workloads = "{DATA / "workloads.toml"}"', f'workloads = "{folder / "workloads.toml"}"'
    )
    path.write_text(text)
    return path


def brief(*args: str) -> float:
    """Seconds `brief ARGS` took; stops the benchmark when any source or step failed."""
    started = time.perf_counter()
    done = subprocess.run([BRIEF, *args], capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(
            f"brief {' '.join(args)} exited {done.returncode}:\n{done.stdout[-3000:]}"
            f"\n{done.stderr[-3000:]}"
        )
    return time.perf_counter() - started


def build(folder: Path) -> Path:
    """The store: bundled sources plus the synthetic history, ingested year by year, with the
    first day of every month backfilled and a snapshot published (reused when built)."""
    config = folder / "brief.toml"
    if (folder / "built").exists():
        return config
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    (folder / "workloads.toml").write_text(workloads_toml(WORKLOADS))
    with (DATA / "workloads.toml").open("rb") as fh:
        graded = sorted(
            {b for wl in tomllib.load(fh)["workloads"].values() for b in wl["benchmarks"]}
        )
    synthetic = write_history(folder / "history", SHAPE, graded)
    years = sorted({s["id"].rsplit("-", 1)[1] for s in synthetic})
    for year in years:
        upto = [s for s in synthetic if s["id"].rsplit("-", 1)[1] <= year]
        _config(folder, _bundled_sources() + upto)
        seconds = brief("ingest", "-c", str(config))
        print(f"  ingested up to {year} in {seconds:.0f} s", flush=True)
    months = _month_starts()
    seconds = _backfill_days(config, months)
    print(f"  backfilled {len(months)} month starts in {seconds:.0f} s", flush=True)
    brief("snapshot", "-c", str(config))
    (folder / "built").write_text("ok\n")
    return config


def _month_starts() -> list[date]:
    day, out = SHAPE.start.replace(day=1), []
    while day <= DAY:
        if day >= SHAPE.start:
            out.append(day)
        day = (day + timedelta(days=32)).replace(day=1)
    return out


def _backfill_days(config: Path, days: list[date]) -> float:
    from flows.analysts.backfill import backfill
    from flows.config import load_config

    cfg = load_config(config)
    started = time.perf_counter()
    for day in days:
        backfill(cfg, day, day)
    return time.perf_counter() - started


def median_time(work, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", type=Path, help="build the store here and reuse it")
    parser.add_argument("--repeat", type=int, default=3)
    figures.add_option(parser)
    args = parser.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="brief-history-"))
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores")
    config = build(folder)
    snapshot = duckdb.connect(str(folder / "brief-snapshot.duckdb"), read_only=True)
    counts = {
        t: snapshot.execute(f"SELECT count(*) FROM {t}").fetchall()[0][0]
        for t in ("prices", "scores", "estimates", "signals")
    }
    print(
        f"history: {counts['prices'] + counts['scores']:,} fact rows ({counts['prices']:,} "
        f"prices, {counts['scores']:,} scores), {counts['estimates']:,} estimates, "
        f"{counts['signals']:,} signals"
    )
    model = snapshot.execute(
        "SELECT model FROM prices WHERE model LIKE 'synth-%' GROUP BY model "
        "ORDER BY count(*) DESC LIMIT 1"
    ).fetchall()[0][0]
    queries = {
        "a model's price history": (
            f"SELECT * FROM price_history WHERE model = '{model}' ORDER BY valid_from"
        ),
        "cheapest viable per workload and month": (
            "SELECT date_trunc('month', as_of) AS month, workload, "
            "arg_min(model, cost_per_success) AS model, min(cost_per_success) AS cost "
            "FROM cheapest_viable GROUP BY ALL ORDER BY 1, 2"
        ),
        "signals by verdict and week": (
            "SELECT date_trunc('week', edition_date) AS week, verdict, count(*) "
            "FROM signals GROUP BY ALL ORDER BY 1, 2"
        ),
    }
    print(f"\n{'figure':44} {'seconds':>8} {'rows':>9}  target")
    found = []
    for name, sql in queries.items():
        rows = len(snapshot.execute(sql).fetchall())
        seconds = median_time(lambda sql=sql: snapshot.execute(sql).fetchall(), args.repeat)
        print(f"{name:44} {seconds:8.3f} {rows:9,}  < 1 s: {'yes' if seconds < 1 else 'NO'}")
        found.append(Figure("history", name, seconds, target="< 1 s", met=seconds < 1, rows=rows))
    snapshot.close()
    found += _matrix(config, args.repeat)
    found += _bundled_backfill()
    figures.write(args.figures, found)


def _matrix(config: Path, repeat: int) -> list[Figure]:
    from flows.config import load_config
    from flows.store.db import open_store
    from flows.store.facts import load_facts, measured_workloads
    from signals.daily import _estimates
    from signals.grid import day_inputs, day_matrix

    cfg = load_config(config)
    with open_store(cfg.database, read_only=True) as con:
        cfg = cfg.model_copy(update={"workloads": measured_workloads(con, cfg)})
        started = time.perf_counter()
        facts = load_facts(con, cfg, [DAY])
        loading = time.perf_counter() - started
    workloads = list(cfg.workloads.values())
    grid = day_matrix(facts, workloads, DAY)
    priced = len(next(iter(grid.values())).models) if grid else 0
    cells = sum(len(c.models) for c in grid.values())
    # each time from facts with nothing worked out yet, as a run's first matrix of the day
    seconds = median_time(lambda: day_matrix(facts.fresh(), workloads, DAY), repeat)
    gather = median_time(lambda: day_inputs(facts.fresh(), DAY, workloads), repeat)
    label = f"matrix, {priced:,} graded models x {len(workloads)} workloads"
    print(f"{label:44} {seconds:8.3f} {cells:9,}  < 1 s: {'yes' if seconds < 1 else 'NO'}")
    print(f"{'  of which gathering the day inputs':44} {gather:8.3f}")
    print(f"{'  (reading that day from the store)':44} {loading:8.3f}")
    # the same cells one Side at a time, on a tenth of the workloads
    sample = workloads[:10]
    started = time.perf_counter()
    for wl in sample:
        _estimates(wl, {m: facts.side(m, DAY, wl) for m in facts.models()})
    per_side = (time.perf_counter() - started) * len(workloads) / len(sample)
    print(
        f"{'  one Side at a time (10 workloads, scaled)':44} {per_side:8.3f}"
        f"            matrix is {per_side / seconds:,.0f}x faster ({priced:,} graded on one)"
    )
    return [
        Figure(
            "history", label, seconds, "one Side at a time", per_side, "< 1 s", seconds < 1, cells
        ),
        Figure("history", "reading one day's facts from the store", loading),
    ]


def _bundled_backfill() -> list[Figure]:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        config = write_config(folder, _bundled_sources())
        brief("ingest", "-c", str(config))
        first = DAY - timedelta(days=364)
        seconds = brief("backfill", "--from", str(first), "--to", str(DAY), "-c", str(config))
    label = "backfill, 365 days of the bundled data"
    print(f"{label:44} {seconds:8.3f} {'':9}  < 60 s: {'yes' if seconds < 60 else 'NO'}")
    return [Figure("history", label, seconds, target="< 60 s", met=seconds < 60)]


if __name__ == "__main__":
    main()
