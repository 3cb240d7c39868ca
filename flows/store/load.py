"""The store side of the ingest: validate what the workers prepared and load it in one short
transaction, in named phases (gather, validate, insert facts, claims and rejects, source state,
the run's record). Facts are versions: a changed value is a new row, never an overwrite."""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import overload

import duckdb
import pyarrow as pa

from flows.config import Source, mapped
from flows.lifecycle import pause_point
from flows.sources.adapters import REGISTRY
from flows.sources.aliases import apply_aliases
from flows.sources.claims import store_claims
from flows.sources.fetch import Limits
from flows.sources.ingest import (
    DEFAULT_LIMITS,
    Prepared,
    _location,
    collect,
    prepare,
    prepare_all,
    read_with,
    validators,
)
from flows.store.db import held_open, insert_rows, open_store, run
from flows.store.schema import CONFLICTS, KEYS, MEANING, MODEL_KINDS, SPECS
from flows.store.validate import check
from signals.identity import is_catalogue_id, price_model, resolve


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
    # rows stored again with another meaning than their current version (a score's scale moving
    # between percent and rating): the same figures no longer say the same thing
    meaning_changed: int = 0


class SourceResults(Sequence[SourceResult]):
    """A run's source results, in order: a sequence Prefect does not walk through. Prefect
    looks through a flow's return value and a task's inputs for futures, item by item and field
    by field (a quarter of a second each time for 2,000 sources, and there are none)."""

    __slots__ = ("_items",)

    def __init__(self, items: Iterable[SourceResult] = ()) -> None:
        self._items = tuple(items)

    @overload
    def __getitem__(self, index: int) -> SourceResult: ...
    @overload
    def __getitem__(self, index: slice) -> SourceResults: ...
    def __getitem__(self, index: int | slice) -> SourceResult | SourceResults:
        if isinstance(index, slice):
            return SourceResults(self._items[index])
        return self._items[index]

    def __len__(self) -> int:
        return len(self._items)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, SourceResults):
            return self._items == other._items
        if isinstance(other, list | tuple):
            return list(self._items) == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"SourceResults({list(self._items)!r})"


def _reject_id(source_id: str, kind: str, reason: str, raw: str) -> str:
    return hashlib.sha256("\x1f".join((source_id, kind, reason, raw)).encode()).hexdigest()[:32]


def store_rejects(
    con: duckdb.DuckDBPyConnection, rejects: list[dict], run_id: str, now: datetime
) -> None:
    """Record rejects ({"source_id", "kind", "reason", "raw"}) once each: a rerun seeing the
    same bad row adds nothing (it only becomes the row's last run)."""
    if not rejects:
        return
    tbl = pa.table(
        {
            "reject_id": [
                _reject_id(r["source_id"], r["kind"], r["reason"], str(r["raw"])) for r in rejects
            ],
            "source_id": [r["source_id"] for r in rejects],
            "kind": [r["kind"] for r in rejects],
            "reason": [r["reason"] for r in rejects],
            "raw": [str(r["raw"]) for r in rejects],
        }
    )
    con.register("_rej", tbl)
    try:  # a reject seen again keeps when it was first seen and records this run as its last
        run(
            con,
            "INSERT INTO rejects (reject_id, source_id, kind, reason, raw, first_run_id, "
            "first_seen, last_run_id) SELECT DISTINCT ON (reject_id) *, ?, ?, ? FROM _rej "
            "ON CONFLICT DO UPDATE SET last_run_id = excluded.last_run_id",
            [run_id, now, run_id],
        )
    finally:
        con.unregister("_rej")


@dataclass
class Inserted:
    new: dict[str, int]  # per source
    updated: dict[str, int]  # per source
    duplicates: list[dict]  # rows set aside (duplicates and conflicts), with their source_id
    meaning_changed: dict[str, int] = field(default_factory=dict)  # per source, see MEANING


def insert_facts(
    con: duckdb.DuckDBPyConnection, table: str, good: pa.Table, run_id: str, now: datetime
) -> Inserted:
    """Store the facts of one table for every source at once (`good` has a `source_id` column),
    as versions: a new key is a new fact, a value differing from the key's current version a
    new row beside the old ones (even a value seen before, A -> B -> A), an unchanged value
    nothing at all.

    Several rows of one source for one key:

    - the same values (the same `row_hash`): a plain duplicate; one is stored, the others set
      aside as duplicates;
    - different values, in a table of CONFLICTS (prices): a conflict. No row says which price
      holds, so every one of them is set aside ("conflicting rows for <key>: <n> different
      values") and none is stored this run: the key's stored version, if any, stays current.
      Adapters that meet several entries for one price choose among them first, by a reason of
      their own (``base.one_per_key``: the entry named most like the model);
    - different values elsewhere: the table's `prefer` order (KEYS) is a real preference, so
      the first row by it is stored and the others set aside (ties broken by `row_hash`, then
      the earliest `known_from`: the file's order never decides). Scores keep the best value
      (Aider runs one model on one day in several edit formats: each a genuine result, the
      model's best is its leaderboard figure), run costs the run that solved most, profiles the
      largest context window (a model's regional and dated entries), entries the latest
      published, trace summaries the largest trace.

    A stored version whose meaning column (MEANING: a score's scale) differs from the key's
    current one is counted in `meaning_changed`, per source."""
    key, prefer = KEYS[table]
    part = ", ".join(("source_id", *key))
    cols = [f.name for f in SPECS[table]]
    col_list = ", ".join(f'"{c}"' for c in cols)
    meaning = MEANING.get(table)
    has_dupes = good.group_by(["source_id", *key]).aggregate([]).num_rows < good.num_rows
    con.register("_batch", good)
    try:
        fresh, dupes, conflicts = good, [], []
        if has_dupes:  # keep one row per key; the others (or all, in a conflict) become rejects
            # then by values, and among equal values the earliest known, so that the file's
            # order never decides
            order = ", ".join(
                [
                    prefer,
                    "row_hash",
                    *(
                        f'"{c}" NULLS LAST'
                        for c in ("known_from", "source_name", "evidence_url")
                        if c in cols
                    ),
                ]
            )
            ranked = (
                f"SELECT *, row_number() OVER w AS _n, count(DISTINCT row_hash) OVER "
                f"(PARTITION BY {part}) AS _v, first_value(row_hash) OVER w AS _kept "
                f"FROM _batch WINDOW w AS (PARTITION BY {part} ORDER BY {order})"
            )
            conflict = "_v > 1" if table in CONFLICTS else "false"
            dupes = (
                con.sql(
                    f"SELECT * EXCLUDE (_n, _v, _kept), row_hash = _kept AS _same "
                    f"FROM ({ranked}) WHERE _n > 1 AND NOT ({conflict}) ORDER BY {part}, "
                    f"_n"
                )
                .to_arrow_table()
                .to_pylist()
            )
            conflicts = (
                con.sql(
                    f"SELECT * EXCLUDE (_n, _kept) FROM ({ranked}) "
                    f"WHERE {conflict} ORDER BY {part}, _n"
                )
                .to_arrow_table()
                .to_pylist()
            )
            fresh = con.sql(
                f"SELECT * EXCLUDE (_n, _v, _kept) FROM ({ranked}) "
                f"WHERE _n = 1 AND NOT ({conflict})"
            ).to_arrow_table()
        current = {
            (*r[: len(key) + 1],): r[len(key) + 1 :]
            for r in con.execute(
                f"SELECT {part}, row_hash, {meaning or 'NULL'} FROM {table} WHERE source_id IN "
                f"(SELECT DISTINCT source_id FROM _batch) QUALIFY row_number() OVER (PARTITION BY "
                f"{part} ORDER BY fetched_at DESC, row_hash) = 1"
            ).fetchall()
        }
    finally:
        con.unregister("_batch")
    # Compare with each key's current version: a value that differs from it (even one seen
    # before, A -> B -> A) is stored again as the newest version.
    keys = zip(*(fresh.column(c).to_pylist() for c in ("source_id", *key)), strict=True)
    hashes = fresh.column("row_hash").to_pylist()
    meanings = fresh.column(meaning).to_pylist() if meaning else [None] * fresh.num_rows
    new: dict[str, int] = {}
    updated: dict[str, int] = {}
    changed_meaning: dict[str, int] = {}
    keep = []
    for k, h, m in zip(keys, hashes, meanings, strict=True):
        before, before_meaning = current.get(k, (None, None))
        keep.append(before != h)
        if before is None:
            new[k[0]] = new.get(k[0], 0) + 1
        elif before != h:
            updated[k[0]] = updated.get(k[0], 0) + 1
            if before_meaning != m:
                changed_meaning[k[0]] = changed_meaning.get(k[0], 0) + 1
    if new or updated:
        changed = fresh.filter(pa.array(keep, pa.bool_()))
        con.register("_changed", changed)
        try:
            run(
                con,
                f"INSERT INTO {table} ({col_list}, row_hash, source_id, run_id, fetched_at) "
                f"SELECT {col_list}, row_hash, source_id, ?, ? FROM _changed",
                [run_id, now],
            )
        finally:
            con.unregister("_changed")
    names = "/".join(key)
    same = f"duplicate of another row for the same {names} in this source (same values: one kept)"
    ranked_out = (
        f"another row for the same {names} in this source has different values and "
        f"comes first by {prefer}: that one kept"
    )
    set_aside = [
        {
            "source_id": r.pop("source_id"),
            "kind": table,
            "reason": same if r.pop("_same") else ranked_out,
            "raw": _dump(_without(r, "row_hash")),
        }
        for r in dupes
    ]
    set_aside += [
        {
            "source_id": r.pop("source_id"),
            "kind": table,
            "reason": f"conflicting rows for {names} "
            f"{'/'.join(_key_text(r[c]) for c in key)}: {r.pop('_v')} different "
            "values (none stored this run; its stored version stays current)",
            "raw": _dump(_without(r, "row_hash")),
        }
        for r in conflicts
    ]
    return Inserted(new, updated, set_aside, changed_meaning)


def _without(row: dict, *names: str) -> dict:
    return {k: v for k, v in row.items() if k not in names}


def _key_text(value: object) -> str:
    return "" if value is None else str(value)


def record_aliases(
    con: duckdb.DuckDBPyConnection,
    good: pa.Table,
    defines_ids: set[str],
    run_id: str,
    aliases: Mapping[str, str] | None = None,
) -> dict[str, list[str]]:
    """Remember every name each source used for a model; return, per source, the names no
    model matched. A price list that defines the model ids (genai-prices) resolves its own; a
    name the alias file maps is resolved too."""
    aliases = aliases or {}
    targets = set(aliases.values())  # ids the alias file gives: mapped by hand, so resolved
    triples = sorted(
        set(
            zip(
                good.column("source_id").to_pylist(),
                good.column("source_name").to_pylist(),
                good.column("model").to_pylist(),
                strict=True,
            )
        )
    )
    rows: dict[tuple[str, str], dict] = {}  # one per (source, name): the key of `aliases`
    for sid, name, model in triples:
        rows.setdefault(
            (sid, name or model),
            {
                "source_id": sid,
                "source_name": name or model,
                "model": model,
                "resolved": sid in defines_ids
                or _known(name or model, model)
                or model in targets
                or mapped(name, None, aliases) is not None,
                "first_run_id": run_id,
            },
        )
    if not rows:
        return {}
    con.register("_alias", pa.Table.from_pylist(list(rows.values())))
    try:  # a name read again takes today's id and resolution (better rules, the alias file)
        run(
            con,
            "INSERT INTO aliases BY NAME SELECT * FROM _alias ON CONFLICT DO UPDATE SET "
            "model = excluded.model, resolved = excluded.resolved",
        )
    finally:
        con.unregister("_alias")
    out: dict[str, set[str]] = {}
    for r in rows.values():
        if not r["resolved"]:
            out.setdefault(r["source_id"], set()).add(r["source_name"])
    return {sid: sorted(names) for sid, names in out.items()}


def _known(name: str, model: str) -> bool:
    """Whether a source's name, or the id its adapter gave the row (a leaderboard label such as
    "DeepSeek R1 (0528)" comes with a model id of its own), is a model genai-prices knows."""
    return (
        resolve(name) is not None
        or resolve(price_model(model)) is not None
        or is_catalogue_id(price_model(model))
    )


def _dump(row: dict) -> str:
    return json.dumps(row, default=str, sort_keys=True, ensure_ascii=False)


@dataclass
class _Load:
    """What one load carries through its phases."""

    results: list[SourceResult]
    texts: dict[str, list[pa.Table]] = field(default_factory=dict)  # kind -> text tables
    good: dict[str, pa.Table] = field(default_factory=dict)  # kind -> validated rows
    rejects: list[dict] = field(default_factory=list)
    claims: list[dict] = field(default_factory=list)
    by_id: dict[str, SourceResult] = field(init=False)

    def __post_init__(self) -> None:
        self.by_id = {r.source_id: r for r in self.results}


def store_sources(
    db: Path,
    items: list[tuple[Source, Prepared]],
    run_id: str,
    now: datetime,
    aliases: Mapping[str, str] | None = None,
) -> SourceResults:
    """Validate and store prepared sources in one short transaction, with a few statements per
    table whatever the number of sources. A source that failed to fetch or parse is recorded
    with its reason; the others go in. `aliases` (the alias file) maps names to model ids.

    Phases: gather each source's outcome and rows, validate every kind at once, then in one
    transaction insert the facts, the claims and rejects, each source's state and the run's
    record of every source."""
    aliases = aliases or {}
    started = time.perf_counter()
    load = _gather(items, aliases)
    with open_store(db) as con:
        _validate(con, load)
        run(con, "BEGIN TRANSACTION")
        try:
            _insert_facts(con, load, items, run_id, now, aliases)
            _insert_claims_and_rejects(con, load, run_id, now)
            _record_state(con, load, items, now, aliases)
            _record_runs(con, load, items, run_id, now, time.perf_counter() - started)
            pause_point("store")  # test hook: killed with the transaction open
            run(con, "COMMIT")
        except Exception:
            run(con, "ROLLBACK")
            raise
    return SourceResults(load.results)


def _gather(items: list[tuple[Source, Prepared]], aliases: Mapping[str, str]) -> _Load:
    """Each source's outcome, its text tables (alias file applied) and its claims."""
    load = _Load([SourceResult(src.id, src.kind, src.format, _location(src)) for src, _ in items])
    for (src, prep), result in zip(items, load.results, strict=True):
        if prep.error is not None or prep.fetched is None:
            result.ok, result.reason = False, prep.error or "not read"
            result.fetch_status = "failed"
            continue
        result.fetch_status = prep.fetched.status
        if prep.fetched.status != "fetched":
            continue
        load.rejects += [{**r, "source_id": src.id} for r in prep.rejects]
        for kind, table in prep.tables.items():
            if kind in MODEL_KINDS:
                table = apply_aliases(kind, table, aliases)
            load.texts.setdefault(kind, []).append(_with_source(table, src.id))
        load.claims += [
            {**c, "model": mapped(c["model_as_written"], c["model"], aliases) or c["model"]}
            for c in prep.claims
        ]
        result.claims = len(prep.claims)
    return load


def _validate(con: duckdb.DuckDBPyConnection, load: _Load) -> None:
    """Every kind's rows, all sources at once: the good ones kept, the others set aside."""
    by_id = load.by_id
    for kind, tables in load.texts.items():
        checked = check(con, kind, pa.concat_tables(tables, promote_options="default"))
        load.rejects += checked.rejects
        load.good[kind] = checked.good
        for sid, n in _count_by_source([checked.good]):
            by_id[sid].rows_read += n
            by_id[sid].rows_by_kind[kind] = by_id[sid].rows_by_kind.get(kind, 0) + n


def _insert_facts(
    con: duckdb.DuckDBPyConnection,
    load: _Load,
    items: list[tuple[Source, Prepared]],
    run_id: str,
    now: datetime,
    aliases: Mapping[str, str],
) -> None:
    """New facts and new versions; the names each source used for its models."""
    by_id = load.by_id
    defines_ids = {src.id for src, _ in items if REGISTRY[src.format].packaged}
    for table, good in load.good.items():
        done = insert_facts(con, table, good, run_id, now)
        load.rejects += done.duplicates
        for sid, n in done.new.items():
            by_id[sid].rows_new += n
        for sid, n in done.updated.items():
            by_id[sid].rows_updated += n
        for sid, n in done.meaning_changed.items():
            by_id[sid].meaning_changed += n
        if table in MODEL_KINDS:
            for sid, names in record_aliases(con, good, defines_ids, run_id, aliases).items():
                by_id[sid].unresolved = sorted({*by_id[sid].unresolved, *names})


def _insert_claims_and_rejects(
    con: duckdb.DuckDBPyConnection, load: _Load, run_id: str, now: datetime
) -> None:
    """The claims of the entries stored, and every row set aside."""
    stored = load.good.get("entries")
    entries = (
        set(
            zip(
                *(stored.column(c).to_pylist() for c in ("source_id", "entry_id", "row_hash")),
                strict=True,
            )
        )
        if stored is not None and stored.num_rows
        else set()
    )
    store_claims(con, load.claims, entries, run_id, now)
    store_rejects(con, load.rejects, run_id, now)
    by_id = load.by_id
    for reject in load.rejects:
        by_id[reject["source_id"]].rejected += 1


def _record_state(
    con: duckdb.DuckDBPyConnection,
    load: _Load,
    items: list[tuple[Source, Prepared]],
    now: datetime,
    aliases: Mapping[str, str],
) -> None:
    """What each source read in full left (validators, how it was read): the next run skips
    it while it is unchanged."""
    state = [
        {
            "source_id": src.id,
            **asdict(prep.fetched.validators),
            "last_ok_at": now,
            "read_with": read_with(aliases),
        }
        for (src, prep), r in zip(items, load.results, strict=True)
        if r.ok and r.fetch_status == "fetched" and prep.fetched is not None
    ]
    if state:
        insert_rows(con, "INSERT OR REPLACE INTO source_state BY NAME", state)


def _record_runs(
    con: duckdb.DuckDBPyConnection,
    load: _Load,
    items: list[tuple[Source, Prepared]],
    run_id: str,
    now: datetime,
    elapsed: float,
) -> None:
    """One `source_runs` row per source: what it gave, or why it failed."""
    for (_, prep), r in zip(items, load.results, strict=True):
        r.elapsed_s = prep.elapsed_s + elapsed / len(items)
    # `meaning_changed` goes in once the store has the column (migration 0012)
    extra = "meaning_changed" in _columns(con, "source_runs")
    insert_rows(
        con,
        "INSERT INTO source_runs BY NAME",
        [
            {
                "run_id": run_id,
                "source_id": r.source_id,
                "kind": r.kind,
                "format": r.format,
                "location": r.location,
                "ok": r.ok,
                "reason": r.reason,
                "fetch_status": r.fetch_status,
                "rows_read": r.rows_read,
                "rows_new": r.rows_new,
                "rows_updated": r.rows_updated,
                "rejected": r.rejected,
                "unresolved": len(r.unresolved),
                "elapsed_s": r.elapsed_s,
                "fetched_at": now,
                **({"meaning_changed": r.meaning_changed} if extra else {}),
            }
            for r in load.results
        ],
    )


def _columns(con: duckdb.DuckDBPyConnection, table: str) -> set[str]:
    return {
        r[0]
        for r in con.execute(
            "SELECT column_name FROM duckdb_columns() WHERE table_name = ?", [table]
        ).fetchall()
    }


def _with_source(table: pa.Table, source_id: str) -> pa.Table:
    return table.append_column("source_id", pa.array([source_id] * table.num_rows, pa.string()))


def _count_by_source(tables: list[pa.Table]) -> list[tuple[str, int]]:
    counts: dict[str, int] = {}
    for t in tables:
        for sid in t.column("source_id").to_pylist():
            counts[sid] = counts.get(sid, 0) + 1
    return list(counts.items())


def ingest_source(
    db: Path,
    source: Source,
    run_id: str,
    now: datetime,
    limits: Limits = DEFAULT_LIMITS,
    prepared: Prepared | None = None,
    aliases: Mapping[str, str] | None = None,
) -> SourceResult:
    """Ingest one source (fetched and parsed here unless `prepared` is given)."""
    if prepared is None:
        prepared = prepare(source, validators(db, aliases).get(source.id), limits)
    return store_sources(db, [(source, prepared)], run_id, now, aliases)[0]


def ingest_sources(
    db: Path,
    sources: list[Source],
    run_id: str,
    now: datetime,
    limits: Limits = DEFAULT_LIMITS,
    aliases: Mapping[str, str] | None = None,
    refetch: bool = False,
) -> SourceResults:
    """Every source: fetched and parsed on all cores, then stored together (one writer)."""
    futures = prepare_all(db, sources, limits, aliases, refetch)
    with held_open(db):  # opened (and migrated) while the workers parse
        prepared = [(s, collect(futures[s.id], db, s, limits)) for s in sources]
        return store_sources(db, prepared, run_id, now, aliases)
