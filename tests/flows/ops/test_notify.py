"""A failed run, a partial one and a missed day are notified to the [notify] URLs (a real
loopback receiver of apprise's json:// posts): once, naming the run, the day, the error and the
failed sources; a completed day stays silent."""

from __future__ import annotations

import tomllib
from datetime import date
from pathlib import Path

import pytest

from flows.daily import daily_brief
from flows.pipeline import summary_markdown

DAY = date(2025, 8, 8)


@pytest.fixture
def sources(bundled: Path) -> list[dict]:
    """Two bundled sources, prices and scores."""
    with (bundled / "brief.toml").open("rb") as fh:
        chosen = [
            dict(s)
            for s in tomllib.load(fh)["sources"]
            if s["id"] in ("house-prices", "house-scores")
        ]
    for src in chosen:
        src["path"] = str((bundled / src["path"]).resolve())
    return chosen


def _with_notify(path: Path, urls: list[str], on: list[str], extra: str = "") -> Path:
    """The configuration with a [notify] table (and top-level `extra` lines first)."""
    text = path.read_text()
    notify = f'[notify]\nurls = {urls!r}\non = {on!r}\nmissed_after = "08:00"\n'.replace("'", '"')
    path.write_text(extra + text + notify)
    return path


def test_a_failed_run_posts_one_notification_with_the_run_and_its_error(
    prefect_server, make_config, sources, notify_receiver, tmp_path: Path
) -> None:
    broken = tmp_path / "templates" / "brief"
    broken.mkdir(parents=True)
    (broken / "brief.txt.j2").write_text("{{ 1 // 0 }}\n")
    cfg = _with_notify(
        make_config(tmp_path, sources=sources),
        [notify_receiver.url("/runs")],
        ["failed"],
        extra='templates = "templates"\n',
    )
    with pytest.raises(ZeroDivisionError):
        daily_brief(edition_date=DAY, config_path=str(cfg))
    [(path, body)] = notify_receiver.posts
    assert path == "/runs"
    assert "2025-08-08" in body["title"] and "failed" in body["title"]
    import duckdb

    with duckdb.connect(str(tmp_path / "brief.duckdb"), read_only=True) as con:
        run_id, error = con.execute("SELECT run_id, error FROM runs").fetchone()
        stages = con.execute("SELECT stage, ok FROM run_stages ORDER BY started_at").fetchall()
    assert f"Run: {run_id}" in body["message"]
    assert "ZeroDivisionError" in body["message"] and "ZeroDivisionError" in error
    assert stages == [("ingest", True), ("signals", True), ("render", False)]


def test_a_run_that_cannot_open_its_store_is_notified_by_brief_run(
    brief, make_config, sources, notify_receiver, tmp_path: Path
) -> None:
    (tmp_path / "brief.duckdb").mkdir()  # the store's path is a folder: it cannot be opened
    cfg = _with_notify(make_config(tmp_path, sources=sources), [notify_receiver.url()], ["failed"])
    result = brief("run", "--date", DAY.isoformat(), "--config", str(cfg), cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    [(_, body)] = notify_receiver.posts
    assert "2025-08-08" in body["title"]
    assert "the store cannot be opened" in body["message"]
    assert "Run: (not started)" in body["message"]


def test_a_partial_run_is_notified_then_check_missed_stays_silent_for_its_day(
    prefect_server, brief, make_config, sources, notify_receiver, fault_server, tmp_path: Path
) -> None:
    broken = {
        "id": "down",
        "kind": "prices",
        "format": "canonical",
        "url": fault_server.url("/500"),
    }
    cfg = _with_notify(
        make_config(
            tmp_path,
            sources=[*sources, broken],
            fetch={"allow_private_hosts": ["127.0.0.1"], "retries": 0},
        ),
        [notify_receiver.url()],
        ["partial", "missed"],
    )
    summary = daily_brief(edition_date=DAY, config_path=str(cfg))
    assert [s.source_id for s in summary.failed] == ["down"]
    [(_, body)] = notify_receiver.posts
    assert "some sources failed" in body["title"]
    assert f"Run: {summary.run_id}" in body["message"]
    assert "- down: " in body["message"]
    # each stage's time and counts: in the store, and in the run's Prefect artifact
    import duckdb

    with duckdb.connect(str(tmp_path / "brief.duckdb"), read_only=True) as con:
        stored = con.execute(
            "SELECT stage, count, ok, seconds >= 0 FROM run_stages WHERE run_id = ? "
            "ORDER BY started_at",
            [summary.run_id],
        ).fetchall()
    assert stored == [
        ("ingest", 3, True, True),
        ("signals", summary.estimates, True, True),
        ("render", len(summary.outputs), True, True),
        ("snapshot", 1, True, True),
    ]
    assert [(st.stage, st.count) for st in summary.stages] == [s[:2] for s in stored]
    markdown = summary_markdown(summary)
    assert "| stage | seconds | count | detail |" in markdown
    assert "| ingest |" in markdown and "3 sources, 1 failed" in markdown

    # the day has a completed run: nothing to say
    done = brief("check-missed", "--date", DAY.isoformat(), "--config", str(cfg), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert summary.run_id in done.stdout
    assert len(notify_receiver.posts) == 1
    # the next day has none: missed, and notified once
    missed = brief("check-missed", "--date", "2025-08-09", "--config", str(cfg), cwd=tmp_path)
    assert missed.returncode == 1, missed.stdout
    assert "no run of the 2025-08-09 edition completed by 08:00" in missed.stderr
    [_, (_, body)] = notify_receiver.posts
    assert "2025-08-09" in body["title"] and "no run completed" in body["title"]
    assert "no run of this edition was started" in body["message"]


def test_check_missed_before_the_deadline_and_with_no_store(
    brief, make_config, sources, notify_receiver, tmp_path: Path
) -> None:
    cfg = _with_notify(make_config(tmp_path, sources=sources), [notify_receiver.url()], ["missed"])
    future = brief("check-missed", "--date", "2999-01-01", "--config", str(cfg), cwd=tmp_path)
    assert future.returncode == 0, future.stderr
    assert "not due until 08:00" in future.stdout
    assert notify_receiver.posts == []
    past = brief("check-missed", "--date", "2025-08-08", "--config", str(cfg), cwd=tmp_path)
    assert past.returncode == 1
    [(_, body)] = notify_receiver.posts
    assert "no run has ever completed" in body["message"]
