"""The alias file: names mapped by hand to one model id, read from the configuration and applied
to incoming rows before they are validated and stored."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

from flows.config import ConfigError, load_config
from flows.store.load import ingest_sources

NOW = datetime(2025, 8, 8, 6, tzinfo=UTC)
SCORES_A = "model,benchmark,as_of,value\nGemma-3-27B-IT,gpqa-diamond,2025-03-12,42.4\n"
SCORES_B = (
    "model,benchmark,as_of,value\nopenrouter/google/gemma-3-27b-it,livebench,2025-03-12,50.0\n"
)
PRICES = (
    "model,provider,effective_from,input,output\n"
    "openrouter/google/gemma-3-27b-it,novita,2025-03-12,0.1,0.2\n"
)


@pytest.fixture
def aliased(make_config, bundled: Path, tmp_path: Path) -> Callable[[str | None], Path]:
    """A configuration in tmp_path of three canonical sources that spell one model three
    ways, with `aliases` as its alias file (None: no alias file named)."""

    def write(aliases: str | None) -> Path:
        files = {"a.csv": SCORES_A, "b.csv": SCORES_B, "p.csv": PRICES}
        for name, text in files.items():
            (tmp_path / name).write_text(text)
        sources = [
            {
                "id": "scores-a",
                "kind": "scores",
                "format": "canonical",
                "path": str(tmp_path / "a.csv"),
            },
            {
                "id": "scores-b",
                "kind": "scores",
                "format": "canonical",
                "path": str(tmp_path / "b.csv"),
            },
            {
                "id": "house-prices",
                "kind": "prices",
                "format": "canonical",
                "path": str(tmp_path / "p.csv"),
            },
        ]
        cfg = make_config(tmp_path, sources)
        text = cfg.read_text()
        if aliases is None:
            text = "\n".join(line for line in text.splitlines() if not line.startswith("aliases"))
        else:
            (tmp_path / "aliases.toml").write_text(aliases)
            text = text.replace(str(bundled / "aliases.toml"), str(tmp_path / "aliases.toml"))
        cfg.write_text(text + "\n")
        return cfg

    return write


def _ingest(cfg_path: Path, run_id: str = "run-1", refetch: bool = False) -> list:
    cfg = load_config(cfg_path)
    return ingest_sources(
        cfg.database, cfg.sources, run_id, NOW, aliases=cfg.aliases, refetch=refetch
    )


def _models(db: Path) -> dict[str, set[str]]:
    with duckdb.connect(str(db), read_only=True) as con:
        rows = con.execute("SELECT benchmark, model FROM scores_current").fetchall()
    out: dict[str, set[str]] = {}
    for benchmark, model in rows:
        out.setdefault(model, set()).add(benchmark)
    return out


def test_without_aliases_two_spellings_stay_two_models(aliased, tmp_path: Path) -> None:
    cfg = aliased(None)
    assert load_config(cfg).aliases == {}  # no file named, none in the folder: no aliases
    _ingest(cfg)
    assert _models(tmp_path / "brief.duckdb") == {
        "gemma-3-27b-it": {"gpqa-diamond"},
        "google/gemma-3-27b-it": {"livebench"},
    }


def test_a_mapped_name_joins_the_model_and_counts_as_resolved(aliased, tmp_path: Path) -> None:
    cfg = aliased('[aliases]\n"gemma 3 27b it" = "google/gemma-3-27b-it"\n')
    first = _ingest(cfg)
    assert _models(tmp_path / "brief.duckdb") == {
        "google/gemma-3-27b-it": {"gpqa-diamond", "livebench"}
    }
    assert all(r.unresolved == [] for r in first)
    with duckdb.connect(str(tmp_path / "brief.duckdb"), read_only=True) as con:
        alias = con.execute(
            "SELECT model, resolved FROM aliases WHERE source_id = 'scores-a'"
        ).fetchall()
    assert alias == [("google/gemma-3-27b-it", True)]
    with duckdb.connect(str(tmp_path / "brief.duckdb"), read_only=True) as con:
        priced = con.execute("SELECT DISTINCT model FROM prices_current").fetchall()
    assert priced == [("google/gemma-3-27b-it",)]  # the scores meet their price
    # the mapped row's version is stable: a rerun stores nothing
    again = _ingest(cfg, "run-2")
    assert sum(r.rows_new + r.rows_updated for r in again) == 0


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[aliases]\n"x" = 3\n', "must map a name to a model id"),
        ('[aliases]\n"X Model" = "a"\n"x-model" = "b"\n', "two model ids"),
        ("aliases = 1\n", "must be a table"),
        ("[aliases\n", "not valid TOML"),
    ],
)
def test_a_bad_alias_file_is_a_configuration_error(aliased, text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_config(aliased(text))


def test_a_named_alias_file_must_exist(bundled, make_config, tmp_path: Path) -> None:
    cfg = make_config(tmp_path)
    cfg.write_text(
        cfg.read_text().replace(str(bundled / "aliases.toml"), str(tmp_path / "missing.toml"))
    )
    with pytest.raises(ConfigError, match="not found"):
        load_config(cfg)


def test_the_bundled_alias_file_maps_real_spellings(bundled) -> None:
    aliases = load_config(bundled / "brief.toml").aliases
    assert aliases["gemma-3-27b-it"] == "google/gemma-3-27b-it"
    assert aliases["accounts/fireworks/models/qwq-32b"] == "qwq-32b"


def test_a_changed_alias_file_reads_unchanged_sources_again(aliased, tmp_path: Path) -> None:
    cfg = aliased(None)
    _ingest(cfg)
    assert {r.fetch_status for r in _ingest(cfg, "run-2")} == {"not_modified"}
    (tmp_path / "aliases.toml").write_text(  # the config's folder: picked up from now on
        '[aliases]\n"gemma-3-27b-it" = "google/gemma-3-27b-it"\n'
    )
    third = _ingest(cfg, "run-3")
    assert {r.fetch_status for r in third} == {"fetched"}
    assert sum(r.rows_new for r in third) == 1  # the gpqa score, under its mapped id
    assert _models(tmp_path / "brief.duckdb")["google/gemma-3-27b-it"] == {
        "gpqa-diamond",
        "livebench",
    }
    assert {r.fetch_status for r in _ingest(cfg, "run-4")} == {"not_modified"}


def test_refetch_reads_every_source_and_adds_nothing_unchanged(aliased, tmp_path: Path) -> None:
    cfg = aliased(None)
    _ingest(cfg)
    again = _ingest(cfg, "run-2", refetch=True)
    assert {r.fetch_status for r in again} == {"fetched"}
    assert sum(r.rows_new + r.rows_updated for r in again) == 0


def test_new_readers_read_unchanged_sources_again(aliased, tmp_path: Path, monkeypatch) -> None:
    from flows.sources import ingest

    cfg = aliased(None)
    _ingest(cfg)
    assert {r.fetch_status for r in _ingest(cfg, "run-2")} == {"not_modified"}
    monkeypatch.setattr(ingest, "READER_VERSION", "an adapter reads differently now")
    again = _ingest(cfg, "run-3")
    assert {r.fetch_status for r in again} == {"fetched"}
    assert sum(r.rows_new + r.rows_updated for r in again) == 0  # the same facts: nothing added
    assert {r.fetch_status for r in _ingest(cfg, "run-4")} == {"not_modified"}


def test_a_name_read_again_takes_its_new_id_in_the_alias_table(aliased, tmp_path: Path) -> None:
    cfg = aliased(None)
    _ingest(cfg)
    (tmp_path / "aliases.toml").write_text(
        '[aliases]\n"Gemma-3-27B-IT" = "google/gemma-3-27b-it"\n'
    )
    _ingest(cfg, "run-2")
    with duckdb.connect(str(tmp_path / "brief.duckdb"), read_only=True) as con:
        row = con.execute(
            "SELECT model, resolved, first_run_id FROM aliases WHERE source_id = 'scores-a'"
        ).fetchall()
    assert row == [("google/gemma-3-27b-it", True, "run-1")]  # first seen in run-1
