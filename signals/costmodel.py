"""One model on one workload: the bill behind the grade (signal-model.md, section 2).

All prices are USD per 1M tokens; the request fee is USD per request.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

P_MIN = 0.01
P_MAX = 0.99
P95 = 0.95
_EPS = 1e-12  # float slack for the "P(J <= j) >= 0.95" test


def _clamp(x: float, lo: float = P_MIN, hi: float = P_MAX) -> float:
    return min(hi, max(lo, x))


def _non_negative(owner: str, **values: float | None) -> None:
    for name, value in values.items():
        if value is not None and value < 0:
            raise ValueError(f"{owner}.{name} must be >= 0, got {value}")


@dataclass(frozen=True)
class Price:
    """Unit prices in force on a day; ``None`` means "not given" and the section-1 default applies.

    Defaults: ``cached_input`` = input, ``cache_write`` = input, ``reasoning`` = output.
    ``cache_write`` is stored but not used by the cost formula.
    """

    input: float
    output: float
    cached_input: float | None = None
    cache_write: float | None = None
    reasoning: float | None = None
    request: float = 0.0
    tier_threshold_tokens: int | None = None
    input_above: float | None = None
    output_above: float | None = None

    def __post_init__(self) -> None:
        _non_negative(
            "Price",
            input=self.input,
            output=self.output,
            cached_input=self.cached_input,
            cache_write=self.cache_write,
            reasoning=self.reasoning,
            request=self.request,
            tier_threshold_tokens=self.tier_threshold_tokens,
            input_above=self.input_above,
            output_above=self.output_above,
        )


@dataclass(frozen=True)
class UnitPrices:
    """The per-token prices that apply to one request, after defaults and the long-context tier."""

    input: float
    cached_input: float
    output: float
    reasoning: float
    request: float
    tier_used: bool


def unit_prices(price: Price, prompt_tokens: float) -> UnitPrices:
    """Resolve defaults and the long-context tier for a request of ``prompt_tokens``.

    The tier applies to the whole request when ``prompt_tokens > tier_threshold_tokens``
    (strictly): ``input_above`` replaces input, ``output_above`` replaces output. A price that is
    not given falls back to the one it defaults to *as in force for this request*: reasoning without
    its own price follows the (tiered) output price, and cached input without its own price follows
    the (tiered) input price. An explicit ``cached_input`` or ``reasoning`` price is never tiered.
    A missing ``*_above`` price leaves the base price in force.
    """
    tier = price.tier_threshold_tokens is not None and prompt_tokens > price.tier_threshold_tokens
    inp = price.input_above if tier and price.input_above is not None else price.input
    out = price.output_above if tier and price.output_above is not None else price.output
    return UnitPrices(
        input=inp,
        cached_input=price.cached_input if price.cached_input is not None else inp,
        output=out,
        reasoning=price.reasoning if price.reasoning is not None else out,
        request=price.request,
        tier_used=tier,
    )


@dataclass(frozen=True)
class Profile:
    """How a model behaves on a request: token volume, speed and context window."""

    verbosity: float = 1.0
    reasoning_tokens: float = 0.0
    ttft_s: float | None = None
    output_tps: float | None = None
    context_window: int | None = None

    def __post_init__(self) -> None:
        _non_negative(
            "Profile",
            verbosity=self.verbosity,
            reasoning_tokens=self.reasoning_tokens,
            ttft_s=self.ttft_s,
        )
        if self.output_tps is not None and self.output_tps <= 0:
            raise ValueError(f"Profile.output_tps must be > 0, got {self.output_tps}")
        if self.context_window is not None and self.context_window <= 0:
            raise ValueError(f"Profile.context_window must be > 0, got {self.context_window}")


@dataclass(frozen=True)
class Workload:
    """A reference workload; ``benchmarks`` lists, in order, whose score stands for success."""

    name: str
    prompt_tokens: float
    output_tokens: float
    cached_share: float
    requests_per_day: float
    latency_target_s: float
    max_attempts: int
    benchmarks: tuple[str, ...]
    quality_bar: float
    value_per_success_usd: float
    a: float = 0.0
    b: float = 1.0
    observed_success: float | None = None
    label: str = ""
    # reasoning tokens per request by effort class on this workload, where they differ from the
    # configured defaults (section 7.1), as (class, tokens) pairs
    reasoning_tokens: tuple[tuple[str, float], ...] = ()
    # benchmarks whose runs are sized like one request of this workload: their published cost
    # per solved task stands beside the modelled one (section 7.9)
    observed_cost_from: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        _non_negative(
            f"Workload[{self.name}]",
            prompt_tokens=self.prompt_tokens,
            output_tokens=self.output_tokens,
            requests_per_day=self.requests_per_day,
            latency_target_s=self.latency_target_s,
        )
        if int(self.max_attempts) != self.max_attempts or self.max_attempts < 1:
            raise ValueError(f"Workload[{self.name}].max_attempts must be an integer >= 1")
        object.__setattr__(self, "max_attempts", int(self.max_attempts))
        for field in ("cached_share", "quality_bar", "observed_success"):
            value = getattr(self, field)
            if value is not None and not 0.0 <= value <= 1.0:
                raise ValueError(f"Workload[{self.name}].{field} must be in [0, 1], got {value}")
        if not self.label:
            object.__setattr__(self, "label", self.name)
        object.__setattr__(self, "benchmarks", tuple(self.benchmarks))
        object.__setattr__(self, "observed_cost_from", tuple(self.observed_cost_from))
        object.__setattr__(
            self, "reasoning_tokens", tuple(sorted(dict(self.reasoning_tokens).items()))
        )


@dataclass(frozen=True)
class Metrics:
    """Every section-2 quantity for one model (or routed pair) on one workload."""

    p: float
    cost_per_attempt: float
    p_ok: float
    expected_attempts: float
    cost_per_request: float
    cost_per_success: float
    daily_bill: float
    prefill_tokens_per_day: float
    decode_tokens_per_day: float
    latency_p95_s: float | None
    fits_latency: bool
    fits_context: bool
    net_value_per_request: float
    viable: bool
    speed_known: bool
    context_known: bool
    tier_used: bool
    observed_cost_per_solved: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """The section-5 ``<metrics>`` object (``observed_cost_per_solved`` only when known)."""
        d: dict[str, Any] = {
            "p": self.p,
            "cost_per_attempt": self.cost_per_attempt,
            "p_ok": self.p_ok,
            "expected_attempts": self.expected_attempts,
            "cost_per_request": self.cost_per_request,
            "cost_per_success": self.cost_per_success,
            "daily_bill": self.daily_bill,
            "prefill_tokens_per_day": self.prefill_tokens_per_day,
            "decode_tokens_per_day": self.decode_tokens_per_day,
            "latency_p95_s": self.latency_p95_s,
            "fits_latency": self.fits_latency,
            "fits_context": self.fits_context,
            "net_value_per_request": self.net_value_per_request,
            "viable": self.viable,
        }
        if self.observed_cost_per_solved is not None:
            d["observed_cost_per_solved"] = self.observed_cost_per_solved
        d["speed_known"] = self.speed_known
        d["context_known"] = self.context_known
        d["tier_used"] = self.tier_used
        return d


def success_probability(score: float, workload: Workload) -> float:
    """``p = clamp(a + b*score/100, 0.01, 0.99)``; the workload's observed success share wins."""
    if workload.observed_success is not None:
        return _clamp(workload.observed_success)
    return _clamp(workload.a + workload.b * score / 100.0)


def generated_tokens(workload: Workload, profile: Profile) -> tuple[float, float]:
    """``(out, r)``: output tokens scaled by verbosity, and reasoning tokens, per attempt."""
    return workload.output_tokens * profile.verbosity, profile.reasoning_tokens


def cost_per_attempt(workload: Workload, price: Price, profile: Profile) -> tuple[float, bool]:
    """``(c, tier_used)``: the USD cost of one attempt (see ``unit_prices`` for the tier)."""
    u = unit_prices(price, workload.prompt_tokens)
    out, r = generated_tokens(workload, profile)
    in_unc = workload.prompt_tokens * (1.0 - workload.cached_share)
    in_hit = workload.prompt_tokens * workload.cached_share
    c = (in_unc * u.input + in_hit * u.cached_input + out * u.output + r * u.reasoning) / 1e6
    return c + u.request, u.tier_used


def latency_attempt(workload: Workload, profile: Profile) -> float | None:
    """``ttft_s + (out + r) / output_tps``; ``None`` unless both speed figures are given."""
    if profile.ttft_s is None or profile.output_tps is None:
        return None
    out, r = generated_tokens(workload, profile)
    return profile.ttft_s + (out + r) / profile.output_tps


def context_fit(workload: Workload, profile: Profile) -> bool | None:
    """``prompt_tokens + out + r <= context_window``; ``None`` when the window is unknown."""
    if profile.context_window is None:
        return None
    out, r = generated_tokens(workload, profile)
    return workload.prompt_tokens + out + r <= profile.context_window


def calls_at_p95(success_probs: Sequence[float]) -> int:
    """Calls a request uses at its 95th percentile, for a fixed sequence of tries.

    Try ``i`` succeeds with ``success_probs[i]``; the request stops at the first success or after
    the last try. Returns the smallest ``n`` with ``P(N <= n) >= 0.95``, or the number of tries
    when no earlier ``n`` reaches it (the last try takes all the remaining probability).
    """
    if not success_probs:
        raise ValueError("at least one try is needed")
    all_fail = 1.0
    for n, q in enumerate(success_probs[:-1], start=1):
        all_fail *= 1.0 - q
        if 1.0 - all_fail >= P95 - _EPS:
            return n
    return len(success_probs)


def latency_p95(latency_attempt_s: float, p: float, k: int) -> float:
    """The j-rule: ``j * latency_attempt_s`` with ``j`` the smallest in 1..k reaching
    ``P(J <= j) >= 0.95``, where ``P(J=j) = (1-p)^(j-1) p`` for ``j < k`` and
    ``P(J=k) = (1-p)^(k-1)``."""
    return calls_at_p95([p] * k) * latency_attempt_s


def metrics_from_attempt(
    workload: Workload,
    *,
    c: float,
    p: float,
    prefill_tokens_per_attempt: float,
    decode_tokens_per_attempt: float,
    latency_p95_s: float | None,
    fits_context: bool | None,
    tier_used: bool,
    observed_cost_per_solved: float | None = None,
) -> Metrics:
    """Apply the retry, volume and viability formulas of section 2 to one kind of attempt.

    ``latency_p95_s`` ``None`` means speed unknown (fits); ``fits_context`` ``None`` means the
    context window is unknown (fits).
    """
    if not 0.0 < p <= 1.0:
        raise ValueError(f"p must be in (0, 1], got {p}")
    k = workload.max_attempts
    # (1 - (1-p)^k) / p written as the geometric sum 1 + (1-p) + ... + (1-p)^(k-1): the same
    # number without cancellation, exactly 1 at k = 1; then p_ok = 1 - (1-p)^k = p * that sum.
    expected_attempts = math.fsum((1.0 - p) ** i for i in range(k))
    p_ok = min(1.0, p * expected_attempts)
    cost_per_request = c * expected_attempts
    fits_latency = latency_p95_s is None or latency_p95_s <= workload.latency_target_s
    fits_ctx = fits_context is None or fits_context
    net_value = p_ok * workload.value_per_success_usd - cost_per_request
    return Metrics(
        p=p,
        cost_per_attempt=c,
        p_ok=p_ok,
        expected_attempts=expected_attempts,
        cost_per_request=cost_per_request,
        cost_per_success=c / p,
        daily_bill=workload.requests_per_day * cost_per_request,
        prefill_tokens_per_day=workload.requests_per_day
        * expected_attempts
        * prefill_tokens_per_attempt,
        decode_tokens_per_day=workload.requests_per_day
        * expected_attempts
        * decode_tokens_per_attempt,
        latency_p95_s=latency_p95_s,
        fits_latency=fits_latency,
        fits_context=fits_ctx,
        net_value_per_request=net_value,
        viable=p_ok >= workload.quality_bar and fits_latency and fits_ctx and net_value >= 0.0,
        speed_known=latency_p95_s is not None,
        context_known=fits_context is not None,
        tier_used=tier_used,
        observed_cost_per_solved=observed_cost_per_solved,
    )


def estimate_with_p(
    workload: Workload,
    price: Price,
    profile: Profile,
    p: float,
    observed_cost_per_solved: float | None = None,
) -> Metrics:
    """Section-2 metrics with the success probability ``p`` given directly (not clamped)."""
    c, tier_used = cost_per_attempt(workload, price, profile)
    out, r = generated_tokens(workload, profile)
    lat = latency_attempt(workload, profile)
    return metrics_from_attempt(
        workload,
        c=c,
        p=p,
        prefill_tokens_per_attempt=workload.prompt_tokens,
        decode_tokens_per_attempt=out + r,
        latency_p95_s=None if lat is None else latency_p95(lat, p, workload.max_attempts),
        fits_context=context_fit(workload, profile),
        tier_used=tier_used,
        observed_cost_per_solved=observed_cost_per_solved,
    )


def estimate(
    workload: Workload,
    price: Price,
    profile: Profile,
    score: float,
    observed_cost_per_solved: float | None = None,
) -> Metrics:
    """Section-2 metrics from a percent score (mapped to ``p`` by ``success_probability``)."""
    p = success_probability(score, workload)
    return estimate_with_p(workload, price, profile, p, observed_cost_per_solved)


def run_cost_per_solved(total_cost_usd: float, solved: int) -> float | None:
    """``total_cost_usd / solved`` for a published run; ``None`` when nothing was solved."""
    if solved <= 0:
        return None
    return total_cost_usd / solved
