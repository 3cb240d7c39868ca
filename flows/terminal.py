"""What every command shares: consoles, options, exit codes, plain failures and the stores
opened for one-shot commands."""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated

import click
import typer
from rich.console import Console

from flows.brief.safety import rich_text
from flows.config import Config, ConfigError, load_config

out = Console()
err = Console(stderr=True)

ConfigOpt = Annotated[
    Path | None,
    typer.Option(
        "--config", "-c", help="Run configuration (default: data/brief.toml).", dir_okay=False
    ),
]
DateOpt = Annotated[
    str | None,
    typer.Option("--date", "-d", help="Edition date, YYYY-MM-DD (default: today, UTC)."),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
RefetchOpt = Annotated[
    bool,
    typer.Option(
        "--refetch", help="Read every source in full, even those unchanged since the last run."
    ),
]

EXIT_RUN_FAILED = 1
EXIT_USAGE = 2
EXIT_SOURCES_FAILED = 3


def fail(message: str, code: int = EXIT_USAGE) -> typer.Exit:
    err.print(f"[bold red]error:[/] {rich_text(message)}", highlight=False)
    return typer.Exit(code)


def print_json(data: object) -> None:
    """JSON for programs: plain, indented, dates as ISO text (rich's colouring costs seconds on
    a few hundred models and is no use in a pipe)."""
    sys.stdout.write(json.dumps(data, indent=2, default=str) + "\n")


def parse_day(value: str | None) -> date:
    if value is None:
        return datetime.now(UTC).date()
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise fail(f"unknown date {value!r}: expected YYYY-MM-DD") from None


def config_or_exit(path: Path | None) -> Config:
    try:
        return load_config(path)
    except ConfigError as exc:
        raise fail(str(exc)) from None


def store_or_exit(cfg: Config, on_fail: Callable[[str], None] | None = None) -> None:
    """Take the store's lock for this process (flows/runlock.py: one writing run at a time),
    then fail early, without a traceback, when the store cannot be opened for writing (another
    process holds it, even read-only, after the usual wait for it; a damaged file; a full
    disk), or the briefs' folder cannot be written: before any work is done (`on_fail` is
    told why first; a run refused because another holds the lock is not a failure of the day)."""
    import duckdb

    from flows.brief.render import check_output_folder
    from flows.runlock import StoreBusy, hold_store, release_store
    from flows.store.db import open_store, store_problem

    try:
        reaped = hold_store(cfg.database)
    except StoreBusy as exc:
        raise fail(str(exc), EXIT_RUN_FAILED) from None
    except OSError as exc:
        raise fail(f"the store's lock cannot be taken: {exc}", EXIT_RUN_FAILED) from None
    command = click.get_current_context(silent=True)
    if command is not None:  # released when the command ends (it may run inside a program)
        command.call_on_close(functools.partial(release_store, cfg.database))
    if reaped:
        err.print(
            f"Stopped {len(reaped)} process(es) a killed run left behind "
            f"(pids {', '.join(map(str, reaped))}).",
            highlight=False,
        )
    try:
        with open_store(cfg.database):
            pass
    except (duckdb.Error, OSError) as exc:
        why = store_problem(exc, cfg.database) or f"{type(exc).__name__}: {exc}"
        why = f"the store cannot be opened for writing: {why}"
        if on_fail:
            on_fail(why)
        raise fail(why, EXIT_RUN_FAILED) from None
    try:
        check_output_folder(cfg.output)
    except OSError as exc:
        why = (
            f"the briefs' folder {cfg.output} cannot be written ({exc.strerror or exc}): "
            "fix `output` in the configuration or the folder's permissions"
        )
        if on_fail:
            on_fail(why)
        raise fail(why, EXIT_RUN_FAILED) from None


@contextmanager
def read_store(cfg: Config):
    """The store opened read-only for a one-shot command, with a plain message (exit 1) when
    it is held by a run, damaged or missing (exit 2)."""
    import duckdb

    from flows.store.db import open_store, store_problem

    try:
        with open_store(cfg.database, read_only=True) as con:
            yield con
    except FileNotFoundError as exc:
        raise fail(str(exc)) from None
    except (duckdb.Error, OSError) as exc:
        why = store_problem(exc, cfg.database)
        if why is None:
            raise
        raise fail(why, EXIT_RUN_FAILED) from None
