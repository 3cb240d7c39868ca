"""`brief doctor`: a healthy installation says ok everywhere; each broken part is a failure that
says what to fix, on real files, a real store, a real run and real HTTP on 127.0.0.1."""

from __future__ import annotations

import json
import os
import shutil
import socket
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from flows.cli import app
from flows.doctor import Check, run_checks
from flows.store.db import MIGRATIONS

DAY = "2025-08-08"


def _env(home: Path) -> dict[str, str]:
    """The environment of a user whose program home is `home` (no Prefect or matplotlib
    settings from the test session)."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("PREFECT_") and k not in ("MPLCONFIGDIR", "BRIEF_HOME")
    }
    env["BRIEF_HOME"] = str(home)
    return env


@pytest.fixture(scope="module")
def after_run(tmp_path_factory, brief) -> Path:
    """The program's home after `brief run` on the bundled configuration (BRIEF_HOME set)."""
    home = tmp_path_factory.mktemp("home")
    work = tmp_path_factory.mktemp("work")
    done = brief("run", "--date", DAY, cwd=work, env=_env(home))
    assert done.returncode == 0, done.stdout + done.stderr
    assert str(home / "out" / DAY / "brief.html") in done.stdout
    return home


def _by_name(checks: list[Check]) -> dict[str, Check]:
    return {c.name: c for c in checks}


def _fails_with_a_fix(check: Check, *words: str) -> None:
    assert check.status == "fail", check
    assert check.fix.strip(), check
    for word in words:
        assert word in check.detail, check


def test_a_healthy_bundled_configuration_after_a_run_is_all_ok(after_run: Path, brief) -> None:
    done = brief("doctor", "--json", cwd=after_run, env=_env(after_run), timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    checks = {c["name"]: c for c in json.loads(done.stdout)}
    assert {c["status"] for c in checks.values()} == {"ok"}, checks
    for name in ("configuration", "store", "migrations", "output folder", "templates"):
        assert name in checks
    assert str(after_run / "data" / "brief.duckdb") in checks["store"]["detail"]
    assert checks["migrations"]["detail"] == f"all {len(MIGRATIONS)} applied"
    assert str(after_run / ".prefect") in checks["Prefect home"]["detail"]
    assert "temporary" in checks["Prefect API"]["detail"]
    assert sum(name.startswith("source ") for name in checks) >= 20
    # read on a terminal: the same findings, the fine sources on one line
    text = brief("doctor", cwd=after_run, env=_env(after_run), timeout=300)
    assert text.returncode == 0 and "fail" not in text.stdout
    assert f"sources: {sum(n.startswith('source ') for n in checks)} of" in text.stdout


def test_a_store_missing_a_migration_fails(after_run: Path, make_config, tmp_path: Path) -> None:
    cfg = make_config(tmp_path)
    shutil.copy(after_run / "data" / "brief.duckdb", tmp_path / "brief.duckdb")
    skipped = MIGRATIONS[4][0]
    with duckdb.connect(str(tmp_path / "brief.duckdb")) as con:
        con.execute("DELETE FROM _migrations WHERE name = ?", [skipped])
    checks = _by_name(run_checks(cfg, offline=True))
    assert checks["store"].status == "ok"
    _fails_with_a_fix(checks["migrations"], skipped)
    assert "copy" in checks["migrations"].fix

    result = CliRunner().invoke(app, ["doctor", "--config", str(cfg), "--offline"])
    assert result.exit_code == 1, result.output
    assert "fix:" in result.output and skipped in " ".join(result.output.split())


def test_migrations_an_older_version_left_are_pending_not_failed(
    after_run: Path, make_config, tmp_path: Path
) -> None:
    cfg = make_config(tmp_path)
    shutil.copy(after_run / "data" / "brief.duckdb", tmp_path / "brief.duckdb")
    last = MIGRATIONS[-1][0]
    with duckdb.connect(str(tmp_path / "brief.duckdb")) as con:
        con.execute("DELETE FROM _migrations WHERE name = ?", [last])
    check = _by_name(run_checks(cfg, offline=True))["migrations"]
    assert check.status == "warn" and last in check.detail and "brief" in check.fix

    with duckdb.connect(str(tmp_path / "brief.duckdb")) as con:
        con.execute("INSERT INTO _migrations VALUES ('9999_from_a_newer_version', now())")
    _fails_with_a_fix(_by_name(run_checks(cfg, offline=True))["migrations"], "9999")


def test_a_broken_configuration_names_the_key(make_config, tmp_path: Path) -> None:
    cfg = make_config(tmp_path)
    cfg.write_text(cfg.read_text().replace("max_items = 6", 'max_items = "six"'))
    checks = run_checks(cfg, offline=True)
    _fails_with_a_fix(checks[0], "edition.max_items")
    # what needs no configuration is still checked
    assert {"templates", "Prefect home"} <= {c.name for c in checks}

    result = CliRunner().invoke(app, ["doctor", "--json", "--config", str(cfg)])
    assert result.exit_code == 1
    listed = json.loads(result.output)
    assert listed[0]["name"] == "configuration" and listed[0]["status"] == "fail"


def test_a_missing_source_file_fails(bundled: Path, make_config, tmp_path: Path) -> None:
    feed = {"kind": "feed", "format": "feed"}
    cfg = make_config(
        tmp_path,
        sources=[
            {"id": "here", **feed, "path": str(bundled / "sources" / "feeds" / "feed_mistral.xml")},
            {"id": "gone", **feed, "path": str(tmp_path / "gone.xml")},
        ],
    )
    checks = _by_name(run_checks(cfg, offline=True))
    assert checks["source here"].status == "ok"
    _fails_with_a_fix(checks["source gone"], "file not found", "gone.xml")


def test_an_output_folder_that_cannot_be_written_fails(make_config, tmp_path: Path) -> None:
    cfg = make_config(tmp_path, sources=[])
    (tmp_path / "out").write_text("a file where the briefs' folder should be")
    checks = _by_name(run_checks(cfg, offline=True))
    _fails_with_a_fix(checks["output folder"], "is a file")
    assert "`output`" in checks["output folder"].fix


def test_url_sources_are_asked_unless_offline(make_config, tmp_path: Path, fault_server) -> None:
    feed = {"kind": "feed", "format": "feed"}
    cfg = make_config(
        tmp_path,
        sources=[
            {"id": "up", **feed, "url": fault_server.url("/ok.xml")},
            {"id": "down", **feed, "url": fault_server.url("/404")},
        ],
        fetch={"allow_private_hosts": ["127.0.0.1"]},
    )
    checks = _by_name(run_checks(cfg))
    assert checks["source up"].status == "ok" and "HTTP 200" in checks["source up"].detail
    _fails_with_a_fix(checks["source down"], "404")
    asked = fault_server.count("/ok.xml") + fault_server.count("/404")
    offline = _by_name(run_checks(cfg, offline=True))
    assert {offline["source up"].status, offline["source down"].status} == {"ok"}
    assert fault_server.count("/ok.xml") + fault_server.count("/404") == asked


def test_a_store_held_by_a_run_is_said_not_failed(make_config, tmp_path: Path, held_store) -> None:
    cfg = make_config(tmp_path, sources=[])
    with held_store(tmp_path / "brief.duckdb"):  # a run holding the store
        store = _by_name(run_checks(cfg, offline=True))["store"]
    assert store.status == "warn" and "held by another process" in store.detail


def test_a_prefect_api_that_does_not_answer_fails(make_config, tmp_path: Path, monkeypatch) -> None:
    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    monkeypatch.setenv("PREFECT_API_URL", f"http://127.0.0.1:{port}/api")
    cfg = make_config(tmp_path, sources=[])
    _fails_with_a_fix(_by_name(run_checks(cfg))["Prefect API"], str(port))
    assert _by_name(run_checks(cfg, offline=True))["Prefect API"].status == "ok"


def test_doctor_has_help_with_an_example() -> None:
    result = CliRunner().invoke(app, ["doctor", "--help"])
    assert result.exit_code == 0
    assert "Example: brief doctor" in " ".join(result.output.split())
