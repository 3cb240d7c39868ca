"""The store is what flows/store/schema.py declares: a freshly migrated store has exactly the
declared tables, columns, types, nullability, primary keys and comments, and the validation
specs, fact keys and kind lists agree with it."""

from __future__ import annotations

from pathlib import Path

from flows.sources.adapters import canonical
from flows.store.db import migrate, open_store
from flows.store.schema import KEYS, MODEL_KINDS, SPECS, TABLES, VIEWS


def _catalogue(con) -> dict:
    tables = {
        name: comment
        for name, comment in con.execute(
            "SELECT table_name, comment FROM duckdb_tables() WHERE schema_name = 'main'"
        ).fetchall()
    }
    columns: dict[str, dict] = {}
    for table, column, kind, nullable, comment in con.execute(
        "SELECT table_name, column_name, data_type, is_nullable, comment FROM duckdb_columns()"
        " WHERE schema_name = 'main' AND table_name IN (SELECT table_name FROM duckdb_tables())"
    ).fetchall():
        columns.setdefault(table, {})[column] = (kind, not nullable, comment)
    keys = {
        table: tuple(cols)
        for table, cols in con.execute(
            "SELECT table_name, constraint_column_names FROM duckdb_constraints() "
            "WHERE constraint_type = 'PRIMARY KEY'"
        ).fetchall()
    }
    views = dict(
        con.execute(
            "SELECT view_name, comment FROM duckdb_views() "
            "WHERE NOT internal AND schema_name = 'main'"
        ).fetchall()
    )
    return {"tables": tables, "columns": columns, "keys": keys, "views": views}


def test_a_migrated_store_is_the_declared_schema(tmp_path: Path) -> None:
    with open_store(tmp_path / "s.duckdb") as con:
        got = _catalogue(con)
    assert got["tables"] == {t.name: t.comment for t in TABLES.values()}
    for table in TABLES.values():
        declared = {c.name: (c.type, c.not_null, c.comment) for c in table.columns}
        assert got["columns"][table.name] == declared, table.name
        assert set(got["keys"][table.name]) == set(table.key), table.name
        assert all(c.comment for c in table.columns)
    assert got["views"] == VIEWS


def test_comments_follow_the_declaration_and_migrating_again_changes_nothing(
    tmp_path: Path, monkeypatch
) -> None:
    path = tmp_path / "s.duckdb"
    with open_store(path) as con:
        assert migrate(con) == []  # opened once: nothing left to apply
    from flows.store import schema

    changed = dict(schema.VIEWS, prices_current="Latest prices, reworded")
    monkeypatch.setattr("flows.store.db.VIEWS", changed)
    with open_store(path) as con:
        views = dict(
            con.execute(
                "SELECT view_name, comment FROM duckdb_views() WHERE view_name = 'prices_current'"
            ).fetchall()
        )
    assert views == {"prices_current": "Latest prices, reworded"}


def test_specs_keys_and_kinds_agree_with_the_tables() -> None:
    for kind, fields in SPECS.items():
        table = TABLES[kind]
        for f in fields:  # every given field is a column of its table, of the declared type
            assert table.column(f.name).type.startswith(f.type.replace("TIMESTAMPTZ", "TIMESTAMP"))
        key, _ = KEYS[kind]
        assert set(key) <= set(table.key)  # a fact's versions share the table's key
    assert set(MODEL_KINDS) <= set(SPECS) and canonical.KINDS == MODEL_KINDS
