"""A synthetic fact history for the scale benchmarks, written as canonical CSV files (one per
kind and year) that the pipeline ingests like any source: the store's own code writes it.

The shape follows what real sources publish, over `years` ending on `end`:

- models are released evenly over the span (some before it) and retired `lifetime_days` later
  (their last price row carries `effective_to`); about the same number is alive on any day;
- each model is priced daily by `hosts` hosts (a dated price list, like the llm-prices history),
  with a cut of 20% after each year of its life;
- a daily arena rating (scale `rating`) and `daily_evals` percent benchmarks that no workload uses
  are published every day;
- two of the workloads' benchmarks grade each model 3 days after its release and again a year
  later (a newly published score: news).

On a day that makes about 500 models alive, and in a week about 3 releases, 3 new grades and 10
repricings: news in proportion to a real market.

Everything is a function of the model's number and the day (DuckDB's `hash`), so a history is
the same on every machine.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import duckdb

PREFIX = "synth-"


@dataclass(frozen=True)
class Shape:
    years: float
    models: int
    hosts: int = 1
    daily_evals: int = 1
    lifetime_days: int = 1095
    end: date = date(2025, 8, 8)

    @property
    def start(self) -> date:
        return self.end - timedelta(days=round(self.years * 365.25) - 1)


def _models_sql(shape: Shape) -> str:
    """One row per model: its name, release day, retirement day and base input price."""
    first = shape.start - timedelta(days=shape.lifetime_days)
    span = (shape.end - first).days
    return f"""
        SELECT i, '{PREFIX}' || lpad(CAST(i AS VARCHAR), 5, '0') AS model,
               DATE '{first}' + CAST(hash(i, 'release') % {span} AS INTEGER) AS released,
               DATE '{first}' + CAST(hash(i, 'release') % {span} AS INTEGER)
                   + {shape.lifetime_days} AS retired,
               0.05 + (hash(i, 'price') % 2000) / 100.0 AS base
        FROM range({shape.models}) t(i)"""


def _days_sql(shape: Shape, year: int) -> str:
    lo = max(shape.start, date(year, 1, 1))
    hi = min(shape.end, date(year, 12, 31))
    return (
        f"SELECT CAST(d AS DATE) AS day FROM generate_series(DATE '{lo}', DATE '{hi}', "
        "INTERVAL 1 DAY) t(d)"
    )


def _alive(shape: Shape, year: int, times: str = "range(1) one(k)") -> str:
    """Every (model, day) of `year` the model is alive, crossed with `times` (hosts, evals)."""
    return (
        f"FROM {times}, ({_models_sql(shape)}) m, ({_days_sql(shape, year)}) d "
        "WHERE d.day >= m.released AND d.day < m.retired"
    )


def prices_sql(shape: Shape, year: int) -> str:
    return f"""
        SELECT model, 'synth-host-' || h AS provider, day AS effective_from,
               CASE WHEN day + 1 = retired THEN retired END AS effective_to,
               day AS known_from,
               round(base * pow(0.8, floor(datediff('day', released, day) / 365))
                     * (1 + h / 10), 4) AS input,
               round(base * 4 * pow(0.8, floor(datediff('day', released, day) / 365))
                     * (1 + h / 10), 4) AS output
        {_alive(shape, year, f"range({shape.hosts}) hh(h)")}
        ORDER BY model, provider, effective_from"""


def scores_sql(shape: Shape, year: int, benchmarks: list[str]) -> str:
    alive = _alive(shape, year)
    n = len(benchmarks)
    listed = "[" + ", ".join(f"'{b}'" for b in benchmarks) + "]"
    return f"""
        SELECT model, benchmark, as_of, value, scale, as_of + 1 AS known_from FROM (
          SELECT model, 'synth-arena' AS benchmark, day AS as_of,
                 1000 + hash(i) % 300 + hash(i, day) % 5 AS value, 'rating' AS scale {alive}
          UNION ALL
          SELECT model, 'synth-eval-' || e, day,
                 round(10 + hash(i, e) % 7000 / 100 + hash(i, e, day) % 100 / 100, 2),
                 'percent' {_alive(shape, year, f"range({shape.daily_evals}) ee(e)")}
          UNION ALL
          SELECT model, {listed}[1 + CAST((hash(i, k) % {n}) AS INTEGER)], day,
                 round(least(95, 15 + hash(i, k, 'grade') % 5000 / 100
                       + 2 * floor(datediff('day', released, day) / 365)), 2), 'percent'
          {_alive(shape, year, "range(2) kk(k)")}
            AND datediff('day', released, day) IN (3, 368)
        )
        ORDER BY model, benchmark, as_of"""


def write_history(folder: Path, shape: Shape, benchmarks: list[str]) -> list[dict]:
    """Write the history's CSV files into `folder`; return their `[[sources]]` entries, oldest
    year first (ingest them in that order to grow the store as time passes)."""
    folder.mkdir(parents=True, exist_ok=True)
    sources = []
    con = duckdb.connect()
    try:
        for year in range(shape.start.year, shape.end.year + 1):
            for kind, sql in (
                ("prices", prices_sql(shape, year)),
                ("scores", scores_sql(shape, year, benchmarks)),
            ):
                path = folder / f"{kind}-{year}.csv"
                con.execute(f"COPY ({sql}) TO '{path}' (HEADER, DELIMITER ',')")
                sources.append(
                    {
                        "id": f"synth-{kind}-{year}",
                        "label": f"Synthetic {kind} {year}",
                        "kind": kind,
                        "format": "canonical",
                        "path": str(path),
                    }
                )
    finally:
        con.close()
    return sources
