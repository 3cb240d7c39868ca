"""The Prefect flows: `daily_brief` (fetch-and-parse tasks, one per batch of sources, one store
task, then signals and the draft brief) and `ingest_only`; `on_runner` puts a flow on the task
runner its configuration names."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from typing import Any, TypeVar, cast

from prefect import Flow, flow, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE
from prefect.runtime import flow_run
from prefect.utilities.annotations import quote

from flows.brief.content import Edition
from flows.config import Config, ConfigError, load_config
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
from flows.sources.batching import limits, plan
from flows.sources.fetch import Validators
from flows.sources.ingest import Prepared, prepare_batch, validators
from flows.sources.workers import cores
from flows.store.db import held_open
from flows.store.load import SourceResults, store_sources


@task(name="fetch-and-parse", cache_policy=NO_CACHE)
def fetch_batch_task(
    config_path: str, source_ids: list[str], previous: dict[str, Validators | None]
) -> dict[str, Prepared]:
    """A batch of sources fetched and parsed, on a worker process of this machine (or in the
    task's own process on a Dask worker). A source that cannot be read comes back with its
    reason (stored as a failure, never raised): one bad source never fails its batch."""
    cfg = load_config(config_path)
    by_id = {s.id: s for s in cfg.sources}
    return prepare_batch([by_id[i] for i in source_ids], previous, limits(cfg))


@task(name="store-sources", cache_policy=NO_CACHE)
def store_task(
    config_path: str, run_id: str, now: datetime, prepared: dict[str, Prepared]
) -> SourceResults:
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


def ingest_all(cfg: Config, run_id: str, now: datetime, refetch: bool = False) -> SourceResults:
    """One task per batch of sources to fetch and parse them (batches of about equal bytes,
    a few per core, on the flow's task runner), then one task to store them all."""
    previous = {} if refetch else validators(cfg.database, cfg.aliases)
    planned = plan(cfg)
    futures = [
        fetch_batch_task.with_options(task_run_name=f"fetch-{n}-of-{len(planned)}").submit(
            str(cfg.path), [s.id for s in batch], {s.id: previous.get(s.id) for s in batch}
        )
        for n, batch in enumerate(planned, start=1)
    ]
    prepared: dict[str, Prepared] = {}
    for future in futures:
        prepared.update(future.result())
    # quote(): Prefect must not walk through every parsed row looking for futures
    return store_task(str(cfg.path), run_id, now, quote(prepared))  # type: ignore[call-overload]


F = TypeVar("F", bound=Flow[Any, Any])


def on_runner(flow_: F, cfg: Config) -> F:
    """The flow on the task runner `[run] task_runner` names: its own threads, or Prefect's
    Dask task runner (the fetch-and-parse batches go to the cluster at `dask_address`, or to a
    local cluster of one single-threaded worker process per core; the store, signals and brief
    tasks run in this process, which holds the store open)."""
    if cfg.run.task_runner != "dask":
        return flow_
    try:
        from prefect_dask import DaskTaskRunner
    except ImportError:
        raise ConfigError(
            f'{cfg.path}: [run] task_runner = "dask" needs prefect-dask: '
            "pip install 'morning-brief[dask]'"
        ) from None
    if cfg.run.dask_address:
        runner = DaskTaskRunner(address=cfg.run.dask_address)
    else:
        runner = DaskTaskRunner(
            cluster_kwargs={"n_workers": cores(), "threads_per_worker": 1, "processes": True}
        )
    return cast(F, flow_.with_options(task_runner=runner))  # type: ignore[arg-type]


@task(name="signals", cache_policy=NO_CACHE)
def signals_task(
    config_path: str, day: date, run_id: str, results: SourceResults
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
def ingest_only(config_path: str | None = None, refetch: bool = False) -> SourceResults:
    """Read every configured source into the store, one task per batch of sources, without a
    brief."""
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
