"""One writing run at a time per store, and what a killed run left behind reaped by the next.

A writing command (`brief run`, `brief ingest`, `brief backfill`) takes an exclusive `flock` on
`<store>.lock` (beside the store: data/brief.duckdb.lock) before any work, without waiting. The
lock belongs to the process: the OS drops it when the process ends, however it ends, so a killed
run never leaves a stale lock. The file records the holder (pid, command, start time), for the
message a second run gets, and a token that the holder puts in its environment, where every
process it starts inherits it (BRIEF_RUN_TOKEN). The next run to take the lock kills any process
still carrying the previous holder's token: only processes of that run carry it, so an unrelated
process is never touched, even one that reuses a recorded pid.
"""

from __future__ import annotations

import fcntl
import json
import os
import shlex
import signal
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

TOKEN_VAR = "BRIEF_RUN_TOKEN"
_held: dict[Path, tuple[int, str | None]] = {}  # store -> (lock's descriptor, token before)
_next_token: str | None = None
_claimed: tuple[str, str | None] | None = None  # (token put in the environment, value before)


@dataclass
class Holder:
    """The process holding a store's lock, as it recorded itself."""

    pid: int
    command: str
    started_at: str  # ISO, UTC
    token: str
    start_ticks: int | None = None  # when the process started (/proc: tells a reused pid apart)

    def alive(self) -> bool:
        """Whether the holder's process is still running (the same one, not a reused pid)."""
        return self.start_ticks is not None and _start_ticks(self.pid) == self.start_ticks

    def describe(self, store: Path, now: datetime | None = None) -> str:
        started = datetime.fromisoformat(self.started_at)
        now = now or datetime.now(UTC)
        when = started.strftime(
            "%H:%M:%S UTC" if started.date() == now.date() else "%Y-%m-%d %H:%M:%S UTC"
        )
        return (
            f"another run (pid {self.pid}, `{self.command}`, started {when}) holds the store "
            f"{store}; it has run for {_duration((now - started).total_seconds())}"
        )


class StoreBusy(Exception):
    """Another process holds the store's lock."""

    def __init__(self, store: Path, holder: Holder | None) -> None:
        self.store, self.holder = store, holder
        super().__init__(
            holder.describe(store)
            if holder
            else f"another run holds the store {store} (it is starting)"
        )


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{max(seconds, 0):.0f} s"
    if seconds < 90 * 60:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def lock_path(database: Path) -> Path:
    """The lock file of a store: beside it, named after it."""
    return database.with_name(database.name + ".lock")


def _read(fd: int) -> Holder | None:
    try:
        data = json.loads(os.pread(fd, 65536, 0) or b"null")
        return Holder(**data) if isinstance(data, dict) else None
    except (ValueError, TypeError):  # empty (being written) or not ours
        return None


def hold_store(database: Path, command: str | None = None) -> list[int]:
    """Take the store's lock until this process ends or `release_store` (raises StoreBusy when
    another run holds it), then kill what the previous holder left running; returns the pids
    killed. Taking it again in the same process does nothing."""
    path = lock_path(database)
    if path in _held:  # taken already by this process
        return []
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)  # not inherited by child processes
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = _read(fd)
        os.close(fd)
        raise StoreBusy(database, holder) from None
    previous = _read(fd)
    killed: list[int] = []
    if previous is not None and previous.token and not previous.alive():
        killed = reap(previous.token)  # a holder still running stops its own children
    me = Holder(
        pid=os.getpid(),
        command=command or shlex.join(["brief", *sys.argv[1:]]),
        started_at=datetime.now(UTC).isoformat(timespec="seconds"),
        token=next_token(),
        start_ticks=_start_ticks(os.getpid()),
    )
    os.ftruncate(fd, 0)
    os.pwrite(fd, json.dumps(asdict(me)).encode(), 0)
    global _next_token, _claimed
    # a claimed token is this lock's own: the value before is the one the claim replaced
    before = _claimed[1] if _claimed is not None else os.environ.get(TOKEN_VAR)
    _held[path] = (fd, before)
    os.environ[TOKEN_VAR] = me.token  # before any child starts
    _next_token, _claimed = None, None
    return killed


def next_token() -> str:
    """The token this process's next `hold_store` will record."""
    global _next_token
    if _next_token is None:
        _next_token = f"{os.getpid()}-{uuid.uuid4().hex}"
    return _next_token


def claim_token() -> None:
    """Put the token of this process's next `hold_store` in its environment now, so that the
    children a command starts before its configuration is read and the lock taken (the run's
    API server, the workers) carry it too."""
    global _claimed
    if _claimed is None:
        _claimed = (next_token(), os.environ.get(TOKEN_VAR))
        os.environ[TOKEN_VAR] = _claimed[0]


@contextmanager
def store_held(database: Path, command: str | None = None) -> Iterator[list[int]]:
    """`hold_store` for a block (a flow run that no command started, such as a scheduled one):
    given up after it, unless this process held the lock already."""
    already = lock_path(database) in _held
    killed = hold_store(database, command)
    try:
        yield killed
    finally:
        if not already:
            release_store(database)


def release_store(database: Path) -> None:
    """Give the lock up before this process ends (a command run inside another program);
    children started from now on no longer carry the token."""
    fd, before = _held.pop(lock_path(database), (None, None))
    if fd is None:
        return
    os.close(fd)
    if before is None:
        os.environ.pop(TOKEN_VAR, None)
    else:
        os.environ[TOKEN_VAR] = before


def _carries(pid: int, token: str) -> bool:
    """Whether process `pid` has `token` in its environment (False when gone or not ours)."""
    try:
        environ = Path(f"/proc/{pid}/environ").read_bytes()
    except OSError:
        return False
    return f"{TOKEN_VAR}={token}".encode() in environ.split(b"\0")


def carrying(token: str) -> list[int]:
    """The processes (other than this one) whose environment carries `token` (none where
    there is no /proc to read)."""
    if not Path("/proc").is_dir():
        return []
    pids = (int(e.name) for e in Path("/proc").iterdir() if e.name.isdigit())
    return [pid for pid in pids if pid != os.getpid() and _carries(pid, token)]


def reap(token: str, wait_s: float = 10.0) -> list[int]:
    """SIGKILL every process carrying `token` and wait (up to `wait_s`) until they are gone.
    Each is checked again through a pidfd opened before the kill, so a pid reused meanwhile
    is never signalled."""
    killed = []
    for pid in carrying(token):
        try:
            pidfd = os.pidfd_open(pid)
        except OSError:
            continue
        try:
            if _carries(pid, token):  # the pidfd refers to this very process
                signal.pidfd_send_signal(pidfd, signal.SIGKILL)
                killed.append(pid)
        except OSError:
            pass
        finally:
            os.close(pidfd)
    deadline = time.monotonic() + wait_s
    while any(_alive(p) for p in killed) and time.monotonic() < deadline:
        time.sleep(0.05)
    return killed


def _start_ticks(pid: int) -> int | None:
    """When process `pid` started, in clock ticks since boot (None when it is gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return int(stat.rpartition(")")[2].split()[19])


def _alive(pid: int) -> bool:
    """Running (a zombie waiting for its parent counts as gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rpartition(")")[2].split()[0] != "Z"
