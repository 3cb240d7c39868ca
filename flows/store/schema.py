"""What the store's fact tables hold, declared once: each column's type, whether a row needs
it, the checks on its value, and which columns are provenance rather than content. Validation
(flows/validate.py), the canonical CSV reader and the loader are built from it.

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
