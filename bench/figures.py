"""The figures a benchmark reports, in one shape, so that `bench/all.py` can print every
benchmark's figures in one table. A benchmark run alone prints its own report as before and,
with `--figures FILE`, also writes its figures there as JSON."""

from __future__ import annotations

import argparse
import json
import os
import platform
from dataclasses import asdict, dataclass
from importlib import metadata
from pathlib import Path


@dataclass
class Figure:
    """One measured figure, against the plain alternative measured in the same run."""

    bench: str  # the script that measured it
    name: str  # what was measured
    seconds: float
    baseline: str | None = None  # the plain alternative (feedparser alone, a bare flow, ...)
    baseline_seconds: float | None = None
    target: str | None = None  # e.g. "< 1 s", "ratio <= 3"
    met: bool | None = None
    rows: int | None = None  # rows or cells the figure covers

    @property
    def ratio(self) -> float | None:
        if self.baseline_seconds:
            return self.seconds / self.baseline_seconds
        return None


def add_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--figures", type=Path, help="also write the figures as JSON to this file (bench/all.py)"
    )


def write(path: Path | None, figures: list[Figure]) -> None:
    if path is not None:
        path.write_text(json.dumps([asdict(f) for f in figures], indent=1))


def read(path: Path) -> list[Figure]:
    return [Figure(**f) for f in json.loads(path.read_text())]


def machine() -> str:
    """The machine the figures were measured on, in one line."""
    memory = ""
    try:
        kib = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f", {kib / 2**20:.0f} GiB RAM"
    except (OSError, ValueError, IndexError):
        pass
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    versions = ", ".join(
        f"{p} {metadata.version(p)}" for p in ("prefect", "duckdb", "feedparser", "numpy")
    )
    return (
        f"{cpu}, {len(os.sched_getaffinity(0))} cores{memory}; "
        f"Python {platform.python_version()}; {versions}"
    )
