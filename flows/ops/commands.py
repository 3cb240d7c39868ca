"""The operations commands of `brief`: serve the daily schedule, check for a missed run."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import typer

from flows.terminal import (
    EXIT_RUN_FAILED,
    ConfigOpt,
    config_or_exit,
    fail,
    out,
    parse_day,
)


def serve(
    config: ConfigOpt = None,
    interval: Annotated[
        float | None,
        typer.Option(
            "--interval",
            min=1,
            help="Run every this many seconds instead of the configured cron (for a trial).",
        ),
    ] = None,
) -> None:
    """Serve the daily run on the configuration's [schedule] (cron, time zone) until stopped.

    Needs a Prefect server (`prefect server start`) and PREFECT_API_URL pointing at it; the
    deployment `daily-brief/daily` runs at most one run at a time, each in its own process.
    SIGTERM or Ctrl-C stops serving and pauses the schedule.

    Example: brief serve --config data/brief.toml  (with PREFECT_API_URL set)
    """
    from prefect.settings import PREFECT_API_URL

    from flows.ops.schedule import serve as serve_deployment
    from flows.ops.schedule import server_problem

    cfg = config_or_exit(config)
    api_url = PREFECT_API_URL.value()
    problem = server_problem(api_url)
    if problem:
        raise fail(problem, EXIT_RUN_FAILED)
    when = (
        f"every {interval:g} s"
        if interval
        else f"at {cfg.schedule.cron!r} ({cfg.schedule.timezone})"
    )
    out.print(
        f"Serving the Morning Brief {when} against {api_url}; SIGTERM or Ctrl-C stops.",
        markup=False,
        highlight=False,
        soft_wrap=True,
    )
    serve_deployment(cfg, interval)
    out.print("Stopped serving; the schedule is paused until `brief serve` runs again.")


DayOpt = Annotated[
    str | None,
    typer.Option(
        "--date",
        "-d",
        help="Edition date, YYYY-MM-DD (default: today in the [schedule] time zone).",
    ),
]


def check_missed(date_: DayOpt = None, config: ConfigOpt = None) -> None:
    """Notify when no run of the day completed by [notify] missed_after (schedule's zone).

    Exit 0 when a run completed (or the deadline has not come), 1 when the day is missed
    (a `missed` notification goes to the [notify] URLs). Run it from cron just after the
    deadline; it needs no Prefect server.

    Example: brief check-missed --config data/brief.toml
    """
    from flows.ops.missed import check_missed as check
    from flows.ops.notify import send

    cfg = config_or_exit(config)
    day = parse_day(date_) if date_ else cfg.schedule.today()
    result = check(cfg, day, datetime.now(cfg.schedule.zone))
    deadline = result.deadline.strftime("%H:%M %Z")
    if not result.due:
        out.print(f"The {day} edition is not due until {deadline}.", highlight=False)
        return
    if result.completed:
        out.print(f"The {day} edition was made by run {result.completed}.", highlight=False)
        return
    sent = send(cfg, "missed", day, f"No run completed by {deadline}: {result.why}")
    note = " (notified)" if sent else ""
    raise fail(
        f"no run of the {day} edition completed by {deadline}: {result.why}{note}", EXIT_RUN_FAILED
    )
