"""Backfill: the daily estimates and comparisons of past days, each from the facts known on it.

A day's numbers come from the same functions as a daily run's (`load_facts`, `day_signals`,
`save_estimates`, `save_signals`), so a backfill over a range gives what one daily run a day
would have stored: each day's window opens the day before (the first day's opens at the last
edition before it, or `lookback_days` earlier). A day that has an edition keeps the window its
run had (from the edition before it), so its stored comparisons still match its brief.

The days are read a month at a time: one selection in DuckDB answers every day of the month,
and the estimates are NumPy columns.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import duckdb

from flows.config import Config
from flows.pipeline import start_run
from flows.store.db import open_store, run
from flows.store.facts import (
    cheaper_claims,
    last_edition_before,
    load_facts,
    measured_workloads,
    save_estimates,
    save_signals,
)
from signals.daily import day_signals

CHUNK_DAYS = 31  # days answered by one selection: memory grows with it, queries shrink


@dataclass
class Backfilled:
    run_id: str
    days: int
    estimates: int
    signals: int


def days_between(start: date, end: date) -> list[date]:
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


def _chunks(days: list[date], size: int) -> Iterator[list[date]]:
    for i in range(0, len(days), size):
        yield days[i : i + size]


def _windows(con: duckdb.DuckDBPyConnection, cfg: Config, days: list[date]) -> dict[date, date]:
    """Where each day's window opens: for a day with an edition, or the first day, where its
    run's opened (the edition before it, or `lookback_days` earlier); else the day before."""
    made = {
        row[0]
        for row in con.execute(
            "SELECT edition_date FROM editions WHERE edition_date BETWEEN ? AND ?",
            [days[0], days[-1]],
        ).fetchall()
    }
    lookback = timedelta(days=cfg.edition.lookback_days)
    return {
        day: (last_edition_before(con, day) or day - lookback)
        if day in made or day == days[0]
        else day - timedelta(days=1)
        for day in days
    }


def backfill(
    cfg: Config,
    start: date,
    end: date,
    workloads: list[str] | None = None,
    progress: Callable[[int], None] = lambda _: None,
) -> Backfilled:
    """Compute and store the estimates and comparisons of every day from `start` to `end`
    (of `workloads`, else all), recorded as one run; `progress(n)` after each n days."""
    if end < start:
        raise ValueError(f"the range ends ({end}) before it starts ({start})")
    unknown = sorted(set(workloads or ()) - set(cfg.workloads))
    if unknown:
        raise ValueError(f"unknown workloads {unknown} (known: {sorted(cfg.workloads)})")
    run_id = f"backfill-{uuid.uuid4().hex}"
    start_run(cfg, run_id, end, datetime.now(UTC))
    done = Backfilled(run_id, 0, 0, 0)
    with open_store(cfg.database) as con:
        measured = measured_workloads(con, cfg)
        chosen = {n: w for n, w in measured.items() if workloads is None or n in workloads}
        claims = cheaper_claims(con)
        windows = _windows(con, cfg, days_between(start, end))
        try:
            for chunk in _chunks(days_between(start, end), CHUNK_DAYS):
                wanted = {chunk[0] - timedelta(days=1), *chunk, *(windows[d] for d in chunk)}
                facts = load_facts(con, cfg, sorted(wanted))
                run(con, "BEGIN TRANSACTION")
                for day in chunk:
                    window = windows[day]
                    sig = day_signals(
                        facts,
                        chosen,
                        day,
                        window,
                        cfg.capability_words(),
                        cfg.noise_floors(),
                        claims_cheaper=claims,
                        lineage=cfg.lineage,
                        min_age_days=cfg.edition.incumbent_min_age_days,
                    )
                    done.estimates += save_estimates(con, sig, run_id, workloads)
                    done.signals += save_signals(con, day, sig.comparisons, run_id, workloads)
                run(con, "COMMIT")
                done.days += len(chunk)
                progress(len(chunk))
        except BaseException as exc:
            with contextlib.suppress(duckdb.Error):  # no transaction open: nothing to undo
                run(con, "ROLLBACK")
            run(
                con,
                "UPDATE runs SET status = 'failed', error = ?, finished_at = ? WHERE run_id = ?",
                [f"{type(exc).__name__}: {exc}", datetime.now(UTC), run_id],
            )
            raise
        run(
            con,
            "UPDATE runs SET status = 'ok', finished_at = ?, signals = ? WHERE run_id = ?",
            [datetime.now(UTC), done.signals, run_id],
        )
    return done
