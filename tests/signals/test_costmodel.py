"""Section 2 of signal-model.md: one model on one workload."""

from __future__ import annotations

import math
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from signals.costmodel import (
    Metrics,
    Price,
    Profile,
    Workload,
    calls_at_p95,
    cost_per_attempt,
    estimate,
    estimate_with_p,
    latency_p95,
    run_cost_per_solved,
    success_probability,
)

# Reference workload used by the hand-computed cases:
# 2000 prompt tokens, 500 output tokens, no caching, 1000 requests/day, one attempt.
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
)
PRICE = Price(input=3.0, output=15.0)
PROFILE = Profile()


def approx(x: float) -> object:
    return pytest.approx(x, rel=1e-12, abs=1e-15)


# --- hand-computed cases -------------------------------------------------------------------


def test_plain_case_k1() -> None:
    # c = (2000*3 + 500*15) / 1e6 = (6000 + 7500) / 1e6 = 0.0135
    # p = 80/100 = 0.8; k = 1: p_ok = 0.8, expected_attempts = 1
    # cost_per_request = 0.0135, cost_per_success = 0.0135 / 0.8 = 0.016875
    # daily_bill = 1000 * 0.0135 = 13.5
    # prefill/day = 1000 * 1 * 2000 = 2e6; decode/day = 1000 * 1 * 500 = 5e5
    # net = 0.8 * 0.10 - 0.0135 = 0.0665
    m = estimate(W, PRICE, PROFILE, 80.0)
    assert m.p == approx(0.8)
    assert m.cost_per_attempt == approx(0.0135)
    assert m.p_ok == approx(0.8)
    assert m.expected_attempts == approx(1.0)
    assert m.cost_per_request == approx(0.0135)
    assert m.cost_per_success == approx(0.016875)
    assert m.daily_bill == approx(13.5)
    assert m.prefill_tokens_per_day == approx(2e6)
    assert m.decode_tokens_per_day == approx(5e5)
    assert m.net_value_per_request == approx(0.0665)
    assert m.latency_p95_s is None and m.fits_latency and not m.speed_known
    assert m.fits_context and not m.context_known
    assert not m.tier_used
    assert m.viable


def test_k3_against_k1() -> None:
    # k = 3, p = 0.8: p_ok = 1 - 0.2^3 = 0.992; expected_attempts = 0.992 / 0.8 = 1.24
    # cost_per_request = 0.0135 * 1.24 = 0.01674; cost_per_success stays 0.016875
    # daily_bill = 16.74; prefill/day = 1000 * 1.24 * 2000 = 2.48e6; decode/day = 620000
    m = estimate(replace(W, max_attempts=3), PRICE, PROFILE, 80.0)
    assert m.p_ok == approx(0.992)
    assert m.expected_attempts == approx(1.24)
    assert m.cost_per_request == approx(0.01674)
    assert m.cost_per_success == approx(0.016875)
    assert m.daily_bill == approx(16.74)
    assert m.prefill_tokens_per_day == approx(2.48e6)
    assert m.decode_tokens_per_day == approx(620000.0)
    # net = 0.992 * 0.10 - 0.01674 = 0.08246
    assert m.net_value_per_request == approx(0.08246)


def test_retries_make_a_workload_viable() -> None:
    # quality bar 0.9: k=1 gives p_ok 0.8 (fails), k=3 gives 0.992 (passes)
    w = replace(W, quality_bar=0.9)
    assert not estimate(w, PRICE, PROFILE, 80.0).viable
    assert estimate(replace(w, max_attempts=3), PRICE, PROFILE, 80.0).viable


def test_cached_share() -> None:
    # half the prompt hits the cache at 0.3: in_unc = 1000, in_hit = 1000
    # c = (1000*3 + 1000*0.3 + 500*15) / 1e6 = (3000 + 300 + 7500) / 1e6 = 0.0108
    w = replace(W, cached_share=0.5)
    c, tier = cost_per_attempt(w, replace(PRICE, cached_input=0.3), PROFILE)
    assert c == approx(0.0108) and not tier
    # no cached price given: cached input costs the input price, c = 0.0135
    c, _ = cost_per_attempt(w, PRICE, PROFILE)
    assert c == approx(0.0135)


def test_long_context_tier() -> None:
    tiered = replace(PRICE, tier_threshold_tokens=1000, input_above=6.0, output_above=22.5)
    # 2000 > 1000: whole request at tier prices: (2000*6 + 500*22.5) / 1e6 = 0.02325
    c, tier = cost_per_attempt(W, tiered, PROFILE)
    assert c == approx(0.02325) and tier
    # threshold equal to the prompt: strictly greater is required, base prices 0.0135
    c, tier = cost_per_attempt(W, replace(tiered, tier_threshold_tokens=2000), PROFILE)
    assert c == approx(0.0135) and not tier
    # reasoning without its own price follows output_above: + 1000*22.5/1e6 = 0.0225 -> 0.04575
    thinking = Profile(reasoning_tokens=1000)
    c, _ = cost_per_attempt(W, tiered, thinking)
    assert c == approx(0.04575)
    # reasoning with its own price (10) keeps it: + 1000*10/1e6 = 0.01 -> 0.03325
    c, _ = cost_per_attempt(W, replace(tiered, reasoning=10.0), thinking)
    assert c == approx(0.03325)
    # explicit cached price is not tiered: (1000*6 + 1000*0.3 + 500*22.5)/1e6 = 0.01755
    half = replace(W, cached_share=0.5)
    c, _ = cost_per_attempt(half, replace(tiered, cached_input=0.3), PROFILE)
    assert c == approx(0.01755)
    # no cached price: cached tokens follow the tiered input price: 0.02325
    c, _ = cost_per_attempt(half, tiered, PROFILE)
    assert c == approx(0.02325)
    # tier flag reaches the metrics
    assert estimate(W, tiered, PROFILE, 80).tier_used


def test_request_fee_and_reasoning() -> None:
    # fee 0.002 per attempt: 0.0135 + 0.002 = 0.0155
    c, _ = cost_per_attempt(W, replace(PRICE, request=0.002), PROFILE)
    assert c == approx(0.0155)
    # verbosity 2 and 300 reasoning tokens at the output price:
    # (2000*3 + 1000*15 + 300*15) / 1e6 = (6000 + 15000 + 4500) / 1e6 = 0.0255
    c, _ = cost_per_attempt(W, PRICE, Profile(verbosity=2.0, reasoning_tokens=300))
    assert c == approx(0.0255)
    # decode/day = 1000 * (1000 + 300) = 1.3e6
    m = estimate(W, PRICE, Profile(verbosity=2.0, reasoning_tokens=300), 80)
    assert m.decode_tokens_per_day == approx(1.3e6)


@pytest.mark.parametrize(
    ("lat", "p", "k", "expected"),
    [
        (5.5, 0.8, 1, 5.5),  # k = 1: always one attempt
        (5.5, 0.8, 3, 11.0),  # P(J<=1) = 0.8, P(J<=2) = 0.96 -> j = 2
        (5.5, 0.95, 3, 5.5),  # P(J<=1) = 0.95 reaches the bar exactly -> j = 1
        (5.5, 0.99, 3, 5.5),
        (2.0, 0.5, 4, 8.0),  # 0.5, 0.75, 0.875 never reach 0.95 -> j = k = 4
        (2.0, 0.5, 10, 10.0),  # 1 - 0.5^5 = 0.96875 -> j = 5
        (1.0, 0.3, 10, 9.0),  # 0.7^8 = 0.0576 > 0.05, 0.7^9 = 0.0404 -> j = 9
        (1.0, 0.78, 3, 2.0),  # 1 - 0.22^2 = 0.9516 -> j = 2
        (1.0, 0.01, 5, 5.0),
    ],
)
def test_latency_p95_j_rule(lat: float, p: float, k: int, expected: float) -> None:
    assert latency_p95(lat, p, k) == approx(expected)


def test_latency_in_metrics() -> None:
    # attempt latency = 0.5 + 500/100 = 5.5 s
    fast = Profile(ttft_s=0.5, output_tps=100.0)
    m = estimate(W, PRICE, fast, 80.0)
    assert m.speed_known and m.latency_p95_s == approx(5.5) and m.fits_latency
    # k = 3, p = 0.8 -> j = 2 -> 11 s > 10 s target: does not fit, not viable
    m = estimate(replace(W, max_attempts=3), PRICE, fast, 80.0)
    assert m.latency_p95_s == approx(11.0) and not m.fits_latency and not m.viable
    # 400 reasoning tokens: 0.5 + 900/100 = 9.5 s
    m = estimate(W, PRICE, replace(fast, reasoning_tokens=400), 80.0)
    assert m.latency_p95_s == approx(9.5)
    # only one of ttft / tps known: speed unknown, fits by assumption
    for partial in (Profile(ttft_s=0.5), Profile(output_tps=1.0)):
        m = estimate(W, PRICE, partial, 80.0)
        assert not m.speed_known and m.latency_p95_s is None and m.fits_latency


def test_context_fit() -> None:
    # needs 2000 + 500 = 2500 tokens
    m = estimate(W, PRICE, Profile(context_window=2500), 80.0)
    assert m.context_known and m.fits_context and m.viable
    m = estimate(W, PRICE, Profile(context_window=2499), 80.0)
    assert m.context_known and not m.fits_context and not m.viable
    # reasoning tokens count: 2000 + 500 + 100 > 2500
    m = estimate(W, PRICE, Profile(context_window=2500, reasoning_tokens=100), 80.0)
    assert not m.fits_context


def test_calibration_and_clamp() -> None:
    w = replace(W, a=-0.1, b=1.2)
    assert success_probability(80.0, w) == approx(0.86)  # -0.1 + 1.2*0.8
    assert success_probability(95.0, w) == 0.99  # 1.04 clamped
    assert success_probability(5.0, w) == 0.01  # -0.04 clamped
    assert success_probability(100.0, W) == 0.99
    assert success_probability(0.0, W) == 0.01
    assert estimate(w, PRICE, PROFILE, 80.0).p == approx(0.86)


def test_observed_success_wins() -> None:
    w = replace(W, observed_success=0.6)
    assert success_probability(95.0, w) == approx(0.6)
    # c / p = 0.0135 / 0.6 = 0.0225
    assert estimate(w, PRICE, PROFILE, 95.0).cost_per_success == approx(0.0225)
    assert success_probability(50.0, replace(W, observed_success=1.0)) == 0.99
    assert success_probability(50.0, replace(W, observed_success=0.0)) == 0.01


def test_negative_net_value_is_not_viable() -> None:
    # value 0.01: net = 0.8 * 0.01 - 0.0135 = -0.0055
    m = estimate(replace(W, value_per_success_usd=0.01), PRICE, PROFILE, 80.0)
    assert m.net_value_per_request == approx(-0.0055) and not m.viable


def test_observed_cost_per_solved() -> None:
    assert run_cost_per_solved(12.0, 40) == approx(0.3)
    assert run_cost_per_solved(5.0, 0) is None
    m = estimate(W, PRICE, PROFILE, 80.0, observed_cost_per_solved=0.3)
    assert m.observed_cost_per_solved == 0.3
    assert m.to_dict()["observed_cost_per_solved"] == 0.3


FLAG_KEYS = ["speed_known", "context_known", "tier_used"]


def test_to_dict_keys(metric_keys: list[str]) -> None:
    d = estimate(W, PRICE, PROFILE, 80.0).to_dict()
    assert list(d) == metric_keys + FLAG_KEYS
    d = estimate(W, PRICE, PROFILE, 80.0, observed_cost_per_solved=1.0).to_dict()
    assert list(d) == metric_keys + ["observed_cost_per_solved"] + FLAG_KEYS


def test_estimate_with_p_is_unclamped_and_checked() -> None:
    assert estimate_with_p(W, PRICE, PROFILE, 1.0).cost_per_success == approx(0.0135)
    with pytest.raises(ValueError):
        estimate_with_p(W, PRICE, PROFILE, 0.0)


def test_validation() -> None:
    with pytest.raises(ValueError):
        replace(W, max_attempts=0)
    with pytest.raises(ValueError):
        replace(W, cached_share=1.5)
    with pytest.raises(ValueError):
        replace(W, observed_success=-0.1)
    with pytest.raises(ValueError):
        Price(input=-1.0, output=1.0)
    with pytest.raises(ValueError):
        Profile(output_tps=0.0)
    assert W.label == "chat"
    assert replace(W, label="Support chat").label == "Support chat"
    assert Workload(**{**W.__dict__, "benchmarks": ["x", "y"]}).benchmarks == ("x", "y")


# --- properties ----------------------------------------------------------------------------

prob = st.floats(min_value=0.01, max_value=0.99)
tokens = st.floats(min_value=0, max_value=200_000)
unit = st.floats(min_value=0, max_value=100)

workloads = st.builds(
    Workload,
    name=st.just("w"),
    prompt_tokens=tokens,
    output_tokens=tokens,
    cached_share=st.floats(min_value=0, max_value=1),
    requests_per_day=st.floats(min_value=0, max_value=1e6),
    latency_target_s=st.floats(min_value=0, max_value=120),
    max_attempts=st.integers(min_value=1, max_value=10),
    benchmarks=st.just(("bench",)),
    quality_bar=st.floats(min_value=0, max_value=1),
    value_per_success_usd=st.floats(min_value=0, max_value=10),
)
prices = st.builds(
    Price,
    input=unit,
    output=unit,
    cached_input=st.none() | unit,
    reasoning=st.none() | unit,
    request=st.floats(min_value=0, max_value=0.1),
    tier_threshold_tokens=st.none() | st.integers(min_value=0, max_value=200_000),
    input_above=st.none() | unit,
    output_above=st.none() | unit,
)
profiles = st.builds(
    Profile,
    verbosity=st.floats(min_value=0, max_value=5),
    reasoning_tokens=tokens,
    ttft_s=st.none() | st.floats(min_value=0, max_value=10),
    output_tps=st.none() | st.floats(min_value=1, max_value=1000),
    context_window=st.none() | st.integers(min_value=1, max_value=2_000_000),
)


@settings(deadline=None)
@given(workloads, prices, profiles, prob)
def test_cost_per_success_is_c_over_p_for_every_k(
    w: Workload, price: Price, profile: Profile, p: float
) -> None:
    c, _ = cost_per_attempt(w, price, profile)
    for k in range(1, 11):
        m = estimate_with_p(replace(w, max_attempts=k), price, profile, p)
        assert m.cost_per_success == c / p
        # the bill per request over the success share per request gives the same figure
        assert math.isclose(m.cost_per_request / m.p_ok, c / p, rel_tol=1e-9, abs_tol=1e-15)


@settings(deadline=None)
@given(workloads, prices, profiles, prob)
def test_p_ok_grows_with_attempts(w: Workload, price: Price, profile: Profile, p: float) -> None:
    previous: Metrics | None = None
    for k in range(1, 11):
        m = estimate_with_p(replace(w, max_attempts=k), price, profile, p)
        assert 0.0 < m.p_ok <= 1.0 and 1.0 <= m.expected_attempts <= k
        # the section-2 formulas as written
        assert math.isclose(m.p_ok, 1 - (1 - p) ** k, rel_tol=1e-12)
        assert math.isclose(m.expected_attempts, (1 - (1 - p) ** k) / p, rel_tol=1e-9)
        if previous is not None:
            assert m.p_ok >= previous.p_ok
            if (1 - p) ** (k - 1) * p > 1e-15:  # the step is representable in floats
                assert m.p_ok > previous.p_ok
        previous = m


@settings(deadline=None)
@given(st.floats(min_value=0.1, max_value=100), prob, st.integers(min_value=1, max_value=12))
def test_latency_j_is_the_smallest_reaching_95(lat: float, p: float, k: int) -> None:
    j = calls_at_p95([p] * k)
    assert 1 <= j <= k
    assert latency_p95(lat, p, k) == j * lat

    def cdf(n: int) -> float:  # P(J <= n) for n < k
        return 1 - (1 - p) ** n

    if j < k:
        assert cdf(j) >= 0.95 - 1e-12
    if j > 1:
        assert cdf(j - 1) < 0.95


@settings(deadline=None)
@given(workloads, prices, profiles, prob)
def test_viable_matches_its_definition(
    w: Workload, price: Price, profile: Profile, p: float
) -> None:
    m = estimate_with_p(w, price, profile, p)
    expected = (
        m.p_ok >= w.quality_bar
        and m.fits_latency
        and m.fits_context
        and m.net_value_per_request >= 0
    )
    assert m.viable == expected
    assert m.daily_bill == w.requests_per_day * m.cost_per_request
