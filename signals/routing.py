"""Routing: a cascade of two models judged like any single model (section 4)."""

from __future__ import annotations

from datetime import date
from typing import Any

from signals.compare import (
    Side,
    basis,
    estimate_side,
    percent_score,
    ratio,
    require_probability,
    verdict,
    workload_cost_read,
)
from signals.costmodel import (
    Metrics,
    Workload,
    calls_at_p95,
    context_fit,
    cost_per_attempt,
    generated_tokens,
    latency_attempt,
    metrics_from_attempt,
)


def cascade_cost(c_a: float, p_a: float, c_b: float, p_b: float) -> tuple[float, float]:
    """``(cost, p_ok)`` per request when A is tried first and B only on a detected failure.

    ``cost = c_A + (1 - p_A) * c_B`` and ``p_ok = 1 - (1 - p_A)(1 - p_B)``. Assumption: failures
    of A and B are independent and every failure of A is detected. Correlated failures (B tends to
    fail where A fails) make the true ``p_ok`` lower.
    """
    return c_a + (1.0 - p_a) * c_b, 1.0 - (1.0 - p_a) * (1.0 - p_b)


def _combined_fit(a: bool | None, b: bool | None) -> bool | None:
    """False if either known window is too small; None (unknown) if either is unknown."""
    if a is False or b is False:
        return False
    if a is None or b is None:
        return None
    return True


def cascade(workload: Workload, first: Side, second: Side, benchmark: str | None = None) -> Metrics:
    """Section-2 metrics for the routed pair ``first`` -> ``second`` on ``workload``.

    One *attempt* of the pair is a call to ``first`` plus, on its failure, a call to ``second``;
    its cost and success come from ``cascade_cost`` (independent failures assumed). The workload's
    ``max_attempts`` then retries the whole pair like any model, so ``max_attempts = 1`` gives
    exactly the section-4 figures. Tokens per pair attempt count ``second`` with weight
    ``1 - p_first``. The p95 latency applies the j-rule to the call sequence A, B, A, B, ...
    Speed is known only when both models' speeds are; the context fits when both windows fit.
    Both success rates come from ``benchmark`` when given. Raises ``ValueError`` when either
    side has no usable score for the workload.
    """
    p_a = require_probability(workload, first, "first", benchmark)
    p_b = require_probability(workload, second, "second", benchmark)
    c_a, tier_a = cost_per_attempt(workload, first.price, first.profile)
    c_b, tier_b = cost_per_attempt(workload, second.price, second.profile)
    c, p = cascade_cost(c_a, p_a, c_b, p_b)
    miss = 1.0 - p_a
    gen_a = sum(generated_tokens(workload, first.profile))
    gen_b = sum(generated_tokens(workload, second.profile))

    lat_a = latency_attempt(workload, first.profile)
    lat_b = latency_attempt(workload, second.profile)
    latency_p95_s: float | None = None
    if lat_a is not None and lat_b is not None:
        k = workload.max_attempts
        calls = calls_at_p95([p_a, p_b] * k)
        latency_p95_s = sum(([lat_a, lat_b] * k)[:calls])

    return metrics_from_attempt(
        workload,
        c=c,
        p=p,
        prefill_tokens_per_attempt=workload.prompt_tokens * (1.0 + miss),
        decode_tokens_per_attempt=gen_a + miss * gen_b,
        latency_p95_s=latency_p95_s,
        fits_context=_combined_fit(
            context_fit(workload, first.profile), context_fit(workload, second.profile)
        ),
        tier_used=tier_a or tier_b,
    )


def route_against(
    workload: Workload, first: Side, second: Side, baseline: Side, as_of: date
) -> dict[str, Any]:
    """The routed pair ``first`` -> ``second`` judged against ``baseline`` like a candidate:
    section-2 metrics of both, the cost ratio and the section-3 verdict (a pair has no single
    score, so no score delta). The three are graded on the first benchmark of the workload that
    all of them have (``comparable``), else each on its own first. Raises ``ValueError`` when a
    side has no usable score."""
    bench = next(
        (
            b
            for b in workload.benchmarks
            if all(percent_score(side, b) is not None for side in (first, second, baseline))
        ),
        None,
    )
    pair = cascade(workload, first, second, bench)
    base = estimate_side(workload, baseline, bench)
    if base is None:
        raise ValueError(f"baseline {baseline.model!r} has no usable score for {workload.name}")
    cost_ratio = ratio(pair.cost_per_success, base.cost_per_success)
    workload_cost = workload_cost_read(cost_ratio)
    verdict_, strength, buyer = verdict(pair, base, workload_cost, None, None)
    return {
        "as_of": as_of.isoformat(),
        "workload": workload.name,
        "candidate": f"{first.model}>{second.model}",
        "route": {"first": first.model, "second": second.model},
        "baseline": baseline.model,
        "benchmark": bench,
        "comparable": bench is not None,
        "verdict": verdict_,
        "strength": strength,
        "buyer_behaviour": buyer,
        "workload_cost": workload_cost,
        "cost_ratio": cost_ratio,
        "candidate_metrics": {**pair.to_dict(), "benchmark": bench},
        "baseline_metrics": {**base.to_dict(), **basis(workload, baseline, bench)},
    }
