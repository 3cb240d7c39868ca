"""The `brief` command line: run the daily brief, ingest sources, compare models, list costs."""

from __future__ import annotations

import atexit
import difflib
import os
import re
import signal
import sys
import threading
from dataclasses import asdict
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from flows.environment import configure

configure()  # before anything imports Prefect

from flows.brief.safety import rich_text  # noqa: E402
from flows.config import Config, ConfigError  # noqa: E402
from flows.summary import sources_summary  # noqa: E402
from flows.terminal import (  # noqa: E402
    EXIT_RUN_FAILED,
    EXIT_SOURCES_FAILED,
    ConfigOpt,
    DateOpt,
    JsonOpt,
    RefetchOpt,
    config_or_exit,
    fail,
    out,
    parse_day,
    print_json,
    read_store,
    store_or_exit,
)

app = typer.Typer(
    help="The Morning Brief signal pipeline: model releases read as compute-market signals.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def stop_on_signals() -> None:
    """SIGTERM (and SIGINT, Ctrl-C) stop a run the way an error does: the run is recorded as
    failed with the signal's name, and the command exits 1."""

    def stop(signum: int, _frame: object) -> None:
        raise KeyboardInterrupt(f"stopped by {signal.Signals(signum).name}")

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)


def cross_check_ids(cfg: Config) -> frozenset[str]:
    return frozenset(s.id for s in cfg.sources if s.role == "cross-check")


RunDateOpt = Annotated[
    str | None,
    typer.Option(
        "--date",
        "-d",
        help="Edition date, YYYY-MM-DD (default: today in the [schedule] time zone).",
    ),
]


@app.command()
def run(
    date_: RunDateOpt = None,
    config: ConfigOpt = None,
    as_json: JsonOpt = False,
    refetch: RefetchOpt = False,
) -> None:
    """Make the day's Morning Brief: ingest every source, compute signals, write the draft.

    Exit code 0 when every source was read, 3 when some failed (the brief is still made),
    2 for a bad configuration, 1 when the run itself failed (the store held by another
    process, the output folder not writable): the reason is on stderr, and in `runs.error`
    when the store could be opened. Without --date, the edition is today's in the
    [schedule] time zone. A failed or partial run is notified to the [notify] URLs.

    Example: brief run --date 2025-10-30
    """
    from flows.apiserver import start_api_server
    from flows.runlock import claim_token
    from flows.sources.workers import start_workers

    claim_token()  # every process the run starts carries its token (flows/runlock.py)
    server = start_api_server()  # Prefect's API server starts while the run reads and parses,
    start_workers()  # and so do the parsing workers
    cfg = config_or_exit(config)
    day = parse_day(date_) if date_ else cfg.schedule.today()
    store_or_exit(cfg, on_fail=lambda why: notify_not_started(cfg, day, why))
    from flows.sources.batching import read_ahead

    read_ahead(cfg, refetch)  # the batches of files are parsed before Prefect is imported
    from flows.daily import daily_brief, on_runner

    try:
        daily = on_runner(daily_brief, cfg)
    except ConfigError as exc:
        raise fail(str(exc)) from None
    stop_on_signals()
    try:
        if server is not None:
            server.use()
        summary = daily(edition_date=day, config_path=str(cfg.path), refetch=refetch)
    except KeyboardInterrupt as exc:  # recorded in `runs` as failed, with the signal's name
        raise fail(
            f"the run was {exc or 'stopped'}; it is recorded as failed and the next run "
            "starts afresh",
            EXIT_RUN_FAILED,
        ) from None
    except Exception as exc:  # recorded in `runs` by the flow; said plainly here
        from flows.store.db import store_problem

        why = store_problem(exc, cfg.database) or f"{type(exc).__name__}: {exc}"
        raise fail(f"the run failed: {why}", EXIT_RUN_FAILED) from None
    if as_json:
        print_json(summary.to_dict())
    else:
        out.print(sources_summary(summary.sources, cross_check_ids(cfg), "brief run --json"))
        if summary.price_checks:
            out.print("Price lists disagreeing by more than the tolerance:", highlight=False)
            for line in summary.price_checks:
                out.print(f"  {line}", markup=False, highlight=False, soft_wrap=True)
        for warning in summary.warnings:
            out.print(f"Warning: {warning}", markup=False, highlight=False, soft_wrap=True)
        out.print(
            f"{summary.items} signal items, {summary.pending} release(s) without a bill "
            f"({summary.signals} comparisons stored; edition is {summary.edition_status}, "
            f"revision {summary.revision}).",
            soft_wrap=True,
        )
        if summary.kept_revision is not None:
            out.print(
                f"An editor's revision {summary.kept_revision} is kept, with its files; this "
                f"run's draft is revision {summary.revision}"
                + (", the same text." if not summary.changes else ". What it would change:"),
                markup=False,
                highlight=False,
                soft_wrap=True,
            )
            for line in summary.changes[:80]:
                out.print(f"  {line}", markup=False, highlight=False, soft_wrap=True)
            if len(summary.changes) > 80:
                out.print(f"  ... {len(summary.changes) - 80} more lines (brief review)")
        else:
            out.print("Brief written to:", highlight=False)
            for path in summary.outputs.values():
                out.print(f"  {path}", markup=False, highlight=False, soft_wrap=True)
        if summary.snapshot:
            out.print(
                f"Analysts' snapshot: {summary.snapshot}",
                markup=False,
                highlight=False,
                soft_wrap=True,
            )
        from flows.ops.stages import one_line

        out.print(one_line(summary.stages), markup=False, highlight=False, soft_wrap=True)
    if summary.failed:
        raise typer.Exit(EXIT_SOURCES_FAILED)


def notify_not_started(cfg: Config, day: date, why: str) -> None:
    """A run that could not start (its store or folder unusable) is a failed run too."""
    from flows.ops.notify import run_body, send

    send(cfg, "failed", day, run_body(None, day, why, []))


@app.command()
def ingest(config: ConfigOpt = None, refetch: RefetchOpt = False, as_json: JsonOpt = False) -> None:
    """Read every configured source into the store, without making a brief.

    Unchanged sources (a 304, or the same bytes) are skipped unless --refetch is given. Above
    20 sources the summary lists the failed ones, then counts; --json prints every source.

    Example: brief ingest --config data/brief.toml --refetch
    """
    from flows.apiserver import start_api_server
    from flows.runlock import claim_token
    from flows.sources.workers import start_workers

    claim_token()
    server = start_api_server()
    start_workers(charts=False)
    cfg = config_or_exit(config)
    store_or_exit(cfg)
    from flows.sources.batching import read_ahead

    read_ahead(cfg, refetch)
    from flows.daily import ingest_only, on_runner

    try:
        ingest_flow = on_runner(ingest_only, cfg)
    except ConfigError as exc:
        raise fail(str(exc)) from None
    stop_on_signals()
    try:
        if server is not None:
            server.use()
        results = ingest_flow(config_path=str(cfg.path), refetch=refetch)
    except KeyboardInterrupt as exc:
        raise fail(
            f"the ingest was {exc or 'stopped'}; it is recorded as failed", EXIT_RUN_FAILED
        ) from None
    except Exception as exc:
        raise fail(f"the ingest failed: {type(exc).__name__}: {exc}", EXIT_RUN_FAILED) from None
    if as_json:
        print_json([asdict(r) for r in results])
    else:
        out.print(sources_summary(results, cross_check_ids(cfg), "brief ingest --json"))
    if any(not s.ok for s in results):
        raise typer.Exit(EXIT_SOURCES_FAILED)


def _resolve_model(name: str, known: list[str], aliases: dict[str, str]) -> str:
    from flows.config import mapped
    from signals.identity import canonical_id

    for candidate in (name, mapped(name, None, aliases), canonical_id(name)):
        if candidate in known:
            return candidate
    close = difflib.get_close_matches(canonical_id(name), known, n=5, cutoff=0.6)
    hint = f" (did you mean: {', '.join(close)}?)" if close else ""
    raise fail(f"unknown model {name!r}{hint}")


RequestsOpt = Annotated[
    float | None, typer.Option("--requests-per-day", min=0, help="What-if: traffic.")
]
CachedOpt = Annotated[
    float | None,
    typer.Option("--cached-share", min=0, max=1, help="What-if: share of the prompt cached."),
]
AttemptsOpt = Annotated[
    int | None, typer.Option("--max-attempts", min=1, help="What-if: attempts per request.")
]
PromptOpt = Annotated[
    float | None, typer.Option("--prompt-tokens", min=0, help="What-if: prompt tokens.")
]
OutputOpt = Annotated[
    float | None, typer.Option("--output-tokens", min=0, help="What-if: output tokens.")
]
LatencyOpt = Annotated[
    float | None,
    typer.Option("--latency-target", min=0, help="What-if: latency target, seconds."),
]
ReasoningOpt = Annotated[
    float | None,
    typer.Option(
        "--reasoning-tokens",
        min=0,
        help="What-if: reasoning tokens a request for every effort class (measured figures "
        "still win).",
    ),
]


# the what-if options of `compare` and `costs` -> the workload field each replaces
WHAT_IF = {
    "requests_per_day": "requests_per_day",
    "cached_share": "cached_share",
    "max_attempts": "max_attempts",
    "prompt_tokens": "prompt_tokens",
    "output_tokens": "output_tokens",
    "latency_target": "latency_target_s",
    "reasoning_tokens": "reasoning_tokens",
}


def _figures(options: dict) -> dict:
    """A command's what-if options (its `locals()`), by the workload field each replaces."""
    return {field: options[name] for name, field in WHAT_IF.items()}


def _what_if(cfg: Config, wl, overrides: dict):
    """The workload with the figures given on the command line (None: as configured)."""
    from dataclasses import replace

    given = {k: v for k, v in overrides.items() if v is not None}
    thinking = given.pop("reasoning_tokens", None)
    if thinking is not None:
        classes = {*cfg.defaults.reasoning_tokens, *(c for c, _ in wl.reasoning_tokens)}
        given["reasoning_tokens"] = tuple((c, float(thinking)) for c in sorted(classes))
    try:
        return replace(wl, **given)
    except (TypeError, ValueError) as exc:
        raise fail(f"workload {wl.name!r} with those figures: {exc}") from None


def _workload_context(
    config: Path | None,
    date_: str | None,
    workload: str,
    names: list[str] | None = None,
    overrides: dict | None = None,
):
    """(config, day, workload, stored facts `day` can use) for the read-only commands, or a
    clear exit 2. With `names`, the models they resolve to come fourth, and only their facts
    are read; `overrides` replace the workload's figures (what-if)."""
    from flows.store.facts import known_models, load_facts, measured_workloads

    cfg = config_or_exit(config)
    day = parse_day(date_)
    try:
        cfg.workload(workload)
    except ConfigError as exc:
        raise fail(str(exc)) from None
    with read_store(cfg) as con:
        cfg = cfg.model_copy(update={"workloads": measured_workloads(con, cfg)})
        models = None
        if names is not None:
            known = known_models(con)
            models = [_resolve_model(name, known, cfg.aliases) for name in names]
        wl = _what_if(cfg, cfg.workloads[workload], overrides or {})
        # a workload graded by its benchmarks alone needs no other scores
        graded_by = wl.benchmarks if wl.observed_success is None else None
        facts = load_facts(con, cfg, [day], models, graded_by)
    return cfg, day, wl, facts, models


@app.command()
def compare(
    candidate: Annotated[
        str, typer.Argument(help="The model judged, or a routed pair A>B (B on A's failures).")
    ],
    vs: Annotated[str, typer.Option("--vs", help="The baseline model.")],
    workload: Annotated[str, typer.Option("--workload", "-w", help="Workload name.")],
    date_: DateOpt = None,
    config: ConfigOpt = None,
    as_json: JsonOpt = False,
    requests_per_day: RequestsOpt = None,
    cached_share: CachedOpt = None,
    max_attempts: AttemptsOpt = None,
    prompt_tokens: PromptOpt = None,
    output_tokens: OutputOpt = None,
    latency_target: LatencyOpt = None,
    reasoning_tokens: ReasoningOpt = None,
) -> None:
    """Compare CANDIDATE against a baseline on one workload, as of a date.

    The JSON output is the comparison shape of the signal model (section 5). A routed pair
    "A>B" (A first, B only when A fails) is judged like a model: its metrics, the cost ratio
    and the verdict. The what-if options replace the workload's figures for this call.

    Example: brief compare "gpt-5-nano:medium>gpt-5:medium" --vs o3:medium --workload
    agentic_coding --requests-per-day 10000 --json
    """
    from signals.compare import compare as compare_sides
    from signals.compare import estimate_side
    from signals.routing import route_against

    overrides = _figures(locals())
    route = [part.strip() for part in candidate.split(">")]
    if len(route) > 2 or not all(route):
        raise fail(f"a routed pair is written A>B, not {candidate!r}")
    cfg, day, wl, facts, models = _workload_context(
        config, date_, workload, [*route, vs], overrides
    )
    roles = ("first", "second", "baseline") if len(route) == 2 else ("candidate", "baseline")
    sides = []
    for role, model in zip(roles, models, strict=True):
        side = facts.side(model, day, wl)
        if side is None:
            raise fail(f"{role} {model!r} has no price in force on {day.isoformat()}")
        if estimate_side(wl, side) is None:
            raise fail(
                f"{role} {model!r} has no score on {day.isoformat()} for the benchmarks "
                f"of workload {wl.name!r}: {', '.join(wl.benchmarks)}"
            )
        sides.append(side)
    if len(route) == 2:
        result = route_against(wl, sides[0], sides[1], sides[2], day)
    else:
        result = compare_sides(
            wl,
            sides[0],
            sides[1],
            day,
            cfg.capability_words(),
            cfg.noise_floors(),
        ).to_json()
    if as_json:
        print_json(result)
        return
    table = Table(
        "metric",
        rich_text(result["candidate"]),
        rich_text(result["baseline"]),
        title=f"{wl.label} as of {result['as_of']}",
    )
    for key, value in result["candidate_metrics"].items():
        table.add_row(
            key, rich_text(_fmt(value)), rich_text(_fmt(result["baseline_metrics"].get(key)))
        )
    out.print(table)
    out.print(
        f"verdict: {result['verdict']} ({result['strength']}); "
        + (f"cost driver: {result['cost_driver']}; " if "cost_driver" in result else "")
        + f"buyer behaviour: {result['buyer_behaviour']}; cost ratio "
        f"{_fmt(result['cost_ratio'])}"
        + (f"; delta score {_fmt(result['delta_score'])}" if "delta_score" in result else "")
    )


def _fmt(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.6g}"
    return "n/a" if value is None else str(value)


@app.command()
def costs(
    workload: Annotated[str, typer.Option("--workload", "-w", help="Workload name.")],
    date_: DateOpt = None,
    config: ConfigOpt = None,
    as_json: JsonOpt = False,
    limit: Annotated[
        int,
        typer.Option(
            "--limit", "-n", min=0, help="Rows in the table (0: every model; --json has all)."
        ),
    ] = 30,
    route: Annotated[
        list[str] | None,
        typer.Option(
            "--route", help="Also price the routed pair A>B (B on A's failures); repeatable."
        ),
    ] = None,
    requests_per_day: RequestsOpt = None,
    cached_share: CachedOpt = None,
    max_attempts: AttemptsOpt = None,
    prompt_tokens: PromptOpt = None,
    output_tokens: OutputOpt = None,
    latency_target: LatencyOpt = None,
    reasoning_tokens: ReasoningOpt = None,
) -> None:
    """Price every graded model on one workload as of a date, cheapest per success first.

    The what-if options replace the workload's figures for this call; --route adds a routed
    pair's row (its tokens: generated per request, both models and retries counted).

    Example: brief costs --workload code_assistant --date 2025-10-30 --limit 10 --route
    "gpt-4.1-mini>gpt-4.1" --requests-per-day 50000
    """
    from signals.compare import basis
    from signals.daily import estimates_on
    from signals.routing import cascade

    overrides = _figures(locals())
    pairs = [[part.strip() for part in r.split(">")] for r in route or []]
    if any(len(pair) != 2 or not all(pair) for pair in pairs):
        raise fail("a routed pair is written A>B")
    cfg, day, wl, facts, _ = _workload_context(config, date_, workload, None, overrides)
    est = estimates_on(facts, [wl], day)[wl.name]
    if not est:
        raise fail(
            f"no model has both a price and a score for workload {wl.name!r} on {day.isoformat()}"
        )
    rows = []
    for model, m in sorted(est.items(), key=lambda kv: (kv[1].cost_per_success, kv[0])):
        quote = facts.price_on(model, day)
        rows.append(
            {
                "model": model,
                **m.to_dict(),
                **basis(wl, facts.side(model, day, wl), None),
                "price_known_from": quote.known_from.isoformat(),
                "price_provider": quote.provider,
                "price_source": quote.fact.source_id,
            }
        )
    known = sorted(est)
    for pair in pairs:
        first, second = (_resolve_model(name, known, cfg.aliases) for name in pair)
        sides = [facts.side(model, day, wl) for model in (first, second)]
        if sides[0] is None or sides[1] is None:
            raise fail(f"the pair {first}>{second} needs a price and a score for both models")
        try:
            m = cascade(wl, sides[0], sides[1])
        except ValueError as exc:
            raise fail(str(exc)) from None
        per_request = m.decode_tokens_per_day / wl.requests_per_day if wl.requests_per_day else 0
        rows.append(
            {
                "model": f"{first}>{second}",
                **m.to_dict(),
                "output_tokens": per_request,
                "reasoning_tokens": 0.0,
                "tokens_basis": "route",
                "route": {"first": first, "second": second},
            }
        )
    rows.sort(key=lambda r: (r["cost_per_success"], r["model"]))
    if as_json:
        print_json({"as_of": day.isoformat(), "workload": wl.name, "models": rows})
        return
    table = Table(
        "model",
        "p",
        "tokens out+reasoning",
        "basis",
        "cost/success",
        "daily bill",
        "viable",
        title=f"{wl.label} as of {day.isoformat()}",
    )
    shown = rows[:limit] if limit else rows
    for r in shown:
        table.add_row(
            rich_text(r["model"]),
            f"{r['p']:.2f}",
            f"{r['output_tokens']:,.0f}+{r['reasoning_tokens']:,.0f}",
            r["tokens_basis"],
            f"${r['cost_per_success']:.4g}",
            f"${r['daily_bill']:,.0f}",
            "yes" if r["viable"] else "no",
        )
    if len(shown) < len(rows):
        table.caption = (
            f"the cheapest {len(shown)} of {len(rows)} models: --limit 0 lists "
            "them all, --json gives every figure"
        )
    out.print(table)


@app.command()
def names(
    config: ConfigOpt = None,
    show_all: Annotated[
        bool, typer.Option("--all", help="Also list the names that resolved.")
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """List the model names sources used that matched no known model, with the closest known id.

    To join such a name to a model, map it in data/aliases.toml ("name" = "model id"); the
    closest id is a hint to check, never applied by itself. Names that only cross-check price
    lists use are left out unless --all: those lists price no model.

    Example: brief names --json
    """
    cfg = config_or_exit(config)
    skip = [] if show_all else sorted(cross_check_ids(cfg))
    with read_store(cfg) as con:
        rows = con.execute(
            "SELECT source_name, model, resolved, list(DISTINCT source_id ORDER BY source_id) "
            "FROM aliases WHERE NOT list_contains(?, source_id) "
            "GROUP BY source_name, model, resolved "
            "ORDER BY lower(source_name), model",
            [skip],
        ).fetchall()
    known = sorted({model for _, model, resolved, _ in rows if resolved})
    listed = [
        {
            "name": name,
            "model": model,
            "resolved": resolved,
            "sources": sources,
            "closest_known": None if resolved else _closest(model, known),
        }
        for name, model, resolved, sources in rows
        if show_all or not resolved
    ]
    if as_json:
        print_json(listed)
        return
    table = Table(
        "name",
        "stored as",
        "sources",
        "closest known id" if not show_all else "resolved / closest known id",
        title=f"{'Model names' if show_all else 'Unresolved model names'} ({len(listed)})",
    )
    for n in listed:
        hint = "resolved" if n["resolved"] else (n["closest_known"] or "")
        table.add_row(
            rich_text(n["name"]),
            rich_text(n["model"]),
            rich_text(", ".join(n["sources"])),
            rich_text(hint),
        )
    out.print(table)
    if not show_all and listed:
        out.print(
            f"Map a name in {cfg.aliases_file} to join it to a model, for example "
            f'"{listed[0]["name"]}" = "<model id>".',
            markup=False,
            highlight=False,
            soft_wrap=True,
        )


_NUMBERS = re.compile(r"(?<![a-z])\d+(?:\.\d+)?")


def _closest(model: str, known: list[str]) -> str | None:
    """The known id most like `model` among those with the same numbers (versions and sizes:
    Llama 3.3 70B is not Llama 3.1 405B however alike the rest reads)."""
    numbers = _NUMBERS.findall(model)
    same = [k for k in known if _NUMBERS.findall(k) == numbers]
    close = difflib.get_close_matches(model, same, n=1, cutoff=0.6)
    return close[0] if close else None


@app.command()
def doctor(
    config: ConfigOpt = None,
    offline: Annotated[
        bool, typer.Option("--offline", help="Ask no URL: neither sources nor Prefect's API.")
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Check the configuration, sources, store, migrations, folders, disk space, templates and
    Prefect's settings, and say what to fix. Nothing is changed.

    Exit code 0 when nothing failed (warnings are only shown), 1 when a check failed.

    Example: brief doctor --config data/brief.toml --offline
    """
    from flows.doctor import failed, folded, run_checks

    checks = run_checks(config, offline=offline)
    if as_json:
        print_json([c.to_dict() for c in checks])
    else:
        colour = {"ok": "green", "warn": "yellow", "fail": "bold red"}
        for c in folded(checks):
            out.print(
                f"[{colour[c.status]}]{c.status:<4}[/] {rich_text(c.name)}: {rich_text(c.detail)}",
                highlight=False,
                soft_wrap=True,
            )
            if c.fix:
                out.print(f"     fix: {rich_text(c.fix)}", highlight=False, soft_wrap=True)
    if failed(checks):
        raise typer.Exit(EXIT_RUN_FAILED)


from flows.analysts import commands as _analysts  # noqa: E402
from flows.ops import commands as _ops  # noqa: E402
from flows.review import commands as _review  # noqa: E402

for _command in (
    _review.show,
    _review.drafts,
    _review.approve,
    _review.reject,
    _review.publish,
    _review.review,
    _analysts.snapshot,
    _analysts.sql,
    _analysts.export,
    _analysts.backfill,
    _analysts.schema,
    _ops.serve,
    _ops.check_missed,
):
    app.command()(_command)
app.add_typer(_analysts.workload_app, name="workload")


def main() -> None:
    """The `brief` program: the command, then a quick exit.

    Tearing the interpreter down after a run (Prefect, DuckDB and pyarrow loaded) takes most
    of a second and does nothing a command needs: by then every store is closed and every
    output written. So once the command has ended, the interpreter's own first steps run
    (threads joined, exit handlers: Prefect sends its last events, the API server and the
    workers stop), the output is flushed, and the process ends with the command's code."""
    try:
        app()
        code = 0
    except SystemExit as exc:
        if exc.code is None or isinstance(exc.code, int):
            code = exc.code or 0
        else:
            print(exc.code, file=sys.stderr)
            code = 1
    shutdown = getattr(threading, "_shutdown", None)  # what the interpreter calls first
    if shutdown is None:
        raise SystemExit(code)
    shutdown()
    atexit._run_exitfuncs()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
