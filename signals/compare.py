"""Candidate against baseline on a workload: attribution, market reads, verdict (section 3)."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from itertools import combinations
from typing import Any, cast

from signals import vocabulary
from signals.costmodel import (
    Metrics,
    Price,
    Profile,
    Workload,
    cost_per_attempt,
    estimate_with_p,
    success_probability,
    unit_prices,
)
from signals.vocabulary import (
    BILL_ONLY,
    CHEAPER,
    EXPAND,
    GRADE_NOT_BILL,
    HOLD,
    NO_SIGNAL,
    NONE,
    ROUTE,
    STRONG,
    SWITCH,
    UNLOCKS,
    WEAK,
)

PERCENT = "percent"
RATING = "rating"
SCALES = (PERCENT, RATING)

FACTORS = tuple(vocabulary.FACTORS)
DEFAULT_NOISE_FLOOR = 1.0
COST_BAND = 0.05  # cost_ratio significant when |ratio - 1| >= 5%
CAPACITY_BAND = 0.10  # capacity read moves when decode tokens/day change by more than 10%
UNKNOWN_CAPABILITY = "unknown capability"


@dataclass(frozen=True)
class Score:
    """A benchmark score; ``rating`` scores rank models but never become ``p``."""

    value: float
    scale: str = PERCENT
    stderr: float | None = None

    def __post_init__(self) -> None:
        if self.scale is None:  # an empty cell: "not given", percent
            object.__setattr__(self, "scale", PERCENT)
        if self.scale not in SCALES:
            raise ValueError(f"Score.scale must be one of {SCALES}, got {self.scale!r}")
        if self.stderr is not None and self.stderr < 0:
            raise ValueError(f"Score.stderr must be >= 0, got {self.stderr}")


@dataclass(frozen=True)
class Side:
    """One model as of a day: price and scores in force, profile, optional published run cost."""

    model: str
    price: Price
    profile: Profile
    scores: Mapping[str, Score] = field(default_factory=dict)
    observed_cost_per_solved: float | None = None
    tokens_basis: str = "default"  # profile | measured | assumed | default (section 7.1)
    assumed_reasoning: float | None = None  # the reasoning tokens assumed, when assumed
    speed_assumed: bool = False  # speed from the configured defaults


def percent_score(side: Side, benchmark: str) -> Score | None:
    """The side's score on `benchmark` when it is a percent (a success rate), else None."""
    s = side.scores.get(benchmark)
    return s if s is not None and s.scale == PERCENT else None


def success_benchmark(workload: Workload, side: Side) -> str | None:
    """The first benchmark of the workload's list with a percent score on this side."""
    return next((b for b in workload.benchmarks if percent_score(side, b) is not None), None)


def shared_benchmark(workload: Workload, candidate: Side, baseline: Side) -> str | None:
    """The first benchmark of the workload's list with a percent score on both sides."""
    return next(
        (
            b
            for b in workload.benchmarks
            if percent_score(candidate, b) is not None and percent_score(baseline, b) is not None
        ),
        None,
    )


def grading_benchmark(workload: Workload, side: Side, benchmark: str | None = None) -> str | None:
    """The benchmark whose score gives this side's ``p``: ``benchmark`` when given and scored
    (the one both sides of a comparison share), else the side's own success benchmark."""
    if benchmark and percent_score(side, benchmark):
        return benchmark
    return success_benchmark(workload, side)


def side_probability(workload: Workload, side: Side, benchmark: str | None = None) -> float | None:
    """``p`` for this side: from ``benchmark`` when given and scored, else its success benchmark,
    or the workload's observed success share. ``None`` when neither is available.
    """
    bench = grading_benchmark(workload, side, benchmark)
    if bench is not None:
        return success_probability(side.scores[bench].value, workload)
    if workload.observed_success is not None:
        return success_probability(0.0, workload)  # the observed share wins; score unused
    return None


def _side_metrics(workload: Workload, side: Side, p: float) -> Metrics:
    return estimate_with_p(workload, side.price, side.profile, p, side.observed_cost_per_solved)


def estimate_side(workload: Workload, side: Side, benchmark: str | None = None) -> Metrics | None:
    """Section-2 metrics for one side; ``None`` when it has no usable score for the workload."""
    p = side_probability(workload, side, benchmark)
    return None if p is None else _side_metrics(workload, side, p)


def require_probability(
    workload: Workload, side: Side, role: str, benchmark: str | None = None
) -> float:
    """``side_probability``, or ``ValueError`` naming the side (``role``) when there is none."""
    p = side_probability(workload, side, benchmark)
    if p is None:
        raise ValueError(
            f"{role} {side.model!r} has no usable score for workload {workload.name!r}: "
            f"needs a percent score on one of {list(workload.benchmarks)} "
            "or an observed success share"
        )
    return p


def _require_metrics(
    workload: Workload, side: Side, role: str, benchmark: str | None = None
) -> Metrics:
    return _side_metrics(workload, side, require_probability(workload, side, role, benchmark))


def shapley_values(
    value: Callable[[frozenset[str]], float], players: tuple[str, ...]
) -> dict[str, float]:
    """Exact Shapley values by the subset formula.

    ``value(S)`` is the outcome with the players in ``S`` switched on. Each player gets
    ``sum over S not containing i of |S|!(n-|S|-1)!/n! * (value(S+i) - value(S))``; the values sum
    to ``value(all) - value(none)``.
    """
    n = len(players)
    cache: dict[frozenset[str], float] = {}

    def v(s: frozenset[str]) -> float:
        if s not in cache:
            cache[s] = value(s)
        return cache[s]

    out: dict[str, float] = {}
    for i in players:
        others = [q for q in players if q != i]
        total = 0.0
        for size in range(n):
            weight = math.factorial(size) * math.factorial(n - size - 1) / math.factorial(n)
            for subset in combinations(others, size):
                s = frozenset(subset)
                total += weight * (v(s | {i}) - v(s))
        out[i] = total
    return out


def shapley(
    workload: Workload, candidate: Side, baseline: Side, benchmark: str | None = None
) -> dict[str, float]:
    """Split the change in ``cost_per_success`` (candidate - baseline) over four factors.

    Factors: ``price`` (the whole Price), ``output`` (verbosity), ``reasoning`` (reasoning tokens),
    ``success`` (p). Speed and context window do not enter ``cost_per_success`` and are held at
    the candidate's values. A factor that does not differ gets exactly 0.
    """
    p_c = require_probability(workload, candidate, "candidate", benchmark)
    p_b = require_probability(workload, baseline, "baseline", benchmark)

    def cost_per_success(switched: frozenset[str]) -> float:
        output = candidate.profile if "output" in switched else baseline.profile
        reasoning = candidate.profile if "reasoning" in switched else baseline.profile
        profile = replace(
            candidate.profile,
            verbosity=output.verbosity,
            reasoning_tokens=reasoning.reasoning_tokens,
        )
        price = candidate.price if "price" in switched else baseline.price
        p = p_c if "success" in switched else p_b
        return estimate_with_p(workload, price, profile, p).cost_per_success

    return shapley_values(cost_per_success, FACTORS)


def pick_incumbent(workload: Workload, estimates: Mapping[str, Metrics]) -> str | None:
    """The viable model with the lowest ``cost_per_success``; if none is viable, the highest
    ``p_ok``. Ties go to the model name that sorts first; ``None`` when there is no estimate.

    ``estimates`` should hold the metrics as of D-1 on ``workload``.
    """
    if not estimates:
        return None
    viable = [(m.cost_per_success, name) for name, m in estimates.items() if m.viable]
    if viable:
        return min(viable)[1]
    return min((-m.p_ok, name) for name, m in estimates.items())[1]


def cost_driver(candidate: Metrics, baseline: Metrics, attribution: Mapping[str, float]) -> str:
    """The lesson's serving-cost driver, first rule that holds.

    ``context_size`` when context fit or the price tier in use differ; ``latency`` when latency fit
    differs; otherwise the factor with the largest |contribution| (ties go to the earlier of
    price, output, reasoning, success).
    """
    if candidate.fits_context != baseline.fits_context or candidate.tier_used != baseline.tier_used:
        return "context_size"
    if candidate.fits_latency != baseline.fits_latency:
        return "latency"
    top = max(FACTORS, key=lambda f: abs(attribution[f]))  # max keeps the first of equals
    return vocabulary.FACTOR_DRIVERS[top]


def ratio(candidate: float, baseline: float) -> float:
    """``candidate / baseline``; 1.0 when both are 0, ``inf`` when only the baseline is 0."""
    if baseline == 0.0:
        return 1.0 if candidate == 0.0 else math.inf
    return candidate / baseline


def workload_cost_read(cost_ratio: float) -> str:
    """``down`` when ratio <= 0.95, ``up`` when >= 1.05, else ``flat``."""
    if cost_ratio <= 1.0 - COST_BAND:
        return "down"
    if cost_ratio >= 1.0 + COST_BAND:
        return "up"
    return "flat"


def capacity_read(candidate: Metrics, baseline: Metrics) -> str:
    """``up``/``down`` when decode tokens/day at the workload's traffic move by more than 10%."""
    r = ratio(candidate.decode_tokens_per_day, baseline.decode_tokens_per_day)
    if r > 1.0 + CAPACITY_BAND:
        return "up"
    if r < 1.0 - CAPACITY_BAND:
        return "down"
    return "flat"


def verdict(
    candidate: Metrics,
    baseline: Metrics,
    workload_cost: str,
    delta_score: float | None,
    noise: float | None,
) -> tuple[str, str, str]:
    """``(verdict, strength, buyer_behaviour)`` from the section-3 table, first rule that holds."""
    significant = score_significant(delta_score, noise)
    score_up = significant and delta_score is not None and delta_score > 0
    if candidate.viable and not baseline.viable:
        return UNLOCKS, STRONG, EXPAND
    if candidate.viable and workload_cost == "down":
        return CHEAPER, STRONG, SWITCH
    if score_up and workload_cost == "up":
        route = candidate.viable and candidate.p_ok > baseline.p_ok
        return GRADE_NOT_BILL, WEAK, ROUTE if route else HOLD
    if not significant and workload_cost in ("up", "down"):
        return BILL_ONLY, WEAK, HOLD
    return NO_SIGNAL, NONE, HOLD


@dataclass(frozen=True)
class Reads:
    """The three market reads."""

    workload_cost: str
    capacity: str
    serving_volume: str

    def to_json(self) -> dict[str, Any]:
        return {
            "workload_cost": self.workload_cost,
            "capacity": self.capacity,
            "serving_volume": self.serving_volume,
        }


@dataclass(frozen=True)
class Comparison:
    """One candidate-versus-baseline comparison; ``to_json`` gives the section-5 shape with the
    section-7 fields (``comparable``, ``benchmark``, ``unknown``, ``break_even_reasoning_tokens``,
    and what each side's cost rests on).

    Extra fields not in the JSON: ``noise`` and ``score_significant``.
    """

    as_of: date
    workload: str
    candidate: str
    baseline: str
    capability: str
    cost_driver: str
    buyer_behaviour: str
    verdict: str
    strength: str
    claim_contradicted: bool
    delta_score: float | None
    cost_ratio: float
    reads: Reads
    attribution: Mapping[str, float]
    candidate_metrics: Metrics
    baseline_metrics: Metrics
    benchmark: str | None = None
    noise: float | None = None
    score_significant: bool = False
    comparable: bool = False
    unknown: tuple[str, ...] = ()
    break_even_reasoning_tokens: float | None = None
    break_even_side: str | None = None  # whose reasoning tokens the break-even is of
    candidate_basis: Mapping[str, Any] = field(default_factory=dict)
    baseline_basis: Mapping[str, Any] = field(default_factory=dict)
    route: Mapping[str, Any] | None = None  # the routed pair incumbent -> candidate, if priced
    baseline_role: str = "incumbent"  # incumbent | predecessor | previous_price | given

    @property
    def cost_significant(self) -> bool:
        """``|cost_ratio - 1| >= 0.05``."""
        return abs(self.cost_ratio - 1.0) >= COST_BAND

    def to_json(self) -> dict[str, Any]:
        """The section-5 object, keys in the spec's order, then the section-7 fields. A quantity
        with no finite value (the cost ratio against a baseline that costs nothing) is null:
        strict JSON has no Infinity."""
        return cast(
            dict[str, Any],
            _finite(
                {
                    "as_of": self.as_of.isoformat(),
                    "workload": self.workload,
                    "candidate": self.candidate,
                    "baseline": self.baseline,
                    "capability": self.capability,
                    "cost_driver": self.cost_driver,
                    "buyer_behaviour": self.buyer_behaviour,
                    "verdict": self.verdict,
                    "strength": self.strength,
                    "claim_contradicted": self.claim_contradicted,
                    "delta_score": self.delta_score,
                    "cost_ratio": self.cost_ratio,
                    "reads": self.reads.to_json(),
                    "attribution": {f: self.attribution[f] for f in FACTORS},
                    "candidate_metrics": {
                        **self.candidate_metrics.to_dict(),
                        **self.candidate_basis,
                    },
                    "baseline_metrics": {**self.baseline_metrics.to_dict(), **self.baseline_basis},
                    "comparable": self.comparable,
                    "benchmark": self.benchmark,
                    "unknown": list(self.unknown),
                    "break_even_reasoning_tokens": self.break_even_reasoning_tokens,
                    "break_even_side": self.break_even_side,
                    "baseline_role": self.baseline_role,
                    "route": dict(self.route) if self.route is not None else None,
                }
            ),
        )


def _finite(value: Any) -> Any:
    """`value` with every infinite or NaN float replaced by None, at any depth."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value


def score_significant(delta_score: float | None, noise: float | None) -> bool:
    """``|delta| > noise``; a null delta is never significant."""
    return delta_score is not None and noise is not None and abs(delta_score) > noise


def score_noise(
    candidate: Score, baseline: Score, noise_floor: float = DEFAULT_NOISE_FLOOR
) -> float:
    """``max(2*sqrt(se_c^2 + se_b^2), noise_floor)``; a missing stderr counts as 0."""
    se_c = candidate.stderr or 0.0
    se_b = baseline.stderr or 0.0
    return max(2.0 * math.sqrt(se_c**2 + se_b**2), noise_floor)


def basis(workload: Workload, side: Side, benchmark: str | None) -> dict[str, Any]:
    """What one side's cost rests on: tokens per request and their basis, unit prices, and the
    benchmark whose score gave ``p``."""
    u = unit_prices(side.price, workload.prompt_tokens)
    bench = grading_benchmark(workload, side, benchmark)
    return {
        "output_tokens": workload.output_tokens * side.profile.verbosity,
        "reasoning_tokens": side.profile.reasoning_tokens,
        "tokens_basis": side.tokens_basis,
        "prices": {
            "input": u.input,
            "cached_input": u.cached_input,
            "output": u.output,
            "reasoning": u.reasoning,
            "request": u.request,
        },
        "benchmark": bench,
    }


def break_even_reasoning(
    workload: Workload, side: Side, p: float, other_cps: float, cost_ratio: float, role: str
) -> float | None:
    """Reasoning tokens per request of ``side`` at which the workload-cost read changes (the
    ratio crosses 0.95 or 1.05); None when no number of reasoning tokens changes it.

    Cost per success is linear in reasoning tokens, so the crossing has a closed form.
    """
    u = unit_prices(side.price, workload.prompt_tokens)
    if u.reasoning <= 0 or p <= 0:
        return None
    c = cost_per_attempt(workload, side.price, side.profile)[0]
    c0 = c - side.profile.reasoning_tokens * u.reasoning / 1e6
    read = workload_cost_read(cost_ratio)
    if role == "candidate":  # ratio = cps_c / cps_b rises with the candidate's tokens
        target = 1.0 - COST_BAND if read == "down" else 1.0 + COST_BAND
        cps = target * other_cps
    else:  # the ratio falls as the baseline thinks more
        target = 1.0 + COST_BAND if read == "up" else 1.0 - COST_BAND
        cps = other_cps / target
    r = (cps * p - c0) * 1e6 / u.reasoning
    return r if r >= 0 and math.isfinite(r) else None


def within_noise_only(
    candidate: Metrics,
    baseline: Metrics,
    attribution: Mapping[str, float],
    delta_score: float | None,
    noise: float | None,
) -> bool:
    """The verdict rests only on a score difference within noise: without the success factor
    the cost would not move out of the 5% band, and the viability gap is only the quality bar.
    Such a comparison reads as no signal (a better rule than section 3's table, which counts a
    cost change that comes from a noisy grade as a cheaper task)."""
    if delta_score is None or score_significant(delta_score, noise):
        return False
    rest = sum(v for f, v in attribution.items() if f != "success")
    moved_by_rest = (
        workload_cost_read(ratio(baseline.cost_per_success + rest, baseline.cost_per_success))
        != "flat"
    )
    same_fit = (
        candidate.fits_latency == baseline.fits_latency
        and candidate.fits_context == baseline.fits_context
    )
    return (
        not moved_by_rest
        and same_fit
        and (
            candidate.viable == baseline.viable
            or candidate.net_value_per_request >= 0
            and baseline.net_value_per_request >= 0
        )
    )


def _sensitive(assumed: float | None, break_even: float | None) -> bool:
    """The verdict would flip within half to twice the assumed reasoning tokens."""
    if assumed is None or break_even is None:
        return False
    if assumed == 0:
        return break_even == 0
    return 0.5 <= break_even / assumed <= 2.0


def compare(
    workload: Workload,
    candidate: Side,
    baseline: Side,
    as_of: date,
    capabilities: Mapping[str, str],
    noise_floors: Mapping[str, float],
    claims_cheaper: bool = False,
    baseline_role: str = "given",
    strict: bool = False,
) -> Comparison:
    """Judge a candidate against a baseline on one workload as of ``as_of`` (sections 3 and 7).

    Both sides must already hold only facts known on ``as_of``. Both success rates come from
    the first benchmark of the workload's list that both sides have (then the comparison is
    ``comparable``); with none shared, each side's own first one is used and it is not.
    A verdict that would flip within half to twice an assumed reasoning-token figure is at most
    weak; with ``strict`` (the brief's own comparisons) so is one that rests on an unknown speed
    or on no shared benchmark. Raises ``ValueError`` when either side has no usable score.
    """
    from signals.routing import cascade  # routing builds on this module

    bench = shared_benchmark(workload, candidate, baseline)
    m_c = _require_metrics(workload, candidate, "candidate", bench)
    m_b = _require_metrics(workload, baseline, "baseline", bench)

    delta: float | None = None
    noise: float | None = None
    if bench is not None:
        s_c, s_b = candidate.scores[bench], baseline.scores[bench]
        delta = s_c.value - s_b.value
        noise = score_noise(s_c, s_b, noise_floors.get(bench, DEFAULT_NOISE_FLOOR))

    cap_bench = bench if bench is not None else success_benchmark(workload, candidate)
    capability = (
        capabilities.get(cap_bench, UNKNOWN_CAPABILITY)
        if cap_bench is not None
        else UNKNOWN_CAPABILITY
    )

    attribution = shapley(workload, candidate, baseline, bench)
    cost_ratio = ratio(m_c.cost_per_success, m_b.cost_per_success)
    workload_cost = workload_cost_read(cost_ratio)
    v, strength, buyer = verdict(m_c, m_b, workload_cost, delta, noise)
    if strict and within_noise_only(m_c, m_b, attribution, delta, noise):
        v, strength, buyer = NO_SIGNAL, NONE, HOLD

    route = None
    if buyer == ROUTE:  # section 7.7: only a priced pair that beats the candidate alone
        try:
            pair = cascade(workload, baseline, candidate, bench)
        except ValueError:
            pair = None
        if pair is not None:
            route = {
                "first": baseline.model,
                "second": candidate.model,
                "cost_per_success": pair.cost_per_success,
                "p_ok": pair.p_ok,
                "daily_bill": pair.daily_bill,
                "viable": pair.viable,
            }
            if not (pair.viable and pair.cost_per_success < m_c.cost_per_success):
                buyer = HOLD
        else:
            buyer = HOLD

    be, be_side = None, None
    if candidate.tokens_basis == "assumed":
        be_side = "candidate"
        be = break_even_reasoning(
            workload, candidate, m_c.p, m_b.cost_per_success, cost_ratio, "candidate"
        )
    elif baseline.tokens_basis == "assumed":
        be_side = "baseline"
        be = break_even_reasoning(
            workload, baseline, m_b.p, m_c.cost_per_success, cost_ratio, "baseline"
        )
    assumed = (
        (candidate if be_side == "candidate" else baseline).assumed_reasoning if be_side else None
    )
    unknown = tuple(
        name
        for name, known in (
            ("latency", m_c.speed_known and m_b.speed_known),
            ("context window", m_c.context_known and m_b.context_known),
        )
        if not known
    )
    if strength == STRONG and (
        _sensitive(assumed, be) or strict and ("latency" in unknown or bench is None)
    ):
        strength = WEAK

    reads = Reads(
        workload_cost=workload_cost,
        capacity=capacity_read(m_c, m_b),
        serving_volume="up" if v in (UNLOCKS, CHEAPER) else "flat",
    )
    return Comparison(
        as_of=as_of,
        workload=workload.name,
        candidate=candidate.model,
        baseline=baseline.model,
        capability=capability,
        cost_driver=cost_driver(m_c, m_b, attribution),
        buyer_behaviour=buyer,
        verdict=v,
        strength=strength,
        claim_contradicted=claims_cheaper and workload_cost == "up",
        delta_score=delta,
        cost_ratio=cost_ratio,
        reads=reads,
        attribution=attribution,
        candidate_metrics=m_c,
        baseline_metrics=m_b,
        benchmark=bench,
        noise=noise,
        score_significant=score_significant(delta, noise),
        comparable=bench is not None,
        unknown=unknown,
        break_even_reasoning_tokens=be,
        break_even_side=be_side,
        candidate_basis=basis(workload, candidate, bench),
        baseline_basis=basis(workload, baseline, bench),
        route=route,
        baseline_role=baseline_role,
    )
