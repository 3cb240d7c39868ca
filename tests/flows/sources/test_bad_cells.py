"""Hostile cells cost their own row, never the table: a scale is decided per file from the bulk
of its scores, an oversized field rejects one record, conflicting rows for one key are set aside
as conflicts, and a score stored again with another scale is counted as a change of meaning."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from flows.config import Source
from flows.sources.adapters import canonical, epoch
from flows.sources.adapters.canonical import CELL_LIMIT, csv_records
from flows.sources.ingest import prepare
from flows.store.load import SourceResult, ingest_source

LIVEBENCH = Path(__file__).resolve().parents[3] / "data/sources/benchmarks/live_bench_external.csv"
NOW = datetime(2025, 11, 1, tzinfo=UTC)


def _livebench(**changes: dict[str, str]) -> bytes:
    """The bundled LiveBench table with some cells replaced: {model version: {column: text}}."""
    with LIVEBENCH.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        header, rows = reader.fieldnames, list(reader)
    for row in rows:
        row.update(changes.get(row["Model version"], {}))
    out = io.StringIO()
    writer = csv.DictWriter(out, header, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()


def _source(path: Path, **options: object) -> Source:
    return Source(
        id="livebench",
        kind="scores",
        format="epoch",
        path=path,
        options={"benchmark": "livebench", **options},
    )


def _ingest(db: Path, src: Source, run_id: str, data: bytes | None = None) -> SourceResult:
    if data is not None:
        src.path.write_bytes(data)
    now = NOW + timedelta(hours=int(run_id.rsplit("-", 1)[1]))  # run-N: one hour apart each
    return ingest_source(db, src, run_id, now, prepared=prepare(src, None))


def _scores(db: Path) -> dict[str, tuple[float, str]]:
    with duckdb.connect(str(db), read_only=True) as con:
        rows = con.execute("SELECT source_name, value, scale FROM scores_current").fetchall()
    return {name: (value, scale) for name, value, scale in rows}


def _rejects(db: Path) -> list[tuple[str, str]]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute("SELECT reason, raw FROM rejects ORDER BY reason").fetchall()


# -- one bad score never changes the table's scale ---------------------------------------------

CLEAN = epoch.parse(LIVEBENCH.read_bytes(), "e", benchmark="livebench")
GEMINI = "gemini-2.5-pro-exp-03-25"


@pytest.fixture(scope="module")
def stored_clean(tmp_path_factory) -> dict[str, tuple[float, str]]:
    """What the bundled table stores (one score per model/benchmark/day: the best of those
    names that fold to one model)."""
    folder = tmp_path_factory.mktemp("clean")
    _ingest(folder / "brief.duckdb", _source(folder / "live.csv"), "run-1", LIVEBENCH.read_bytes())
    return _scores(folder / "brief.duckdb")


def test_the_bundled_livebench_table_is_percent() -> None:
    assert {r["scale"] for r in CLEAN.rows["scores"]} == {"percent"}
    assert next(r for r in CLEAN.rows["scores"] if r["source_name"] == GEMINI)["value"] == 82.35


@pytest.mark.parametrize("bad", ["inf", "-inf", "nan", "1e400", "250", "1" + "0" * 400])
def test_one_bad_score_is_rejected_and_the_table_stays_percent(tmp_path: Path, bad: str) -> None:
    db, src = tmp_path / "brief.duckdb", _source(tmp_path / "live_bench_external.csv")
    first = _ingest(db, src, "run-1", LIVEBENCH.read_bytes())
    before = _scores(db)
    assert first.rows_new == len(before) > 40 and {s for _, s in before.values()} == {"percent"}

    again = _ingest(db, src, "run-2", _livebench(**{GEMINI: {"Global average": bad}}))
    assert (again.rows_new, again.rows_updated, again.meaning_changed) == (0, 0, 0)
    assert again.rejected == first.rejected + 1
    assert _scores(db) == before  # every score still a success rate; gemini's stored one current
    ((reason, raw),) = [r for r in _rejects(db) if GEMINI in r[1]]
    assert reason.startswith("score '") and "percent (0-100)" in reason
    assert ("not a finite number" if bad != "250" else "contradicts the table's scale") in reason
    assert bad[:20] in reason and len(reason) < 200


def test_a_hostile_table_read_fresh_stores_the_rest_as_percent(
    tmp_path: Path, stored_clean: dict
) -> None:
    db, src = tmp_path / "brief.duckdb", _source(tmp_path / "live_bench_external.csv")
    o1 = "o1-2024-12-17_high"
    result = _ingest(
        db,
        src,
        "run-1",
        _livebench(**{GEMINI: {"Global average": "inf"}, o1: {"Global average": "250"}}),
    )
    scores = _scores(db)
    assert GEMINI not in scores and o1 not in scores
    assert result.rows_new == len(scores) == len(stored_clean) - 2
    assert scores == {k: v for k, v in stored_clean.items() if k not in (GEMINI, o1)}
    reasons = [reason for reason, _ in _rejects(db)]
    assert "score '250' contradicts the table's scale, percent (0-100) (" in " ".join(reasons)
    assert any(r.startswith("score 'inf' is not a finite number") for r in reasons)


def _table(*values: str) -> bytes:
    lines = ["Model version,Score,Release date"]
    lines += [f"model-{i},{v},2025-01-0{1 + i % 9}" for i, v in enumerate(values)]
    return ("\n".join(lines) + "\n").encode()


def _read(data: bytes, **options: object) -> tuple[list[tuple], list[str]]:
    parsed = epoch.parse(data, "e", benchmark="b", **options)
    return (
        [(r["value"], r["scale"]) for r in parsed.rows.get("scores", [])],
        [r["reason"] for r in parsed.rejects],
    )


def test_the_scale_is_decided_by_the_bulk_not_the_largest_value() -> None:
    # a fraction table with one value typed as a percentage: the stray goes, the rest are x100
    rows, reasons = _read(_table(*[f"0.{n}" for n in range(1, 10)], "55"))
    assert rows == [(10.0 * n, "percent") for n in range(1, 10)]
    assert reasons == [
        "score '55' contradicts the table's scale, fractions (0-1) (9 of 10 "
        "finite non-zero scores lie in 0-1)"
    ]
    # a low percentage is a percentage, not a stray fraction
    rows, reasons = _read(_table("30", "55", "90", "0.7", "62"))
    assert (
        rows
        == [
            (30.0, "percent"),
            (55.0, "percent"),
            (90.0, "percent"),
            (0.7, "percent"),
            (62.0, "percent"),
        ]
        and reasons == []
    )
    # many scores over 100 (METR's time horizons, in minutes): an unbounded figure, all kept
    minutes = ["0.04", "2", "8", "15", "25", "30", "50", "60", "110", "137", "120", "90"]
    rows, reasons = _read(_table(*minutes))
    assert {s for _, s in rows} == {"rating"} and len(rows) == len(minutes) and reasons == []
    # arena ratings stay ratings; a lone score is evidence for itself
    assert _read(_table("1200", "1350", "40"))[0] == [
        (1200.0, "rating"),
        (1350.0, "rating"),
        (40.0, "rating"),
    ]
    assert _read(_table("250")) == ([(250.0, "rating")], [])
    # zeros and text say nothing about the scale; text still goes on to the validator
    assert _read(_table("0", "0", "0.5", "n/a"))[0] == [
        (0.0, "percent"),
        (0.0, "percent"),
        (50.0, "percent"),
        ("n/a", "percent"),
    ]


def test_an_explicit_scale_wins_and_its_strays_are_rejected() -> None:
    rows, reasons = _read(_table("0.3", "0.5"), scale="percent")
    assert rows == [(0.3, "percent"), (0.5, "percent")] and reasons == []
    rows, reasons = _read(_table("30", "150", "inf"), scale="percent")
    assert rows == [(30.0, "percent")]
    assert reasons == [
        "score '150' contradicts the table's scale, percent (0-100) (given by the source's "
        "'scale' option)",
        "score 'inf' is not a finite number; the table is read as percent (0-100) (given by the "
        "source's 'scale' option)",
    ]
    assert _read(_table("30", "1500"), scale="rating") == (
        [(30.0, "rating"), (1500.0, "rating")],
        [],
    )


def test_internal_runs_are_fractions_whatever_a_stray_says() -> None:
    data = (
        b"Model version,Best score (across scorers),Release date,stderr,Started at\n"
        b"a,0.5,2024-12-01,0.01,2025-01-02T10:00:00Z\n"
        b"b,62,2024-12-01,0.01,2025-01-02T10:00:00Z\n"
        b"c,nan,2024-12-01,0.01,2025-01-02T10:00:00Z\n"
    )
    rows, reasons = _read(data)
    assert rows == [(50.0, "percent")]
    assert reasons[0].startswith(
        "score '62' contradicts the table's scale, fractions (0-1) (an Epoch evaluation run"
    )
    assert reasons[1].startswith("score 'nan' is not a finite number")


# -- an oversized field rejects its record, not the file ---------------------------------------

HUGE = csv.field_size_limit() + 10  # over the csv module's own limit


@pytest.mark.parametrize(
    "cell",
    [
        "x" * HUGE,
        "x" * (CELL_LIMIT + 1),
        ("line of notes\n" * (HUGE // 14 + 1)),
        'a "quoted" note, with commas\n' * (CELL_LIMIT // 28 + 1),
    ],
    ids=["over-csv-limit", "over-cell-limit", "multiline", "quotes"],
)
def test_an_oversized_epoch_cell_rejects_its_row_only(
    tmp_path: Path, cell: str, stored_clean: dict
) -> None:
    db, src = tmp_path / "brief.duckdb", _source(tmp_path / "live_bench_external.csv")
    data = _livebench(**{GEMINI: {"Notes": cell}})
    parsed = epoch.parse(data, "e", benchmark="livebench")
    assert parsed.count("scores") == CLEAN.count("scores") - 1
    assert [r["source_name"] for r in parsed.rows["scores"]] == [
        r["source_name"] for r in CLEAN.rows["scores"] if r["source_name"] != GEMINI
    ]
    assert len(parsed.rejects) == len(CLEAN.rejects) + 1

    result = _ingest(db, src, "run-1", data)
    assert result.ok and result.rows_new == len(stored_clean) - 1
    assert _scores(db) == {k: v for k, v in stored_clean.items() if k != GEMINI}
    ((reason, raw),) = [r for r in _rejects(db) if r[0].startswith("line 2:")]
    assert GEMINI in raw and len(raw) < 600 and "characters" in reason
    assert "over the limit" in reason or "cannot be read as CSV" in reason


def test_an_oversized_header_is_no_table(tmp_path: Path) -> None:
    data = b"Model version,Score,Release date," + b"x" * HUGE + b"\nm,50,2025-01-01,\n"
    parsed = epoch.parse(data, "e", benchmark="b")
    assert parsed.count("scores") == 0
    assert parsed.rejects[0]["reason"].startswith(
        "not an Epoch benchmark table (no 'Model version' column: line 1: "
    )
    with pytest.raises(canonical.HeaderError, match="header cannot be read: line 1"):
        canonical.parse(b"model," + b"y" * HUGE + b"\n", "c", kind="prices")


def test_an_oversized_canonical_cell_rejects_its_row_only(tmp_path: Path) -> None:
    db, path = tmp_path / "brief.duckdb", tmp_path / "prices.csv"
    src = Source(id="house", kind="prices", format="canonical", path=path)
    path.write_text(
        "model,provider,effective_from,input,output,source_name\n"
        "m1,acme,2025-01-01,1,2,\n"
        f'm2,acme,2025-01-01,1,2,"{"z" * HUGE}"\n'
        f"m3,acme,2025-01-01,1,2,{'z' * (CELL_LIMIT + 1)}\n"
        "m4,acme,2025-01-01,1,2,\n"
    )
    result = ingest_source(db, src, "run-1", NOW)
    assert result.ok and (result.rows_new, result.rejected) == (2, 2)
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT model FROM prices ORDER BY 1").fetchall() == [("m1",), ("m4",)]
    (r2, raw2), (r3, raw3) = _rejects(db)
    assert r2.startswith("line 3: a cell of") or r2.startswith("line 3: cannot be read as CSV")
    assert r3 == f"line 4: a cell of {CELL_LIMIT + 1} characters, over the limit of {CELL_LIMIT}"
    assert raw2.startswith("m2,acme,2025-01-01,1,2,") and len(raw2) < 600
    assert raw3.startswith("m3,acme,2025-01-01,1,2,zzz") and len(raw3) < 600


def test_csv_records_keep_lines_and_read_past_a_bad_record() -> None:
    text = 'h1,h2\n"a\nb",1\n\nc,2\nd,"' + "q" * HUGE + '"\ne,"x ""quoted""\nline",3\nf,4\n'
    records = csv_records(text)
    assert [(r.line, r.fields) for r in records if r.fields is not None] == [
        (1, ["h1", "h2"]),
        (2, ["a\nb", "1"]),
        (4, []),
        (5, ["c", "2"]),
        (7, ["e", 'x "quoted"\nline', "3"]),
        (9, ["f", "4"]),
    ]
    (bad,) = [r for r in records if r.fields is None]
    assert bad.line == 6 and bad.problem.startswith("line 6: cannot be read as CSV")
    assert len(bad.excerpt) < 400
    assert [r.fields for r in csv_records("a,b\r\nc,d\r\n")] == [["a", "b"], ["c", "d"]]


# -- a stored score whose scale changes is a change of meaning ---------------------------------


def test_a_scale_change_is_counted_as_a_change_of_meaning(tmp_path: Path) -> None:
    db, path = tmp_path / "brief.duckdb", tmp_path / "live_bench_external.csv"
    path.write_bytes(LIVEBENCH.read_bytes())
    first = _ingest(db, _source(path), "run-1")
    assert first.meaning_changed == 0
    as_rating = _ingest(db, _source(path, scale="rating"), "run-2")
    assert as_rating.rows_updated == first.rows_new == as_rating.meaning_changed
    with duckdb.connect(str(db), read_only=True) as con:  # no column for it in this schema yet
        columns = {
            r[0]
            for r in con.execute(
                "SELECT column_name FROM duckdb_columns() WHERE table_name = 'source_runs'"
            ).fetchall()
        }
    if "meaning_changed" not in columns:
        with duckdb.connect(str(db)) as con:
            con.execute("ALTER TABLE source_runs ADD COLUMN meaning_changed INTEGER")
    back = _ingest(db, _source(path), "run-3")
    assert back.meaning_changed == back.rows_updated == first.rows_new
    with duckdb.connect(str(db), read_only=True) as con:
        stored = con.execute(
            "SELECT run_id, meaning_changed FROM source_runs ORDER BY run_id"
        ).fetchall()
    assert stored[-1] == ("run-3", first.rows_new)
    # a value edited in the same scale is an update, not a change of meaning
    edited = _ingest(db, _source(path), "run-4", _livebench(**{GEMINI: {"Global average": "81"}}))
    assert (edited.rows_updated, edited.meaning_changed) == (1, 0)
