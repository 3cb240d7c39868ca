"""How long each stage of a run took and what it handled: stored in `run_stages` as each stage
ends (a failed stage too), shown in the run's Prefect artifact and in the console summary."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from flows.config import Config
from flows.store.db import insert_rows, open_store


@dataclass
class Stage:
    """One stage of a run: ingest, signals, render or snapshot."""

    stage: str
    started_at: datetime
    seconds: float = 0.0
    count: int | None = None  # what it handled: sources, estimates, files, snapshots
    detail: str = ""  # its counts in words
    ok: bool = True

    def counted(self, count: int, detail: str) -> None:
        self.count, self.detail = count, detail

    def line(self) -> str:
        """`ingest 3.21 s (12 sources, ...)`"""
        return f"{self.stage} {self.seconds:.2f} s" + (f" ({self.detail})" if self.detail else "")


class StageClock:
    """Times a run's stages: ``with clock("ingest") as st: ...; st.counted(n, "n sources")``."""

    def __init__(self, cfg: Config, run_id: str) -> None:
        self.cfg, self.run_id = cfg, run_id
        self.stages: list[Stage] = []

    @contextmanager
    def __call__(self, name: str) -> Iterator[Stage]:
        st = Stage(name, datetime.now(UTC))
        start = time.perf_counter()
        try:
            yield st
        except BaseException as exc:
            st.seconds, st.ok = time.perf_counter() - start, False
            st.detail = f"failed: {type(exc).__name__}"
            self.stages.append(st)
            with contextlib.suppress(Exception):  # the store may be what failed: its error wins
                self._save(st)
            raise
        st.seconds = time.perf_counter() - start
        self.stages.append(st)
        self._save(st)

    def _save(self, st: Stage) -> None:
        with open_store(self.cfg.database) as con:
            insert_rows(
                con,
                "INSERT OR REPLACE INTO run_stages BY NAME",
                [
                    {
                        "run_id": self.run_id,
                        "stage": st.stage,
                        "started_at": st.started_at,
                        "seconds": st.seconds,
                        "count": st.count,
                        "detail": st.detail,
                        "ok": st.ok,
                    }
                ],
            )


def ingest_counts(results: Sequence[Any]) -> tuple[int, str]:
    """The ingest stage's figures: sources read, failed, rows read and new."""
    failed = sum(1 for r in results if not r.ok)
    rows = sum(r.rows_read for r in results)
    new = sum(r.rows_new for r in results)
    return len(results), (
        f"{len(results)} sources"
        + (f", {failed} failed" if failed else "")
        + f", {rows:,} rows read, {new:,} new"
    )


def one_line(stages: list[Stage]) -> str:
    """Every stage in one line, for the console."""
    return "Stages: " + "; ".join(st.line() for st in stages)
