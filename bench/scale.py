"""Benchmark: what a day's brief costs as the history grows.

Builds stores that hold the bundled data plus synthetic histories of 1, 3 and 5 years (and one of
about 10 million fact rows), each ingested year by year through `brief ingest` like any source
(bench/synthetic.py), then times, as separate processes, `brief run`, `brief compare` and
`brief costs` for the same day, and two analysts' queries. Each figure is the median of
`--repeat` runs with the peak memory (maximum resident set) of the command's process, and its
ratio to the same command on the bundled data alone, measured in the same invocation.

Usage: .venv/bin/python bench/scale.py [--histories bundled,1y,3y,5y,10M] [--repeat 3]
                                      [--keep DIR]   (reuse the stores built there)
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
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import duckdb  # noqa: E402

from bench import figures  # noqa: E402
from bench.synthetic import Shape, write_history  # noqa: E402
from tests.support.config import write_config  # noqa: E402
from tests.support.paths import DATA  # noqa: E402

DAY = "2025-08-08"
WORKLOAD = "agentic_coding"
PAIR = ("gpt-5-mini:medium", "deepseek-chat")
BRIEF = str(Path(sys.executable).with_name("brief"))
# About 500 models alive on the day in each history (models live 3 years).
HISTORIES = {
    "bundled": None,
    "1y": Shape(years=1, models=667),
    "3y": Shape(years=3, models=1000),
    "5y": Shape(years=5, models=1333),
    "10M": Shape(years=10, models=2000, hosts=2, daily_evals=3),
}


def measure(args: list[str]) -> tuple[float, float, int]:
    """(seconds, peak MiB, exit code) of one command in its own process."""
    start = time.perf_counter()
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    stderr = proc.stderr.read().decode() if proc.stderr else ""
    if proc.returncode not in (0, 3):
        raise SystemExit(f"{' '.join(args)} failed ({proc.returncode}):\n{stderr}")
    return elapsed, usage.ru_maxrss / 1024, proc.returncode


def benchmarks() -> list[str]:
    import tomllib

    with (DATA / "workloads.toml").open("rb") as fh:
        table = tomllib.load(fh)
    return sorted({b for wl in table["workloads"].values() for b in wl["benchmarks"]})


def build(folder: Path, shape: Shape | None) -> Path:
    """The store of one history, ingested year by year (reused when already built)."""
    config = folder / "brief.toml"
    if (folder / "built").exists():
        return config
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    bundled = [
        dict(s, **({"path": str((DATA / s["path"]).resolve())} if "path" in s else {}))
        for s in _bundled_sources()
    ]
    synthetic = write_history(folder / "history", shape, benchmarks()) if shape else []
    years = sorted({s["id"].rsplit("-", 1)[1] for s in synthetic}) or [None]
    for year in years:
        upto = [s for s in synthetic if year and s["id"].rsplit("-", 1)[1] <= year]
        write_config(folder, bundled + upto)
        t, mib, _ = measure([BRIEF, "ingest", "-c", str(config)])
        print(
            f"  {folder.name}: ingested up to {year or 'bundled'} in {t:.1f} s "
            f"(peak {mib:,.0f} MiB)",
            flush=True,
        )
    measure([BRIEF, "run", "--date", DAY, "-c", str(config)])  # the day's first run
    (folder / "built").write_text("ok\n")
    return config


def _bundled_sources() -> list[dict]:
    import tomllib

    with (DATA / "brief.toml").open("rb") as fh:
        return tomllib.load(fh)["sources"]


def rows(config: Path) -> int:
    con = duckdb.connect(str(config.parent / "brief.duckdb"), read_only=True)
    try:
        return sum(
            con.execute(f"SELECT count(*) FROM {t}").fetchall()[0][0]
            for t in ("prices", "scores", "run_costs", "profiles")
        )
    finally:
        con.close()


def queries(config: Path, repeat: int) -> dict[str, float]:
    """Seconds of the analysts' queries (median), on a read-only connection."""
    con = duckdb.connect(str(config.parent / "brief.duckdb"), read_only=True)
    out = {}
    try:
        for name, sql in (
            ("prices_on(day)", f"SELECT count(*) FROM prices_on(DATE '{DAY}')"),
            ("scores_current", "SELECT count(*) FROM scores_current"),
        ):
            times = []
            for _ in range(repeat):
                t = time.perf_counter()
                con.execute(sql).fetchall()
                times.append(time.perf_counter() - t)
            out[name] = statistics.median(times)
    finally:
        con.close()
    return out


def commands(config: Path) -> dict[str, list[str]]:
    c = ["-c", str(config), "--date", DAY]
    return {
        "brief run": [BRIEF, "run", *c],
        "brief compare": [BRIEF, "compare", PAIR[0], "--vs", PAIR[1], "-w", WORKLOAD, *c],
        "brief costs": [BRIEF, "costs", "-w", WORKLOAD, *c],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--histories", default=",".join(HISTORIES))
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="build the stores here and reuse them")
    figures.add_option(parser)
    args = parser.parse_args()
    names = ["bundled", *[n for n in args.histories.split(",") if n != "bundled"]]
    root = args.keep or Path(tempfile.mkdtemp(prefix="brief-scale-"))
    print(
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}; stores in {root}",
        flush=True,
    )
    results: dict[str, dict[str, tuple[float, float]]] = {}
    counts = {}
    for name in names:
        config = build(root / name, HISTORIES[name])
        counts[name] = rows(config)
        results[name] = {}
        for label, cmd in commands(config).items():
            runs = [measure(cmd) for _ in range(args.repeat)]
            results[name][label] = (statistics.median(r[0] for r in runs), max(r[1] for r in runs))
        for label, seconds in queries(config, args.repeat).items():
            results[name][label] = (seconds, float("nan"))
        print(f"  {name}: {counts[name]:,} fact rows measured", flush=True)
    print()
    print(
        "| command | "
        + " | ".join(f"{n} ({counts[n]:,} rows)" for n in names)
        + " | ratio to bundled |"
    )
    print("|---|" + "---|" * (len(names) + 1))
    for label in results["bundled"]:
        cells, base = [], results["bundled"][label][0]
        for n in names:
            s, mib = results[n][label]
            cells.append(f"{s:.2f} s" + ("" if mib != mib else f", {mib:,.0f} MiB"))
        ratios = ", ".join(f"{n} x{results[n][label][0] / base:.2f}" for n in names[1:])
        print(f"| {label} | " + " | ".join(cells) + f" | {ratios} |")
    figures.write(
        args.figures,
        [
            figures.Figure(
                "scale",
                f"{label}, {n} history",
                results[n][label][0],
                "the same on the bundled data",
                results["bundled"][label][0],
                rows=counts[n],
            )
            for label in results["bundled"]
            for n in names[1:]
        ],
    )
    if not args.keep:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
