"""Rows set aside: kept as history, counted as news only while the source still sends them."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import duckdb

from flows.config import Source
from flows.ingest import ingest_source, prepare
from flows.pipeline import statuses
from flows.store import open_store

HEADER = "model,provider,effective_from,input,output\n"


def test_a_fixed_row_leaves_the_count_but_stays_in_history(tmp_path: Path) -> None:
    db, csv = tmp_path / "brief.duckdb", tmp_path / "prices.csv"
    src = Source(id="house", kind="prices", format="canonical", path=csv)
    csv.write_text(HEADER + "m1,acme,2025-01-01,1,2\nm2,acme,2025-01-01,one,2\n")
    first = ingest_source(db, src, "run-1", datetime(2025, 8, 1, tzinfo=UTC))
    again = ingest_source(db, src, "run-2", datetime(2025, 8, 2, tzinfo=UTC))  # not modified
    reread = ingest_source(db, src, "run-2b", datetime(2025, 8, 2, 1, tzinfo=UTC),
                           prepared=prepare(src, None))  # read in full: the row is sent again
    with open_store(db) as con:
        assert [s.rejected for s in statuses(con, [first])] == [1]
        assert [s.rejected for s in statuses(con, [again])] == [1]  # still what it sends
        last = con.execute("SELECT last_run_id FROM rejects").fetchall()
    assert reread.rejected == 1 and last == [("run-2b",)]
    csv.write_text(HEADER + "m1,acme,2025-01-01,1,2\nm2,acme,2025-01-01,1.5,2\n")  # fixed
    fixed = ingest_source(db, src, "run-3", datetime(2025, 8, 3, tzinfo=UTC))
    assert fixed.rejected == 0 and fixed.rows_new == 1
    with open_store(db) as con:
        assert [s.rejected for s in statuses(con, [fixed])] == [0]
    with duckdb.connect(str(db), read_only=True) as con:
        kept = con.execute("SELECT first_run_id, last_run_id FROM rejects").fetchall()
    assert kept == [("run-1", "run-2b")]  # the history: first and last read that sent it
