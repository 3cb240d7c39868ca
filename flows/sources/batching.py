"""How a run splits its sources into fetch-and-parse batches, and the batches of files started
on the worker processes before Prefect is even imported (`read_ahead`), so that parsing
overlaps the start of Prefect and of its API server. Nothing here imports Prefect."""

from __future__ import annotations

from flows.config import Config, Source
from flows.sources.fetch import Limits
from flows.sources.ingest import batches, start_batches, validators
from flows.sources.workers import cores

# fetch-and-parse batches per core: enough that a slow batch does not leave a core idle at the
# end, few enough that Prefect's cost per task (tens of ms) stays small beside the parsing
BATCHES_PER_CORE = 4


def limits(cfg: Config) -> Limits:
    """The fetch limits of `[fetch]`."""
    return Limits(**cfg.fetch.model_dump())


def plan(cfg: Config) -> list[list[Source]]:
    """The run's fetch-and-parse batches: a few per core, of about equal bytes."""
    return batches(cfg.sources, BATCHES_PER_CORE * cores())


def read_ahead(cfg: Config, refetch: bool = False) -> None:
    """Start the batches of files on this machine's workers before the flow (while Prefect
    starts); the flow's tasks then collect them. A batch with a URL is fetched by its task: a
    fetch may wait on the network for minutes, and a run stopped meanwhile is recorded as
    failed only once the flow has started. Nothing starts for a flow whose tasks run on Dask."""
    if cfg.run.task_runner == "threads":
        previous = {} if refetch else validators(cfg.database, cfg.aliases)
        files = [b for b in plan(cfg) if all(s.url is None for s in b)]
        start_batches(files, previous, limits(cfg))
