"""The analysts' commands of `brief`: publish the snapshot, query it, export it as Parquet.

They read the snapshot (flows/store/snapshot.py), never the store: a query can run for as long
as it likes while the daily run writes.
"""

from __future__ import annotations

import csv
import json
import re
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from flows.brief.safety import rich_text
from flows.terminal import (
    EXIT_RUN_FAILED,
    ConfigOpt,
    config_or_exit,
    fail,
    out,
    print_json,
    read_store,
)

# tables with a day column worth splitting an export by (one folder per year)
PARTITIONED = {"estimates": "as_of", "signals": "edition_date", "prices": "effective_from"}


def _text(value: str) -> str:
    """A SQL string literal."""
    return "'" + value.replace("'", "''") + "'"


class Format(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"
    parquet = "parquet"


def _snapshot(cfg):
    import duckdb

    from flows.store.snapshot import open_snapshot

    try:
        return open_snapshot(cfg.snapshot)
    except FileNotFoundError as exc:
        raise fail(str(exc)) from None
    except duckdb.Error as exc:
        raise fail(f"the snapshot {cfg.snapshot} cannot be read: {exc}", EXIT_RUN_FAILED) from None


def snapshot(config: ConfigOpt = None) -> None:
    """Publish the analysts' snapshot now (a run does it after its work).

    It reads the store, so it waits for a run that is writing, like any reader.

    Example: brief snapshot
    """
    from flows.store.snapshot import publish_snapshot

    cfg = config_or_exit(config)
    with read_store(cfg) as con:
        snap = publish_snapshot(con, cfg.snapshot, cfg.review_database)
    out.print(
        f"Snapshot {snap.path} ({snap.bytes / 2**20:.1f} MiB) in {snap.seconds:.2f} s.",
        markup=False,
        highlight=False,
        soft_wrap=True,
    )


def _table(names: list[str], rows: list[tuple], limit: int) -> Table:
    shown = rows[:limit] if limit else rows
    table = Table(*names)
    for row in shown:
        table.add_row(*(rich_text("" if v is None else v) for v in row))
    if len(shown) < len(rows):
        table.caption = f"{len(shown)} of {len(rows)} rows: --limit 0 shows them all"
    return table


SHELL_HELP = (
    "Statements end with ';'. .tables lists tables and views, .quit leaves. "
    "Every macro and view of docs/schema.md is there; the snapshot is read-only."
)


def _shell(con, limit: int) -> None:
    """SQL statements from the terminal (with line editing) or a pipe, each ended by `;`,
    answered as tables; an error is shown and the shell goes on."""
    import duckdb

    from flows.terminal import err

    interactive = sys.stdin.isatty()
    if interactive:
        import readline  # noqa: F401  (line editing and history for input())

        out.print(SHELL_HELP, markup=False, highlight=False)
    buffer: list[str] = []
    while True:
        try:
            line = input("brief> " if not buffer else "  ...> ") if interactive else input()
        except EOFError:
            break
        command = line.strip()
        if not buffer and command in (".quit", ".exit"):
            break
        if not buffer and command == ".tables":
            line = (
                "SELECT table_name, table_type FROM information_schema.tables "
                "WHERE NOT starts_with(table_name, '_') ORDER BY 1;"
            )
        if not buffer and not command:
            continue
        buffer.append(line)
        if not line.rstrip().endswith(";"):
            continue
        statement, buffer = "\n".join(buffer), []
        try:
            cursor = con.execute(statement)
            names = [d[0] for d in cursor.description or []]
            out.print(_table(names, cursor.fetchall(), limit))
        except duckdb.Error as exc:
            err.print(f"{type(exc).__name__}: {exc}", markup=False, highlight=False)


def sql(
    query: Annotated[
        str | None,
        typer.Argument(help="One SQL query (read-only); without one, an interactive shell."),
    ] = None,
    config: ConfigOpt = None,
    fmt: Annotated[Format, typer.Option("--format", "-f", help="How to print the rows.")] = (
        Format.table
    ),
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Write to this file (required for parquet)."),
    ] = None,
    limit: Annotated[
        int, typer.Option(min=0, help="Rows shown as a table at most (0: all).")
    ] = 100,
) -> None:
    """Run read-only SQL on the analysts' snapshot: one query, or a shell without one.

    Every table, view and macro of the store is there (see docs/schema.md), with the review
    store's tables (review_editions, review_revisions, review_events, review_publications).
    The shell reads statements ended by ';' from the terminal or a pipe.

    Example: brief sql "SELECT * FROM prices_on(DATE '2025-08-08') LIMIT 5" --format csv
    """
    import duckdb

    cfg = config_or_exit(config)
    if fmt is Format.parquet and output is None:
        raise fail("--format parquet needs --output FILE")
    with _snapshot(cfg) as con:
        if query is None:
            _shell(con, limit)
            return
        try:
            if fmt is Format.parquet:
                assert output is not None
                con.execute(
                    f"COPY ({query.rstrip().rstrip(';')}) TO {_text(str(output))} (FORMAT parquet)"
                )
                out.print(f"Wrote {output}", markup=False, highlight=False)
                return
            cursor = con.execute(query)
            names = [d[0] for d in cursor.description or []]
            rows = cursor.fetchall()
        except duckdb.Error as exc:
            raise fail(f"{type(exc).__name__}: {exc}") from None
    target = output.open("w", newline="", encoding="utf-8") if output else sys.stdout
    try:
        if fmt is Format.csv:
            writer = csv.writer(target)
            writer.writerow(names)
            writer.writerows(rows)
        elif fmt is Format.json:
            records = [dict(zip(names, r, strict=True)) for r in rows]
            if output:
                json.dump(records, target, indent=2, default=str)
            else:
                print_json(records)
        else:
            out.print(_table(names, rows, limit))
    finally:
        if output:
            target.close()


def export(
    folder: Annotated[Path, typer.Argument(help="Folder to write the Parquet files into.")],
    config: ConfigOpt = None,
) -> None:
    """Write every table and view of the snapshot as Parquet, with a manifest.

    Large dated tables (estimates, signals, prices) are split into one folder per year
    (Hive-style: estimates/year=2025/...), which Parquet readers prune by year.

    Example: brief export out/parquet
    """
    cfg = config_or_exit(config)
    folder.mkdir(parents=True, exist_ok=True)
    manifest = []
    with _snapshot(cfg) as con:
        objects = con.execute(
            "SELECT table_name, table_type, coalesce(t.comment, v.comment) FROM "
            "information_schema.tables i "
            "LEFT JOIN duckdb_tables() t USING (table_name) "
            "LEFT JOIN duckdb_views() v ON v.view_name = i.table_name AND NOT v.internal "
            "WHERE table_schema = 'main' AND NOT starts_with(table_name, '_') ORDER BY 1"
        ).fetchall()
        for name, kind, comment in objects:
            day = PARTITIONED.get(name)
            if day:
                target = folder / name
                con.execute(
                    f"COPY (SELECT *, year({day}) AS year FROM {name}) TO {_text(str(target))} "
                    "(FORMAT parquet, PARTITION_BY (year), OVERWRITE_OR_IGNORE)"
                )
            else:
                target = folder / f"{name}.parquet"
                con.execute(f"COPY (SELECT * FROM {name}) TO {_text(str(target))} (FORMAT parquet)")
            rows = con.execute(f"SELECT count(*) FROM {name}").fetchone()[0]
            manifest.append(
                {
                    "name": name,
                    "kind": "view" if kind == "VIEW" else "table",
                    "rows": rows,
                    "path": target.name,
                    "comment": comment,
                }
            )
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    out.print(
        f"Wrote {len(manifest)} tables and views to {folder} (manifest.json lists them).",
        markup=False,
        highlight=False,
        soft_wrap=True,
    )


def backfill(
    start: Annotated[str, typer.Option("--from", help="First day, YYYY-MM-DD.")],
    end: Annotated[str, typer.Option("--to", help="Last day, YYYY-MM-DD.")],
    config: ConfigOpt = None,
    workload: Annotated[
        list[str] | None,
        typer.Option("--workload", "-w", help="Only this workload (repeatable)."),
    ] = None,
) -> None:
    """Compute the daily estimates and comparisons of past days from the facts known on each.

    Each day gets what a daily run on it would have stored (without an edition), so a cost
    series or a signal history can start before the first run. The analysts' snapshot is
    published at the end.

    Example: brief backfill --from 2025-01-01 --to 2025-08-08 --workload agentic_coding
    """
    from rich.progress import Progress

    from flows.analysts.backfill import backfill as run_backfill
    from flows.analysts.backfill import days_between
    from flows.pipeline import refresh_snapshot
    from flows.terminal import err, parse_day, store_or_exit

    cfg = config_or_exit(config)
    first, last = parse_day(start), parse_day(end)
    if last < first:
        raise fail(f"--to {last} is before --from {first}")
    unknown = sorted(set(workload or ()) - set(cfg.workloads))
    if unknown:
        raise fail(f"unknown workloads {unknown} (known: {', '.join(sorted(cfg.workloads))})")
    store_or_exit(cfg)
    with Progress(console=err, transient=True) as bar:
        task = bar.add_task("backfill", total=len(days_between(first, last)))
        done = run_backfill(cfg, first, last, workload, lambda n: bar.advance(task, n))
    snapshot, warnings = refresh_snapshot(cfg)
    out.print(
        f"Backfilled {done.days} days ({done.estimates:,} estimates, {done.signals:,} "
        f"comparisons) as run {done.run_id}.",
        markup=False,
        highlight=False,
        soft_wrap=True,
    )
    for warning in warnings:
        err.print(f"Warning: {warning}", markup=False, highlight=False)
    if snapshot:
        out.print(f"Analysts' snapshot: {snapshot}", markup=False, highlight=False)


def schema(
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write the page to this file.")
    ] = None,
) -> None:
    """Print the store's schema page (every table, view and macro with its comments).

    Written from a new store's catalogue, so it is what any install has; docs/schema.md is this
    page.

    Example: brief schema --output docs/schema.md
    """
    from flows.store.docs import fresh_schema_markdown

    page = fresh_schema_markdown()
    if output is None:
        sys.stdout.write(page)
    else:
        output.write_text(page, encoding="utf-8")
        out.print(f"Wrote {output}", markup=False, highlight=False)


workload_app = typer.Typer(help="Derive workloads from what production saw.", no_args_is_help=True)


@workload_app.command("from-trace")
def from_trace(
    trace: Annotated[
        Path, typer.Argument(help="A request log (CSV: timestamp, prompt and output tokens).")
    ],
    name: Annotated[str, typer.Option(help="The workload's name in workloads.toml.")] = (
        "from_trace"
    ),
    label: Annotated[str | None, typer.Option(help="How the brief names it.")] = None,
) -> None:
    """Print a [workloads.NAME] table measured from a request log, ready to paste into
    data/workloads.toml; the figures a log cannot give are marked as assumptions to replace.

    The log is read like the Azure LLM inference trace: TIMESTAMP, ContextTokens and
    GeneratedTokens columns, and optionally cached and reasoning tokens, latency and outcome.

    Example: brief workload from-trace requests.csv --name support_chat_eu
    """
    from flows.sources.adapters import azure_trace
    from flows.terminal import err

    if not re.fullmatch(r"[A-Za-z0-9_]+", name):
        raise fail(f"--name {name!r}: letters, digits and underscores only")
    try:
        data = trace.read_bytes()
    except OSError as exc:
        raise fail(f"{trace}: {exc.strerror or exc}") from None
    parsed = azure_trace.parse(data, "trace", workload=name)
    for reject in parsed.rejects[:5]:
        err.print(f"set aside: {reject['reason']}", markup=False, highlight=False)
    if len(parsed.rejects) > 5:
        err.print(f"... and {len(parsed.rejects) - 5} more lines set aside", highlight=False)
    rows = parsed.rows.get(azure_trace.KIND, [])
    if not rows:
        raise fail(f"{trace}: no workload could be measured from it")
    sys.stdout.write(workload_toml(rows[0], name, label or name.replace("_", " "), trace.name))


def workload_toml(summary: dict, name: str, label: str, source: str) -> str:
    """A workload table from a trace summary, each figure with where it comes from."""
    s = summary
    first, last = s["first_request"][:19], s["last_request"][:19]
    cached = s["cached_share"]
    lines = [
        f"[workloads.{name}]",
        f'label = "{label}"',
        f"# measured: mean prompt tokens of the {s['requests']:,} requests in {source} "
        f"(p95: {s['prompt_tokens_p95']:,.0f})",
        f"prompt_tokens = {round(s['prompt_tokens_mean'])}",
        f"# measured: mean output tokens (p95: {s['output_tokens_p95']:,.0f})",
        f"output_tokens = {round(s['output_tokens_mean'])}",
        "# measured: cached prompt tokens over prompt tokens"
        if cached is not None
        else "# assumption: the log records no cache hits, so none are counted (an upper bound)",
        f"cached_share = {round(cached, 4) if cached is not None else 0.0}",
        f"# measured: {s['requests']:,} requests in {s['span_s']:,.0f} s ({first} to {last})",
        f"requests_per_day = {round(s['requests_per_day'])}",
    ]
    if s["latency_p95_s"] is not None:
        lines += [
            f"# measured: the p95 latency the log shows is {s['latency_p95_s']:.2f} s; the "
            "target is yours to set",
        ]
    lines += [
        "# assumption: replace with the latency your users accept",
        "latency_target_s = 10.0",
        "# assumption: replace with how often a failed request is retried",
        "max_attempts = 2",
        "# assumption: the benchmarks whose scores stand for success here, in order",
        'benchmarks = ["swe-bench-verified"]',
        "# assumption: below this success rate the workload is not worth serving",
        "quality_bar = 0.5",
        "# assumption: what one successful request is worth, USD",
        "value_per_success_usd = 0.05",
    ]
    if s["reasoning_tokens_mean"] is not None:
        lines.append(
            f"# measured: mean reasoning tokens {s['reasoning_tokens_mean']:,.0f} (for every "
            "effort class: edit by class, e.g. reasoning_tokens = { medium = ... })"
        )
    if s["observed_success"] is not None:
        lines.append(f"# measured: observed success {s['observed_success']:.3f}")
        lines.append(f"observed_success = {round(s['observed_success'], 4)}")
    return "\n".join(lines) + "\n"
