"""The Prefect flow `daily_brief`: one task per source, then signals, then the draft brief."""

from __future__ import annotations

import uuid
from concurrent.futures import Future
from datetime import UTC, date, datetime

from prefect import flow, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE
from prefect.runtime import flow_run

from flows.config import Config, load_config
from flows.content import Edition
from flows.fetch import Limits
from flows.ingest import Prepared, SourceResult, collect, ingest_source, prepare_all
from flows.pipeline import (
    RunSummary,
    compute_edition,
    finish_run,
    publish_draft,
    start_run,
    summary_markdown,
)
from flows.store import held_open


@task(name="ingest-source", cache_policy=NO_CACHE)
def ingest_task(config_path: str, source_id: str, run_id: str, now: datetime,
                prepared: Future[Prepared]) -> SourceResult:
    """Store one source, fetched and parsed by a worker process; a failing source is recorded,
    never raised."""
    cfg = load_config(config_path)
    source = cfg.source(source_id)
    return ingest_source(cfg.database, source, run_id, now, limits(cfg),
                         collect(prepared, cfg.database, source, limits(cfg)))


def limits(cfg: Config) -> Limits:
    return Limits(**cfg.fetch.model_dump())


def ingest_all(cfg: Config, run_id: str, now: datetime) -> list[SourceResult]:
    """One task per source; every source is fetched and parsed on all cores meanwhile."""
    futures = prepare_all(cfg.database, cfg.sources, limits(cfg))
    return [ingest_task.with_options(task_run_name=f"ingest-{src.id}")(
        str(cfg.path), src.id, run_id, now, futures[src.id]) for src in cfg.sources]


@task(name="signals", cache_policy=NO_CACHE)
def signals_task(config_path: str, day: date, run_id: str,
                 results: list[SourceResult]) -> tuple[dict, int, int]:
    """Estimates for every (model, workload), the day's comparisons, the edition's content."""
    edition, n_est, n_sig, _ = compute_edition(load_config(config_path), day, run_id, results)
    return edition.model_dump(mode="json"), n_est, n_sig


@task(name="render-brief", cache_policy=NO_CACHE)
def render_task(config_path: str, edition: dict, run_id: str, now: datetime) -> tuple[dict, str]:
    """Write out/<date>/brief.html, .md, .txt and store the draft in DuckDB."""
    return publish_draft(load_config(config_path), Edition.model_validate(edition), run_id, now)


@flow(name="daily-brief")
def daily_brief(edition_date: date | None = None, config_path: str | None = None) -> RunSummary:
    """Make the Morning Brief of `edition_date` (default: today, UTC) from the sources."""
    cfg = load_config(config_path)
    day = edition_date or datetime.now(UTC).date()
    run_id = flow_run.get_id() or uuid.uuid4().hex
    now = datetime.now(UTC)
    with held_open(cfg.database):
        start_run(cfg, run_id, day, now)
        results = ingest_all(cfg, run_id, now)
        summary = RunSummary(run_id=run_id, edition_date=day, sources=results)
        edition, summary.estimates, summary.signals = signals_task(str(cfg.path), day, run_id,
                                                                   results)
        summary.items, summary.pending = len(edition["items"]), len(edition["pending"])
        summary.outputs, summary.edition_status = render_task(str(cfg.path), edition, run_id, now)
        finish_run(cfg, summary, datetime.now(UTC))
    create_markdown_artifact(key="morning-brief-run", markdown=summary_markdown(summary),
                             description=f"Morning Brief {day.isoformat()}")
    return summary


@flow(name="ingest-sources")
def ingest_only(config_path: str | None = None) -> list[SourceResult]:
    """Read every configured source into the store, one task per source, without a brief."""
    cfg = load_config(config_path)
    run_id = flow_run.get_id() or uuid.uuid4().hex
    now = datetime.now(UTC)
    with held_open(cfg.database):
        start_run(cfg, run_id, now.date(), now)
        results = ingest_all(cfg, run_id, now)
        finish_run(cfg, RunSummary(run_id=run_id, edition_date=now.date(), sources=results), now)
    return results
