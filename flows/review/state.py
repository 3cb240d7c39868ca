"""The editorial store: each edition's state and its numbered, append-only revisions.

It is its own SQLite database (``review.sqlite`` beside the DuckDB store by default), not a table
of the DuckDB store: the daily run holds the store's single write lock for the whole run, and a
DuckDB reader in another process would block that writer. SQLite in WAL mode lets the review app,
the CLI and the daily run each make short transactions at any time; readers never block the
writer, and a writer waits for another (``busy_timeout``), then retries with backoff.

Lifecycle: draft -> approved -> published, or rejected. The machine draft is revision 1; every
save, restore and machine rerun appends one. ``current_revision`` is what editors see and
approve; a machine rerun becomes current only while no editor has touched the edition.
"""

from __future__ import annotations

import json
import re
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, TypeVar

from flows.brief.content import Edition

T = TypeVar("T")

DRAFT, APPROVED, PUBLISHED, REJECTED = "draft", "approved", "published", "rejected"
STATES = (DRAFT, APPROVED, PUBLISHED, REJECTED)
MACHINE, EDIT, RESTORE = "machine", "edit", "restore"

SCHEMA = """
CREATE TABLE IF NOT EXISTS editions (
    edition_date TEXT PRIMARY KEY,          -- the edition's day
    state TEXT NOT NULL CHECK (state IN ('draft', 'approved', 'published', 'rejected')),
                                            -- draft, approved, published or rejected
    current_revision INTEGER NOT NULL,      -- the revision editors see, approve and publish
    approved_revision INTEGER,              -- the revision approved (kept once published)
    published_revision INTEGER,             -- the revision that went out
    reason TEXT,                            -- why it was rejected
    updated_at TEXT NOT NULL                -- when its state last changed (UTC)
);
CREATE TABLE IF NOT EXISTS revisions (
    edition_date TEXT NOT NULL,             -- the edition's day
    revision INTEGER NOT NULL,              -- 1, 2, ... per edition
    kind TEXT NOT NULL CHECK (kind IN ('machine', 'edit', 'restore')),
                                            -- machine (a run's draft), edit or restore
    based_on INTEGER,                       -- the revision an edit or restore started from
    author TEXT NOT NULL,                   -- an editor's name, or "machine"
    created_at TEXT NOT NULL,               -- when it was saved (UTC)
    run_id TEXT,                            -- the run that drafted a machine revision
    content TEXT NOT NULL,                  -- the whole edition (JSON of the content model)
    PRIMARY KEY (edition_date, revision)
);
CREATE TABLE IF NOT EXISTS events (
    event_id INTEGER PRIMARY KEY AUTOINCREMENT,  -- the order things happened in
    edition_date TEXT NOT NULL,             -- the edition's day
    revision INTEGER,                       -- the revision acted on
    actor TEXT NOT NULL,                    -- an editor's name, or "machine"
    action TEXT NOT NULL,                   -- drafted, saved, restored, approved, published, ...
    happened_at TEXT NOT NULL,              -- when (UTC)
    detail TEXT NOT NULL DEFAULT '{}'       -- JSON: what changed, the reason, the files
);
CREATE TABLE IF NOT EXISTS publications (
    edition_date TEXT NOT NULL,             -- the edition's day
    revision INTEGER NOT NULL,              -- the revision published
    first_published_at TEXT NOT NULL,       -- the e-mail's Date: the same on every republish
    published_by TEXT NOT NULL,             -- who published it first
    PRIMARY KEY (edition_date, revision)
);
CREATE TRIGGER IF NOT EXISTS revisions_append_only_u BEFORE UPDATE ON revisions
BEGIN SELECT RAISE(ABORT, 'revisions are append-only'); END;
CREATE TRIGGER IF NOT EXISTS revisions_append_only_d BEFORE DELETE ON revisions
BEGIN SELECT RAISE(ABORT, 'revisions are append-only'); END;
CREATE TRIGGER IF NOT EXISTS events_append_only_u BEFORE UPDATE ON events
BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
CREATE TRIGGER IF NOT EXISTS events_append_only_d BEFORE DELETE ON events
BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
"""


def _column_notes(schema: str) -> dict[tuple[str, str], str]:
    """(table, column) -> the comment written after the column in `schema`."""
    notes = {}
    for table, body in re.findall(r"CREATE TABLE IF NOT EXISTS (\w+) \((.*?)\n\);", schema, re.S):
        column = ""
        for line in body.splitlines():
            named = re.match(r"\s{4}(\w+) ", line)
            if named and named.group(1) != "PRIMARY":
                column = named.group(1)
            if "--" in line and column:
                notes[(table, column)] = line.split("--", 1)[1].strip()
    return notes


# what each column means (the snapshot carries it to analysts as column comments)
COLUMN_NOTES = _column_notes(SCHEMA)
BUSY_TIMEOUT_S = 10.0
RETRIES = 5  # after the busy timeout, with backoff: 0.2, 0.4, 0.8, 1.6 s


class ReviewError(Exception):
    """An editorial action that cannot be done as asked (the message says why)."""


class Conflict(Exception):
    """A save based on a revision that is no longer current."""

    def __init__(self, edition_date: date, based_on: int, current: int) -> None:
        super().__init__(
            f"{edition_date.isoformat()}: revision {based_on} is not current ({current})"
        )
        self.edition_date, self.based_on, self.current = edition_date, based_on, current


@dataclass(frozen=True)
class EditionState:
    edition_date: date
    state: str
    current_revision: int
    approved_revision: int | None
    published_revision: int | None
    reason: str | None
    updated_at: str
    revisions: int = 0


@dataclass(frozen=True)
class Revision:
    edition_date: date
    revision: int
    kind: str
    based_on: int | None
    author: str
    created_at: str
    run_id: str | None
    content: str

    def edition(self, state: str | None = None) -> Edition:
        """The revision's edition, carrying its number (and `state` when given)."""
        edition = Edition.model_validate_json(self.content)
        update: dict[str, Any] = {"revision": self.revision}
        if state is not None:
            update["status"] = state
        return edition.model_copy(update=update)


@dataclass(frozen=True)
class Event:
    event_id: int
    edition_date: date
    revision: int | None
    actor: str
    action: str
    at: str
    detail: dict


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _connect(path: Path) -> sqlite3.Connection:
    path.parent.mkdir(parents=True, exist_ok=True)
    con = sqlite3.connect(path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=NORMAL")
    con.execute("PRAGMA foreign_keys=ON")
    return con


_READY: set[Path] = set()


@contextmanager
def connect(path: Path) -> Iterator[sqlite3.Connection]:
    """A short-lived connection to the editorial store, its tables made on first use."""
    path = Path(path)
    con = _connect(path)
    try:
        if path not in _READY:
            con.executescript(SCHEMA)
            columns = {row[1] for row in con.execute("PRAGMA table_info(events)").fetchall()}
            if "at" in columns:  # the first stores named it `at`, a word SQL reserves
                con.execute("ALTER TABLE events RENAME COLUMN at TO happened_at")
            _READY.add(path)
        yield con
    finally:
        con.close()


def _locked(exc: sqlite3.OperationalError) -> bool:
    return "locked" in str(exc) or "busy" in str(exc)


def transaction(path: Path, work: Callable[[sqlite3.Connection], T]) -> T:
    """Run `work` in one write transaction (taken at once: BEGIN IMMEDIATE), retried with
    backoff while another writer holds the store past the busy timeout."""
    for attempt in range(RETRIES):
        with connect(path) as con:
            try:
                con.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as exc:
                if not _locked(exc) or attempt == RETRIES - 1:
                    raise
                time.sleep(0.2 * 2**attempt)
                continue
            try:
                result = work(con)
            except BaseException:
                con.execute("ROLLBACK")
                raise
            con.execute("COMMIT")
            return result
    raise AssertionError("unreachable")


def _state(row: tuple) -> EditionState:
    return EditionState(date.fromisoformat(row[0]), *row[1:])


_STATE_COLUMNS = (
    "e.edition_date, e.state, e.current_revision, e.approved_revision, e.published_revision, "
    "e.reason, e.updated_at"
)


def edition_state(con: sqlite3.Connection, day: date) -> EditionState | None:
    row = con.execute(
        f"SELECT {_STATE_COLUMNS} FROM editions e WHERE edition_date = ?", [day.isoformat()]
    ).fetchone()
    return _state(row) if row else None


def list_editions(path: Path, limit: int = 60) -> list[EditionState]:
    """The newest editions first, with their number of revisions."""
    with connect(path) as con:
        rows = con.execute(
            f"SELECT {_STATE_COLUMNS}, count(r.revision) FROM editions e "
            "JOIN revisions r USING (edition_date) GROUP BY e.edition_date "
            "ORDER BY e.edition_date DESC LIMIT ?",
            [limit],
        ).fetchall()
    return [_state(r) for r in rows]


def read_state(path: Path, day: date) -> EditionState | None:
    with connect(path) as con:
        return edition_state(con, day)


_REVISIONS = (
    "SELECT edition_date, revision, kind, based_on, author, created_at, run_id, content "
    "FROM revisions WHERE edition_date = ?"
)


def _revision(con: sqlite3.Connection, day: date, number: int) -> Revision | None:
    row = con.execute(
        _REVISIONS + " AND revision = ?",
        [day.isoformat(), number],
    ).fetchone()
    return Revision(date.fromisoformat(row[0]), *row[1:]) if row else None


def get_revision(path: Path, day: date, number: int | None = None) -> Revision:
    """Revision `number` of the day's edition (default: the current one)."""
    with connect(path) as con:
        state = edition_state(con, day)
        if state is None:
            raise ReviewError(f"no edition for {day.isoformat()} in the review store")
        found = _revision(con, day, number or state.current_revision)
    if found is None:
        raise ReviewError(f"edition {day.isoformat()} has no revision {number}")
    return found


def revisions(path: Path, day: date) -> list[Revision]:
    """Every revision of the day's edition, oldest first."""
    with connect(path) as con:
        rows = con.execute(_REVISIONS + " ORDER BY revision", [day.isoformat()]).fetchall()
    return [Revision(date.fromisoformat(r[0]), *r[1:]) for r in rows]


def events(path: Path, day: date) -> list[Event]:
    """The audit trail of the day's edition, oldest first."""
    with connect(path) as con:
        rows = con.execute(
            "SELECT event_id, edition_date, revision, actor, action, happened_at, detail "
            "FROM events "
            "WHERE edition_date = ? ORDER BY event_id",
            [day.isoformat()],
        ).fetchall()
    return [
        Event(r[0], date.fromisoformat(r[1]), r[2], r[3], r[4], r[5], json.loads(r[6]))
        for r in rows
    ]


def machine_draft_of(path: Path, day: date, number: int) -> Revision:
    """The machine revision revision `number` descends from: the newest machine revision not
    after it (its diff is read against this one)."""
    with connect(path) as con:
        row = con.execute(
            "SELECT max(revision) FROM revisions WHERE edition_date = ? AND kind = 'machine' "
            "AND revision <= ?",
            [day.isoformat(), number],
        ).fetchone()
        found = _revision(con, day, row[0]) if row and row[0] else None
    if found is None:
        raise ReviewError(f"edition {day.isoformat()} has no machine revision")
    return found


# --- writes --------------------------------------------------------------------------------


def _log(
    con: sqlite3.Connection,
    day: date,
    revision: int | None,
    actor: str,
    action: str,
    at: str,
    **detail: Any,
) -> None:
    con.execute(
        "INSERT INTO events (edition_date, revision, actor, action, happened_at, detail) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        [day.isoformat(), revision, actor, action, at, json.dumps(detail, sort_keys=True)],
    )


def _append(
    con: sqlite3.Connection,
    day: date,
    kind: str,
    author: str,
    content: str,
    at: str,
    based_on: int | None = None,
    run_id: str | None = None,
) -> int:
    row = con.execute(
        "SELECT coalesce(max(revision), 0) + 1 FROM revisions WHERE edition_date = ?",
        [day.isoformat()],
    ).fetchone()
    number = int(row[0])
    con.execute(
        "INSERT INTO revisions (edition_date, revision, kind, based_on, author, created_at, "
        "run_id, content) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [day.isoformat(), number, kind, based_on, author, at, run_id, content],
    )
    return number


def _set(con: sqlite3.Connection, day: date, at: str, **columns: Any) -> None:
    assigned = ", ".join(f"{name} = ?" for name in columns)
    con.execute(
        f"UPDATE editions SET {assigned}, updated_at = ? WHERE edition_date = ?",
        [*columns.values(), at, day.isoformat()],
    )


def _changeable(con: sqlite3.Connection, day: date) -> EditionState:
    """The edition's state, when it exists and was not published (else ReviewError)."""
    state = edition_state(con, day)
    if state is None:
        raise ReviewError(f"no edition for {day.isoformat()}")
    if state.state == PUBLISHED:
        raise ReviewError(
            f"edition {day.isoformat()} was published (revision {state.published_revision}); "
            "a published edition is not changed"
        )
    return state


def _content(edition: Edition) -> str:
    """An edition as a revision stores it: without the state and number it is stored under."""
    return edition.model_copy(update={"status": DRAFT, "revision": 1}).model_dump_json()


@dataclass(frozen=True)
class MachineOutcome:
    revision: int
    state: str
    current: bool  # the machine revision is what editors now see (its files may be written)
    reference: int | None  # the revision it was compared with when not made current


def record_machine(path: Path, edition: Edition, run_id: str) -> MachineOutcome:
    """Append a run's draft. It becomes current for a new edition, a draft no editor changed,
    or a rejected edition (which returns to draft); an edition an editor changed, approved or
    published keeps its current revision, and the machine revision waits beside it."""
    day = edition.edition_date

    def work(con: sqlite3.Connection) -> MachineOutcome:
        at = _now()
        state = edition_state(con, day)
        number = _append(con, day, MACHINE, "machine", _content(edition), at, run_id=run_id)
        if state is None:
            con.execute(
                "INSERT INTO editions (edition_date, state, current_revision, updated_at) "
                "VALUES (?, ?, ?, ?)",
                [day.isoformat(), DRAFT, number, at],
            )
            _log(con, day, number, "machine", "drafted", at, run_id=run_id)
            return MachineOutcome(number, DRAFT, True, None)
        current = _revision(con, day, state.current_revision)
        untouched = current is not None and current.kind == MACHINE
        if state.state == REJECTED or (state.state == DRAFT and untouched):
            _set(con, day, at, state=DRAFT, current_revision=number, reason=None)
            _log(con, day, number, "machine", "drafted", at, run_id=run_id)
            return MachineOutcome(number, DRAFT, True, None)
        reference = state.approved_revision or state.current_revision
        _log(
            con,
            day,
            number,
            "machine",
            "redrafted beside",
            at,
            run_id=run_id,
            kept=state.current_revision,
            state=state.state,
        )
        return MachineOutcome(number, state.state, False, reference)

    return transaction(path, work)


def save_revision(
    path: Path,
    day: date,
    based_on: int,
    author: str,
    change: Callable[[Edition], Edition],
    kind: str = EDIT,
    detail: dict | None = None,
) -> int:
    """Append the edition `change` makes of revision `based_on`, which must be current (else
    Conflict: nothing is written). Saving an approved edition returns it to draft; a
    published one is never changed."""

    def work(con: sqlite3.Connection) -> int:
        at = _now()
        state = _changeable(con, day)
        if based_on != state.current_revision:
            raise Conflict(day, based_on, state.current_revision)
        base = _revision(con, day, based_on)
        assert base is not None
        edited = change(base.edition())
        number = _append(con, day, kind, author, _content(edited), at, based_on=based_on)
        _set(con, day, at, state=DRAFT, current_revision=number, reason=None)
        if state.state == APPROVED:
            _log(con, day, number, author, "approval withdrawn", at, was=state.approved_revision)
            _set(con, day, at, approved_revision=None)
        _log(
            con,
            day,
            number,
            author,
            "saved" if kind == EDIT else "restored",
            at,
            based_on=based_on,
            **(detail or {}),
        )
        return number

    return transaction(path, work)


def restore(path: Path, day: date, number: int, based_on: int, author: str) -> int:
    """Append a copy of revision `number` as the new current revision."""
    old = get_revision(path, day, number)
    return save_revision(
        path,
        day,
        based_on,
        author,
        lambda _: old.edition(),
        kind=RESTORE,
        detail={"restored": number},
    )


def approve(path: Path, day: date, author: str, revision: int | None = None) -> int:
    """Approve the current revision (`revision`, when given, must be it: else Conflict)."""

    def work(con: sqlite3.Connection) -> int:
        at = _now()
        state = _changeable(con, day)
        if revision is not None and revision != state.current_revision:
            raise Conflict(day, revision, state.current_revision)
        number = state.current_revision
        _set(con, day, at, state=APPROVED, approved_revision=number, reason=None)
        _log(con, day, number, author, "approved", at)
        return number

    return transaction(path, work)


def reject(path: Path, day: date, author: str, reason: str) -> int:
    """Reject the edition, with the reason editors gave."""
    reason = " ".join(reason.split())
    if not reason:
        raise ReviewError("a rejection needs a reason")

    def work(con: sqlite3.Connection) -> int:
        at = _now()
        state = _changeable(con, day)
        _set(con, day, at, state=REJECTED, approved_revision=None, reason=reason)
        _log(con, day, state.current_revision, author, "rejected", at, reason=reason)
        return state.current_revision

    return transaction(path, work)


def to_publish(path: Path, day: date) -> Revision:
    """The revision to publish: the approved one (or the published one, to publish it again)."""
    state = read_state(path, day)
    if state is None:
        raise ReviewError(f"no edition for {day.isoformat()} in the review store")
    if state.state not in (APPROVED, PUBLISHED):
        raise ReviewError(
            f"edition {day.isoformat()} is {state.state}: approve it first "
            f"(brief approve {day.isoformat()})"
        )
    number = state.published_revision if state.state == PUBLISHED else state.approved_revision
    assert number is not None
    return get_revision(path, day, number)


def first_published_at(path: Path, day: date, revision: int) -> str | None:
    with connect(path) as con:
        row = con.execute(
            "SELECT first_published_at FROM publications WHERE edition_date = ? AND revision = ?",
            [day.isoformat(), revision],
        ).fetchone()
    return row[0] if row else None


def mark_published(
    path: Path, day: date, revision: int, author: str, at: str, files: dict[str, str]
) -> None:
    """Record that `author` published `revision` (at `at`, the first time), with its files."""

    def work(con: sqlite3.Connection) -> None:
        state = edition_state(con, day)
        if state is None or state.state not in (APPROVED, PUBLISHED):
            raise ReviewError(f"edition {day.isoformat()} is not approved")
        con.execute(
            "INSERT OR IGNORE INTO publications (edition_date, revision, first_published_at, "
            "published_by) VALUES (?, ?, ?, ?)",
            [day.isoformat(), revision, at, author],
        )
        _set(con, day, _now(), state=PUBLISHED, published_revision=revision)
        _log(con, day, revision, author, "published", _now(), files=files)

    transaction(path, work)


def log_event(path: Path, day: date, revision: int | None, actor: str, action: str, **detail):
    """Record an action that changes no state (a test send) in the audit trail."""
    transaction(path, lambda con: _log(con, day, revision, actor, action, _now(), **detail))
