"""Where the program writes: the shipped configuration's files and Prefect's home go under the
program's home ($BRIEF_HOME, else the checkout); a configuration of one's own is unaffected."""

from __future__ import annotations

import tomllib
from pathlib import Path

from flows.config import DEFAULT_CONFIG, load_config
from flows.environment import PREFECT, prefect_settings


def test_pyproject_prefect_settings_are_the_programs(repo_root: Path) -> None:
    """`[tool.prefect]` (for `prefect` run in the checkout) says what flows/environment.py does."""
    with (repo_root / "pyproject.toml").open("rb") as fh:
        table = tomllib.load(fh)["tool"]["prefect"]
    assert table == PREFECT


def test_in_a_checkout_the_shipped_configuration_writes_where_it_always_did(
    repo_root: Path, monkeypatch
) -> None:
    monkeypatch.delenv("BRIEF_HOME", raising=False)
    assert repo_root / "data" / "brief.toml" == DEFAULT_CONFIG
    cfg = load_config()
    assert cfg.database == repo_root / "data" / "brief.duckdb"
    assert cfg.output == repo_root / "out"
    assert prefect_settings()["PREFECT_HOME"] == str(repo_root / ".prefect")


def test_brief_home_moves_what_the_shipped_configuration_writes(
    repo_root: Path, tmp_path: Path, monkeypatch, make_config
) -> None:
    monkeypatch.setenv("BRIEF_HOME", str(tmp_path))
    cfg = load_config()
    assert cfg.path == repo_root / "data" / "brief.toml"
    assert cfg.database == tmp_path / "data" / "brief.duckdb"
    assert cfg.review_database == tmp_path / "data" / "review.sqlite"
    assert cfg.snapshot == tmp_path / "data" / "brief-snapshot.duckdb"
    assert cfg.output == tmp_path / "out"
    assert cfg.sources[0].path is not None and cfg.sources[0].path.is_relative_to(repo_root)
    assert prefect_settings()["PREFECT_HOME"] == str(tmp_path / ".prefect")

    (tmp_path / "own").mkdir()
    own = load_config(make_config(tmp_path / "own"))  # paths relative to its own folder
    assert own.database == tmp_path / "own" / "brief.duckdb"
    assert own.output == tmp_path / "own" / "out"
