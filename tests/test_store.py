"""The store's migrations: applied once, in order, and wholly or not at all."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from flows import store


def _applied(db: Path) -> list[str]:
    with duckdb.connect(str(db), read_only=True) as con:
        return [r[0] for r in con.execute("SELECT name FROM _migrations ORDER BY name").fetchall()]


def test_a_fresh_store_gets_every_migration_once(tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    with store.open_store(db):
        pass
    names = [name for name, _ in store.MIGRATIONS]
    assert _applied(db) == sorted(names) == names
    with duckdb.connect(str(db)) as con:
        assert store.migrate(con) == []  # nothing pending the second time


def test_a_failing_migration_leaves_the_store_as_it_was(tmp_path: Path, monkeypatch) -> None:
    db = tmp_path / "s.duckdb"
    first, *rest = store.MIGRATIONS
    monkeypatch.setattr(store, "MIGRATIONS", [first])
    with store.open_store(db):
        pass
    broken = [*rest, ("9999_broken", "CREATE TABLE later_table (x INT); SELECT nope FROM nowhere")]
    monkeypatch.setattr(store, "MIGRATIONS", [first, *broken])
    with pytest.raises(duckdb.Error), store.open_store(db):
        pass
    assert _applied(db) == [first[0]]  # neither the good pending ones nor the broken one
    with duckdb.connect(str(db), read_only=True) as con:
        tables = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    assert "runs" in tables  # the first migration's
    assert not tables & {"prices", "claims", "later_table"}  # the pending ones', rolled back
