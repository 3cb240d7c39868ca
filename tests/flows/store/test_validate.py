"""Canonical CSV validation: bad rows go to rejects with their reason, good rows are typed."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

from flows.sources.adapters import canonical
from flows.store.validate import Checked, check, rows_to_text_table

HEADER = (
    "model,provider,effective_from,input,cached_input,cache_write,output,reasoning,request,"
    "tier_threshold_tokens,input_above,output_above\n"
)


def _read(tmp_path: Path, body: str, kind: str = "prices", header: str = HEADER) -> Checked:
    """A canonical CSV through its adapter and the validator, as a source would go."""
    parsed = canonical.parse((header + body).encode(), "house", kind=kind)
    checked = check(duckdb.connect(), kind, rows_to_text_table(kind, parsed.rows.get(kind, [])))
    checked.rejects[:0] = parsed.rejects
    return checked


def test_good_rows_are_cast(tmp_path: Path) -> None:
    checked = _read(tmp_path, "m1,acme,2025-01-02,2.5,0.25,,10,,0.001,200000,5,20\n")
    assert checked.rejects == []
    (row,) = checked.good.to_pylist()
    assert row["effective_from"] == date(2025, 1, 2)
    assert row["input"] == 2.5 and row["cached_input"] == 0.25 and row["cache_write"] is None
    assert row["tier_threshold_tokens"] == 200000 and row["output_above"] == 20.0


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("m,acme,2025-01-02,abc,,,10,,,,,", "input: 'abc' is not a number"),
        ("m,acme,2025-01-02,-1,,,10,,,,,", "input: negative price"),
        ("m,acme,someday,1,,,10,,,,,", "effective_from: 'someday' is not a date (YYYY-MM-DD)"),
        ("m,acme,2025-02-30,1,,,10,,,,,", "effective_from: '2025-02-30' is not a date"),
        ("m,acme,,1,,,10,,,,,", "effective_from: missing"),
        ("m,acme,2025-01-02,0.0000025,,,10,,,,,", "input: looks like USD per token"),
        (",acme,2025-01-02,1,,,10,,,,,", "model: missing"),
        ("m,,2025-01-02,1,,,10,,,,,", "provider: missing"),
        ("m,acme,2025-01-02,1,,,10,,,-5,,", "tier_threshold_tokens: must be positive"),
    ],
)
def test_bad_rows_are_rejected_with_reason(tmp_path: Path, line: str, reason: str) -> None:
    good_line = "ok,acme,2025-01-02,1,,,2,,,,,"
    checked = _read(tmp_path, f"{good_line}\n{line}\n")
    assert [r["model"] for r in checked.good.to_pylist()] == ["ok"]
    (rej,) = checked.rejects
    assert reason in rej["reason"]
    assert rej["kind"] == "prices"
    assert line.split(",")[3] in rej["raw"]  # the raw values are kept


def test_malformed_line_is_rejected_and_the_rest_read(tmp_path: Path) -> None:
    checked = _read(
        tmp_path,
        "a,acme,2025-01-02,1,,,2,,,,,\nb,acme,2025-01-02,1,2\nc,acme,2025-01-03,1,,,2,,,,,\n",
    )
    assert [r["model"] for r in checked.good.to_pylist()] == ["a", "c"]
    (rej,) = checked.rejects
    assert "line" in rej["reason"] and "b,acme" in rej["raw"]


@pytest.mark.parametrize("size", [canonical.CELL_LIMIT + 1, 200_000])  # ours; the csv module's
def test_an_oversized_cell_is_rejected_and_the_rest_read(tmp_path: Path, size: int) -> None:
    checked = _read(
        tmp_path,
        f"a,acme,2025-01-02,1,,,2,,,,,\nb,acme,2025-01-02,1,,,2,,,,,"
        f"{'9' * size}\nc,acme,2025-01-03,1,,,2,,,,,\n",
    )
    assert [r["model"] for r in checked.good.to_pylist()] == ["a", "c"]
    (rej,) = checked.rejects
    assert rej["reason"].startswith("line 3: ") and "characters" in rej["reason"]
    assert rej["raw"].startswith("b,acme,2025-01-02,1,,,2,,,,,999") and len(rej["raw"]) < 600


def test_missing_required_column_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="lacks required columns"):
        _read(tmp_path, "m,2025-01-01,1\n", header="model,as_of,input\n")


def test_score_rules() -> None:
    rows = [
        {"model": "m", "benchmark": "b", "as_of": "2025-01-01", "value": 55, "scale": "percent"},
        {"model": "m", "benchmark": "b", "as_of": "2025-01-01", "value": 155, "scale": "percent"},
        {"model": "m", "benchmark": "b", "as_of": "2025-01-01", "value": 1300, "scale": "rating"},
        {"model": "m", "benchmark": "b", "as_of": "2025-01-01", "value": 5, "scale": "stars"},
    ]
    checked = check(duckdb.connect(), "scores", rows_to_text_table("scores", rows))
    assert [r["value"] for r in checked.good.to_pylist()] == [55.0, 1300.0]
    reasons = [r["reason"] for r in checked.rejects]
    assert reasons == [
        "value: a percent score must lie in 0-100",
        "scale: must be 'percent' or 'rating'",
    ]


def test_a_score_without_scale_is_a_percent() -> None:
    rows = [{"model": "m", "benchmark": "b", "as_of": "2025-01-01", "value": 55}]
    checked = check(duckdb.connect(), "scores", rows_to_text_table("scores", rows))
    assert [r["scale"] for r in checked.good.to_pylist()] == ["percent"]


def test_run_cost_rules() -> None:
    rows = [
        {
            "model": "m",
            "benchmark": "b",
            "as_of": "2025-01-01",
            "total_cost_usd": 3,
            "tasks": 10,
            "solved": 12,
        }
    ]
    checked = check(duckdb.connect(), "run_costs", rows_to_text_table("run_costs", rows))
    assert checked.good.num_rows == 0
    assert checked.rejects[0]["reason"] == "solved: more than the tasks run"


# -- whatever a source sends, a row that passes validation fits its table ---------------------

HOSTILE = [
    None,
    "",
    " ",
    "0",
    "-1",
    "-0.0",
    "1.5",
    "55",
    "100",
    "101",
    "10001",
    "1e-9",
    "1e400",
    "nan",
    "NaN",
    "inf",
    "-inf",
    "2147483648",
    "9223372036854775808",
    "abc",
    "true",
    "2025-01-01",
    "2025-02-30",
    "0001-01-01",
    "9999-12-31",
    "-0044-03-15",
    "infinity",
    "2025-01-01T10:00:00+02:00",
    "percent",
    "rating",
    "x" * 5000,
    "’quoted’ \x00 nul",
]


@pytest.fixture(scope="module")
def fact_store(tmp_path_factory):
    from flows.store.db import open_store

    with open_store(tmp_path_factory.mktemp("fuzz") / "s.duckdb") as con:
        yield con


@pytest.mark.parametrize(
    "kind", ["prices", "scores", "run_costs", "profiles", "entries", "trace_summaries"]
)
def test_rows_that_pass_validation_always_fit_their_table(kind: str, fact_store) -> None:
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    from flows.store.load import insert_facts
    from flows.store.schema import SPECS

    names = [f.name for f in SPECS[kind]]
    row = st.fixed_dictionaries({n: st.sampled_from(HOSTILE) for n in names})
    run = iter(range(10**6))

    @settings(
        max_examples=60,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture],
    )
    @given(rows=st.lists(row, min_size=1, max_size=8))
    def check_and_insert(rows: list[dict]) -> None:
        table = rows_to_text_table(kind, rows)
        table = table.append_column("source_id", pa.array(["fuzz"] * table.num_rows))
        checked = check(fact_store, kind, table)
        for good in checked.good.to_pylist():
            for f in SPECS[kind]:
                value = good[f.name]
                assert not (isinstance(value, float) and not math.isfinite(value)), (f.name, value)
        fact_store.execute("BEGIN TRANSACTION")
        try:
            insert_facts(
                fact_store,
                kind,
                checked.good,
                f"fuzz-{next(run)}",
                datetime(2025, 1, 1, tzinfo=UTC),
            )
        finally:
            fact_store.execute("ROLLBACK")

    check_and_insert()


VALID = {
    "prices": {
        "model": "m",
        "provider": "p",
        "effective_from": "2025-01-01",
        "input": "1",
        "output": "2",
    },
    "scores": {
        "model": "m",
        "benchmark": "b",
        "as_of": "2025-01-01",
        "value": "50",
        "scale": "rating",
    },
    "run_costs": {
        "model": "m",
        "benchmark": "b",
        "as_of": "2025-01-01",
        "total_cost_usd": "3",
        "tasks": "10",
        "solved": "5",
    },
    "profiles": {"model": "m"},
    "trace_summaries": {
        "workload": "w",
        "requests": "10",
        "span_s": "60",
        "prompt_tokens_mean": "100",
        "prompt_tokens_p95": "200",
        "output_tokens_mean": "10",
        "output_tokens_p95": "20",
        "requests_per_day": "1000",
    },
}


@pytest.mark.parametrize(
    ("kind", "field", "value"),
    [
        (kind, f.name, value)
        for kind in VALID
        for f in __import__("flows.store.validate", fromlist=["SPECS"]).SPECS[kind]
        if f.type in ("DOUBLE", "BIGINT", "INTEGER")
        for value in (
            "nan",
            "inf",
            "-inf",
            "1e400",
            *(("2147483648",) if f.type == "INTEGER" else ()),
        )
    ],
)
def test_numbers_that_are_not_finite_or_do_not_fit_are_rejected(
    kind: str, field: str, value: str, fact_store
) -> None:
    checked = check(fact_store, kind, rows_to_text_table(kind, [{**VALID[kind], field: value}]))
    assert checked.good.num_rows == 0, checked.good.to_pylist()
    assert field in checked.rejects[0]["reason"]


@pytest.mark.parametrize("kind", list(VALID))
def test_the_valid_rows_used_above_are_valid(kind: str, fact_store) -> None:
    checked = check(fact_store, kind, rows_to_text_table(kind, [VALID[kind]]))
    assert checked.rejects == [] and checked.good.num_rows == 1


@pytest.mark.parametrize("value", ["infinity", "-infinity", "-0044-03-15", "10000-01-01"])
def test_dates_outside_the_calendar_are_rejected(value: str, fact_store) -> None:
    for kind, field in (("scores", "as_of"), ("entries", "published")):
        row = {**VALID.get(kind, {"entry_id": "e"}), field: value}
        checked = check(fact_store, kind, rows_to_text_table(kind, [row]))
        assert checked.good.num_rows == 0 and field in checked.rejects[0]["reason"], value
