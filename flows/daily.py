"""The Prefect flows: `daily_brief` (one fetch-and-parse task per source, one store task, then
signals and the draft brief) and `ingest_only`."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from datetime import UTC, date, datetime

from prefect import flow, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE
from prefect.runtime import flow_run
from prefect.utilities.annotations import quote

from flows.brief.content import Edition
from flows.config import Config, load_config
from flows.ops.notify import failure_notice, notify_partial
from flows.ops.stages import StageClock, ingest_counts
from flows.pipeline import (
    DraftOutcome,
    RunSummary,
    compute_edition,
    fail_run,
    failing_lines,
    finish_run,
    price_check_line,
    publish_draft,
    refresh_snapshot,
    start_run,
    summary_markdown,
)
from flows.runlock import store_held
from flows.sources.fetch import Limits
from flows.sources.ingest import Prepared, collect, prepare_all
from flows.store.db import held_open
from flows.store.load import SourceResult, store_sources


@task(name="fetch-and-parse", cache_policy=NO_CACHE)
def prepare_task(config_path: str, source_id: str, prepared: Future[Prepared]) -> Prepared:
    """One source, fetched and parsed by a worker process on any free core. A source that
    cannot be read comes back with its reason (stored as a failure, never raised)."""
    cfg = load_config(config_path)
    return collect(prepared, cfg.database, cfg.source(source_id), limits(cfg))


@task(name="store-sources", cache_policy=NO_CACHE)
def store_task(
    config_path: str, run_id: str, now: datetime, prepared: dict[str, Prepared]
) -> list[SourceResult]:
    """Validate and store every source's rows, rejects and claims in one short transaction."""
    cfg = load_config(config_path)
    return store_sources(
        cfg.database, [(s, prepared[s.id]) for s in cfg.sources], run_id, now, cfg.aliases
    )


@contextmanager
def recorded(cfg: Config, run_id: str, day: date, now: datetime) -> Iterator[None]:
    """The run in `runs`: running, then failed with its error if anything raises (the caller
    records success with `finish_run`)."""
    start_run(cfg, run_id, day, now)
    try:
        yield
    except BaseException as exc:
        fail_run(cfg, run_id, exc, datetime.now(UTC))
        raise


def limits(cfg: Config) -> Limits:
    return Limits(**cfg.fetch.model_dump())


def ingest_all(
    cfg: Config, run_id: str, now: datetime, refetch: bool = False
) -> list[SourceResult]:
    """One task per source to fetch and parse it (on all cores), then one task to store."""
    futures = prepare_all(cfg.database, cfg.sources, limits(cfg), cfg.aliases, refetch)
    prepared = {
        src.id: prepare_task.with_options(task_run_name=f"fetch-{src.id}")(
            str(cfg.path), src.id, futures[src.id]
        )
        for src in cfg.sources
    }
    # quote(): Prefect must not walk through every parsed row looking for futures
    return store_task(str(cfg.path), run_id, now, quote(prepared))  # type: ignore[call-overload]


@task(name="signals", cache_policy=NO_CACHE)
def signals_task(
    config_path: str, day: date, run_id: str, results: list[SourceResult]
) -> tuple[dict, int, int]:
    """Estimates for every (model, workload), the day's comparisons, the edition's content."""
    edition, n_est, n_sig, _ = compute_edition(load_config(config_path), day, run_id, results)
    return edition.model_dump(mode="json"), n_est, n_sig


@task(name="render-brief", cache_policy=NO_CACHE)
def render_task(config_path: str, edition: dict, run_id: str, now: datetime) -> DraftOutcome:
    """Add the run's draft to the edition's revisions, write out/<date>/brief.* when it is the
    current one, and store it in DuckDB."""
    return publish_draft(load_config(config_path), Edition.model_validate(edition), run_id, now)


@task(name="snapshot", cache_policy=NO_CACHE)
def snapshot_task(config_path: str) -> tuple[str, list[str]]:
    """Publish the analysts' read-only copy of the store (and of the review store)."""
    return refresh_snapshot(load_config(config_path))


@flow(name="daily-brief")
def daily_brief(
    edition_date: date | None = None, config_path: str | None = None, refetch: bool = False
) -> RunSummary:
    """Make the Morning Brief of `edition_date` (default: today in the schedule's time zone)
    from the sources (`refetch`: read every source in full, even unchanged ones)."""
    cfg = load_config(config_path)
    day = edition_date or cfg.schedule.today()
    run_id = flow_run.get_id() or uuid.uuid4().hex
    now = datetime.now(UTC)
    clock = StageClock(cfg, run_id)  # each stage's time and counts, in `run_stages`
    with (
        failure_notice(cfg, run_id, day),
        store_held(cfg.database, f"daily-brief flow run {run_id} for {day.isoformat()}"),
        held_open(cfg.database),
        recorded(cfg, run_id, day, now),
    ):
        with clock("ingest") as stage:
            results = ingest_all(cfg, run_id, now, refetch)
            stage.counted(*ingest_counts(results))
        summary = RunSummary(run_id=run_id, edition_date=day, sources=results, stages=clock.stages)
        with clock("signals") as stage:
            edition, summary.estimates, summary.signals = signals_task(
                str(cfg.path), day, run_id, results
            )
            stage.counted(
                summary.estimates,
                f"{summary.estimates:,} estimates, {summary.signals:,} comparisons",
            )
        summary.items, summary.pending = len(edition["items"]), len(edition["pending"])
        summary.price_checks = [price_check_line(c) for c in edition["price_checks"]]
        summary.warnings = list(edition["warnings"]) + failing_lines(edition["sources"])
        with clock("render") as stage:
            draft = render_task(str(cfg.path), edition, run_id, now)
            stage.counted(len(draft.outputs), f"{len(draft.outputs)} files, {draft.state}")
        summary.outputs, summary.edition_status = draft.outputs, draft.state
        summary.revision, summary.kept_revision = draft.revision, draft.kept
        summary.changes = draft.changes
        finish_run(cfg, summary, datetime.now(UTC))
        with clock("snapshot") as stage:
            summary.snapshot, missed = snapshot_task(str(cfg.path))
            stage.counted(
                int(bool(summary.snapshot)), "published" if summary.snapshot else "not refreshed"
            )
        summary.warnings += missed
    notify_partial(cfg, run_id, day, summary.failed)
    create_markdown_artifact(
        key="morning-brief-run",
        markdown=summary_markdown(summary),
        description=f"Morning Brief {day.isoformat()}",
    )
    return summary


@flow(name="ingest-sources")
def ingest_only(config_path: str | None = None, refetch: bool = False) -> list[SourceResult]:
    """Read every configured source into the store, one task per source, without a brief."""
    cfg = load_config(config_path)
    run_id = flow_run.get_id() or uuid.uuid4().hex
    now = datetime.now(UTC)
    with (
        store_held(cfg.database, f"ingest-sources flow run {run_id}"),
        held_open(cfg.database),
        recorded(cfg, run_id, now.date(), now),
    ):
        results = ingest_all(cfg, run_id, now, refetch)
        finish_run(cfg, RunSummary(run_id=run_id, edition_date=now.date(), sources=results), now)
        snapshot_task(str(cfg.path))
    return results
