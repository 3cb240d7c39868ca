"""The section-2 cost model for many models at once: a workload's column of the day's estimates
matrix, computed with NumPy.

Every operation is the one `signals.costmodel` performs on a single model, in the same order, so
each cell is the same double as `estimate_with_p` gives (IEEE arithmetic is element-wise the same
in NumPy; the geometric sum keeps `math.fsum`, once per distinct success rate).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from signals.costmodel import _EPS, P95, Metrics, Price, Profile, Workload


def _column(values: Sequence[float | None]) -> np.ndarray:
    """Floats with NaN for "not given"."""
    return np.array([math.nan if v is None else v for v in values], dtype=np.float64)


def estimate_columns(
    workload: Workload, prices: Sequence[Price], profiles: Sequence[Profile], p: Sequence[float]
) -> dict[str, np.ndarray]:
    """Every section-2 quantity for each (price, profile, success rate) on `workload`, as
    columns named like the fields of `Metrics` (latency NaN where the speed is unknown)."""
    if not all(0.0 < q <= 1.0 for q in p):
        raise ValueError("p must be in (0, 1]")
    n = len(p)
    pr = np.array(p, dtype=np.float64)
    prompt = workload.prompt_tokens
    # unit prices: the long-context tier, then the defaults (costmodel.unit_prices)
    threshold = _column([x.tier_threshold_tokens for x in prices])
    tier = ~np.isnan(threshold) & (prompt > np.nan_to_num(threshold, nan=np.inf))
    base_in, base_out = _column([x.input for x in prices]), _column([x.output for x in prices])
    above_in = _column([x.input_above for x in prices])
    above_out = _column([x.output_above for x in prices])
    u_in = np.where(tier & ~np.isnan(above_in), above_in, base_in)
    u_out = np.where(tier & ~np.isnan(above_out), above_out, base_out)
    cached = _column([x.cached_input for x in prices])
    u_cached = np.where(np.isnan(cached), u_in, cached)
    reasoning = _column([x.reasoning for x in prices])
    u_reason = np.where(np.isnan(reasoning), u_out, reasoning)
    request = _column([x.request for x in prices])
    # tokens per attempt (costmodel.generated_tokens)
    out = workload.output_tokens * _column([x.verbosity for x in profiles])
    r = _column([x.reasoning_tokens for x in profiles])
    in_unc = prompt * (1.0 - workload.cached_share)
    in_hit = prompt * workload.cached_share
    c = (in_unc * u_in + in_hit * u_cached + out * u_out + r * u_reason) / 1e6 + request
    # retries (costmodel.metrics_from_attempt)
    k = workload.max_attempts
    sums = {q: math.fsum((1.0 - q) ** i for i in range(k)) for q in set(p)}
    expected = np.array([sums[q] for q in p], dtype=np.float64)
    p_ok = np.minimum(1.0, pr * expected)
    cost_per_request = c * expected
    # latency at p95: the j-rule over identical tries (costmodel.calls_at_p95)
    ttft, tps = _column([x.ttft_s for x in profiles]), _column([x.output_tps for x in profiles])
    latency = ttft + (out + r) / tps
    calls = np.full(n, float(k))
    settled = np.zeros(n, dtype=bool)
    all_fail = np.ones(n)
    for j in range(1, k):
        all_fail = all_fail * (1.0 - pr)
        hit = ~settled & (1.0 - all_fail >= P95 - _EPS)
        calls[hit] = j
        settled |= hit
    latency_p95 = calls * latency
    fits_latency = np.isnan(latency_p95) | (latency_p95 <= workload.latency_target_s)
    window = _column([x.context_window for x in profiles])
    fits_context = np.isnan(window) | (prompt + out + r <= window)
    net_value = p_ok * workload.value_per_success_usd - cost_per_request
    rpd = workload.requests_per_day
    return {
        "p": pr,
        "cost_per_attempt": c,
        "p_ok": p_ok,
        "expected_attempts": expected,
        "cost_per_request": cost_per_request,
        "cost_per_success": c / pr,
        "daily_bill": rpd * cost_per_request,
        "prefill_tokens_per_day": rpd * expected * prompt,
        "decode_tokens_per_day": rpd * expected * (out + r),
        "latency_p95_s": latency_p95,
        "fits_latency": fits_latency,
        "fits_context": fits_context,
        "net_value_per_request": net_value,
        "viable": (p_ok >= workload.quality_bar) & fits_latency & fits_context & (net_value >= 0.0),
        "speed_known": ~np.isnan(latency_p95),
        "context_known": ~np.isnan(window),
        "tier_used": tier,
    }


def estimate_many(
    workload: Workload,
    prices: Sequence[Price],
    profiles: Sequence[Profile],
    p: Sequence[float],
    observed: Sequence[float | None],
) -> list[Metrics]:
    """`estimate_with_p` for each model, computed as columns."""
    if not p:
        return []
    cols = estimate_columns(workload, prices, profiles, p)
    names = list(cols)
    rows = zip(*(cols[name].tolist() for name in names), strict=True)
    out = []
    for row, seen in zip(rows, observed, strict=True):
        values = dict(zip(names, row, strict=True))
        if math.isnan(values["latency_p95_s"]):
            values["latency_p95_s"] = None
        out.append(Metrics(**values, observed_cost_per_solved=seen))
    return out
