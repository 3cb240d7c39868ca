"""The schema page (docs/schema.md), written from the catalogue of the file analysts open."""

from __future__ import annotations

import tempfile
from pathlib import Path

import duckdb

HEADER = """# The store's schema

What analysts find in the snapshot (`brief sql`, or `duckdb` on `data/brief-snapshot.duckdb`):
every table, view and table macro with its comment, written from the database itself by
`brief schema --output docs/schema.md` (a test keeps this page current). Facts are versioned:
a row is never updated; a new version is a new row with its own `row_hash` and `fetched_at`,
and the `*_current` views give the latest versions. The `review_*` tables are copied from the
review store into each snapshot.
"""


def _cell(value: object) -> str:
    return str(value or "").replace("|", "\\|").replace("\n", " ")


def schema_markdown(con: duckdb.DuckDBPyConnection) -> str:
    """The catalogue of the database `con` is connected to, as Markdown."""
    tables = con.execute(
        "SELECT table_name, comment FROM duckdb_tables() "
        "WHERE schema_name = 'main' AND NOT starts_with(table_name, '_') ORDER BY table_name"
    ).fetchall()
    views = con.execute(
        "SELECT view_name, comment FROM duckdb_views() "
        "WHERE schema_name = 'main' AND NOT internal ORDER BY view_name"
    ).fetchall()
    macros = con.execute(
        "SELECT function_name, parameters, comment FROM duckdb_functions() "
        "WHERE function_type = 'table_macro' AND NOT internal ORDER BY function_name"
    ).fetchall()
    keys = {
        table: set(columns)
        for table, columns in con.execute(
            "SELECT table_name, constraint_column_names FROM duckdb_constraints() "
            "WHERE constraint_type = 'PRIMARY KEY'"
        ).fetchall()
    }
    lines = [HEADER, "## Tables", ""]
    lines += [f"- [`{name}`](#{name}): {_cell(comment)}" for name, comment in tables]
    lines += ["", "## Views", ""]
    lines += [f"- [`{name}`](#{name}): {_cell(comment)}" for name, comment in views]
    lines += ["", "## Table macros", ""]
    lines += [
        f"- `{name}({', '.join(params)})`: {_cell(comment)}" for name, params, comment in macros
    ]
    for name, comment in [*tables, *views]:
        columns = con.execute(
            "SELECT column_name, data_type, is_nullable, comment FROM duckdb_columns() "
            "WHERE schema_name = 'main' AND table_name = ? ORDER BY column_index",
            [name],
        ).fetchall()
        lines += ["", f"### {name}", "", _cell(comment), "", "| column | type | | meaning |"]
        lines += ["|---|---|---|---|"]
        for column, kind, nullable, text in columns:
            marks = ("key" if column in keys.get(name, ()) else "") or (
                "" if nullable else "not null"
            )
            lines.append(f"| `{column}` | {kind} | {marks} | {_cell(text)} |")
    return "\n".join(lines) + "\n"


def fresh_schema_markdown() -> str:
    """The schema page of a new, empty store and its snapshot (what any install has)."""
    from flows.store.db import open_store
    from flows.store.snapshot import publish_snapshot

    with tempfile.TemporaryDirectory() as folder:
        base = Path(folder)
        with open_store(base / "brief.duckdb") as con:
            publish_snapshot(con, base / "snapshot.duckdb", base / "review.sqlite")
        with duckdb.connect(str(base / "snapshot.duckdb"), read_only=True) as snap:
            return schema_markdown(snap)
