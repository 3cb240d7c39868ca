"""Read stored facts into the signals' FactSet, and write the day's estimates and signals back."""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Iterable, Sequence
from dataclasses import replace
from datetime import date
from typing import TYPE_CHECKING

import duckdb
import numpy as np
import pyarrow as pa

from flows.brief.content import Link
from flows.brief.names import display_name
from flows.brief.safety import safe_url
from flows.config import Config
from flows.store.db import CHEAPEST_VIABLE, insert_rows, run
from flows.store.schema import TABLES
from signals.compare import Comparison, Score
from signals.costmodel import Price, Profile, Workload
from signals.facts import (
    CROSS_CHECK,
    PRIMARY,
    FactSet,
    Judgement,
    PriceFact,
    RunCostFact,
    ScoreFact,
)
from signals.identity import price_model

if TYPE_CHECKING:
    from signals.daily import DaySignals

PROFILE_FIELDS = ("verbosity", "reasoning_tokens", "ttft_s", "output_tps", "context_window")


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: dict | None = None) -> list[dict]:
    """The rows of `sql` as dicts, with the named `params` it uses (DuckDB refuses others)."""
    used = {k: v for k, v in (params or {}).items() if f"${k}" in sql}
    cur = con.execute(sql, used or None)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def judgement(cfg: Config) -> Judgement:
    """The configuration's settings for the judgement layer (signal-model section 7)."""
    d = cfg.defaults
    return Judgement(
        reasoning_tokens=dict(d.reasoning_tokens),
        is_reasoning=d.is_reasoning,
        is_hosted_only=d.is_hosted_only,
        ttft_s=d.ttft_s,
        output_tps=d.output_tps,
        source_rank={s.id: i for i, s in enumerate(cfg.sources)},
    )


# A price's `valid_from` (signal-model.md section 6): its own date, else the day it was known.
VALID_FROM = (
    "CASE WHEN effective_from = DATE '1970-01-01' "
    "THEN coalesce(known_from, effective_from) ELSE effective_from END"
)
PRICE_COLUMNS = (
    "model, provider, effective_from, effective_to, input, output, cached_input, "
    "cache_write, reasoning, request, tier_threshold_tokens, input_above, "
    "output_above, source_id, evidence_url, known_from, fetched_at"
)
SCORE_COLUMNS = (
    "model, benchmark, as_of, value, scale, stderr, source_id, evidence_url, known_from, fetched_at"
)
RUN_COLUMNS = (
    "model, benchmark, as_of, total_cost_usd, tasks, solved, source_id, known_from, "
    "prompt_tokens, completion_tokens, fetched_at"
)
# Load order: FactSet breaks ties between equally dated versions by it (the later one wins).
PRICE_ORDER = "model, provider, effective_from, source_id, known_from, fetched_at"
DATED_ORDER = "model, benchmark, as_of, source_id, known_from, fetched_at"
PUBLISHED = "greatest(as_of, coalesce(known_from, as_of))"


def load_facts(
    con: duckdb.DuckDBPyConnection,
    cfg: Config | None = None,
    days: Sequence[date] | None = None,
    models: Collection[str] | None = None,
    benchmarks: Collection[str] | None = None,
) -> FactSet:
    """The stored prices, scores, run costs and profiles (ordered, so results are stable).

    Every version of a fact counts: a restated price or score (a later fetch changed it) is used
    from the day it was known, and the earlier version before that, so an edition made again
    says what was known on its day. Prices of cross-check sources never price a model.

    With `days`, only what those days can use is read (section 6, selected in DuckDB): per
    model, provider and source the price versions in force and known on each day, per model and
    benchmark the latest scores and runs published by each day, and the first score on each
    benchmark published within the span of `days` (news). The first day each model was known
    and the newest score come from the whole history. Lookups for other days are not answered then.

    With `models`, only their prices (under their price model's names) and scores are read, for
    a question about those models alone (run costs are all read: tokens are measured against
    the median run). With `benchmarks`, only scores on those are read (a workload graded by
    them alone, with no observed success share, needs no other)."""
    facts = FactSet(judgement=judgement(cfg) if cfg else Judgement())
    roles = {s.id: s.role for s in cfg.sources} if cfg else {}
    cross = sorted(k for k, v in roles.items() if v == CROSS_CHECK)
    prices_t, scores_t, params = "prices", "scores", {}
    if models is not None:
        bases = {price_model(m) for m in models}
        params = {
            "models": sorted(models),
            "priced": sorted({f"{b}{s}" for b in bases for s in ("", ":thinking", "-thinking")}),
        }
        prices_t = "(SELECT * FROM prices WHERE list_contains($priced, model))"
        scores_t = "(SELECT * FROM scores WHERE list_contains($models, model))"
    if benchmarks is not None:
        params["benchmarks"] = sorted(benchmarks)
        scores_t = f"(SELECT * FROM {scores_t} WHERE list_contains($benchmarks, benchmark))"
    if days is None:
        prices = _rows(
            con, f"SELECT {PRICE_COLUMNS} FROM {prices_t} ORDER BY {PRICE_ORDER}", params
        )
        scores = _rows(
            con, f"SELECT {SCORE_COLUMNS} FROM {scores_t} ORDER BY {DATED_ORDER}", params
        )
        runs = _rows(con, f"SELECT {RUN_COLUMNS} FROM run_costs ORDER BY {DATED_ORDER}")
    else:
        days = sorted(set(days))
        prices = _prices_for(con, days, prices_t, params)
        scores = _dated_for(con, scores_t, SCORE_COLUMNS, days, params, window=True)
        runs = _dated_for(con, "run_costs", RUN_COLUMNS, days)
        facts.first_days, facts.newest_score = _first_days(con, cross, prices_t, scores_t, params)
    for r in prices:
        price = Price(
            input=r["input"],
            output=r["output"],
            cached_input=r["cached_input"],
            cache_write=r["cache_write"],
            reasoning=r["reasoning"],
            request=r["request"] or 0.0,
            tier_threshold_tokens=r["tier_threshold_tokens"],
            input_above=r["input_above"],
            output_above=r["output_above"],
        )
        role = CROSS_CHECK if roles.get(r["source_id"]) == CROSS_CHECK else PRIMARY
        facts.add(
            PriceFact(
                r["model"],
                r["provider"],
                r["effective_from"],
                price,
                r["source_id"],
                r["evidence_url"],
                r["effective_to"],
                known_from=r["known_from"],
                role=role,
            )
        )
    for r in scores:
        facts.add(
            ScoreFact(
                r["model"],
                r["benchmark"],
                r["as_of"],
                Score(r["value"], r["scale"], r["stderr"]),
                r["source_id"],
                r["evidence_url"],
                known_from=r["known_from"],
            )
        )
    for r in runs:
        facts.add(
            RunCostFact(
                r["model"],
                r["benchmark"],
                r["as_of"],
                r["total_cost_usd"],
                r["tasks"],
                r["solved"],
                r["source_id"],
                r["known_from"],
                r["prompt_tokens"],
                r["completion_tokens"],
            )
        )
    # Per model, each profile field from the first source (by id) that gives it.
    merged: dict[str, dict] = {}
    for r in _rows(
        con,
        f"SELECT model, {', '.join(PROFILE_FIELDS)} FROM profiles_current "
        "ORDER BY model, source_id",
    ):
        fields = merged.setdefault(r["model"], {})
        for k in PROFILE_FIELDS:
            if r[k] is not None:
                fields.setdefault(k, r[k])
        if r["verbosity"] is not None or r["reasoning_tokens"] is not None:
            facts.token_profiles.add(r["model"])
    _load_claims(con, facts, merged, days[-1] if days else None)
    facts.profiles.update({m: Profile(**f) for m, f in merged.items()})
    return facts


def _latest(
    con: duckdb.DuckDBPyConnection,
    table: str,
    columns: str,
    order: str,
    partition: str,
    key: str,
    usable: str,
    days: Sequence[date],
    params: dict,
    window: bool = False,
) -> list[dict]:
    """Per `partition` and day, the rows with the greatest `key` among those `usable` on that
    day (`{d}` in it stands for the day), ties all kept: FactSet breaks them by load order, as
    it does on the whole history. One pass groups the table, a second joins the winners back.
    With `window`, also the first row of each partition published after the first day and by
    the last (what makes a model news in that window)."""
    best = ", ".join(
        f"max(_key) FILTER (WHERE {usable.format(d=f'$d{i}')}) AS _k{i}" for i in range(len(days))
    )
    picked = ", ".join(f"b._k{i}" for i in range(len(days)))
    sql = f"""
        WITH t AS NOT MATERIALIZED (SELECT *, {key} AS _key FROM {table}),
        best AS (SELECT {partition}, {best} FROM t GROUP BY ALL)
        SELECT {columns} FROM t JOIN best b USING ({partition}) WHERE t._key IN ({picked})"""
    params = {**params, **{f"d{i}": d for i, d in enumerate(days)}}
    if window:
        sql += f"""
        UNION ALL
        SELECT {columns} FROM t WHERE published > $first AND published <= $last
        QUALIFY row_number() OVER (PARTITION BY {partition} ORDER BY published, {order}) = 1"""
        params.update(first=days[0], last=days[-1])
    return _rows(con, f"SELECT DISTINCT * FROM ({sql}) ORDER BY {order}", params)


def _prices_for(
    con: duckdb.DuckDBPyConnection,
    days: Sequence[date],
    table: str = "prices",
    params: dict | None = None,
) -> list[dict]:
    """Per model, provider and source, the price versions a lookup on each day can pick: the
    latest valid, then the latest known, among those known and in force on the day."""
    valid = VALID_FROM
    known = f"coalesce(known_from, {valid})"
    return _latest(
        con,
        table,
        PRICE_COLUMNS,
        PRICE_ORDER,
        "model, provider, source_id",
        # one sortable number: valid day, then known day (epoch days stay below 2**21)
        f"(epoch(CAST({valid} AS TIMESTAMP)) // 86400) * 2097152 "
        f"+ epoch(CAST({known} AS TIMESTAMP)) // 86400",
        f"{known} <= {{d}} AND {valid} <= {{d}} AND (effective_to IS NULL OR {{d}} < effective_to)",
        days,
        params or {},
    )


def _dated_for(
    con: duckdb.DuckDBPyConnection,
    table: str,
    columns: str,
    days: Sequence[date],
    params: dict | None = None,
    window: bool = False,
) -> list[dict]:
    """Per model and benchmark, the rows with the latest `as_of` published by each day."""
    return _latest(
        con,
        f"(SELECT *, {PUBLISHED} AS published FROM {table})",
        columns,
        DATED_ORDER,
        "model, benchmark",
        "as_of",
        "published <= {d}",
        days,
        params or {},
        window,
    )


def _first_days(
    con: duckdb.DuckDBPyConnection,
    cross_checks: Sequence[str],
    prices: str = "prices",
    scores: str = "scores",
    params: dict | None = None,
) -> tuple[tuple[dict[str, date], dict[str, date]], date | None]:
    """Over the whole history: the first day each model's scores were published, the first day
    each price model was priced by a primary source, and the newest score's day."""
    params = params or {}
    firsts = _rows(
        con,
        f"SELECT model, min({PUBLISHED}) AS first, max({PUBLISHED}) AS last "
        f"FROM {scores} GROUP BY model",
        params,
    )
    priced = _rows(
        con,
        f"SELECT model, min(coalesce(known_from, {VALID_FROM})) AS first "
        f"FROM {prices} WHERE NOT list_contains($cross, source_id) "
        "GROUP BY model",
        {**params, "cross": list(cross_checks)},
    )
    newest = max((r["last"] for r in firsts), default=None)
    return (
        {r["model"]: r["first"] for r in firsts},
        {r["model"]: r["first"] for r in priced},
    ), newest


def known_models(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Every model with a score, from a table or from release text (the ones a question can
    name)."""
    return [
        r[0]
        for r in con.execute(
            "SELECT model FROM scores UNION SELECT model FROM claims WHERE kind = 'score' "
            "AND model IS NOT NULL ORDER BY 1"
        ).fetchall()
    ]


def _load_claims(
    con: duckdb.DuckDBPyConnection,
    facts: FactSet,
    profiles: dict[str, dict],
    until: date | None = None,
) -> None:
    """Facts read from release text, dated by the entry's publication (those published by
    `until`, when given): they count only where no table gives the number (FactSet keeps them
    apart)."""
    sql = """SELECT c.kind, c.model, c.benchmark, c.unit, c.value, c.input, c.output,
                    c.cached_input, c.source_id, e.link,
                    CAST(timezone('UTC', c.published) AS DATE) AS day  -- dates are UTC days
             FROM claims c
             JOIN entries_current e
               ON e.source_id = c.source_id AND e.entry_id = c.entry_id
              AND e.row_hash = c.entry_hash
             WHERE c.model IS NOT NULL AND c.published IS NOT NULL
               AND ($until IS NULL OR CAST(timezone('UTC', c.published) AS DATE) <= $until)
             ORDER BY c.model, c.published, c.source_id, c.claim_id"""
    for r in _rows(con, sql, {"until": until}):
        day = r["day"]
        if r["kind"] == "score" and r["benchmark"] and r["unit"] == "percent":
            facts.add_claim(
                ScoreFact(
                    r["model"],
                    r["benchmark"],
                    day,
                    Score(r["value"]),
                    r["source_id"],
                    r["link"],
                    claimed=True,
                    known_from=day,
                )
            )
        elif r["kind"] == "price" and r["input"] is not None and r["output"] is not None:
            price = Price(input=r["input"], output=r["output"], cached_input=r["cached_input"])
            facts.add_claim(
                PriceFact(
                    r["model"],
                    "claimed",
                    day,
                    price,
                    r["source_id"],
                    r["link"],
                    claimed=True,
                    known_from=day,
                )
            )
        elif r["kind"] == "context_window" and r["value"]:
            profiles.setdefault(r["model"], {}).setdefault("context_window", int(r["value"]))


def release_posts(
    con: duckdb.DuckDBPyConnection, start: date, end: date, models: Iterable[str] = ()
) -> dict[str, Link]:
    """Per model id (without effort), the feed entry or release document published in the
    window (start, end] that announces it: one whose claims name it, else one whose title names
    it ("Claude Opus 4.1"). The release post an item links to."""
    window = (
        "CAST(timezone('UTC', e.published) AS DATE) > ? "
        "AND CAST(timezone('UTC', e.published) AS DATE) <= ?"
    )
    rows = con.execute(
        "SELECT c.model, e.title, e.link, CAST(timezone('UTC', e.published) AS DATE) AS day "
        "FROM claims c JOIN entries_current e ON e.source_id = c.source_id "
        "AND e.entry_id = c.entry_id AND e.row_hash = c.entry_hash "
        f"WHERE c.model IS NOT NULL AND e.published IS NOT NULL AND {window} "
        "ORDER BY e.published, e.source_id, e.entry_id",
        [start, end],
    ).fetchall()
    out: dict[str, Link] = {}
    for model, title, link, day in rows:
        if safe_url(link):
            out.setdefault(
                price_model(model), Link(label=title or "release post", url=link, date=day)
            )
    entries = con.execute(
        "SELECT title, link, CAST(timezone('UTC', e.published) AS DATE) FROM entries_current e "
        f"WHERE e.published IS NOT NULL AND e.title IS NOT NULL AND {window} "
        "ORDER BY e.published, e.source_id, e.entry_id",
        [start, end],
    ).fetchall()
    for model in sorted({price_model(m) for m in models} - set(out)):
        name = re.compile(rf"(?<![\w.]){re.escape(display_name(model))}(?![\w.])", re.I)
        hit = next(((t, u, d) for t, u, d in entries if safe_url(u) and name.search(t)), None)
        if hit:
            out[model] = Link(label=hit[0], url=hit[1], date=hit[2])
    return out


def cheaper_claims(con: duckdb.DuckDBPyConnection) -> dict[str, bool]:
    """Models whose own release text claims they are cheaper or more efficient."""
    rows = con.execute(
        "SELECT DISTINCT c.model FROM claims c JOIN entries_current e ON e.source_id = "
        "c.source_id AND e.entry_id = c.entry_id AND e.row_hash = c.entry_hash "
        "WHERE c.kind = 'cheaper' AND c.model IS NOT NULL"
    ).fetchall()
    return {r[0]: True for r in rows}


def last_edition_before(con: duckdb.DuckDBPyConnection, day: date) -> date | None:
    row = con.execute(
        "SELECT max(edition_date) FROM editions WHERE edition_date < ?", [day]
    ).fetchall()
    return row[0][0]


# the metric columns of `estimates`, as the store declares them (flows/store/schema.py)
ESTIMATE_METRICS = tuple(
    c.name
    for c in TABLES["estimates"].columns
    if c.name not in ("as_of", "model", "workload", "benchmark", "score", "run_id")
)


# metric columns where NaN means "not known" (stored as NULL)
_UNKNOWN = ("latency_p95_s", "observed_cost_per_solved")


def save_estimates(
    con: duckdb.DuckDBPyConnection,
    sig: DaySignals,
    run_id: str,
    only: list[str] | None = None,
) -> int:
    """Replace the day's estimates (a rerun for the same day leaves the same rows); with
    `only`, those of the named workloads alone. Written from the day's matrix columns as one
    Arrow table."""
    _clear(con, "estimates", "as_of", sig.day, only)
    columns = [c for c in sig.matrix.values() if len(c.models)]
    if not columns:
        _cheapest_viable(con, sig.day, only)
        return 0
    orders = [np.argsort(c.models.astype(str), kind="stable") for c in columns]

    def joined(pick) -> np.ndarray:
        return np.concatenate([pick(c)[o] for c, o in zip(columns, orders, strict=True)])

    n = sum(len(c.models) for c in columns)
    score = joined(lambda c: c.score)
    table = {
        "as_of": pa.array([sig.day] * n, pa.date32()),
        "model": pa.array(joined(lambda c: c.models).tolist(), pa.string()),
        "workload": pa.array([c.workload for c in columns for _ in c.models], pa.string()),
        "benchmark": pa.array(joined(lambda c: c.benchmark).tolist(), pa.string()),
        "score": pa.array(score, pa.float64(), mask=np.isnan(score)),
    }
    for metric in ESTIMATE_METRICS:
        values = joined(lambda c, m=metric: c.metrics[m])
        table[metric] = pa.array(values, mask=np.isnan(values) if metric in _UNKNOWN else None)
    table["run_id"] = pa.array([run_id] * n, pa.string())
    con.register("_estimates", pa.table(table))
    try:
        run(con, "INSERT INTO estimates BY NAME SELECT * FROM _estimates")
    finally:
        con.unregister("_estimates")
    _cheapest_viable(con, sig.day, only)
    return n


def _cheapest_viable(con: duckdb.DuckDBPyConnection, day: date, only: list[str] | None) -> None:
    """Rewrite the day's rows of `cheapest_viable` (of the workloads in `only`) from its
    estimates."""
    _clear(con, "cheapest_viable", "as_of", day, only)
    where = "AND as_of = $day" + ("" if only is None else " AND list_contains($only, workload)")
    params: dict[str, object] = {"day": day} | ({} if only is None else {"only": only})
    run(con, f"INSERT INTO cheapest_viable {CHEAPEST_VIABLE.format(where=where)}", params)


def _clear(
    con: duckdb.DuckDBPyConnection, table: str, column: str, day: date, only: list[str] | None
) -> None:
    """Delete a day's rows of `table`, or only those of the workloads in `only`."""
    if only is None:
        run(con, f"DELETE FROM {table} WHERE {column} = ?", [day])
    else:
        run(
            con,
            f"DELETE FROM {table} WHERE {column} = ? AND list_contains(?, workload)",
            [day, only],
        )


def save_signals(
    con: duckdb.DuckDBPyConnection,
    day: date,
    comparisons: list[Comparison],
    run_id: str,
    only: list[str] | None = None,
) -> int:
    """Replace the day's signals, every comparison made (no_signal included) for analysts;
    with `only`, those of the named workloads alone."""
    rows = [
        {
            "edition_date": day,
            "model": c.candidate,
            "workload": c.workload,
            "baseline": c.baseline,
            "baseline_role": c.baseline_role,
            "benchmark": c.benchmark,
            "comparable": c.comparable,
            "verdict": c.verdict,
            "strength": c.strength,
            "cost_driver": c.cost_driver,
            "buyer_behaviour": c.buyer_behaviour,
            "delta_score": c.delta_score,
            "cost_ratio": c.cost_ratio,
            "claim_contradicted": c.claim_contradicted,
            "comparison": json.dumps(c.to_json(), sort_keys=False),
            "run_id": run_id,
        }
        for c in comparisons
    ]
    _clear(con, "signals", "edition_date", day, only)
    if rows:
        insert_rows(con, "INSERT INTO signals BY NAME", rows)
    return len(rows)


def measured_workloads(con: duckdb.DuckDBPyConnection, cfg: Config) -> dict[str, Workload]:
    """The configured workloads, with the figures of each one's trace (when it names one and
    the trace has been ingested) replacing the written ones (signal-model.md section 1)."""
    out = dict(cfg.workloads)
    for name, trace in cfg.workload_traces.items():
        rows = _rows(
            con,
            "SELECT * FROM trace_summaries WHERE source_id = $trace "
            "ORDER BY fetched_at DESC, row_hash LIMIT 1",
            {"trace": trace},
        )
        if not rows:
            continue
        t = rows[0]
        measured = {
            "prompt_tokens": t["prompt_tokens_mean"],
            "output_tokens": t["output_tokens_mean"],
            "requests_per_day": t["requests_per_day"],
            "cached_share": t["cached_share"],
            "observed_success": t["observed_success"],
        }
        out[name] = replace(out[name], **{k: v for k, v in measured.items() if v is not None})
    return out
