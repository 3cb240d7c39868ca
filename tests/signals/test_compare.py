"""Section 3 (candidate against baseline), section 4 (routing) and section 5 (JSON shape)."""

from __future__ import annotations

import json
import math
from dataclasses import replace
from datetime import date
from itertools import permutations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from signals.compare import (
    FACTORS,
    Comparison,
    Score,
    Side,
    compare,
    estimate_side,
    pick_incumbent,
    shapley,
    success_benchmark,
)
from signals.costmodel import Price, Profile, Workload, estimate, estimate_with_p
from signals.routing import cascade, cascade_cost

DAY = date(2025, 6, 1)
# Reference workload: 2000 prompt + 500 output tokens, one attempt, 1000 requests/day.
W = Workload(
    name="chat",
    prompt_tokens=2000,
    output_tokens=500,
    cached_share=0.0,
    requests_per_day=1000,
    latency_target_s=10.0,
    max_attempts=1,
    benchmarks=("bench",),
    quality_bar=0.5,
    value_per_success_usd=0.10,
    label="Support chat",
)
PRICE = Price(input=3.0, output=15.0)  # c = (2000*3 + 500*15)/1e6 = 0.0135 on W
DOUBLE = Price(input=6.0, output=30.0)  # c = 0.027 on W
HALF = Price(input=1.5, output=7.5)  # c = 0.00675 on W
CAPS = {"bench": "graduate-level science reasoning", "a": "code editing across languages"}


def side(
    model: str,
    score: float | None = 80.0,
    price: Price = PRICE,
    profile: Profile | None = None,
    stderr: float | None = None,
    bench: str = "bench",
) -> Side:
    scores = {} if score is None else {bench: Score(score, stderr=stderr)}
    return Side(model, price, profile or Profile(), scores)


BASE = side("base")  # p = 0.8, cost_per_success = 0.0135/0.8 = 0.016875, viable


def run(cand: Side, base: Side = BASE, w: Workload = W, **kw: object) -> Comparison:
    kw.setdefault("noise_floors", {})
    return compare(w, cand, base, DAY, CAPS, **kw)  # type: ignore[arg-type]


def outcome(cmp: Comparison) -> tuple[str, str, str]:
    return cmp.verdict, cmp.strength, cmp.buyer_behaviour


def close(x: float) -> object:
    return pytest.approx(x, rel=1e-12, abs=1e-15)


# --- benchmarks, scores, sides -------------------------------------------------------------


def test_success_benchmark_skips_ratings_and_missing() -> None:
    w = replace(W, benchmarks=("arena", "swe", "bench"))
    s = Side("m", PRICE, Profile(), {"arena": Score(1300, "rating"), "bench": Score(70)})
    assert success_benchmark(w, s) == "bench"
    m = estimate_side(w, s)
    assert m is not None and m.p == close(0.7)
    only_rating = Side("m", PRICE, Profile(), {"arena": Score(1300, "rating")})
    assert success_benchmark(w, only_rating) is None
    assert estimate_side(w, only_rating) is None
    # an observed success share stands in when no score is usable
    m = estimate_side(replace(w, observed_success=0.7), only_rating)
    assert m is not None and m.p == close(0.7)


def test_missing_score_raises() -> None:
    with pytest.raises(ValueError, match="baseline 'base'"):
        run(side("cand"), side("base", score=None))
    with pytest.raises(ValueError, match="candidate"):
        run(side("cand", score=None))
    with pytest.raises(ValueError):
        Score(50, scale="elo")


# --- verdict table -------------------------------------------------------------------------


def test_unlocks_workload() -> None:
    # baseline p = 0.4 < quality bar 0.5; candidate p = 0.8 at the same price
    cmp = run(side("cand", 80), side("base", 40))
    assert outcome(cmp) == ("unlocks_workload", "strong", "expand")
    assert cmp.reads.serving_volume == "up"
    # cost ratio = (0.0135/0.8) / (0.0135/0.4) = 0.5
    assert cmp.cost_ratio == close(0.5) and cmp.reads.workload_cost == "down"


def test_cheaper_per_task() -> None:
    # same score, half the unit prices: cost_per_success 0.0084375 vs 0.016875
    cmp = run(side("cand", 80, HALF))
    assert outcome(cmp) == ("cheaper_per_task", "strong", "switch")
    assert cmp.cost_ratio == close(0.5)
    assert cmp.reads.workload_cost == "down" and cmp.reads.serving_volume == "up"
    assert cmp.reads.capacity == "flat"  # same decode tokens
    assert cmp.attribution == {
        "price": close(-0.0084375),
        "output": 0.0,
        "reasoning": 0.0,
        "success": 0.0,
    }
    assert cmp.cost_driver == "price"
    assert cmp.delta_score == 0.0 and not cmp.score_significant


def test_grade_not_bill_route() -> None:
    # candidate: score 90 (p 0.9) at double prices: c = 0.027, cost_per_success = 0.03
    # ratio = 0.03 / 0.016875 = 1.777..., delta = +10 > noise 1
    # Shapley over the two factors that differ (v = c/p):
    #   v() = 0.016875, v(price) = 0.027/0.8 = 0.03375,
    #   v(success) = 0.0135/0.9 = 0.015, v(both) = 0.03
    #   price   = 1/2 (0.03375 - 0.016875) + 1/2 (0.03 - 0.015)    = 0.0159375
    #   success = 1/2 (0.015 - 0.016875)   + 1/2 (0.03 - 0.03375)  = -0.0028125
    cmp = run(side("cand", 90, DOUBLE), claims_cheaper=True)
    assert outcome(cmp) == ("grade_not_bill", "weak", "route")
    assert cmp.cost_ratio == close(0.03 / 0.016875)
    assert cmp.reads.workload_cost == "up" and cmp.reads.serving_volume == "flat"
    assert cmp.attribution["price"] == close(0.0159375)
    assert cmp.attribution["success"] == close(-0.0028125)
    assert cmp.attribution["output"] == 0.0 and cmp.attribution["reasoning"] == 0.0
    assert cmp.cost_driver == "price"
    assert cmp.claim_contradicted
    assert cmp.capability == "graduate-level science reasoning"
    # section 7.7: the routed pair base -> cand was priced and beats the candidate alone:
    # c = 0.0135 + 0.2 * 0.027 = 0.0189, p_ok = 1 - 0.2 * 0.1 = 0.98
    assert cmp.route is not None and cmp.route["viable"]
    assert cmp.route["cost_per_success"] == close(0.0189 / 0.98)
    assert cmp.route["cost_per_success"] < cmp.candidate_metrics.cost_per_success


def test_route_is_not_advised_when_the_pair_costs_more_than_the_candidate() -> None:
    # a baseline that costs far more per attempt than it helps: the pair (base first) is
    # dearer per success than the candidate alone, so the buyer holds
    base = side("base", 80, Price(input=60.0, output=300.0))
    cmp = run(side("cand", 95, DOUBLE), base)
    assert cmp.verdict != "grade_not_bill" or cmp.buyer_behaviour == "hold"


def test_grade_not_bill_hold_when_candidate_not_viable() -> None:
    # value 0.02: baseline net = 0.8*0.02 - 0.0135 = 0.0025 (viable),
    # candidate net = 0.9*0.02 - 0.027 = -0.009 (not viable) -> hold
    cmp = run(side("cand", 90, DOUBLE), w=replace(W, value_per_success_usd=0.02))
    assert (cmp.verdict, cmp.buyer_behaviour) == ("grade_not_bill", "hold")


def test_grade_not_bill_hold_when_p_ok_not_higher() -> None:
    # scores 100 vs 99 (+1 > noise... floor 0.5 here) both clamp to p = 0.99: the grade rises,
    # the chance of success does not, so routing it buys nothing
    cmp = run(side("cand", 100, DOUBLE), side("base", 99), noise_floors={"bench": 0.5})
    assert cmp.candidate_metrics.viable and cmp.delta_score == 1.0
    assert cmp.candidate_metrics.p_ok == cmp.baseline_metrics.p_ok
    assert outcome(cmp) == ("grade_not_bill", "weak", "hold")


def test_bill_only() -> None:
    # same score, double prices: ratio 2.0, delta 0
    cmp = run(side("cand", 80, DOUBLE), claims_cheaper=True)
    assert outcome(cmp) == ("bill_only", "weak", "hold")
    assert cmp.cost_ratio == close(2.0) and cmp.claim_contradicted
    # cheaper but the candidate cannot hold the request (window 1000 < 2500): not viable
    cmp = run(side("cand", 80, HALF, Profile(context_window=1000)))
    assert (cmp.verdict, cmp.reads.workload_cost) == ("bill_only", "down")
    assert cmp.cost_driver == "context_size"
    assert not cmp.claim_contradicted  # no claim made


def test_noise_threshold() -> None:
    # delta exactly 1.0 = default floor: not significant -> bill_only
    assert run(side("cand", 81, DOUBLE)).verdict == "bill_only"
    # a lower floor for this benchmark makes it significant -> grade_not_bill
    cmp = run(side("cand", 81, DOUBLE), noise_floors={"bench": 0.5})
    assert cmp.verdict == "grade_not_bill" and cmp.noise == 0.5
    # stderr 2 and 1.5: noise = 2*sqrt(4 + 2.25) = 5
    base = side("base", 80, stderr=1.5)
    cmp = run(side("cand", 84, DOUBLE, stderr=2.0), base)
    assert cmp.noise == close(5.0) and cmp.verdict == "bill_only"
    cmp = run(side("cand", 86, DOUBLE, stderr=2.0), base)
    assert cmp.score_significant and cmp.verdict == "grade_not_bill"
    # one stderr missing counts as 0: 2*sqrt(9) = 6
    assert run(side("cand", 84, stderr=3.0)).noise == close(6.0)


def test_no_signal() -> None:
    cmp = run(side("cand", 80))
    assert outcome(cmp) == ("no_signal", "none", "hold")
    assert cmp.cost_ratio == 1.0 and cmp.reads.workload_cost == "flat"
    assert all(v == 0.0 for v in cmp.attribution.values())
    # score down significantly while the bill goes up: not the grade_not_bill pattern
    # cost_per_success = 0.0135/0.6 = 0.0225, ratio 1.333
    cmp = run(side("cand", 60))
    assert cmp.reads.workload_cost == "up" and cmp.score_significant
    assert cmp.verdict == "no_signal" and cmp.cost_driver == "retries"
    # score up significantly, bill flat: 5% higher prices and p 0.84 keep c/p at 0.016875
    cmp = run(side("cand", 84, Price(input=3.15, output=15.75)))
    assert cmp.reads.workload_cost == "flat" and cmp.score_significant
    assert cmp.verdict == "no_signal"


def test_null_delta_and_capability() -> None:
    w = replace(W, benchmarks=("a", "b"))
    cand, base = side("cand", 80, DOUBLE, bench="a"), side("base", 80, bench="b")
    cmp = run(cand, base, w)
    assert cmp.delta_score is None and not cmp.score_significant and cmp.noise is None
    assert cmp.capability == "code editing across languages"  # the candidate's benchmark
    assert cmp.verdict == "bill_only"
    assert cmp.to_json()["delta_score"] is None
    cmp = run(side("cand", bench="b"), base, w)
    assert cmp.capability == "unknown capability" and cmp.delta_score == 0.0


def test_shared_benchmark_is_the_first_both_have() -> None:
    w = replace(W, benchmarks=("a", "bench"))
    cand = Side("cand", PRICE, Profile(), {"a": Score(90), "bench": Score(85)})
    cmp = run(cand, BASE, w)
    assert cmp.benchmark == "bench" and cmp.delta_score == 5.0 and cmp.comparable
    # both sides' success rates come from the shared benchmark (section 7.3): 0.85, not 0.9
    assert cmp.candidate_metrics.p == close(0.85)
    assert cmp.to_json()["candidate_metrics"]["benchmark"] == "bench"


def test_without_a_shared_benchmark_each_side_uses_its_own_and_is_not_comparable() -> None:
    w = replace(W, benchmarks=("a", "bench"))
    cand = Side("cand", PRICE, Profile(), {"a": Score(90)})
    cmp = run(cand, BASE, w)
    assert cmp.benchmark is None and not cmp.comparable and cmp.delta_score is None
    assert cmp.candidate_metrics.p == close(0.9) and cmp.baseline_metrics.p == close(0.8)


@pytest.mark.parametrize(
    ("cand", "driver"),
    [
        # same prices, but the request crosses a 1000-token tier threshold
        (side("cand", price=replace(PRICE, tier_threshold_tokens=1000)), "context_size"),
        (side("cand", profile=Profile(context_window=1000)), "context_size"),
        # 0.5 + 500/10 = 50.5 s > 10 s target
        (side("cand", profile=Profile(ttft_s=0.5, output_tps=10.0)), "latency"),
        (side("cand", profile=Profile(verbosity=2.0)), "generated_tokens"),
        (side("cand", profile=Profile(reasoning_tokens=2000)), "reasoning_tokens"),
        (side("cand", score=60), "retries"),
        (side("cand", price=DOUBLE, profile=Profile(verbosity=1.1)), "price"),
    ],
)
def test_cost_driver(cand: Side, driver: str) -> None:
    assert run(cand).cost_driver == driver


@pytest.mark.parametrize(
    ("verbosity", "capacity"), [(1.2, "up"), (1.05, "flat"), (0.95, "flat"), (0.5, "down")]
)
def test_capacity_read(verbosity: float, capacity: str) -> None:
    # k = 1 and equal p: decode tokens/day scale with verbosity
    assert run(side("cand", profile=Profile(verbosity=verbosity))).reads.capacity == capacity


@pytest.mark.parametrize(
    ("ratio", "read"), [(0.5, "down"), (0.95, "down"), (1.0, "flat"), (1.05, "up"), (2.0, "up")]
)
def test_workload_cost_read(ratio: float, read: str) -> None:
    # a price scale of `ratio` scales cost_per_success by `ratio`
    price = Price(input=3.0 * ratio, output=15.0 * ratio)
    cmp = run(side("cand", price=price))
    assert cmp.cost_ratio == pytest.approx(ratio)
    assert cmp.reads.workload_cost == read
    assert cmp.cost_significant == (read != "flat")


# --- incumbent -----------------------------------------------------------------------------


def test_pick_incumbent() -> None:
    cheap = estimate(W, HALF, Profile(), 80)
    dear = estimate(W, DOUBLE, Profile(), 80)
    weak = estimate(W, HALF, Profile(), 30)  # p 0.3 < bar: not viable
    weaker = estimate(W, HALF, Profile(), 20)
    assert pick_incumbent(W, {}) is None
    assert pick_incumbent(W, {"z": dear, "y": cheap, "x": weak}) == "y"
    assert pick_incumbent(W, {"b": cheap, "a": cheap}) == "a"  # tie: name ascending
    assert pick_incumbent(W, {"b": weaker, "c": weak}) == "c"  # none viable: highest p_ok
    assert pick_incumbent(W, {"b": weak, "a": weak}) == "a"


# --- JSON shape ----------------------------------------------------------------------------

BASIS_KEYS = ["output_tokens", "reasoning_tokens", "tokens_basis", "prices", "benchmark"]


def test_to_json_shape(comparison_keys: list[str], metric_keys: list[str]) -> None:
    cand = replace(side("cand", 90, DOUBLE), observed_cost_per_solved=0.25)
    doc = run(cand).to_json()
    assert list(doc) == comparison_keys
    assert doc["as_of"] == "2025-06-01"
    assert (doc["workload"], doc["candidate"], doc["baseline"]) == ("chat", "cand", "base")
    assert list(doc["reads"]) == ["workload_cost", "capacity", "serving_volume"]
    assert list(doc["attribution"]) == ["price", "output", "reasoning", "success"]
    flags = ["speed_known", "context_known", "tier_used"]
    assert list(doc["candidate_metrics"]) == (
        metric_keys + ["observed_cost_per_solved"] + flags + BASIS_KEYS
    )
    assert list(doc["baseline_metrics"]) == metric_keys + flags + BASIS_KEYS
    assert doc["candidate_metrics"]["prices"] == {
        "input": 6.0,
        "cached_input": 6.0,
        "output": 30.0,
        "reasoning": 30.0,
        "request": 0.0,
    }
    assert doc["strength"] in ("strong", "weak", "none")
    assert isinstance(doc["claim_contradicted"], bool)
    assert json.loads(json.dumps(doc)) == doc


# --- Shapley properties --------------------------------------------------------------------

unit = st.floats(min_value=0, max_value=50)
prices = st.builds(
    Price,
    input=unit,
    output=unit,
    cached_input=st.none() | unit,
    reasoning=st.none() | unit,
    request=st.floats(min_value=0, max_value=0.01),
    tier_threshold_tokens=st.none() | st.integers(min_value=0, max_value=50_000),
    input_above=st.none() | unit,
    output_above=st.none() | unit,
)
profiles = st.builds(
    Profile,
    verbosity=st.floats(min_value=0, max_value=4),
    reasoning_tokens=st.floats(min_value=0, max_value=20_000),
    ttft_s=st.none() | st.floats(min_value=0, max_value=5),
    output_tps=st.none() | st.floats(min_value=1, max_value=500),
    context_window=st.none() | st.integers(min_value=1, max_value=1_000_000),
)
sides = st.builds(
    Side,
    model=st.sampled_from(["m1", "m2"]),
    price=prices,
    profile=profiles,
    scores=st.floats(min_value=0, max_value=100).map(lambda v: {"bench": Score(v)}),
)
workloads = st.builds(
    replace,
    st.just(W),
    prompt_tokens=st.floats(min_value=0, max_value=100_000),
    output_tokens=st.floats(min_value=0, max_value=10_000),
    cached_share=st.floats(min_value=0, max_value=1),
    max_attempts=st.integers(min_value=1, max_value=5),
)


def shapley_by_orderings(w: Workload, cand: Side, base: Side) -> dict[str, float]:
    """Independent check: average marginal contribution over all 24 orderings."""
    p_c = estimate_side(w, cand).p  # type: ignore[union-attr]
    p_b = estimate_side(w, base).p  # type: ignore[union-attr]

    def v(on: set[str]) -> float:
        prof = Profile(
            verbosity=(cand if "output" in on else base).profile.verbosity,
            reasoning_tokens=(cand if "reasoning" in on else base).profile.reasoning_tokens,
        )
        price = (cand if "price" in on else base).price
        return estimate_with_p(w, price, prof, p_c if "success" in on else p_b).cost_per_success

    totals = dict.fromkeys(FACTORS, 0.0)
    orders = list(permutations(FACTORS))
    for order in orders:
        on: set[str] = set()
        for f in order:
            before = v(on)
            on.add(f)
            totals[f] += v(on) - before
    return {f: t / len(orders) for f, t in totals.items()}


@settings(deadline=None, max_examples=50)
@given(workloads, sides, sides)
def test_shapley_sums_to_the_change(w: Workload, cand: Side, base: Side) -> None:
    contrib = shapley(w, cand, base)
    change = estimate_side(w, cand).cost_per_success - estimate_side(w, base).cost_per_success  # type: ignore[union-attr]
    scale = max(1e-12, abs(change), *(abs(x) for x in contrib.values()))
    assert abs(sum(contrib.values()) - change) <= 1e-9 * scale
    check = shapley_by_orderings(w, cand, base)
    for f in FACTORS:
        assert math.isclose(contrib[f], check[f], rel_tol=1e-9, abs_tol=1e-12 * scale)


@settings(deadline=None, max_examples=50)
@given(workloads, sides, sides, st.sets(st.sampled_from(FACTORS)))
def test_shapley_is_zero_for_unchanged_factors(
    w: Workload, base: Side, other: Side, changed: set[str]
) -> None:
    cand = Side(
        "cand",
        other.price if "price" in changed else base.price,
        replace(
            base.profile,
            verbosity=(other if "output" in changed else base).profile.verbosity,
            reasoning_tokens=(other if "reasoning" in changed else base).profile.reasoning_tokens,
            output_tps=other.profile.output_tps,  # speed and window never enter the bill
            context_window=other.profile.context_window,
        ),
        other.scores if "success" in changed else base.scores,
    )
    contrib = shapley(w, cand, base)
    for f in set(FACTORS) - changed:
        assert contrib[f] == 0.0


# --- routing -------------------------------------------------------------------------------


def test_cascade_cost_hand_case() -> None:
    # cost = 1 + (1 - 0.6) * 3 = 2.2; p_ok = 1 - 0.4 * 0.1 = 0.96
    cost, p_ok = cascade_cost(1.0, 0.6, 3.0, 0.9)
    assert cost == close(2.2) and p_ok == close(0.96)


def test_cascade_metrics() -> None:
    first = side("small", 60, PRICE, Profile(ttft_s=0.5, output_tps=100.0))  # c 0.0135, 5.5 s
    second = side("big", 90, DOUBLE, Profile(ttft_s=1.0, output_tps=50.0))  # c 0.027, 11 s
    m = cascade(W, first, second)
    # cost = 0.0135 + 0.4 * 0.027 = 0.0243; p_ok = 1 - 0.4 * 0.1 = 0.96 (k = 1)
    assert m.cost_per_request == close(0.0243) and m.p_ok == close(0.96)
    assert m.cost_per_success == close(0.0243 / 0.96)
    # prefill = 1000 * 2000 * 1.4; decode = 1000 * (500 + 0.4 * 500)
    assert m.prefill_tokens_per_day == close(2.8e6)
    assert m.decode_tokens_per_day == close(7e5)
    # P(one call) = 0.6 < 0.95 -> both calls at p95: 5.5 + 11 = 16.5 s > 10 s
    assert m.latency_p95_s == close(16.5) and not m.fits_latency and not m.viable
    # a first model right 96% of the time: p95 is one call
    assert cascade(W, replace(first, scores={"bench": Score(96)}), second).latency_p95_s == 5.5
    # one window too small: does not fit; one unknown: unknown
    tight = replace(first, profile=Profile(context_window=1000))
    assert not cascade(W, tight, second).fits_context
    roomy = replace(first, profile=Profile(context_window=10_000))
    m = cascade(W, roomy, second)
    assert m.fits_context and not m.context_known and not m.speed_known
    # the long-context tier on either model shows
    assert not cascade(W, first, second).tier_used
    assert cascade(
        W, first, replace(second, price=replace(DOUBLE, tier_threshold_tokens=1000))
    ).tier_used
    with pytest.raises(ValueError):
        cascade(W, side("x", None), second)


def test_a_free_baseline_gives_valid_json_with_no_ratio() -> None:
    import json

    free = side("free", price=Price(input=0.0, output=0.0))
    cmp = run(side("paid"), free)
    assert math.isinf(cmp.cost_ratio) and cmp.reads.workload_cost == "up"
    data = json.loads(json.dumps(cmp.to_json(), allow_nan=False))  # strict JSON
    assert data["cost_ratio"] is None
    both_free = run(side("also-free", price=Price(input=0.0, output=0.0)), free)
    assert both_free.to_json()["cost_ratio"] == 1.0


def test_a_side_that_never_succeeds_gives_valid_json() -> None:
    import json

    hopeless = side("hopeless", score=0.0)
    cmp = run(hopeless)
    json.dumps(cmp.to_json(), allow_nan=False)  # no Infinity or NaN anywhere
