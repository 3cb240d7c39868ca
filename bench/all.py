"""Every benchmark, then one table of their figures with the ratio to the plain alternative each
was measured against in the same run (feedparser alone, a bare Prefect flow, one model at a
time, the bundled data), and the machine.

Each benchmark runs as its own process (`bench/<name>.py --figures FILE`), so one cannot warm
another's caches. The history and scale benchmarks build large synthetic stores the first time
(about half an hour each on 2 cores); `--keep DIR` keeps and reuses them.

Benchmarks: ingest (the bundled feeds), ingest-many (`brief ingest` over 2,000 feed files),
daily, history, scale.

Usage: .venv/bin/python bench/all.py [--only daily,ingest] [--skip history,scale] [--keep DIR]
                                     [--markdown FILE]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.figures import Figure, machine, read  # noqa: E402

HERE = Path(__file__).resolve().parent
# name -> (script, its arguments); the order is the order of the table
BENCHMARKS: dict[str, tuple[str, list[str]]] = {
    "ingest": ("ingest", []),
    "ingest-many": ("ingest", ["--many", "2000", "--repeat", "3"]),
    "daily": ("daily", []),
    "history": ("history", []),
    "scale": ("scale", ["--histories", "bundled,1y,3y"]),
}


def run(name: str, keep: Path | None, out: Path) -> tuple[list[Figure], str]:
    """One benchmark in its own process: its figures, or why there are none."""
    script, extra = BENCHMARKS[name]
    args = [sys.executable, str(HERE / f"{script}.py"), "--figures", str(out), *extra]
    if keep is not None and name in ("history", "scale"):
        args += ["--keep", str(keep / name)]
    started = time.perf_counter()
    done = subprocess.run(args, capture_output=True, text=True)
    took = time.perf_counter() - started
    if done.returncode != 0 or not out.exists():
        tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
        return [], f"{name}: failed after {took:.0f} s (exit {done.returncode}): " + " | ".join(
            tail
        )
    return read(out), f"{name}: {took:.0f} s"


def table(found: list[Figure]) -> list[str]:
    """The figures as one Markdown table."""
    lines = [
        "| benchmark | figure | seconds | plain alternative | its seconds | ratio | target |",
        "|---|---|---:|---|---:|---:|---|",
    ]
    for f in found:
        ratio = f"{f.ratio:.2f}x" if f.ratio is not None else ""
        base = f"{f.baseline_seconds:.3f}" if f.baseline_seconds is not None else ""
        target = f"{f.target}: {'met' if f.met else 'NOT met'}" if f.target else ""
        rows = f" ({f.rows:,} rows)" if f.rows else ""
        lines.append(
            f"| {f.bench} | {f.name}{rows} | {f.seconds:.3f} | {f.baseline or ''} | {base} "
            f"| {ratio} | {target} |"
        )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", help="comma-separated benchmarks to run (default: all)")
    parser.add_argument("--skip", default="", help="comma-separated benchmarks to leave out")
    parser.add_argument("--keep", type=Path, help="keep the synthetic stores here and reuse them")
    parser.add_argument("--markdown", type=Path, help="also write the table to this file")
    args = parser.parse_args()
    names = args.only.split(",") if args.only else list(BENCHMARKS)
    unknown = [n for n in names if n not in BENCHMARKS]
    if unknown:
        parser.error(f"unknown benchmark {', '.join(unknown)}; known: {', '.join(BENCHMARKS)}")
    names = [n for n in names if n not in args.skip.split(",")]
    found: list[Figure] = []
    notes: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        for name in names:
            print(f"running {name} ...", file=sys.stderr, flush=True)
            figs, note = run(name, args.keep, Path(tmp) / f"{name}.json")
            found += figs
            notes.append(note)
    lines = [f"Machine: {machine()}", "", *table(found), "", *(f"- {n}" for n in notes)]
    print("\n".join(lines))
    if args.markdown:
        args.markdown.write_text("\n".join(lines) + "\n")
    if any(f.met is False for f in found) or any(": failed" in n for n in notes):
        sys.exit(1)  # a target missed or a benchmark that did not finish


if __name__ == "__main__":
    main()
