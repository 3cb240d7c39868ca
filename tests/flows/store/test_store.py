"""The store's migrations: applied once, in order, and wholly or not at all."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from flows.store import db as store


def _applied(db: Path) -> list[str]:
    with duckdb.connect(str(db), read_only=True) as con:
        return [r[0] for r in con.execute("SELECT name FROM _migrations ORDER BY name").fetchall()]


def test_a_fresh_store_gets_every_migration_once(tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    with store.open_store(db):
        pass
    names = [name for name, _ in store.MIGRATIONS]
    applied = _applied(db)
    assert [n for n in applied if not n.startswith("comments ")] == sorted(names) == names
    assert len([n for n in applied if n.startswith("comments ")]) == 1  # the comments, once
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
    # neither the good pending ones nor the broken one (the first one's comments stay)
    assert [n for n in _applied(db) if not n.startswith("comments ")] == [first[0]]
    with duckdb.connect(str(db), read_only=True) as con:
        tables = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    assert "runs" in tables  # the first migration's
    assert not tables & {"prices", "claims", "later_table"}  # the pending ones', rolled back


def test_every_not_null_column_of_a_fact_table_is_required_or_defaulted(tmp_path: Path) -> None:
    """A row the validator lets through must never break a constraint of its table: that would
    abort the whole run's transaction instead of setting one row aside."""
    from flows.store.schema import SPECS

    with store.open_store(tmp_path / "s.duckdb") as con:
        not_null = con.execute(
            "SELECT table_name, list(column_name) FROM duckdb_columns() "
            "WHERE NOT is_nullable AND column_name NOT IN ('source_id', 'run_id', 'fetched_at', "
            "'row_hash') GROUP BY table_name"
        ).fetchall()
    checked = 0
    for table, columns in not_null:
        if table not in SPECS:
            continue
        safe = {f.name for f in SPECS[table] if f.required or f.default is not None}
        assert set(columns) <= safe, (table, set(columns) - safe)
        checked += 1
    assert checked == len(SPECS)
