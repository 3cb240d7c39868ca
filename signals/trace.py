"""Derive a workload from a request trace (signal-model.md, section 1). Pure: no I/O.

One ``TraceRow`` per request. ``summarise`` gives the figures a workload is written from:

- mean prompt and output tokens (the bill is linear in tokens, so means price it) and their
  p95 (for context fit), by the nearest-rank method: the value at rank ceil(0.95 * n) of the
  sorted values, always an observed value (no interpolation);
- ``requests_per_day`` = requests / span_s * 86400, where span_s is the time from the first to
  the last request. A trace whose requests share one timestamp has no span, so no rate: it
  raises ``ValueError("a trace needs at least two distinct timestamps")``;
- optional fields are summarised over the rows that report them and are None when no row does:
  ``cached_share`` = cached / prompt tokens, ``reasoning_tokens_mean``, ``observed_success``
  (share of requests with ``ok``) and ``latency_p95_s`` (nearest rank).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

SECONDS_PER_DAY = 86400.0


@dataclass(frozen=True)
class TraceRow:
    """One request of a trace."""

    timestamp: datetime
    prompt_tokens: int
    output_tokens: int
    cached_tokens: int | None = None
    reasoning_tokens: int | None = None
    latency_s: float | None = None
    ok: bool | None = None


@dataclass(frozen=True)
class TraceSummary:
    """The workload figures a trace yields."""

    requests: int
    span_s: float
    prompt_tokens_mean: float
    prompt_tokens_p95: float
    output_tokens_mean: float
    output_tokens_p95: float
    cached_share: float | None
    reasoning_tokens_mean: float | None
    requests_per_day: float
    observed_success: float | None
    latency_p95_s: float | None
    first: datetime
    last: datetime


def percentile_nearest_rank(values: Sequence[float], q: float) -> float:
    """The q-quantile (0 < q <= 1) by nearest rank: sorted value at rank ceil(q * n)."""
    if not values:
        raise ValueError("no values")
    if not 0 < q <= 1:
        raise ValueError(f"q must lie in (0, 1], got {q}")
    ordered = sorted(values)
    rank = max(1, math.ceil(q * len(ordered)))
    return float(ordered[rank - 1])


def summarise(rows: Iterable[TraceRow]) -> TraceSummary:
    """Summarise a trace; raises ValueError when it has fewer than two distinct timestamps."""
    items = list(rows)
    if not items:
        raise ValueError("a trace needs at least two distinct timestamps (it has no requests)")
    first = min(r.timestamp for r in items)
    last = max(r.timestamp for r in items)
    span_s = (last - first).total_seconds()
    if span_s <= 0:
        raise ValueError("a trace needs at least two distinct timestamps")
    prompt = [r.prompt_tokens for r in items]
    output = [r.output_tokens for r in items]
    cached = [(r.cached_tokens, r.prompt_tokens) for r in items if r.cached_tokens is not None]
    cached_prompt = sum(p for _, p in cached)
    reasoning = [r.reasoning_tokens for r in items if r.reasoning_tokens is not None]
    latency = [r.latency_s for r in items if r.latency_s is not None]
    outcomes = [r.ok for r in items if r.ok is not None]
    n = len(items)
    return TraceSummary(
        requests=n,
        span_s=span_s,
        prompt_tokens_mean=sum(prompt) / n,
        prompt_tokens_p95=percentile_nearest_rank(prompt, 0.95),
        output_tokens_mean=sum(output) / n,
        output_tokens_p95=percentile_nearest_rank(output, 0.95),
        cached_share=(sum(c for c, _ in cached) / cached_prompt)
        if cached_prompt
        else (0.0 if cached else None),
        reasoning_tokens_mean=sum(reasoning) / len(reasoning) if reasoning else None,
        requests_per_day=n / span_s * SECONDS_PER_DAY,
        observed_success=sum(outcomes) / len(outcomes) if outcomes else None,
        latency_p95_s=percentile_nearest_rank(latency, 0.95) if latency else None,
        first=first,
        last=last,
    )
