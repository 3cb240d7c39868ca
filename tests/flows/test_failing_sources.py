"""A source that fails day after day is flagged, with the count, in the brief's source line and
the run summary, from the configured number of days on; one good read ends the run of days."""

from __future__ import annotations

import shutil
import tomllib
from datetime import date
from pathlib import Path

import duckdb

from flows.daily import daily_brief

DAY = date(2025, 8, 8)


def _one_bundled_feed(data: Path) -> dict:
    """A bundled feed source: a small source set keeps each day's run short."""
    with (data / "brief.toml").open("rb") as fh:
        sources = tomllib.load(fh)["sources"]
    feed = next(s for s in sources if s["kind"] == "feed")
    return dict(feed, path=str((data / feed["path"]).resolve()))


def _a_day_passes(db: Path) -> None:
    """Move every recorded read one day back, as if the runs so far were on earlier days."""
    with duckdb.connect(str(db)) as con:
        con.execute("UPDATE source_runs SET fetched_at = fetched_at - INTERVAL 1 DAY")


def test_a_source_failing_day_after_day_is_flagged(
    make_config, bundled: Path, tmp_path: Path, prefect_server
) -> None:
    feed = tmp_path / "lab.xml"  # absent at first: the source fails
    gone = {"id": "lab-feed", "kind": "feed", "format": "feed", "path": str(feed)}
    cfg = make_config(tmp_path, [_one_bundled_feed(bundled), gone], flag_failing_source_days=3)
    db = tmp_path / "brief.duckdb"

    def run() -> tuple[str, list[str]]:
        summary = daily_brief(edition_date=DAY, config_path=str(cfg))
        assert [s.source_id for s in summary.failed] == ([] if feed.exists() else ["lab-feed"])
        return Path(summary.outputs["md"]).read_text(), summary.warnings

    for _ in range(2):  # two days failing: below the threshold, named as failed only
        brief, warnings = run()
        assert "lab-feed" in brief and "days in a row" not in brief
        assert not any("days in a row" in w for w in warnings)
        _a_day_passes(db)
    brief, warnings = run()  # the third day
    assert "failing 3 days in a row" in brief
    assert any(w.startswith("source lab-feed has failed 3 days in a row: ") for w in warnings)
    run()  # a second run on the same day is the same day
    brief, warnings = run()
    assert "failing 3 days in a row" in brief
    _a_day_passes(db)
    assert "failing 4 days in a row" in run()[0]

    _a_day_passes(db)  # the feed comes back: read, and the days in a row end
    shutil.copy(bundled / "sources" / "feeds" / "feed_anthropic_news.xml", feed)
    brief, warnings = run()
    assert "days in a row" not in brief and not any("days in a row" in w for w in warnings)
    _a_day_passes(db)
    feed.unlink()  # failing again: counted from one
    brief, _ = run()
    assert "lab-feed" in brief and "days in a row" not in brief
