"""Rows set aside: kept as history, counted as news only while the source still sends them."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import duckdb

from flows.config import Source
from flows.pipeline import statuses
from flows.sources.ingest import prepare
from flows.store.db import open_store
from flows.store.load import ingest_source

HEADER = "model,provider,effective_from,input,output\n"


def test_a_fixed_row_leaves_the_count_but_stays_in_history(tmp_path: Path) -> None:
    db, csv = tmp_path / "brief.duckdb", tmp_path / "prices.csv"
    src = Source(id="house", kind="prices", format="canonical", path=csv)
    csv.write_text(HEADER + "m1,acme,2025-01-01,1,2\nm2,acme,2025-01-01,one,2\n")
    first = ingest_source(db, src, "run-1", datetime(2025, 8, 1, tzinfo=UTC))
    again = ingest_source(db, src, "run-2", datetime(2025, 8, 2, tzinfo=UTC))  # not modified
    reread = ingest_source(
        db, src, "run-2b", datetime(2025, 8, 2, 1, tzinfo=UTC), prepared=prepare(src, None)
    )  # read in full: the row is sent again
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


def _prices(db: Path) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(
            "SELECT model, input, output, source_name, run_id FROM prices_current ORDER BY ALL"
        ).fetchall()


def test_conflicting_prices_are_all_rejected_and_the_stored_one_stays(tmp_path: Path) -> None:
    db, csv = tmp_path / "brief.duckdb", tmp_path / "prices.csv"
    src = Source(id="house", kind="prices", format="canonical", path=csv)
    csv.write_text(HEADER + "m1,acme,2025-01-01,1,2\n")
    ingest_source(db, src, "run-1", datetime(2025, 8, 1, tzinfo=UTC))
    csv.write_text(
        HEADER + "m1,acme,2025-01-01,1.5,2\nm2,acme,2025-01-01,1,2\n"
        "m1,acme,2025-01-01,3,4\nm2,acme,2025-01-01,1,2\n"
        "m1,acme,2025-01-01,3,4\n"
    )
    second = ingest_source(db, src, "run-2", datetime(2025, 8, 2, tzinfo=UTC))
    assert (second.rows_new, second.rows_updated, second.rejected) == (1, 0, 4)
    assert _prices(db) == [("m1", 1.0, 2.0, "m1", "run-1"), ("m2", 1.0, 2.0, "m2", "run-2")]
    with duckdb.connect(str(db), read_only=True) as con:
        rejects = con.execute("SELECT reason, raw FROM rejects ORDER BY ALL").fetchall()
    conflict = (
        "conflicting rows for model/provider/effective_from m1/acme/2025-01-01: 2 "
        "different values (none stored this run; its stored version stays current)"
    )
    assert [r for r, _ in rejects] == [
        conflict,
        conflict,  # the two 3/4 rows: one reject id
        "duplicate of another row for the same model/provider/"
        "effective_from in this source (same values: one kept)",
    ]
    assert '"input": 1.5' in rejects[0][1] and '"input": 3.0' in rejects[1][1]
    csv.write_text(HEADER + "m1,acme,2025-01-01,3,4\nm2,acme,2025-01-01,1,2\n")  # resolved
    third = ingest_source(db, src, "run-3", datetime(2025, 8, 3, tzinfo=UTC))
    assert (third.rows_updated, third.rejected) == (1, 0)
    assert _prices(db)[0] == ("m1", 3.0, 4.0, "m1", "run-3")


def test_a_preference_still_chooses_among_differing_scores(tmp_path: Path) -> None:
    db, csv = tmp_path / "brief.duckdb", tmp_path / "scores.csv"
    src = Source(id="house-scores", kind="scores", format="canonical", path=csv)
    csv.write_text(
        "model,benchmark,as_of,value\nm1,b,2025-01-01,40\nm1,b,2025-01-01,55\nm1,b,2025-01-01,55\n"
    )
    result = ingest_source(db, src, "run-1", datetime(2025, 8, 1, tzinfo=UTC))
    assert (result.rows_new, result.rejected) == (1, 2)
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT value FROM scores_current").fetchall() == [(55.0,)]
        reasons = [r[0] for r in con.execute("SELECT reason FROM rejects ORDER BY 1").fetchall()]
    assert reasons[0].startswith(
        "another row for the same model/benchmark/as_of in this source "
        "has different values and comes first by value DESC"
    )
    assert reasons[1].startswith("duplicate of another row")


def test_price_names_folding_into_one_model_keep_the_best_named(tmp_path: Path) -> None:
    db, csv = tmp_path / "brief.duckdb", tmp_path / "prices.csv"
    src = Source(id="house", kind="prices", format="canonical", path=csv)
    csv.write_text(
        HEADER + "gpt-4o-2024-08-06,azure,2025-06-22,2.5,10\ngpt-4o,azure,2025-06-22,5,15\n"
    )
    result = ingest_source(db, src, "run-1", datetime(2025, 8, 1, tzinfo=UTC))
    assert (result.rows_new, result.rejected) == (1, 1)
    assert _prices(db) == [("gpt-4o", 5.0, 15.0, "gpt-4o", "run-1")]
    with duckdb.connect(str(db), read_only=True) as con:
        ((reason,),) = con.execute("SELECT reason FROM rejects").fetchall()
    assert reason.startswith("same model/provider/effective_from as 'gpt-4o' (model id gpt-4o)")
