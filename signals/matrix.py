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


Sums = dict[int, tuple[np.ndarray, np.ndarray]]  # attempts -> (sorted p, geometric sums)


def expected_attempts(p: np.ndarray, k: int, sums: Sums) -> np.ndarray:
    """sum_{i<k} (1-p)^i per row, each the correctly rounded `math.fsum` `costmodel` takes: for
    one or two terms that is plain addition; beyond, one fsum per distinct p, kept in `sums`
    for the next call."""
    if k == 1:
        return np.ones(len(p))
    if k == 2:
        return 1.0 + (1.0 - p)
    distinct, where = np.unique(p, return_inverse=True)
    known, values = sums.get(k, (np.empty(0), np.empty(0)))
    at = np.minimum(np.searchsorted(known, distinct), max(len(known) - 1, 0))
    found = (at < len(known)) & (known[at] == distinct) if len(known) else np.zeros(0, bool)
    missing = distinct[~found] if len(known) else distinct
    if len(missing):
        fresh = [math.fsum((1.0 - q) ** i for i in range(k)) for q in missing.tolist()]
        merged = np.concatenate([known, missing])
        order = np.argsort(merged, kind="stable")
        known = merged[order]
        values = np.concatenate([values, np.array(fresh, dtype=np.float64)])[order]
        sums[k] = (known, values)
    return values[np.searchsorted(known, distinct)][where]


def price_columns(prices: Sequence[Price]) -> dict[str, np.ndarray]:
    """The unit prices as columns (NaN for "not given")."""
    return {
        name: _column([getattr(x, name) for x in prices])
        for name in (
            "input",
            "output",
            "cached_input",
            "reasoning",
            "request",
            "tier_threshold_tokens",
            "input_above",
            "output_above",
        )
    }


def profile_columns(profiles: Sequence[Profile]) -> dict[str, np.ndarray]:
    """The profiles as columns (NaN for "not given")."""
    return {
        name: _column([getattr(x, name) for x in profiles])
        for name in ("verbosity", "reasoning_tokens", "ttft_s", "output_tps", "context_window")
    }


def estimate_columns(
    workload: Workload, prices: Sequence[Price], profiles: Sequence[Profile], p: Sequence[float]
) -> dict[str, np.ndarray]:
    """Every section-2 quantity for each (price, profile, success rate) on `workload`, as
    columns named like the fields of `Metrics` (latency NaN where the speed is unknown)."""
    return estimate_arrays(workload, price_columns(prices), profile_columns(profiles), p)


def estimate_arrays(
    workload: Workload,
    prices: dict[str, np.ndarray],
    profiles: dict[str, np.ndarray],
    p: Sequence[float] | np.ndarray,
    sums: Sums | None = None,
) -> dict[str, np.ndarray]:
    """`estimate_columns` on columns already gathered (`price_columns`, `profile_columns`);
    `sums` keeps the geometric sums worked out, for the next workload's call."""
    pr = np.array(p, dtype=np.float64)
    if not np.all((pr > 0.0) & (pr <= 1.0)):
        raise ValueError("p must be in (0, 1]")
    n = len(pr)
    prompt = workload.prompt_tokens
    # unit prices: the long-context tier, then the defaults (costmodel.unit_prices)
    threshold = prices["tier_threshold_tokens"]
    tier = ~np.isnan(threshold) & (prompt > np.nan_to_num(threshold, nan=np.inf))
    base_in, base_out = prices["input"], prices["output"]
    above_in, above_out = prices["input_above"], prices["output_above"]
    u_in = np.where(tier & ~np.isnan(above_in), above_in, base_in)
    u_out = np.where(tier & ~np.isnan(above_out), above_out, base_out)
    cached = prices["cached_input"]
    u_cached = np.where(np.isnan(cached), u_in, cached)
    reasoning = prices["reasoning"]
    u_reason = np.where(np.isnan(reasoning), u_out, reasoning)
    request = prices["request"]
    # tokens per attempt (costmodel.generated_tokens)
    out = workload.output_tokens * profiles["verbosity"]
    r = profiles["reasoning_tokens"]
    in_unc = prompt * (1.0 - workload.cached_share)
    in_hit = prompt * workload.cached_share
    c = (in_unc * u_in + in_hit * u_cached + out * u_out + r * u_reason) / 1e6 + request
    # retries (costmodel.metrics_from_attempt)
    k = workload.max_attempts
    expected = expected_attempts(pr, k, {} if sums is None else sums)
    p_ok = np.minimum(1.0, pr * expected)
    cost_per_request = c * expected
    # latency at p95: the j-rule over identical tries (costmodel.calls_at_p95)
    ttft, tps = profiles["ttft_s"], profiles["output_tps"]
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
    window = profiles["context_window"]
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
