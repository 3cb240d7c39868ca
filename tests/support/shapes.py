"""The names, in order, of the section-5 JSON: a comparison's keys and the metrics of each side,
listed once for every test that checks the shape."""

from __future__ import annotations

# a model's metrics on a workload (Metrics.to_dict), before the flags
METRIC_KEYS = (
    "p",
    "cost_per_attempt",
    "p_ok",
    "expected_attempts",
    "cost_per_request",
    "cost_per_success",
    "daily_bill",
    "prefill_tokens_per_day",
    "decode_tokens_per_day",
    "latency_p95_s",
    "fits_latency",
    "fits_context",
    "net_value_per_request",
    "viable",
)
# a comparison's keys (Comparison.to_json): the section-5 object, then the section-7 fields
COMPARISON_KEYS = (
    "as_of",
    "workload",
    "candidate",
    "baseline",
    "capability",
    "cost_driver",
    "buyer_behaviour",
    "verdict",
    "strength",
    "claim_contradicted",
    "delta_score",
    "cost_ratio",
    "reads",
    "attribution",
    "candidate_metrics",
    "baseline_metrics",
    # section 7
    "comparable",
    "benchmark",
    "unknown",
    "break_even_reasoning_tokens",
    "break_even_side",
    "baseline_role",
    "route",
)
