"""A missed run: no run of the day completed by `[notify] missed_after` (in the schedule's time
zone). Checked by `brief check-missed`, from cron, so that it works with no Prefect server and
when the server or `brief serve` is what stopped."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from flows.config import Config


@dataclass
class MissedCheck:
    """The outcome: `due` False before the deadline; `completed` the run that made the day."""

    day: date
    deadline: datetime
    due: bool
    completed: str | None = None  # run id
    why: str = ""  # for a missed day: what the store shows

    @property
    def missed(self) -> bool:
        return self.due and self.completed is None


def check_missed(cfg: Config, day: date, now: datetime) -> MissedCheck:
    """Whether `day`'s run completed (ok or partial), read from the store without writing."""
    import duckdb

    from flows.store.db import open_store, store_problem

    deadline = datetime.combine(day, cfg.notify.missed_after, tzinfo=cfg.schedule.zone)
    check = MissedCheck(day, deadline, due=now >= deadline)
    if not check.due:
        return check
    try:
        with open_store(cfg.database, read_only=True) as con:
            rows = con.execute(
                "SELECT run_id, status, error FROM runs WHERE edition_date = ? "
                "ORDER BY (status IN ('ok', 'partial')) DESC, started_at DESC LIMIT 1",
                [day],
            ).fetchall()
    except FileNotFoundError:
        check.why = f"no store at {cfg.database}: no run has ever completed"
        return check
    except (duckdb.Error, OSError) as exc:
        check.why = store_problem(exc, cfg.database) or f"{type(exc).__name__}: {exc}"
        return check
    if not rows:
        check.why = "no run of this edition was started"
    elif rows[0][1] in ("ok", "partial"):
        check.completed = rows[0][0]
    elif rows[0][1] == "running":
        check.why = f"run {rows[0][0]} is still running"
    else:
        check.why = f"the latest run, {rows[0][0]}, failed: {rows[0][2]}"
    return check
