"""The daily deployment: `daily_brief` on the configuration's cron and time zone, at most one
run at a time (a run makes its edition wholly, so one run per edition), served by `brief
serve` against a Prefect server."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from flows.config import Config

if TYPE_CHECKING:
    from prefect.deployments.runner import RunnerDeployment

DEPLOYMENT = "daily"
ENTRYPOINT = "flows/daily.py:daily_brief"


def daily_deployment(cfg: Config, interval: float | None = None) -> RunnerDeployment:
    """The deployment `brief serve` registers: the configuration's cron and time zone, or
    every `interval` seconds; the edition date is left to the run (today in the zone)."""
    from prefect.schedules import Cron, Interval

    from flows.daily import daily_brief

    schedule = (
        Interval(interval, timezone=cfg.schedule.timezone)
        if interval
        else Cron(cfg.schedule.cron, timezone=cfg.schedule.timezone)
    )
    deployment = daily_brief.to_deployment(
        name=DEPLOYMENT,
        schedule=schedule,
        parameters={"config_path": str(cfg.path)},
        concurrency_limit=1,
        description=f"The Morning Brief of the day, from {cfg.path}",
        tags=["morning-brief"],
    )
    return cast("RunnerDeployment", deployment)  # called outside an event loop: not awaitable


def server_problem(api_url: str | None) -> str | None:
    """Why no Prefect server can take the deployment, or None when one answers."""
    import httpx

    start = (
        "start one with `prefect server start` (it keeps its state in SQLite under "
        "PREFECT_HOME) and set PREFECT_API_URL=http://127.0.0.1:4200/api"
    )
    if not api_url:
        return f"`brief serve` needs a Prefect server, and PREFECT_API_URL is not set: {start}"
    try:
        response = httpx.get(f"{api_url.rstrip('/')}/health", timeout=10)
    except httpx.HTTPError as exc:
        return f"no Prefect server answers at {api_url} ({type(exc).__name__}): {start}"
    if response.status_code != 200:
        return f"{api_url}/health answered {response.status_code}: is it a Prefect server?"
    return None


def serve(cfg: Config, interval: float | None = None) -> None:
    """Register the daily deployment and run its scheduled runs until SIGTERM or Ctrl-C
    (each run in its own process; the schedule is paused while nothing serves it)."""
    from prefect import serve as prefect_serve

    prefect_serve(daily_deployment(cfg, interval))
