"""Notifications of a failed, partial or missed run, sent with apprise to the URLs of the
configuration's `[notify]` table. Sending never stops a run: a notification that cannot be
delivered is a warning on stderr."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

from flows.config import Config, NotifyEvent

TITLES = {
    "failed": "Morning Brief {day}: the run failed",
    "partial": "Morning Brief {day}: some sources failed",
    "missed": "Morning Brief {day}: no run completed",
}


def send(cfg: Config, event: NotifyEvent, day: date, body: str) -> bool:
    """Send one notification of `event` when the configuration asks for it; True when every
    URL took it."""
    if event not in cfg.notify.on or not cfg.notify.urls:
        return False
    import apprise

    kind = apprise.NotifyType.WARNING if event == "partial" else apprise.NotifyType.FAILURE
    try:
        sender = apprise.Apprise()
        for url in cfg.notify.urls:
            sender.add(url)
        sent = bool(sender.notify(title=TITLES[event].format(day=day), body=body, notify_type=kind))
    except Exception as exc:  # a notifier's own bug must not hide the run's outcome
        sent, why = False, f" ({type(exc).__name__}: {exc})"
    else:
        why = ""
    if not sent:
        print(
            f"warning: the {event} notification could not be delivered to every [notify] URL{why}",
            file=sys.stderr,
        )
    return sent


def failed_sources(cfg: Config, run_id: str) -> list[str]:
    """`source: reason` for each source the run could not read (none when it never got
    that far, or the store cannot be read)."""
    from flows.store.db import open_store

    try:
        with open_store(cfg.database, read_only=True) as con:
            rows = con.execute(
                "SELECT source_id, reason FROM source_runs WHERE run_id = ? AND NOT ok "
                "ORDER BY source_id",
                [run_id],
            ).fetchall()
    except Exception:
        return []
    return [f"{source}: {reason}" for source, reason in rows]


def run_body(run_id: str | None, day: date, error: str | None, sources: list[str]) -> str:
    lines = [f"Run: {run_id or '(not started)'}", f"Edition date: {day.isoformat()}"]
    if error:
        lines.append(f"Error: {error}")
    if sources:
        lines += ["Failed sources:", *(f"- {s}" for s in sources)]
    return "\n".join(lines)


@contextmanager
def failure_notice(cfg: Config, run_id: str, day: date) -> Iterator[None]:
    """Notify `failed` when anything in the block raises (the store not opening included),
    then let the error go on."""
    try:
        yield
    except BaseException as exc:
        from flows.pipeline import describe_stop
        from flows.store.db import store_problem

        why = store_problem(exc, cfg.database) if isinstance(exc, Exception) else None
        sources = [] if why else failed_sources(cfg, run_id)
        send(cfg, "failed", day, run_body(run_id, day, why or describe_stop(exc), sources))
        raise


def notify_partial(cfg: Config, run_id: str, day: date, failed: list) -> None:
    """Notify `partial` for a run some of whose sources failed."""
    if failed:
        sources = [f"{s.source_id}: {s.reason}" for s in failed]
        send(cfg, "partial", day, run_body(run_id, day, None, sources))
