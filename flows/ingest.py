"""Ingest one configured source: fetch (conditionally), parse, validate, store versions, record
rejects and the names no known model matched."""

from __future__ import annotations

import hashlib
import inspect
import json
import os
import time
from concurrent.futures import Future, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path

import duckdb
import pyarrow as pa

from flows.adapters import FORMATS
from flows.adapters.base import Parsed
from flows.claims import entry_claims, store_claims
from flows.config import PACKAGED_FORMATS, Source
from flows.fetch import Fetched, FetchError, Limits, Validators, fetch_path, fetch_url
from flows.store import held_open, open_store, run
from flows.validate import SPECS, Checked, check, read_canonical_csv, rows_to_text_table
from flows.workers import pool as worker_pool
from signals.identity import canonical_id, resolve

# Per table: the key of one fact (its versions share it), and which duplicate of a batch is kept
# (the others go to rejects).
KEYS: dict[str, tuple[tuple[str, ...], str]] = {
    "prices": (("model", "provider", "effective_from"), "effective_from"),
    "scores": (("model", "benchmark", "as_of"), "value DESC NULLS LAST"),
    "run_costs": (("model", "benchmark", "as_of"), "solved DESC NULLS LAST"),
    "profiles": (("model",), "context_window DESC NULLS LAST"),
    "entries": (("entry_id",), "published DESC NULLS LAST"),
    "trace_summaries": (("workload",), "requests DESC"),
}
DEFAULT_LIMITS = Limits()
MODEL_KINDS = ("prices", "scores", "run_costs", "profiles")
# What a URL of each format should serve (a clearly wrong Content-Type fails the fetch).
EXPECT = {"feed": "feed", "rss": "feed", "atom": "feed", "jsonfeed": "feed", "aider": "yaml",
          "epoch": "csv", "lmarena": "csv", "azure-trace": "csv", "litellm": "json",
          "openrouter": "json", "llm-prices": "json"}


class SourceError(Exception):
    """The source as a whole could not be read; the message says why."""


@dataclass
class SourceResult:
    """What one source gave in one run (the run summary's line for it)."""

    source_id: str
    kind: str
    format: str
    location: str
    ok: bool = True
    reason: str | None = None
    fetch_status: str = "fetched"  # fetched | not_modified | failed
    rows_read: int = 0
    rows_new: int = 0
    rows_updated: int = 0
    rejected: int = 0
    unresolved: list[str] = field(default_factory=list)
    claims: int = 0
    rows_by_kind: dict[str, int] = field(default_factory=dict)
    elapsed_s: float = 0.0


def fetch_source(source: Source, previous: Validators | None,
                 limits: Limits = DEFAULT_LIMITS) -> Fetched:
    """The source's bytes (or "not modified"), from its file, its URL or its package."""
    if source.format in PACKAGED_FORMATS:
        from flows.adapters.genai_prices import snapshot_version

        version = snapshot_version().encode()
        digest = hashlib.sha256(version).hexdigest()
        status = "not_modified" if previous and previous.content_hash == digest else "fetched"
        return Fetched(status, b"" if status == "not_modified" else version,
                       Validators(content_hash=digest), None, None, None, 0.0)
    try:
        if source.path is not None:
            return fetch_path(source.path, previous, limits)
        return fetch_url(str(source.url), previous, limits, expect=EXPECT.get(source.format))
    except FetchError as exc:
        raise SourceError(str(exc)) from None


def parse_bytes(source: Source, data: bytes) -> Parsed:
    """The source's items in canonical form, by its format's adapter."""
    parser = FORMATS.get(source.format)
    if parser is None:
        raise SourceError(f"unknown format {source.format!r} (known: canonical, "
                          f"{', '.join(sorted(FORMATS))})")
    try:
        inspect.signature(parser).bind(data, source.id, **source.options)
    except TypeError as exc:
        raise SourceError(f"bad options for format {source.format!r}: {exc}") from None
    try:
        return parser(data, source.id, **source.options)
    except Exception as exc:  # a broken file must not stop the run: record why
        raise SourceError(f"cannot parse as {source.format}: {type(exc).__name__}: {exc}") from None


def check_source(con: duckdb.DuckDBPyConnection, source: Source,
                 prepared: Prepared) -> tuple[dict[str, Checked], list[dict]]:
    """Validate a source's rows: checked rows per table, and the items no adapter could map."""
    if source.format == "canonical":
        if source.kind not in MODEL_KINDS or source.path is None:
            raise SourceError(f"format 'canonical' reads a CSV `path` of kind "
                              f"{', '.join(MODEL_KINDS)}")
        try:
            checked = read_canonical_csv(con, source.path, source.kind)
        except (ValueError, duckdb.Error) as exc:
            raise SourceError(str(exc).splitlines()[0]) from None
        _canonicalise_models(checked)
        return {source.kind: checked}, []
    checked = {kind: check(con, kind, table) for kind, table in prepared.tables.items()}
    return checked, list(prepared.rejects)


def _canonicalise_models(checked: Checked) -> None:
    """Give every model the one canonical id used across sources; keep the name as written."""
    t = checked.good
    if t.num_rows == 0:
        return
    names = t.column("model").to_pylist()
    written = [w or n for w, n in zip(t.column("source_name").to_pylist(), names, strict=True)]
    t = t.set_column(t.column_names.index("source_name"), "source_name", pa.array(written))
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
        run(con, "INSERT INTO rejects SELECT DISTINCT ON (reject_id) *, ?, ? FROM _rej "
                 "ON CONFLICT DO NOTHING", [run_id, now])
    finally:
        con.unregister("_rej")
    return len(rejects)


@dataclass
class Inserted:
    new: int
    updated: int
    duplicates: list[dict]


def insert_facts(con: duckdb.DuckDBPyConnection, table: str, good: pa.Table, source_id: str,
                 run_id: str, now: datetime) -> Inserted:
    """Store facts as versions: a new key is a new fact, a changed value a new row beside the
    old one, an unchanged value nothing at all."""
    if good.num_rows == 0:
        return Inserted(0, 0, [])
    key, prefer = KEYS[table]
    cols = [f.name for f in SPECS[table]]
    col_list = ", ".join(f'"{c}"' for c in cols)
    key_match = " AND ".join(f't."{k}" IS NOT DISTINCT FROM b."{k}"' for k in key)
    has_dupes = good.group_by(list(key)).aggregate([]).num_rows < good.num_rows
    con.register("_batch", good)
    try:
        fresh, dupes = "_batch", []
        if has_dupes:  # keep one row per key (the preferred one); the others become rejects
            ranked = (f"SELECT *, row_number() OVER "
                      f"(PARTITION BY {', '.join(key)} ORDER BY {prefer}) AS _n FROM _batch")
            dupes = con.sql(f"SELECT * EXCLUDE (_n, row_hash) FROM ({ranked}) WHERE _n > 1"
                            ).to_arrow_table().to_pylist()
            fresh = f"(SELECT * EXCLUDE (_n) FROM ({ranked}) WHERE _n = 1)"
        # Compare with each key's current version: a value that differs from it (even one
        # seen before, A -> B -> A) is stored again as the newest version.
        current = (f"(SELECT * FROM {table} WHERE source_id = $source QUALIFY row_number() "
                   f"OVER (PARTITION BY {', '.join(key)} ORDER BY fetched_at DESC, row_hash) = 1)")
        changed = (f"SELECT b.*, t.row_hash IS NULL AS _new FROM {fresh} b "
                   f"LEFT JOIN {current} t ON {key_match} "
                   f"WHERE t.row_hash IS NULL OR t.row_hash <> b.row_hash")
        run(con, f"CREATE OR REPLACE TEMP TABLE _changed AS {changed}", {"source": source_id})
        new, updated = con.execute("SELECT count(*) FILTER (WHERE _new), "
                                   "count(*) FILTER (WHERE NOT _new) FROM _changed").fetchall()[0]
        if new + updated:
            run(con, f"INSERT INTO {table} ({col_list}, row_hash, source_id, run_id, fetched_at) "
                     f"SELECT {col_list}, row_hash, ?, ?, ? FROM _changed",
                [source_id, run_id, now])
        run(con, "DROP TABLE _changed")
    finally:
        con.unregister("_batch")
    why = f"duplicate of another row for the same {'/'.join(key)} in this source (kept: {prefer})"
    return Inserted(new, updated, [{"kind": table, "reason": why, "raw": _dump(r)}
                                   for r in dupes])


def record_aliases(con: duckdb.DuckDBPyConnection, source: Source, good: pa.Table,
                   run_id: str) -> list[str]:
    """Remember every name the source used for a model; return the names no model matched.
    A price list that defines the model ids (genai-prices) resolves its own names."""
    pairs = sorted(set(zip(good.column("source_name").to_pylist(),
                           good.column("model").to_pylist(), strict=True)))
    defines_ids = source.format in PACKAGED_FORMATS
    rows = [{"source_id": source.id, "source_name": name or model, "model": model,
             "resolved": defines_ids or resolve(name or model) is not None,
             "first_run_id": run_id}
            for name, model in pairs]
    if not rows:
        return []
    con.register("_alias", pa.Table.from_pylist(rows))
    try:
        run(con, "INSERT INTO aliases BY NAME SELECT * FROM _alias ON CONFLICT DO NOTHING")
    finally:
        con.unregister("_alias")
    return sorted({r["source_name"] for r in rows if not r["resolved"]})


def _dump(row: dict) -> str:
    return json.dumps(row, default=str, sort_keys=True, ensure_ascii=False)


def _location(source: Source) -> str:
    return str(source.path or source.url or f"{source.format} package data")


@dataclass
class Prepared:
    """A source fetched, parsed into text tables and read for claims, ready to validate and
    store (made in a worker process)."""

    fetched: Fetched | None = None
    tables: dict[str, pa.Table] = field(default_factory=dict)
    rejects: list[dict] = field(default_factory=list)
    claims: list[dict] = field(default_factory=list)
    error: str | None = None
    elapsed_s: float = 0.0


def prepare(source: Source, previous: Validators | None,
            limits: Limits = DEFAULT_LIMITS) -> Prepared:
    """Fetch and parse one source; no store access, so it can run in another process."""
    started = time.perf_counter()
    out = Prepared()
    try:
        out.fetched = fetch_source(source, previous, limits)
        if out.fetched.status == "fetched" and source.format != "canonical":
            parsed = parse_bytes(source, out.fetched.body)
            out.tables = {kind: rows_to_text_table(kind, rows)
                          for kind, rows in parsed.rows.items() if rows}
            out.rejects = parsed.rejects
            out.claims = entry_claims(source.id, parsed.rows.get("entries", []))
        out.fetched = replace(out.fetched, body=b"")  # parsed: no need to send the bytes back
    except SourceError as exc:
        out.error = str(exc)
    out.elapsed_s = time.perf_counter() - started
    return out


def validators(db: Path) -> dict[str, Validators]:
    """What each source's last successful fetch left (ETag, Last-Modified, content hash)."""
    with open_store(db) as con:
        rows = con.execute("SELECT source_id, etag, last_modified, content_hash "
                           "FROM source_state").fetchall()
    return {r[0]: Validators(*r[1:]) for r in rows}


def prepare_all(db: Path, sources: list[Source], limits: Limits = DEFAULT_LIMITS,
                workers: int | None = None) -> dict[str, Future[Prepared]]:
    """Start fetching and parsing every source on all cores; results arrive as futures."""
    previous = validators(db)
    workers = workers or min(len(sources), os.cpu_count() or 1) or 1
    pool = worker_pool(workers)
    futures = {s.id: pool.submit(prepare, s, previous.get(s.id), limits) for s in sources}
    pool.shutdown(wait=False)  # the workers finish the queue, then exit
    return futures


def collect(future: Future[Prepared], db: Path, source: Source,
            limits: Limits = DEFAULT_LIMITS) -> Prepared:
    """A worker's result; if the worker died (out of memory, killed), the source is prepared
    again in this process rather than lost."""
    try:
        return future.result()
    except BrokenProcessPool:
        return prepare(source, validators(db).get(source.id), limits)


def ingest_source(db: Path, source: Source, run_id: str, now: datetime,
                  limits: Limits = DEFAULT_LIMITS, prepared: Prepared | None = None
                  ) -> SourceResult:
    """Ingest one source in its own short transaction; a failure is recorded, never raised."""
    if prepared is None:
        prepared = prepare(source, validators(db).get(source.id), limits)
    started = time.perf_counter()
    result = SourceResult(source.id, source.kind, source.format, _location(source))
    with open_store(db) as con:
        checked: dict[str, Checked] = {}
        rejects: list[dict] = []
        fetched = prepared.fetched
        try:
            if prepared.error is not None:
                raise SourceError(prepared.error)
            result.fetch_status = fetched.status
            if fetched.status == "fetched":
                checked, rejects = check_source(con, source, prepared)
        except SourceError as exc:
            result.ok, result.reason, result.fetch_status = False, str(exc), "failed"
        run(con, "BEGIN TRANSACTION")
        try:
            for table, ch in checked.items():
                rejects.extend(ch.rejects)
                if ch.good.num_rows == 0:
                    continue
                done = insert_facts(con, table, ch.good, source.id, run_id, now)
                rejects.extend(done.duplicates)
                result.rows_read += ch.good.num_rows
                result.rows_new += done.new
                result.rows_updated += done.updated
                result.rows_by_kind[table] = ch.good.num_rows
                if table in MODEL_KINDS:
                    result.unresolved = sorted({*result.unresolved,
                                                *record_aliases(con, source, ch.good, run_id)})
            result.claims = store_claims(con, prepared.claims, run_id, now)
            result.rejected = store_rejects(con, source.id, rejects, run_id, now)
            if fetched is not None and result.ok and fetched.status == "fetched":
                v = fetched.validators
                run(con, "INSERT OR REPLACE INTO source_state VALUES (?, ?, ?, ?, ?)",
                    [source.id, v.etag, v.last_modified, v.content_hash, now])
            result.elapsed_s = prepared.elapsed_s + time.perf_counter() - started
            run(con, "INSERT INTO source_runs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [run_id, source.id, source.kind, source.format, result.location, result.ok,
                 result.reason, result.fetch_status, result.rows_read, result.rows_new,
                 result.rows_updated, result.rejected, len(result.unresolved),
                 result.elapsed_s, now])
            run(con, "COMMIT")
        except Exception:
            run(con, "ROLLBACK")
            raise
    return result


def ingest_sources(db: Path, sources: list[Source], run_id: str, now: datetime,
                   limits: Limits = DEFAULT_LIMITS) -> list[SourceResult]:
    """Every source: parsed in parallel, stored one after another (DuckDB has one writer)."""
    futures = prepare_all(db, sources, limits)
    by_future = {f: s for s in sources for f in [futures[s.id]]}
    done: dict[str, SourceResult] = {}
    with held_open(db):
        for future in as_completed(by_future):  # store each as soon as it is parsed
            src = by_future[future]
            done[src.id] = ingest_source(db, src, run_id, now, limits,
                                         collect(future, db, src, limits))
    return [done[s.id] for s in sources]
