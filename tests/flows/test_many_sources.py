"""Thousands of sources through the real `brief ingest`: Prefect's cost stays per batch, its
services print nothing, and the summary fits a screen while the store keeps every source."""

from __future__ import annotations

import io
import json

import duckdb
from rich.console import Console

from flows.store.load import SourceResult
from flows.summary import FAILED_SHOWN, sources_summary

SOURCES = 2000


def test_ingest_of_two_thousand_feeds(brief, make_config, many_feeds, tmp_path) -> None:
    sources = many_feeds(tmp_path / "feeds", SOURCES)
    cfg = make_config(tmp_path, sources)
    done = brief("ingest", "-c", str(cfg), cwd=tmp_path)
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-3000:]
    assert "Traceback" not in output and "Error flushing" not in output, output[-3000:]
    lines = done.stdout.splitlines()
    assert len(lines) < 40, done.stdout
    assert any("2000" in line and "fetched" in line for line in lines), done.stdout
    with duckdb.connect(str(tmp_path / "brief.duckdb"), read_only=True) as con:
        runs = dict(con.execute("SELECT source_id, ok FROM source_runs").fetchall())
        entries = con.execute("SELECT count(DISTINCT source_id) FROM entries").fetchone()
    assert runs == {s["id"]: True for s in sources}
    assert entries == (SOURCES,)


def _result(n: int, ok: bool = True) -> SourceResult:
    return SourceResult(
        source_id=f"feed-{n:05d}",
        kind="feed",
        format="rss",
        location=f"/feeds/feed-{n:05d}.xml",
        ok=ok,
        reason=None if ok else f"cannot parse as rss: broken file {n}",
        fetch_status="fetched" if ok else "failed",
        rows_read=3 if ok else 0,
        rows_new=3 if ok else 0,
    )


def _render(results: list[SourceResult]) -> str:
    console = Console(width=100, record=True, file=io.StringIO())
    console.print(sources_summary(results, more="brief ingest --json"))
    return console.export_text()


def test_a_large_summary_lists_failed_sources_first_then_counts() -> None:
    failed = {7, 1500, 1999}
    text = _render([_result(n, ok=n not in failed) for n in range(SOURCES)])
    lines = text.splitlines()
    assert len(lines) < 40, text
    for n in failed:
        assert f"feed-{n:05d}" in text and f"broken file {n}" in text
    first_failed = min(i for i, line in enumerate(lines) if "feed-00007" in line)
    counts = next(i for i, line in enumerate(lines) if "by kind and outcome" in line)
    assert first_failed < counts
    assert any("1997" in line and "fetched" in line for line in lines[counts:]), text
    assert "feed-00008" not in text  # sources that were read are counted, not listed


def test_many_failed_sources_are_counted_past_the_first_few() -> None:
    text = _render([_result(n, ok=n >= 500) for n in range(SOURCES)])
    assert len(text.splitlines()) < 40, text
    assert f"and {500 - FAILED_SHOWN} more failed sources" in text
    assert "brief ingest --json" in text


def test_a_few_sources_get_one_line_each() -> None:
    text = _render([_result(n, ok=n != 3) for n in range(12)])
    assert all(f"feed-{n:05d}" in text for n in range(12))


def test_ingest_json_keeps_every_source(brief, make_config, many_feeds, tmp_path) -> None:
    sources = many_feeds(tmp_path / "feeds", 30)
    done = brief("ingest", "--json", "-c", str(make_config(tmp_path, sources)), cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    assert [r["source_id"] for r in json.loads(done.stdout)] == [s["id"] for s in sources]


def test_prefect_does_not_walk_through_a_runs_results() -> None:
    """Prefect looks through a flow's return value and a task's inputs for futures; a run's
    results are one opaque item to it, not 2,000 dataclasses of 16 fields each."""
    from prefect.utilities.collections import visit_collection

    from flows.store.load import SourceResults

    results = SourceResults(_result(n) for n in range(SOURCES))
    seen: list[object] = []
    visit_collection(results, visit_fn=seen.append, return_data=False)
    assert seen == [results]
    assert list(results) == [_result(n) for n in range(SOURCES)] and results[:2] == results[0:2]
