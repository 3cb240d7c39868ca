"""The analysts' copy of the store: a consistent, read-only snapshot published after each run.

DuckDB allows one writing process, and a reader in another process blocks it: an analyst's open
notebook would make the morning run fail. So analysts never open the store. After each run (and
on `brief snapshot`) the store is copied whole (`COPY FROM DATABASE`: tables, views, macros and
comments) into a new file beside the snapshot, with the editorial store's tables added, and that
file is renamed over the snapshot. A reader keeps the version it opened (the old file stays
readable until it closes it); the next opening sees the new one. Nothing ever writes into a file
a reader has open.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa

# the editorial store's tables as the snapshot carries them: name -> (source table, comment)
REVIEW_TABLES = {
    "review_editions": (
        "editions",
        "Each edition's state in the review store: current, approved and published revision",
    ),
    "review_revisions": (
        "revisions",
        "Every revision of every edition (append-only), with the whole edition as JSON",
    ),
    "review_events": (
        "events",
        "The audit trail of the review store: who did what to which revision, and when",
    ),
    "review_publications": (
        "publications",
        "Each published revision, when it first went out and who published it",
    ),
}


@dataclass(frozen=True)
class Snapshot:
    path: Path
    bytes: int
    seconds: float


_ARROW = {"TEXT": pa.string(), "INTEGER": pa.int64()}
# columns the review store keeps as ISO text or JSON text, typed for analysts
_TYPED = {
    "edition_date": "DATE",
    "updated_at": "TIMESTAMPTZ",
    "created_at": "TIMESTAMPTZ",
    "happened_at": "TIMESTAMPTZ",
    "first_published_at": "TIMESTAMPTZ",
    "content": "JSON",
    "detail": "JSON",
}


def _text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _review_tables(con: duckdb.DuckDBPyConnection, review_db: Path) -> None:
    """Copy the editorial store's tables into the attached snapshot (`snap`), typed as
    declared there; empty when no edition was drafted yet."""
    from flows.review import state

    with state.connect(review_db) as src:
        for name, (table, comment) in REVIEW_TABLES.items():
            declared = src.execute(f"PRAGMA table_info({table})").fetchall()
            schema = pa.schema([(col[1], _ARROW[col[2]]) for col in declared])
            rows = src.execute(f"SELECT * FROM {table}").fetchall()
            data = pa.Table.from_pylist(
                [dict(zip(schema.names, r, strict=True)) for r in rows], schema
            )
            con.register("_review_rows", data)
            casts = ", ".join(
                f'CAST("{c}" AS {_TYPED[c]}) AS "{c}"' for c in schema.names if c in _TYPED
            )
            con.execute(f"CREATE TABLE snap.{name} AS SELECT * REPLACE ({casts}) FROM _review_rows")
            con.unregister("_review_rows")
            con.execute(f"COMMENT ON TABLE snap.{name} IS {_text(comment)}")
            for column in schema.names:
                note = state.COLUMN_NOTES.get((table, column))
                if note:
                    con.execute(f"COMMENT ON COLUMN snap.{name}.{column} IS {_text(note)}")


def publish_snapshot(con: duckdb.DuckDBPyConnection, target: Path, review_db: Path) -> Snapshot:
    """Copy the store `con` is connected to (and the editorial store) into a new file, then
    rename it over `target`. `con` must see a consistent state: the writer's own connection
    between transactions, or a read-only one."""
    started = time.perf_counter()
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.tmp")
    for leftover in (tmp, tmp.with_name(tmp.name + ".wal")):
        leftover.unlink(missing_ok=True)
    source = con.execute("SELECT current_database()").fetchone()[0]  # type: ignore[index]
    con.execute(f"ATTACH {_text(str(tmp))} AS snap (READ_WRITE)")
    try:
        con.execute(f'COPY FROM DATABASE "{source}" TO snap')
        _review_tables(con, review_db)
        con.execute("CHECKPOINT snap")
    finally:
        con.execute("DETACH snap")
    os.replace(tmp, target)
    return Snapshot(target, target.stat().st_size, time.perf_counter() - started)


def open_snapshot(path: Path) -> duckdb.DuckDBPyConnection:
    """The snapshot, read-only (FileNotFoundError when none was published yet)."""
    if not path.exists():
        raise FileNotFoundError(
            f"no snapshot at {path}: a run publishes one, or make it now with `brief snapshot`"
        )
    return duckdb.connect(str(path), read_only=True)
