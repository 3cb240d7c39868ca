"""Ingest one configured source: fetch (conditionally), parse, validate, store versions, record
rejects and the names no known model matched."""

from __future__ import annotations

import hashlib
import heapq
import threading
import time
from collections.abc import Mapping
from concurrent.futures import Future
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Literal

import genai_prices
import pyarrow as pa

from flows.config import Source
from flows.sources.adapters import REGISTRY
from flows.sources.adapters.base import Parsed, signature
from flows.sources.adapters.canonical import HeaderError
from flows.sources.aliases import fingerprint
from flows.sources.claims import entry_claims
from flows.sources.fetch import Fetched, FetchError, Limits, Validators, fetch_path, fetch_url
from flows.sources.workers import can_fork, submit
from flows.store.db import open_store
from flows.store.validate import rows_to_text_table

DEFAULT_LIMITS = Limits()
# The readers' version: change it when an adapter reads the same bytes differently, so that the
# next run reads every source again instead of skipping the unchanged ones.
READER_VERSION = "2026-12-02.2"


class SourceError(Exception):
    """The source as a whole could not be read; the message says why."""


def fetch_source(
    source: Source, previous: Validators | None, limits: Limits = DEFAULT_LIMITS
) -> Fetched:
    """The source's bytes (or "not modified"), from its file, its URL or its package."""
    fmt = REGISTRY[source.format]
    if fmt.packaged:
        from flows.sources.adapters.genai_prices import snapshot_version

        version = snapshot_version().encode()
        digest = hashlib.sha256(version).hexdigest()
        status: Literal["fetched", "not_modified"] = (
            "not_modified" if previous and previous.content_hash == digest else "fetched"
        )
        return Fetched(
            status,
            b"" if status == "not_modified" else version,
            Validators(content_hash=digest),
            None,
            None,
            None,
            0.0,
        )
    try:
        if source.path is not None:
            return fetch_path(source.path, previous, limits)
        # a clearly wrong Content-Type for the format fails the fetch
        return fetch_url(str(source.url), previous, limits, expect=fmt.expect)
    except FetchError as exc:
        raise SourceError(str(exc)) from None


def parse_bytes(source: Source, data: bytes, fetched: Fetched | None = None) -> Parsed:
    """The source's items in canonical form, by its format's adapter (a feed fetched from a URL
    also gets the address it came from and its Content-Type)."""
    fmt = REGISTRY[source.format]  # the configuration names only declared formats
    parser = fmt.parse
    options = {"kind": source.kind, **source.options} if fmt.kind_option else (dict(source.options))
    if source.as_of is not None and fmt.takes("as_of"):
        options.setdefault("as_of", source.as_of.isoformat())  # the snapshot's day dates its rows
    if fmt.feed and fetched is not None and fetched.final_url:
        options.setdefault("base_url", fetched.final_url)
        options.setdefault("content_type", fetched.content_type)
    try:
        signature(parser).bind(data, source.id, **options)
    except TypeError as exc:
        raise SourceError(f"bad options for format {source.format!r}: {exc}") from None
    try:
        return parser(data, source.id, **options)
    except HeaderError as exc:
        raise SourceError(str(exc)) from None
    except Exception as exc:  # a broken file must not stop the run: record why
        raise SourceError(f"cannot parse as {source.format}: {type(exc).__name__}: {exc}") from None


DATED_KINDS = ("prices", "scores", "run_costs")


def snapshot_day(source: Source, today: date | None = None) -> str:
    """The day a row without a date of its own counts as known from: the source's `as_of`
    (the day of the snapshot a bundled file is), else the day it is read (UTC)."""
    if source.as_of is not None:
        return source.as_of.isoformat()
    return (today or datetime.now(UTC).date()).isoformat()


def stamp_known_from(parsed: Parsed, day: str) -> None:
    """Give every price, score and run cost that carries no `known_from` the snapshot's day."""
    for kind in DATED_KINDS:
        for row in parsed.rows.get(kind, ()):
            if not row.get("known_from"):
                row["known_from"] = day


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


def prepare(
    source: Source, previous: Validators | None, limits: Limits = DEFAULT_LIMITS
) -> Prepared:
    """Fetch and parse one source; no store access, so it can run in another process."""
    started = time.perf_counter()
    out = Prepared()
    try:
        out.fetched = fetch_source(source, previous, limits)
        if out.fetched.status == "fetched":
            parsed = parse_bytes(source, out.fetched.body, out.fetched)
            stamp_known_from(parsed, snapshot_day(source))
            out.tables = {
                kind: rows_to_text_table(kind, rows) for kind, rows in parsed.rows.items() if rows
            }
            out.rejects = parsed.rejects
            out.claims = entry_claims(
                source.id,
                parsed.rows.get("entries", []),
                parsed.rejects,
                source.options.get("budget_s"),
            )
        out.fetched = replace(out.fetched, body=b"")  # parsed: no need to send the bytes back
    except SourceError as exc:
        out.error = str(exc)
    out.elapsed_s = time.perf_counter() - started
    return out


def read_with(aliases: Mapping[str, str] | None = None) -> str:
    """How sources are read now: the readers' version, the genai-prices release (its catalogue
    resolves model names and is a source itself) and the alias file."""
    return f"{READER_VERSION}/genai-prices {genai_prices.__version__}/{fingerprint(aliases)}"


def validators(db: Path, aliases: Mapping[str, str] | None = None) -> dict[str, Validators]:
    """What each source's last successful fetch left (ETag, Last-Modified, content hash), for
    the sources last read the way they are read now (same readers, same alias file); the others
    are read again in full."""
    if not db.exists():
        return {}
    with open_store(db) as con:
        rows = con.execute(
            "SELECT source_id, etag, last_modified, content_hash FROM source_state "
            "WHERE read_with = ?",
            [read_with(aliases)],
        ).fetchall()
    return {r[0]: Validators(*r[1:]) for r in rows}


def _expected_size(source: Source) -> int:
    """Bytes to parse, where known (a packaged price list counts as large, a URL as medium)."""
    if REGISTRY[source.format].packaged:
        return 1 << 30
    try:
        return source.path.stat().st_size if source.path else 1 << 20
    except OSError:
        return 0


def prepare_all(
    db: Path,
    sources: list[Source],
    limits: Limits = DEFAULT_LIMITS,
    aliases: Mapping[str, str] | None = None,
    refetch: bool = False,
) -> dict[str, Future[Prepared]]:
    """Start fetching and parsing every source on all cores; results arrive as futures. With
    `refetch`, every source is read in full even if unchanged (after an upgrade, say)."""
    previous = {} if refetch else validators(db, aliases)
    # largest first, so that no big source starts last and keeps one core busy alone
    return {
        s.id: submit(prepare, s, previous.get(s.id), limits)
        for s in sorted(sources, key=_expected_size, reverse=True)
    }


def batches(sources: list[Source], count: int) -> list[list[Source]]:
    """The sources in at most `count` batches of about equal bytes to parse (each source, largest
    first, into the lightest batch so far), the heaviest batch first."""
    sized = sorted(((_expected_size(s), s) for s in sources), key=lambda p: p[0], reverse=True)
    heap: list[tuple[int, int]] = [(0, k) for k in range(max(1, min(count, len(sources))))]
    members: list[list[Source]] = [[] for _ in heap]
    for size, src in sized:
        total, k = heapq.heappop(heap)
        members[k].append(src)
        heapq.heappush(heap, (total + size, k))
    order = sorted(heap, reverse=True)
    return [members[k] for _, k in order if members[k]]


def prepare_each(
    sources: list[Source], previous: Mapping[str, Validators | None], limits: Limits
) -> dict[str, Prepared]:
    """Fetch and parse sources one after another in this process. A source that breaks in a
    way no reader foresaw is a failed source with the error, never the batch's failure."""
    out = {}
    for src in sources:
        try:
            out[src.id] = prepare(src, previous.get(src.id), limits)
        except Exception as exc:
            out[src.id] = Prepared(error=f"cannot read: {type(exc).__name__}: {exc}")
    return out


# batches submitted to the worker pool before the flow started (`start_batches`), by source ids
_started: dict[tuple[str, ...], tuple[dict[str, Validators | None], Limits, Future]] = {}
_submitting: list[threading.Thread] = []


def start_batches(
    planned: list[list[Source]],
    previous: Mapping[str, Validators | None],
    limits: Limits = DEFAULT_LIMITS,
) -> None:
    """Submit batches to the worker pool, from a thread (a first submit waits for the workers'
    server to import the parsing code: a second or so), while Prefect starts: `prepare_batch`
    of the same batch, read the same way, then takes the result instead of reading the
    sources again."""
    if not can_fork():
        return

    def submit_all() -> None:
        for batch in planned:
            prev = {s.id: previous.get(s.id) for s in batch}
            _started[tuple(s.id for s in batch)] = (
                prev,
                limits,
                submit(prepare_each, batch, prev, limits),
            )

    thread = threading.Thread(target=submit_all, name="read-ahead", daemon=True)
    _submitting.append(thread)
    thread.start()


def prepare_batch(
    sources: list[Source],
    previous: Mapping[str, Validators | None],
    limits: Limits = DEFAULT_LIMITS,
) -> dict[str, Prepared]:
    """Fetch and parse a batch of sources on one of the process's workers (or take the result
    of the same batch started earlier), or here where no worker can be started (a daemonic
    process, such as a Dask worker's, cannot have children). If the worker dies (out of memory,
    killed), the batch is read again here, in full."""
    prev = {s.id: previous.get(s.id) for s in sources}
    for thread in list(_submitting):  # the batches started ahead are all submitted
        thread.join()
    ahead = _started.pop(tuple(s.id for s in sources), None)
    if ahead is not None and ahead[:2] == (prev, limits):
        future = ahead[2]
    elif can_fork():
        future = submit(prepare_each, sources, prev, limits)
    else:
        return prepare_each(sources, prev, limits)
    try:
        result: dict[str, Prepared] = future.result()
        return result
    except BrokenProcessPool:
        return prepare_each(sources, {}, limits)


def collect(
    future: Future[Prepared], db: Path, source: Source, limits: Limits = DEFAULT_LIMITS
) -> Prepared:
    """A worker's result; if the worker died (out of memory, killed), the source is prepared
    again in this process rather than lost (read in full: a lost 304 would lose nothing, but a
    full read is always right)."""
    try:
        return future.result()
    except BrokenProcessPool:
        return prepare(source, None, limits)
