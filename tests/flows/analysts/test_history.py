"""The analysts' history: backfill against daily runs, the two clocks after a correction, and
the snapshot read while runs and backfills write."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from flows.analysts.backfill import backfill, days_between
from flows.config import load_config
from flows.pipeline import compute_edition, publish_draft

START, END = date(2025, 7, 10), date(2025, 8, 8)
COLUMNS = {
    "estimates": "* EXCLUDE (run_id)",
    "cheapest_viable": "*",
    "signals": "* EXCLUDE (run_id, comparison), CAST(comparison AS VARCHAR) AS comparison",
}


def _copy(ingested: Path, into: Path, make_config) -> Path:
    """A folder with its own configuration and a copy of the ingested store."""
    into.mkdir(parents=True, exist_ok=True)
    path = make_config(into)
    shutil.copy(ingested / "brief.duckdb", into / "brief.duckdb")
    return path


def _rows(db: Path, table: str, start: date, end: date) -> list[tuple]:
    day = "edition_date" if table == "signals" else "as_of"
    with duckdb.connect(str(db), read_only=True) as con:
        return sorted(
            con.execute(
                f"SELECT {COLUMNS[table]} FROM {table} WHERE {day} BETWEEN ? AND ?",
                [start, end],
            ).fetchall(),
            key=repr,
        )


def _cheapest_viable_is_current(db: Path) -> None:
    """The stored cheapest viable models are what the stored estimates say, day by day."""
    with duckdb.connect(str(db), read_only=True) as con:
        stored = con.execute("SELECT * FROM cheapest_viable ORDER BY ALL").fetchall()
        worked_out = con.execute(
            "SELECT as_of, workload, first(model ORDER BY cost_per_success, model), "
            "min(cost_per_success), count(*) FROM estimates "
            "WHERE viable AND cost_per_success IS NOT NULL GROUP BY ALL ORDER BY ALL"
        ).fetchall()
    assert stored and stored == worked_out


def test_a_backfill_stores_what_daily_runs_would(ingested, tmp_path: Path, make_config) -> None:
    daily = load_config(_copy(ingested, tmp_path / "daily", make_config))
    for day in days_between(START, END):  # one daily run a day: signals, then the draft
        edition, *_ = compute_edition(daily, day, f"daily-{day}", [])
        publish_draft(daily, edition, f"daily-{day}", datetime.now(UTC))
    filled = load_config(_copy(ingested, tmp_path / "filled", make_config))
    done = backfill(filled, START, END)
    assert done.days == 30 and done.estimates > 0 and done.signals > 0
    for table in COLUMNS:
        expected = _rows(daily.database, table, START, END)
        assert expected and _rows(filled.database, table, START, END) == expected, table
    _cheapest_viable_is_current(filled.database)
    with duckdb.connect(str(filled.database), read_only=True) as con:
        runs = con.execute("SELECT status, signals FROM runs WHERE run_id = ?", [done.run_id])
        assert runs.fetchall() == [("ok", done.signals)]


def test_a_backfill_of_one_workload_leaves_the_others(ingested, tmp_path, make_config) -> None:
    cfg = load_config(_copy(ingested, tmp_path, make_config))
    backfill(cfg, END, END)
    before = _rows(cfg.database, "estimates", END, END)
    again = backfill(cfg, END, END, ["support_chat"])
    after = _rows(cfg.database, "estimates", END, END)
    assert after == before and 0 < again.estimates < len(before)
    _cheapest_viable_is_current(cfg.database)
    with pytest.raises(ValueError, match="unknown workloads"):
        backfill(cfg, END, END, ["no_such_workload"])


LATE = """model,provider,effective_from,input,output,known_from,evidence_url
gpt-5-mini,house,2025-08-01,0.01,0.02,2025-08-20,https://house.example/correction
"""
LATE_SCORES = """model,benchmark,as_of,value,scale,evidence_url,known_from
claude-sonnet-4,swe-bench-verified,2025-08-01,99,percent,https://house.example/late,2025-08-21
"""


def test_a_correction_restates_without_moving_the_past(
    ingested, tmp_path: Path, make_config, bundled: Path, brief
) -> None:
    import tomllib

    with (bundled / "brief.toml").open("rb") as fh:
        sources = [dict(s) for s in tomllib.load(fh)["sources"]]
    for s in sources:
        if "path" in s:
            s["path"] = str((bundled / s["path"]).resolve())
    (tmp_path / "late-prices.csv").write_text(LATE)
    (tmp_path / "late-scores.csv").write_text(LATE_SCORES)
    shutil.copy(ingested / "brief.duckdb", tmp_path / "brief.duckdb")
    bare = load_config(make_config(tmp_path, sources))
    edition, *_ = compute_edition(bare, END, "daily", [])
    publish_draft(bare, edition, "daily", datetime.now(UTC))
    backfill(bare, END - timedelta(days=2), END)
    before = _rows(bare.database, "estimates", END - timedelta(days=2), END)
    late = [
        {
            "id": "house-late-prices",
            "kind": "prices",
            "format": "canonical",
            "path": "late-prices.csv",
        },
        {
            "id": "house-late-scores",
            "kind": "scores",
            "format": "canonical",
            "path": "late-scores.csv",
        },
    ]
    cfg = load_config(make_config(tmp_path, [*sources, *late]))
    done = brief("ingest", "--config", str(cfg.path), cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    backfill(cfg, END - timedelta(days=2), END)  # the same days again, with the late facts stored
    assert _rows(cfg.database, "estimates", END - timedelta(days=2), END) == before
    with duckdb.connect(str(cfg.database), read_only=True) as con:
        restated = con.execute(
            "SELECT edition_date, kind, model, known_from FROM restatements "
            "WHERE source_id LIKE 'house-late-%' ORDER BY kind"
        ).fetchall()
        # the run on the day used the old price; what is known now about that day differs
        then = con.execute(
            "SELECT min(input) FROM prices_on(?) WHERE model = 'gpt-5-mini'", [END]
        ).fetchone()
        now = con.execute(
            "SELECT min(input) FROM prices_as_of(?, DATE '2025-08-31') WHERE model = 'gpt-5-mini'",
            [END],
        ).fetchone()
    assert restated == [
        (END, "price", "gpt-5-mini", date(2025, 8, 20)),
        (END, "score", "claude-sonnet-4-0", date(2025, 8, 21)),  # the name resolved
    ]
    assert then[0] > 0.01 and now[0] == 0.01


READER = textwrap.dedent(
    """
    import json, sys, time, duckdb
    path, stop, out = sys.argv[1], sys.argv[2], sys.argv[3]
    seen, failures = [], []
    from pathlib import Path
    while not Path(stop).exists():
        try:
            with duckdb.connect(path, read_only=True) as con:
                row = con.execute(
                    "SELECT (SELECT count(*) FROM runs WHERE status = 'running'),"
                    " (SELECT count(*) FROM signals s WHERE NOT EXISTS ("
                    "   SELECT 1 FROM runs r WHERE r.run_id = s.run_id)),"
                    " (SELECT count(*) FROM estimates), (SELECT count(*) FROM runs)"
                ).fetchone()
            seen.append(list(row))
        except Exception as exc:
            failures.append(repr(exc))
        time.sleep(0.05)
    Path(out).write_text(json.dumps({"seen": seen, "failures": failures}))
    """
)


def test_snapshot_readers_never_fail_while_runs_and_backfills_write(
    ingested, tmp_path: Path, make_config, brief
) -> None:
    cfg = load_config(_copy(ingested, tmp_path, make_config))
    runner = CliRunner()
    from flows.cli import app

    assert runner.invoke(app, ["snapshot", "--config", str(cfg.path)]).exit_code == 0
    stop = tmp_path / "stop"
    readers = [
        subprocess.Popen(
            [sys.executable, "-c", READER, str(cfg.snapshot), str(stop), str(tmp_path / f"r{i}")]
        )
        for i in range(2)
    ]
    try:
        time.sleep(1)
        done = brief("run", "--config", str(cfg.path), "--date", END.isoformat(), cwd=tmp_path)
        assert done.returncode == 0, done.stderr[-3000:]
        assert f"Analysts' snapshot: {cfg.snapshot}" in " ".join(done.stdout.split())
        args = ["--from", "2025-06-01", "--to", "2025-08-07"]
        filled = brief("backfill", *args, "--config", str(cfg.path), cwd=tmp_path)
        assert filled.returncode == 0, filled.stderr[-3000:]
        time.sleep(1)
    finally:
        stop.touch()
        for reader in readers:
            reader.wait(timeout=60)
    for i in range(2):
        report = json.loads((tmp_path / f"r{i}").read_text())
        assert report["failures"] == []
        seen = report["seen"]
        assert len(seen) > 20
        # every state a reader saw was whole: no run half done, no signal without its run
        assert all(running == 0 and orphans == 0 for running, orphans, _, _ in seen)
        assert seen[0][2] < seen[-1][2]  # and the readers did see the new snapshots
    with duckdb.connect(str(cfg.snapshot), read_only=True) as con:
        estimates = con.execute("SELECT count(DISTINCT as_of) FROM estimates").fetchone()
        assert estimates[0] == 69  # 1 June to 8 August


def test_the_schema_page_is_current_and_everything_is_described(repo_root: Path) -> None:
    from flows.store.docs import fresh_schema_markdown

    page = fresh_schema_markdown()
    assert (repo_root / "docs" / "schema.md").read_text() == page, (
        "docs/schema.md is stale: brief schema --output docs/schema.md"
    )
    tables = page.split("## Views")[0]
    sections = dict(part.split("\n", 1) for part in page.split("\n### ")[1:])
    for name, body in sections.items():
        if f"[`{name}`]" in tables:  # every column of every table says what it holds
            assert not [line for line in body.splitlines() if line.endswith("|  |")], name
    for name in ("prices_as_of", "scores_as_of", "estimates_as_of", "restatements", "releases"):
        assert f"`{name}" in page


def test_sql_and_export_read_the_snapshot(ingested, tmp_path: Path, make_config) -> None:
    from flows.cli import app

    cfg = load_config(_copy(ingested, tmp_path / "store", make_config))
    backfill(cfg, END - timedelta(days=1), END)
    runner = CliRunner()
    args = ["--config", str(cfg.path)]
    assert runner.invoke(app, ["sql", "SELECT 1", *args]).exit_code == 2  # no snapshot yet
    assert runner.invoke(app, ["snapshot", *args]).exit_code == 0
    query = "SELECT as_of, count(*) AS n FROM estimates GROUP BY 1 ORDER BY 1"
    as_json = runner.invoke(app, ["sql", query, "--format", "json", *args])
    assert as_json.exit_code == 0, as_json.output
    counts = json.loads(as_json.output)
    assert [row["as_of"] for row in counts] == ["2025-08-07", "2025-08-08"]
    as_csv = runner.invoke(app, ["sql", query, "--format", "csv", *args])
    assert as_csv.output.splitlines()[0] == "as_of,n"
    target = tmp_path / "one.parquet"
    runner.invoke(app, ["sql", query, "--format", "parquet", "--output", str(target), *args])
    assert duckdb.sql(f"SELECT sum(n) FROM '{target}'").fetchall()[0][0] == sum(
        row["n"] for row in counts
    )
    refused = runner.invoke(app, ["sql", "DELETE FROM prices", *args])
    assert refused.exit_code == 2 and "read-only" in " ".join(refused.output.split())
    export = runner.invoke(app, ["export", str(tmp_path / "parquet"), *args])
    assert export.exit_code == 0, export.output
    manifest = json.loads((tmp_path / "parquet" / "manifest.json").read_text())
    named = {entry["name"]: entry for entry in manifest}
    assert {"prices", "estimates", "signals", "restatements", "review_revisions"} <= set(named)
    assert all(entry["comment"] for entry in manifest)
    years = duckdb.sql(
        f"SELECT DISTINCT year FROM read_parquet('{tmp_path}/parquet/estimates/*/*.parquet', "
        "hive_partitioning = true)"
    ).fetchall()
    assert years == [(2025,)]
    exported = duckdb.sql(
        f"SELECT count(*) FROM read_parquet('{tmp_path}/parquet/estimates/*/*.parquet')"
    ).fetchall()[0][0]
    assert exported == named["estimates"]["rows"] == sum(row["n"] for row in counts)


def test_the_readmes_analyst_queries_and_shell_answer(
    ingested, tmp_path: Path, make_config, repo_root: Path
) -> None:
    import re

    from flows.cli import app

    cfg = load_config(_copy(ingested, tmp_path, make_config))
    edition, *_ = compute_edition(cfg, END, "daily", [])  # the day's run: signals, the draft
    publish_draft(cfg, edition, "daily", datetime.now(UTC))
    runner = CliRunner()
    assert runner.invoke(app, ["snapshot", "--config", str(cfg.path)]).exit_code == 0
    readme = (repo_root / "README.md").read_text()
    section = readme.split("## For analysts")[1].split("\n## ")[0]
    queries = [q for q in re.findall(r"`(SELECT [^`]+)`", section) if "..." not in q]
    assert len(queries) >= 8
    with duckdb.connect(str(cfg.snapshot), read_only=True) as con:
        answered = {q: con.execute(q).fetchall() for q in queries}
    assert all(answered.values()), [q for q, rows in answered.items() if not rows]
    piped = ".tables\nSELECT count(*)\n  AS priced FROM prices_on(DATE '2025-08-08');\n"
    piped += "SELECT nope;\nSELECT 'still here' AS shell;\n.quit\n"
    shell = runner.invoke(app, ["sql", "--config", str(cfg.path)], input=piped)
    assert shell.exit_code == 0, shell.output
    assert "restatements" in shell.output and "priced" in shell.output
    assert "Binder" in shell.output and "still here" in shell.output  # an error, then on
