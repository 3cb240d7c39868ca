"""The store, declared once: what each fact table's rows hold as a source gives them (SPECS:
types, required columns, checks, defaults; validation and the canonical CSV reader are built
from it), each fact's key and tie rules, and every table's columns, types, primary key and
comments (TABLES, VIEWS). Migrations build the tables; a test compares a migrated store with
this declaration, and the comments are applied from it.

Plain data, no heavy imports: the configuration's checks read it too.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Field:
    name: str
    type: str  # DuckDB type: DOUBLE, BIGINT, DATE, TIMESTAMPTZ, VARCHAR, BOOLEAN
    required: bool = False
    checks: tuple[tuple[str, str], ...] = ()  # (SQL on the cast value `{v}` that is BAD, reason)
    default: str | None = None  # SQL literal taken when the field is empty


_NONNEG = (("{v} < 0", "negative"),)
# USD per 1M tokens: no real price is below $0.001 per 1M; such a figure is per token.
_PRICE = (
    ("{v} < 0", "negative price"),
    ("{v} > 0 AND {v} < 1e-3", "looks like USD per token; expected USD per 1M tokens"),
    ("{v} > 10000", "over $10,000 per 1M tokens; expected USD per 1M tokens"),
)
_PROV = (Field("source_name", "VARCHAR"), Field("evidence_url", "VARCHAR"))

SPECS: dict[str, tuple[Field, ...]] = {
    "prices": (
        Field("model", "VARCHAR", True),
        Field("provider", "VARCHAR", True),
        Field("effective_from", "DATE", True),
        Field("input", "DOUBLE", True, _PRICE),
        Field("cached_input", "DOUBLE", False, _PRICE),
        Field("cache_write", "DOUBLE", False, _PRICE),
        Field("output", "DOUBLE", True, _PRICE),
        Field("reasoning", "DOUBLE", False, _PRICE),
        Field("request", "DOUBLE", False, (("{v} < 0", "negative request fee"),)),
        Field("tier_threshold_tokens", "BIGINT", False, (("{v} <= 0", "must be positive"),)),
        Field("input_above", "DOUBLE", False, _PRICE),
        Field("output_above", "DOUBLE", False, _PRICE),
        Field("effective_to", "DATE"),
        Field("known_from", "DATE"),
        *_PROV,
    ),
    "scores": (
        Field("model", "VARCHAR", True),
        Field("benchmark", "VARCHAR", True),
        Field("as_of", "DATE", True),
        Field("value", "DOUBLE", True),
        Field(
            "scale",
            "VARCHAR",
            False,
            (("{v} NOT IN ('percent', 'rating')", "must be 'percent' or 'rating'"),),
            "'percent'",
        ),
        Field("stderr", "DOUBLE", False, _NONNEG),
        Field("version", "VARCHAR"),
        Field("known_from", "DATE"),
        *_PROV,
    ),
    "run_costs": (
        Field("model", "VARCHAR", True),
        Field("benchmark", "VARCHAR", True),
        Field("as_of", "DATE", True),
        Field("total_cost_usd", "DOUBLE", True, _NONNEG),
        Field("tasks", "INTEGER", True, (("{v} <= 0", "must be positive"),)),
        Field("solved", "INTEGER", True, _NONNEG),
        Field("prompt_tokens", "BIGINT", False, _NONNEG),
        Field("completion_tokens", "BIGINT", False, _NONNEG),
        Field("known_from", "DATE"),
        *_PROV,
    ),
    "profiles": (
        Field("model", "VARCHAR", True),
        Field("verbosity", "DOUBLE", False, (("{v} <= 0", "must be positive"),)),
        Field("reasoning_tokens", "DOUBLE", False, _NONNEG),
        Field("ttft_s", "DOUBLE", False, _NONNEG),
        Field("output_tps", "DOUBLE", False, (("{v} <= 0", "must be positive"),)),
        Field("context_window", "BIGINT", False, (("{v} <= 0", "must be positive"),)),
        Field("source_name", "VARCHAR"),
    ),
    "entries": (
        Field("entry_id", "VARCHAR", True),
        Field("title", "VARCHAR"),
        Field("link", "VARCHAR"),
        Field("published", "TIMESTAMPTZ"),
        Field("summary", "VARCHAR"),
        Field("content", "VARCHAR"),
        Field("content_html", "VARCHAR"),
        Field("author", "VARCHAR"),
        Field("bozo", "BOOLEAN"),
        Field("bozo_reason", "VARCHAR"),
    ),
    "trace_summaries": (
        Field("workload", "VARCHAR", True),
        Field("requests", "BIGINT", True, (("{v} < 2", "a trace needs at least two requests"),)),
        Field("span_s", "DOUBLE", True, (("{v} <= 0", "must be positive"),)),
        Field("prompt_tokens_mean", "DOUBLE", True, _NONNEG),
        Field("prompt_tokens_p95", "DOUBLE", True, _NONNEG),
        Field("output_tokens_mean", "DOUBLE", True, _NONNEG),
        Field("output_tokens_p95", "DOUBLE", True, _NONNEG),
        Field("cached_share", "DOUBLE", False, (("{v} < 0 OR {v} > 1", "must lie in 0-1"),)),
        Field("reasoning_tokens_mean", "DOUBLE", False, _NONNEG),
        Field("requests_per_day", "DOUBLE", True, _NONNEG),
        Field("observed_success", "DOUBLE", False, (("{v} < 0 OR {v} > 1", "must lie in 0-1"),)),
        Field("latency_p95_s", "DOUBLE", False, _NONNEG),
        Field("first_request", "TIMESTAMPTZ"),
        Field("last_request", "TIMESTAMPTZ"),
    ),
}

# Columns that describe where a fact came from rather than what it says: not part of its version.
# `known_from` is the first day the fact was seen: an unchanged value keeps the day it was first
# stored, so it is provenance too.
PROVENANCE = frozenset({"source_name", "evidence_url", "known_from"})

# Cross-field rules, checked after casting: (SQL condition that is BAD, reason).
ROW_CHECKS: dict[str, tuple[tuple[str, str], ...]] = {
    "scores": (
        (
            "coalesce(scale, 'percent') = 'percent' AND (value < 0 OR value > 100)",
            "value: a percent score must lie in 0-100",
        ),
    ),
    "run_costs": (("solved > tasks", "solved: more than the tasks run"),),
}


# Per table: the key of one fact (its versions share it), and which of a source's rows for one
# key is kept when they differ (the others go to rejects), unless the table is in CONFLICTS.
KEYS: dict[str, tuple[tuple[str, ...], str]] = {
    "prices": (("model", "provider", "effective_from"), "effective_from"),
    "scores": (("model", "benchmark", "as_of"), "value DESC NULLS LAST"),
    "run_costs": (("model", "benchmark", "as_of"), "solved DESC NULLS LAST"),
    "profiles": (("model",), "context_window DESC NULLS LAST"),
    "entries": (("entry_id",), "published DESC NULLS LAST"),
    "trace_summaries": (("workload",), "requests DESC"),
}
# Tables where rows of one source for one key with different values are a conflict: none is
# stored (see insert_facts). A price has no better or worse value to prefer.
CONFLICTS = frozenset({"prices"})
# The column that says what a table's value means: a new version that changes it is counted apart.
MEANING = {"scores": "scale"}
# Tables whose rows are about a model: their names resolve to model ids.
MODEL_KINDS = ("prices", "scores", "run_costs", "profiles")


# --- the store's tables, declared once: columns, types, keys, comments --------------------------
# Fact tables take their columns' types and whether a row needs them from SPECS (what a source
# gives); the store adds the bookkeeping columns below. `COMMENT ON` is applied from here
# (flows/store/db.py), and a test compares every migrated store with this declaration.


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # as DuckDB's catalogue spells it
    not_null: bool
    comment: str


@dataclass(frozen=True)
class Table:
    name: str
    comment: str
    key: tuple[str, ...]  # the primary key
    columns: tuple[Column, ...]

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


def _type(spec_type: str) -> str:
    return {"TIMESTAMPTZ": "TIMESTAMP WITH TIME ZONE"}.get(spec_type, spec_type)


TS = "TIMESTAMP WITH TIME ZONE"
_BOOKKEEPING = {
    "row_hash": Column(
        "row_hash",
        "VARCHAR",
        True,
        "the version: a hash of the values as the "
        "source gave them (provenance aside); an edit is a new row",
    ),
    "source_id": Column("source_id", "VARCHAR", True, "the configured source it came from"),
    "run_id": Column("run_id", "VARCHAR", True, "the run that stored this version (runs)"),
    "fetched_at": Column("fetched_at", TS, True, "when that run read the source"),
}
_PROVENANCE_COMMENTS = {
    "source_name": "the name the source used for the model, as written",
    "evidence_url": "where the source shows this fact",
    "known_from": "the first day this pipeline could have known the fact (the row's own date, "
    "else the snapshot's as_of, else the day first read)",
}


def _fact(
    name: str,
    comment: str,
    key: tuple[str, ...],
    comments: dict[str, str],
    bookkeeping: tuple[str, ...] = ("row_hash", "source_id", "run_id", "fetched_at"),
) -> Table:
    """A fact table: SPECS' columns (each commented here) and the store's bookkeeping."""
    notes = {**_PROVENANCE_COMMENTS, **comments}
    given = tuple(
        Column(f.name, _type(f.type), f.required or f.default is not None, notes[f.name])
        for f in SPECS[name]
    )
    return Table(name, comment, key, given + tuple(_BOOKKEEPING[b] for b in bookkeeping))


def _plain(
    name: str, comment: str, key: tuple[str, ...], *columns: tuple[str, str, bool, str]
) -> Table:
    return Table(name, comment, key, tuple(Column(*c) for c in columns))


_VERSIONED = ("source_id", "row_hash", "fetched_at")
TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        _fact(
            "prices",
            "Unit prices (USD per 1M tokens) by model, provider and day, every version "
            "each source gave",
            ("model", "provider", "effective_from", *_VERSIONED),
            {
                "model": "canonical model id (an effort variant is priced under its model)",
                "provider": "who bills it: the lab, or a host",
                "effective_from": "the day the price holds from; 1970-01-01: the source gave no "
                "date (it then holds from known_from)",
                "input": "USD per 1M input tokens",
                "cached_input": "USD per 1M cached input tokens (null: as input)",
                "cache_write": "USD per 1M tokens written to the cache",
                "output": "USD per 1M output tokens",
                "reasoning": "USD per 1M reasoning tokens (null: as output)",
                "request": "USD per request",
                "tier_threshold_tokens": "prompt tokens above which the long-context prices apply",
                "input_above": "USD per 1M input tokens above the threshold",
                "output_above": "USD per 1M output tokens above the threshold",
                "effective_to": "the day the source says the price ended (exclusive)",
            },
        ),
        _fact(
            "scores",
            "Benchmark results by model and day, every version each source gave",
            ("model", "benchmark", "as_of", *_VERSIONED),
            {
                "model": "canonical model id, with its effort setting when graded at one",
                "benchmark": "the benchmark's slug (capabilities.toml names them)",
                "as_of": "the day the result was measured",
                "value": "the score: a success rate in percent, or a rating",
                "scale": "percent (a success rate) or rating (ranks models, never a success rate)",
                "stderr": "the standard error the source gives, on the value's scale",
                "version": "the benchmark's version, where the source gives one",
            },
        ),
        _fact(
            "run_costs",
            "Published benchmark runs with their cost and tokens",
            ("model", "benchmark", "as_of", *_VERSIONED),
            {
                "model": "canonical model id, with its effort setting",
                "benchmark": "the benchmark's slug",
                "as_of": "the day of the run",
                "total_cost_usd": "what the run cost, in USD",
                "tasks": "tasks run",
                "solved": "tasks solved",
                "prompt_tokens": "prompt tokens the run used",
                "completion_tokens": "completion tokens the run used (reasoning included)",
            },
        ),
        _fact(
            "profiles",
            "How a model behaves per request (house data): tokens, speed, context",
            ("model", *_VERSIONED),
            {
                "model": "canonical model id",
                "verbosity": "output tokens relative to the workload's reference output",
                "reasoning_tokens": "reasoning tokens per request",
                "ttft_s": "seconds to the first token",
                "output_tps": "output tokens per second",
                "context_window": "tokens the model accepts (prompt and output)",
            },
        ),
        _fact(
            "entries",
            "Feed items and release documents, every version",
            ("source_id", "entry_id", "row_hash", "fetched_at"),
            {
                "entry_id": "the item's id in its feed (a hash of its link when it has none)",
                "title": "plain-text title",
                "link": "the item's address (absolute, http or https only)",
                "published": "when it was published (UTC)",
                "summary": "plain-text summary",
                "content": "plain-text content",
                "content_html": "the content's HTML, sanitised",
                "author": "the author, as given",
                "bozo": "feedparser found the feed malformed",
                "bozo_reason": "why feedparser found it malformed",
            },
            ("source_id", "row_hash", "run_id", "fetched_at"),
        ),
        _fact(
            "trace_summaries",
            "Request traces summarised per workload (measured figures)",
            ("source_id", "workload", "row_hash", "fetched_at"),
            {
                "workload": "the workload the trace measures",
                "requests": "requests in the trace",
                "span_s": "seconds from the first request to the last",
                "prompt_tokens_mean": "mean prompt tokens",
                "prompt_tokens_p95": "95th percentile of prompt tokens",
                "output_tokens_mean": "mean output tokens",
                "output_tokens_p95": "95th percentile of output tokens",
                "cached_share": "share of prompt tokens served from a cache",
                "reasoning_tokens_mean": "mean reasoning tokens",
                "requests_per_day": "requests per day at the trace's rate",
                "observed_success": "share of requests that succeeded, where recorded",
                "latency_p95_s": "95th percentile of latency, seconds",
                "first_request": "the first request's time",
                "last_request": "the last request's time",
            },
            ("source_id", "row_hash", "run_id", "fetched_at"),
        ),
        _plain(
            "_migrations",
            "The migrations and comment sets applied to this store",
            ("name",),
            ("name", "VARCHAR", True, "the migration's name"),
            ("applied_at", TS, False, "when it was applied"),
        ),
        _plain(
            "runs",
            "Every run: its day, status and, for a failed one, why",
            ("run_id",),
            ("run_id", "VARCHAR", True, "the run's id (Prefect's flow run id)"),
            ("edition_date", "DATE", True, "the edition it makes"),
            ("config_path", "VARCHAR", True, "the configuration it read"),
            ("started_at", TS, True, "when it started"),
            ("finished_at", TS, False, "when it ended"),
            ("status", "VARCHAR", True, "running, ok, partial (some sources failed) or failed"),
            ("sources_ok", "INTEGER", False, "sources read"),
            ("sources_failed", "INTEGER", False, "sources that could not be read"),
            ("rows_new", "INTEGER", False, "new facts stored"),
            ("rows_rejected", "INTEGER", False, "rows set aside"),
            ("signals", "INTEGER", False, "comparisons stored"),
            ("error", "VARCHAR", False, "why it failed, or that its process ended first"),
        ),
        _plain(
            "run_stages",
            "Each stage of each run: when it started, how long it took, what it handled",
            ("run_id", "stage"),
            ("run_id", "VARCHAR", True, "the run (runs)"),
            ("stage", "VARCHAR", True, "ingest, signals, render or snapshot"),
            ("started_at", TS, True, "when the stage started"),
            ("seconds", "DOUBLE", True, "how long it took"),
            (
                "count",
                "INTEGER",
                False,
                "what it handled: sources (ingest), estimates (signals), files (render), "
                "snapshots (snapshot)",
            ),
            ("detail", "VARCHAR", False, "its counts in words, or why it failed"),
            ("ok", "BOOLEAN", True, "it finished without an error"),
        ),
        _plain(
            "source_runs",
            "What each source gave in each run",
            ("run_id", "source_id"),
            ("run_id", "VARCHAR", True, "the run"),
            ("source_id", "VARCHAR", True, "the configured source"),
            ("kind", "VARCHAR", True, "the source's kind"),
            ("format", "VARCHAR", True, "the source's format"),
            ("location", "VARCHAR", True, "its path or URL"),
            ("ok", "BOOLEAN", True, "it was read (or found unchanged)"),
            ("reason", "VARCHAR", False, "why it could not be read"),
            ("fetch_status", "VARCHAR", True, "fetched, not_modified or failed"),
            ("rows_read", "INTEGER", True, "rows that passed validation"),
            ("rows_new", "INTEGER", True, "new facts (keys first seen)"),
            ("rows_updated", "INTEGER", True, "new versions of known facts"),
            ("rejected", "INTEGER", True, "rows set aside"),
            ("unresolved", "INTEGER", True, "model names that matched no known model"),
            ("elapsed_s", "DOUBLE", False, "seconds spent on it"),
            ("fetched_at", TS, True, "when the run read it"),
            (
                "meaning_changed",
                "INTEGER",
                False,
                "stored values whose meaning changed (a score's scale)",
            ),
        ),
        _plain(
            "rejects",
            "Every row or item not taken, with its reason and raw text",
            ("reject_id",),
            ("reject_id", "VARCHAR", True, "hash of source, kind, reason and raw text"),
            ("source_id", "VARCHAR", True, "the source"),
            ("kind", "VARCHAR", True, "the table it was meant for"),
            ("reason", "VARCHAR", True, "why it was set aside"),
            ("raw", "VARCHAR", True, "the row as the source gave it"),
            ("first_run_id", "VARCHAR", True, "the first run that set it aside"),
            ("first_seen", TS, True, "when"),
            ("last_run_id", "VARCHAR", False, "the last run whose read still set it aside"),
        ),
        _plain(
            "estimates",
            "Every model priced on every workload, per day (section 2)",
            ("as_of", "model", "workload"),
            ("as_of", "DATE", True, "the day, with only what was known then"),
            ("model", "VARCHAR", True, "canonical model id"),
            ("workload", "VARCHAR", True, "the reference workload"),
            ("benchmark", "VARCHAR", False, "whose score gave p"),
            ("score", "DOUBLE", False, "that score"),
            ("p", "DOUBLE", True, "success rate per attempt"),
            ("cost_per_attempt", "DOUBLE", True, "USD per attempt"),
            ("p_ok", "DOUBLE", True, "chance a request succeeds within its attempts"),
            ("expected_attempts", "DOUBLE", True, "attempts per request, on average"),
            ("cost_per_request", "DOUBLE", True, "USD per request, retries included"),
            ("cost_per_success", "DOUBLE", True, "USD per successful task"),
            ("daily_bill", "DOUBLE", True, "USD per day at the workload's traffic"),
            ("prefill_tokens_per_day", "DOUBLE", True, "prompt tokens processed per day"),
            ("decode_tokens_per_day", "DOUBLE", True, "tokens generated per day"),
            ("latency_p95_s", "DOUBLE", False, "95th percentile latency, seconds"),
            ("fits_latency", "BOOLEAN", True, "meets the workload's latency target"),
            ("fits_context", "BOOLEAN", True, "its requests fit the context window"),
            ("net_value_per_request", "DOUBLE", True, "value of success less cost, per request"),
            ("viable", "BOOLEAN", True, "meets the quality bar, latency, context and value"),
            (
                "observed_cost_per_solved",
                "DOUBLE",
                False,
                "a published run's cost per solved task, beside the modelled one",
            ),
            ("run_id", "VARCHAR", True, "the run that computed it"),
        ),
        _plain(
            "cheapest_viable",
            "Per day and workload, the viable model with the lowest cost per successful task "
            "(written with the day's estimates)",
            ("as_of", "workload"),
            ("as_of", "DATE", True, "the day"),
            ("workload", "VARCHAR", True, "the reference workload"),
            ("model", "VARCHAR", True, "the cheapest viable model (ties: the first by name)"),
            ("cost_per_success", "DOUBLE", True, "its USD per successful task"),
            ("viable_models", "BIGINT", True, "how many models were viable that day"),
        ),
        _plain(
            "signals",
            "Every comparison the brief made (section 5), its decision check included",
            ("edition_date", "model", "workload", "baseline", "baseline_role"),
            ("edition_date", "DATE", True, "the edition"),
            ("model", "VARCHAR", True, "the candidate"),
            ("workload", "VARCHAR", True, "the workload"),
            ("baseline", "VARCHAR", True, "the model it is compared with"),
            ("baseline_role", "VARCHAR", True, "incumbent, predecessor, previous_price or given"),
            ("benchmark", "VARCHAR", False, "the benchmark both sides are graded on"),
            ("comparable", "BOOLEAN", True, "both success rates come from that benchmark"),
            (
                "verdict",
                "VARCHAR",
                True,
                "unlocks_workload, cheaper_per_task, grade_not_bill, bill_only or no_signal",
            ),
            ("strength", "VARCHAR", True, "strong, weak or none"),
            ("cost_driver", "VARCHAR", True, "the serving cost driver it turns on"),
            ("buyer_behaviour", "VARCHAR", True, "switch, expand, route or hold"),
            ("delta_score", "DOUBLE", False, "the score difference, points"),
            ("cost_ratio", "DOUBLE", False, "candidate's cost per success over the baseline's"),
            (
                "claim_contradicted",
                "BOOLEAN",
                True,
                "the release claimed cheaper; the bill says not",
            ),
            ("comparison", "JSON", True, "the whole comparison (section 5 shape)"),
            ("run_id", "VARCHAR", True, "the run that made it"),
        ),
        _plain(
            "editions",
            "Each day's latest machine draft in every format, with its content (editors' "
            "revisions and states are in the review database)",
            ("edition_date",),
            ("edition_date", "DATE", True, "the edition's day"),
            ("content", "JSON", True, "the edition's content model"),
            ("html", "VARCHAR", True, "the HTML brief"),
            ("markdown", "VARCHAR", True, "the Markdown brief"),
            ("text", "VARCHAR", True, "the text brief"),
            ("run_id", "VARCHAR", True, "the run that made it"),
            ("updated_at", TS, True, "when it was last written"),
        ),
        _plain(
            "source_state",
            "What each source's last successful read left, to skip unchanged ones",
            ("source_id",),
            ("source_id", "VARCHAR", True, "the source"),
            ("etag", "VARCHAR", False, "the ETag of its last fetch"),
            ("last_modified", "VARCHAR", False, "the Last-Modified of its last fetch"),
            ("content_hash", "VARCHAR", False, "the hash of its bytes"),
            ("last_ok_at", TS, False, "when it was last read"),
            (
                "read_with",
                "VARCHAR",
                False,
                "the readers' version, genai-prices release and alias "
                "file it was read with: a change reads every source again",
            ),
        ),
        _plain(
            "aliases",
            "Every name each source used for a model, and the id it was given",
            ("source_id", "source_name"),
            ("source_id", "VARCHAR", True, "the source"),
            ("source_name", "VARCHAR", True, "the name as written"),
            ("model", "VARCHAR", True, "the canonical id (or the normalised name)"),
            ("resolved", "BOOLEAN", True, "false: no known model matched; kept under its name"),
            ("first_run_id", "VARCHAR", True, "the run that first saw it"),
        ),
        _plain(
            "claims",
            "Facts read from release text, each with its evidence sentence",
            ("source_id", "entry_id", "entry_hash", "claim_id"),
            ("source_id", "VARCHAR", True, "the feed or document source"),
            ("entry_id", "VARCHAR", True, "the entry"),
            ("entry_hash", "VARCHAR", True, "the entry version read (entries.row_hash)"),
            ("claim_id", "VARCHAR", True, "hash of kind, model, benchmark, value and evidence"),
            ("kind", "VARCHAR", True, "score, price, context_window or cheaper"),
            ("model_as_written", "VARCHAR", False, "the model's name in the text"),
            ("model", "VARCHAR", False, "canonical model id"),
            ("benchmark", "VARCHAR", False, "the benchmark's slug (a score)"),
            ("value", "DOUBLE", False, "the score or context window"),
            ("unit", "VARCHAR", False, "percent, or the unit as written"),
            ("input", "DOUBLE", False, "USD per 1M input tokens (a price)"),
            ("output", "DOUBLE", False, "USD per 1M output tokens (a price)"),
            ("cached_input", "DOUBLE", False, "USD per 1M cached input tokens (a price)"),
            ("evidence", "VARCHAR", True, "the sentence or table row it was read from"),
            ("published", TS, False, "the entry's publication"),
            ("run_id", "VARCHAR", True, "the run that read it"),
            ("fetched_at", TS, True, "when"),
        ),
    )
}
VIEWS = {
    "prices_current": "The latest version of each price (by model, provider, day and source)",
    "scores_current": "The latest version of each score (by model, benchmark, day and source)",
    "run_costs_current": "The latest version of each run (by model, benchmark, day and source)",
    "profiles_current": "The latest version of each profile (by model and source)",
    "entries_current": "The latest version of each feed item",
    "price_history": "Current prices with their valid_from and end (the next change's start)",
    "releases": "Each model a release post announced, with the first days it was priced and graded",
    "decision_checks": "Every comparison with its decision check and market reads as columns",
    "restatements": "Editions whose inputs (a price or score of a model they compared, in force "
    "on their day) were only known after they were made",
}
# The table macros analysts call, with what each returns.
MACROS = {
    "prices_as_of": "prices_as_of(day, known): the prices in force on `day` as known on `known`, "
    "one per model, provider and source (two clocks: prices_as_of(d, current_date) is what is "
    "known now about d)",
    "prices_on": "prices_on(day): the prices a run on `day` used (prices_as_of(day, day))",
    "scores_as_of": "scores_as_of(day, known): per model and benchmark the latest score measured "
    "by `day` and published by `known`",
    "scores_on": "scores_on(day): the scores a run on `day` used (scores_as_of(day, day))",
    "estimates_as_of": "estimates_as_of(day): every model on every workload as stored for `day` "
    "by a run or a backfill",
}
