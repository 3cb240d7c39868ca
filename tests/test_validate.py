"""Canonical CSV validation: bad rows go to rejects with their reason, good rows are typed."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pytest

from flows.adapters import canonical
from flows.validate import Checked, check, rows_to_text_table

HEADER = ("model,provider,effective_from,input,cached_input,cache_write,output,reasoning,request,"
          "tier_threshold_tokens,input_above,output_above\n")


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
    checked = _read(tmp_path, "a,acme,2025-01-02,1,,,2,,,,,\nb,acme,2025-01-02,1,2\n"
                              "c,acme,2025-01-03,1,,,2,,,,,\n")
    assert [r["model"] for r in checked.good.to_pylist()] == ["a", "c"]
    (rej,) = checked.rejects
    assert "line" in rej["reason"] and "b,acme" in rej["raw"]


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
    assert reasons == ["value: a percent score must lie in 0-100",
                       "scale: must be 'percent' or 'rating'"]


def test_a_score_without_scale_is_a_percent() -> None:
    rows = [{"model": "m", "benchmark": "b", "as_of": "2025-01-01", "value": 55}]
    checked = check(duckdb.connect(), "scores", rows_to_text_table("scores", rows))
    assert [r["scale"] for r in checked.good.to_pylist()] == ["percent"]


def test_run_cost_rules() -> None:
    rows = [{"model": "m", "benchmark": "b", "as_of": "2025-01-01", "total_cost_usd": 3,
             "tasks": 10, "solved": 12}]
    checked = check(duckdb.connect(), "run_costs", rows_to_text_table("run_costs", rows))
    assert checked.good.num_rows == 0
    assert checked.rejects[0]["reason"] == "solved: more than the tasks run"
