"""The daily flow end to end on the bundled sources: real DuckDB file, real Prefect flow runs."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import duckdb
import pytest

from flows.daily import daily_brief
from flows.review.state import read_state

DAY = date(2025, 8, 8)  # the day after GPT-5's release: the bundled sample edition
KEPT_TABLES = (
    "prices",
    "scores",
    "run_costs",
    "profiles",
    "entries",
    "rejects",
    "estimates",
    "signals",
    "editions",
    "_migrations",
)


def _counts(db: Path) -> dict[str, int]:
    with duckdb.connect(str(db), read_only=True) as con:
        return {t: con.execute(f"SELECT count(*) FROM {t}").fetchall()[0][0] for t in KEPT_TABLES}


@pytest.fixture(scope="module")
def sample_run(make_config, tmp_path_factory, prefect_server):
    """The sample edition made twice in one folder: (config, first summary, second summary,
    table counts after each run, file bytes after each run)."""
    folder = tmp_path_factory.mktemp("daily")
    cfg = make_config(folder)
    first = daily_brief(edition_date=DAY, config_path=str(cfg))
    counts1 = _counts(folder / "brief.duckdb")
    files1 = {k: Path(v).read_bytes() for k, v in first.outputs.items()}
    second = daily_brief(edition_date=DAY, config_path=str(cfg))
    counts2 = _counts(folder / "brief.duckdb")
    files2 = {k: Path(v).read_bytes() for k, v in second.outputs.items()}
    return folder, first, second, (counts1, counts2), (files1, files2)


def test_every_bundled_source_is_read(sample_run) -> None:
    _, first, *_ = sample_run
    assert [s.source_id for s in first.failed] == []
    by_id = {s.source_id: s for s in first.sources}
    assert by_id["aider-polyglot"].rows_by_kind["run_costs"] > 0
    assert by_id["genai-prices"].rows_new > 1000
    assert by_id["hf-blog"].rows_new > 0


def test_brief_has_signals_decision_checks_and_pending(sample_run) -> None:
    folder, first, *_ = sample_run
    assert first.items >= 3 and first.pending >= 1
    md = Path(first.outputs["md"]).read_text()
    txt = Path(first.outputs["txt"]).read_text()
    html = Path(first.outputs["html"]).read_text()
    for text in (md, txt, html):
        assert text.lower().count("capability measured") >= 3
        assert "without a comparable grade or bill yet" in text.lower()
    assert Path(first.outputs["md"]).parent == folder / "out" / DAY.isoformat()


def test_sample_edition_matches_its_golden_file(sample_run, repo_root: Path) -> None:
    """The sample edition as a reader gets it (regenerate with UPDATE_GOLDEN=1, then read the
    diff: it is the brief of 8 August 2025 on the bundled data)."""
    import os

    _, first, *_ = sample_run
    md = Path(first.outputs["md"]).read_text()
    golden = repo_root / "tests" / "golden" / "sample-2025-08-08.md"
    if os.environ.get("UPDATE_GOLDEN") == "1":
        golden.write_text(md)
    assert md == golden.read_text(), "regenerate with UPDATE_GOLDEN=1 and review the diff"


def test_show_json_is_the_edition_shape(sample_run) -> None:
    """`brief show DATE --json` (signal-model section 8): every item's comparisons are
    comparable, no incumbent was first known inside the window, the GPT-5 family has an item."""
    from typer.testing import CliRunner

    from flows.cli import app
    from flows.config import load_config
    from flows.store.db import open_store
    from flows.store.facts import load_facts

    folder, *_ = sample_run
    cfg_path = folder / "brief.toml"
    result = CliRunner().invoke(app, ["show", DAY.isoformat(), "--json", "--config", str(cfg_path)])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert list(doc)[:7] == [
        "edition_date",
        "status",
        "revision",
        "window",
        "items",
        "pending",
        "sources",
    ]
    # the second run's draft is current: no editor had touched the first
    assert doc["status"] == "draft" and doc["revision"] == 2
    window_from = date.fromisoformat(doc["window"]["from"])
    assert doc["window"]["to"] == DAY.isoformat()
    cfg = load_config(cfg_path)
    with open_store(cfg.database, read_only=True) as con:
        facts = load_facts(con, cfg)
    assert doc["items"]
    for item in doc["items"]:
        assert set(item) == {
            "kind",
            "model",
            "headline",
            "verdict",
            "strength",
            "buyer_behaviour",
            "comparisons",
            "sources",
        }
        for c in item["comparisons"]:
            assert c["comparable"] and c["benchmark"]
            assert (
                c["candidate_metrics"]["benchmark"]
                == c["baseline_metrics"]["benchmark"]
                == c["benchmark"]
            )
            if c["baseline_role"] != "previous_price":  # a repricing compares one model
                assert facts.first_known(c["baseline"]) <= window_from
            if c["baseline_role"] == "incumbent":
                assert (window_from - facts.first_known(c["baseline"])).days >= 14
    assert any(i["model"].startswith("gpt-5") for i in doc["items"])
    assert {s["status"] for s in doc["sources"]} <= {"fetched", "unchanged", "failed"}


def test_rerun_adds_no_rows_and_writes_identical_files(sample_run) -> None:
    _, first, second, (counts1, counts2), (files1, files2) = sample_run
    assert counts1 == counts2
    assert files1 == files2
    assert second.sources and all(s.rows_new == 0 for s in second.sources)


def test_stored_draft_and_signals(sample_run) -> None:
    folder, first, *_ = sample_run
    with duckdb.connect(str(folder / "brief.duckdb"), read_only=True) as con:
        content, md = con.execute(
            "SELECT content, markdown FROM editions WHERE edition_date = ?", [DAY]
        ).fetchall()[0]
        runs = con.execute("SELECT status, signals FROM runs ORDER BY started_at").fetchall()
        sig = con.execute(
            "SELECT comparison FROM signals WHERE edition_date = ? LIMIT 1", [DAY]
        ).fetchall()[0][0]
        migrations = [
            r[0] for r in con.execute("SELECT name FROM _migrations ORDER BY name").fetchall()
        ]
    # the second run's draft replaced the first, which no editor had touched
    found = read_state(folder / "review.sqlite", DAY)
    assert found is not None and (found.state, found.current_revision) == ("draft", 2)
    assert md == Path(first.outputs["md"]).read_text()
    assert len(json.loads(content)["items"]) == first.items
    assert [r[0] for r in runs] == ["ok", "ok"]
    assert set(json.loads(sig)) >= {
        "as_of",
        "verdict",
        "reads",
        "attribution",
        "candidate_metrics",
        "baseline_metrics",
    }
    assert migrations == sorted(migrations) and len(migrations) >= 3


def test_failing_and_bad_sources_are_recorded_and_the_rest_goes_on(
    bundled, make_config, tmp_path: Path, prefect_server
) -> None:
    bad_csv = tmp_path / "prices.csv"
    bad_csv.write_text(
        "model,provider,effective_from,input,cached_input,cache_write,output,reasoning,request,"
        "tier_threshold_tokens,input_above,output_above\n"
        "house-model,house,2025-08-01,1,,,4,,,,,\n"
        "house-model,house,2025-08-02,one dollar,,,4,,,,,\n"
        "house-model,house,2025-08-03,-2,,,4,,,,,\n"
        "house-model,house,not-a-date,1,,,4,,,,,\n"
    )
    junk = tmp_path / "junk.xml"
    junk.write_bytes(bytes(range(256)) * 4)
    sources = [
        {"id": "house-prices", "kind": "prices", "format": "canonical", "path": str(bad_csv)},
        {"id": "gone", "kind": "feed", "format": "feed", "path": str(tmp_path / "missing.xml")},
        {"id": "junk", "kind": "feed", "format": "feed", "path": str(junk)},
        {
            "id": "mistral",
            "kind": "feed",
            "format": "feed",
            "path": str(bundled / "sources" / "feeds" / "feed_mistral.xml"),
        },
    ]
    cfg = make_config(tmp_path, sources=sources)
    summary = daily_brief(edition_date=DAY, config_path=str(cfg))
    by_id = {s.source_id: s for s in summary.sources}
    assert not by_id["gone"].ok and "file not found" in by_id["gone"].reason
    assert by_id["mistral"].ok and by_id["mistral"].rows_new > 0
    assert by_id["house-prices"].ok and by_id["house-prices"].rows_new == 1
    with duckdb.connect(str(tmp_path / "brief.duckdb"), read_only=True) as con:
        reasons = [
            r[0]
            for r in con.execute(
                "SELECT reason FROM rejects WHERE source_id = 'house-prices' ORDER BY reason"
            ).fetchall()
        ]
        junk_rejects = con.execute(
            "SELECT count(*) FROM rejects WHERE source_id = 'junk'"
        ).fetchall()[0][0]
        failed = con.execute("SELECT source_id, reason FROM source_runs WHERE NOT ok").fetchall()
    assert any("'one dollar' is not a number" in r for r in reasons)
    assert any("negative price" in r for r in reasons)
    assert any("'not-a-date' is not a date" in r for r in reasons)
    assert by_id["junk"].ok is False or junk_rejects >= 1
    assert ("gone", by_id["gone"].reason) in failed
    assert summary.status == "partial"
    txt = Path(summary.outputs["txt"]).read_text()
    assert "gone" in txt  # the brief lists the source that failed


def test_a_run_that_breaks_is_recorded_as_failed_with_its_error(
    bundled, make_config, tmp_path: Path, prefect_server
) -> None:
    from flows.pipeline import ABANDONED

    sources = [
        {
            "id": "mistral",
            "kind": "feed",
            "format": "feed",
            "path": str(bundled / "sources" / "feeds" / "feed_mistral.xml"),
        }
    ]
    cfg = make_config(tmp_path, sources=sources)
    (tmp_path / "out").write_text("a file where the briefs' folder should be")
    db = tmp_path / "brief.duckdb"
    with duckdb.connect(str(db)) as con:  # a run whose process died long ago
        from flows.store.db import migrate

        migrate(con)
        con.execute(
            "INSERT INTO runs (run_id, edition_date, config_path, started_at, status) "
            "VALUES ('dead', DATE '2025-08-07', 'x', TIMESTAMPTZ '2025-08-07 06:00Z', "
            "'running')"
        )
    with pytest.raises(Exception, match="out"):
        daily_brief(edition_date=DAY, config_path=str(cfg))
    with duckdb.connect(str(db), read_only=True) as con:
        runs = dict(
            (r[0], r[1:])
            for r in con.execute(
                "SELECT run_id, status, error, finished_at IS NOT NULL FROM runs"
            ).fetchall()
        )
        entries = con.execute("SELECT count(*) FROM entries").fetchall()[0][0]
    assert runs.pop("dead") == ("failed", ABANDONED, True)
    ((status, error, finished),) = runs.values()
    assert status == "failed" and finished and "out" in error
    assert entries > 0  # what was ingested before the failure is kept
