"""Ingest one configured source into the store: read, parse, validate, insert, record rejects."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import duckdb
import httpx
import pyarrow as pa

from flows.adapters import FORMATS
from flows.config import PACKAGED_FORMATS, Source
from flows.store import open_store, run
from flows.validate import SPECS, Checked, check, read_canonical_csv, rows_to_text_table
from signals.identity import canonical_id

MAX_BYTES = 50 * 1024 * 1024

# Per table: the key, and which duplicate of a batch is kept (the others go to rejects).
KEYS: dict[str, tuple[tuple[str, ...], str]] = {
    "prices": (("model", "provider", "effective_from"), "effective_from"),
    "scores": (("model", "benchmark", "as_of"), "value DESC NULLS LAST"),
    "run_costs": (("model", "benchmark", "as_of"), "solved DESC NULLS LAST"),
    "profiles": (("model",), "context_window DESC NULLS LAST"),
    "entries": (("entry_id",), "published DESC NULLS LAST"),
}
_MODEL_KINDS = ("prices", "scores", "run_costs", "profiles")


class SourceError(Exception):
    """The source as a whole could not be read; the message says why."""


@dataclass
class SourceResult:
    source_id: str
    kind: str
    format: str
    location: str
    ok: bool = True
    reason: str | None = None
    rows_read: int = 0
    rows_new: int = 0
    rejected: int = 0
    rows_by_kind: dict[str, int] = field(default_factory=dict)


def read_bytes(source: Source, timeout_s: float = 30.0) -> bytes:
    """The source's bytes, from its file or its URL (size-capped, with timeouts)."""
    if source.format in PACKAGED_FORMATS:
        return b""
    if source.path is not None:
        try:
            size = source.path.stat().st_size
        except FileNotFoundError:
            raise SourceError(f"file not found: {source.path}") from None
        if size > MAX_BYTES:
            raise SourceError(f"file is {size:,} bytes, over the {MAX_BYTES:,} byte limit")
        return source.path.read_bytes()
    try:
        with httpx.Client(timeout=timeout_s, follow_redirects=True, max_redirects=5) as client:
            resp = client.get(str(source.url))
    except httpx.HTTPError as exc:
        raise SourceError(f"{type(exc).__name__}: {exc}") from None
    if resp.status_code >= 400:
        raise SourceError(f"HTTP {resp.status_code} from {source.url}")
    if len(resp.content) > MAX_BYTES:
        raise SourceError(f"body is over the {MAX_BYTES:,} byte limit")
    return resp.content


def parse_source(con: duckdb.DuckDBPyConnection,
                 source: Source) -> tuple[dict[str, Checked], list[dict]]:
    """Parse and validate a source: checked rows per table, and the items no adapter could map."""
    if source.format == "canonical":
        if source.kind not in _MODEL_KINDS:
            raise SourceError(f"format 'canonical' is for {', '.join(_MODEL_KINDS)}, "
                              f"not {source.kind!r}")
        if source.path is None:
            raise SourceError("canonical sources are CSV files: give a `path`")
        try:
            checked = read_canonical_csv(con, source.path, source.kind)
        except FileNotFoundError:
            raise SourceError(f"file not found: {source.path}") from None
        except (ValueError, duckdb.Error) as exc:
            raise SourceError(str(exc).splitlines()[0]) from None
        _canonicalise_models(checked, source.kind)
        return {source.kind: checked}, []
    parser = FORMATS.get(source.format)
    if parser is None:
        raise SourceError(f"unknown format {source.format!r} (known: canonical, "
                          f"{', '.join(sorted(FORMATS))})")
    data = read_bytes(source)
    try:
        parsed = parser(data, source.id, **source.options)
    except TypeError as exc:
        raise SourceError(f"bad options for format {source.format!r}: {exc}") from None
    except Exception as exc:  # a broken file must not stop the run: record why
        raise SourceError(f"cannot parse as {source.format}: {type(exc).__name__}: {exc}") from None
    checked = {kind: check(con, kind, rows_to_text_table(kind, rows))
               for kind, rows in parsed.rows.items() if rows}
    return checked, list(parsed.rejects)


def _canonicalise_models(checked: Checked, kind: str) -> None:
    """Give every model the one canonical id used across sources; keep the name as written."""
    if kind not in _MODEL_KINDS or checked.good.num_rows == 0:
        return
    names = checked.good.column("model").to_pylist()
    t = checked.good
    written = t.column("source_name").to_pylist()
    t = t.set_column(t.column_names.index("source_name"), "source_name",
                     pa.array([w or n for w, n in zip(written, names, strict=True)], pa.string()))
    t = t.set_column(t.column_names.index("model"), "model",
                     pa.array([canonical_id(n) for n in names], pa.string()))
    checked.good = t


def _reject_id(source_id: str, kind: str, reason: str, raw: str) -> str:
    return hashlib.sha256("\x1f".join((source_id, kind, reason, raw)).encode()).hexdigest()[:32]


def store_rejects(con: duckdb.DuckDBPyConnection, source_id: str, rejects: list[dict],
                  run_id: str, now: datetime) -> int:
    """Record rejects once each (a rerun seeing the same bad row adds nothing)."""
    if not rejects:
        return 0
    tbl = pa.table({
        "reject_id": [_reject_id(source_id, r["kind"], r["reason"], str(r["raw"]))
                      for r in rejects],
        "source_id": [source_id] * len(rejects),
        "kind": [r["kind"] for r in rejects],
        "reason": [r["reason"] for r in rejects],
        "raw": [str(r["raw"]) for r in rejects],
    })
    con.register("_rej", tbl)
    try:
        run(con,
            "INSERT INTO rejects SELECT DISTINCT ON (reject_id) *, ?, ? FROM _rej "
            "ON CONFLICT DO NOTHING", [run_id, now])
    finally:
        con.unregister("_rej")
    return len(rejects)


def insert_facts(con: duckdb.DuckDBPyConnection, table: str, good: pa.Table, source_id: str,
                 run_id: str, now: datetime) -> tuple[int, list[dict]]:
    """Insert new facts (existing keys are kept as they are); returns (new rows, duplicates)."""
    if good.num_rows == 0:
        return 0, []
    key, prefer = KEYS[table]
    cols = [f.name for f in SPECS[table]]
    con.register("_batch", good)
    try:
        keys = ", ".join(key)
        ranked = (f"SELECT *, row_number() OVER (PARTITION BY {keys} ORDER BY {prefer}) AS _n "
                  f"FROM _batch")
        dupes = con.sql(f"SELECT * EXCLUDE (_n) FROM ({ranked}) WHERE _n > 1").to_arrow_table()
        before = con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0]
        col_list = ", ".join(f'"{c}"' for c in cols)
        run(con,
            f"INSERT INTO {table} ({col_list}, source_id, run_id, fetched_at) "
            f"SELECT {col_list}, ?, ?, ? FROM ({ranked}) WHERE _n = 1 ON CONFLICT DO NOTHING",
            [source_id, run_id, now],
        )
        after = con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0]
    finally:
        con.unregister("_batch")
    why = f"duplicate of another row for the same {'/'.join(key)} in this source (kept: {prefer})"
    return after - before, [{"kind": table, "reason": why, "raw": _dump(r)}
                            for r in dupes.to_pylist()]


def _dump(row: dict) -> str:
    return json.dumps(row, default=str, sort_keys=True, ensure_ascii=False)


def ingest_source(db: Path, source: Source, run_id: str, now: datetime) -> SourceResult:
    """Ingest one source in its own short transaction; a failure is recorded, never raised."""
    location = str(source.path or source.url or f"{source.format} package data")
    result = SourceResult(source.id, source.kind, source.format, location)
    with open_store(db) as con:
        checked: dict[str, Checked] = {}
        rejects: list[dict] = []
        try:
            checked, rejects = parse_source(con, source)
        except SourceError as exc:
            result.ok, result.reason = False, str(exc)
        run(con, "BEGIN TRANSACTION")
        try:
            for table, ch in checked.items():
                rejects.extend(ch.rejects)
                if table not in KEYS or ch.good.num_rows == 0:
                    continue
                new, dupes = insert_facts(con, table, ch.good, source.id, run_id, now)
                rejects.extend(dupes)
                result.rows_read += ch.good.num_rows
                result.rows_new += new
                result.rows_by_kind[table] = ch.good.num_rows
            result.rejected = store_rejects(con, source.id, rejects, run_id, now)
            run(con,
                "INSERT INTO source_runs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [run_id, source.id, source.kind, source.format, location, result.ok,
                 result.reason, result.rows_read, result.rows_new, result.rejected, now],
            )
            run(con, "COMMIT")
        except Exception:
            run(con, "ROLLBACK")
            raise
    return result
