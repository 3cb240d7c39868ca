"""The estimates matrix (NumPy columns) gives, cell by cell, the very doubles the one-model cost
model gives: the day's estimates do not depend on how they were computed."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from signals.costmodel import Price, Profile, Workload, estimate_with_p
from signals.matrix import estimate_many

money = st.floats(min_value=0.0, max_value=200.0, allow_nan=False)
maybe_money = st.none() | money
prices = st.builds(
    Price,
    input=money,
    output=money,
    cached_input=maybe_money,
    reasoning=maybe_money,
    request=st.floats(min_value=0.0, max_value=0.05),
    tier_threshold_tokens=st.none() | st.integers(1, 400_000),
    input_above=maybe_money,
    output_above=maybe_money,
)
profiles = st.builds(
    Profile,
    verbosity=st.floats(min_value=0.05, max_value=20.0),
    reasoning_tokens=st.floats(min_value=0.0, max_value=60_000.0),
    ttft_s=st.none() | st.floats(min_value=0.0, max_value=30.0),
    output_tps=st.none() | st.floats(min_value=1.0, max_value=500.0),
    context_window=st.none() | st.integers(1_000, 2_000_000),
)
workloads = st.builds(
    Workload,
    name=st.just("w"),
    prompt_tokens=st.floats(min_value=0.0, max_value=300_000.0),
    output_tokens=st.floats(min_value=0.0, max_value=20_000.0),
    cached_share=st.floats(min_value=0.0, max_value=1.0),
    requests_per_day=st.floats(min_value=0.0, max_value=1e7),
    latency_target_s=st.floats(min_value=0.1, max_value=600.0),
    max_attempts=st.integers(1, 6),
    benchmarks=st.just(("b",)),
    quality_bar=st.floats(min_value=0.0, max_value=1.0),
    value_per_success_usd=st.floats(min_value=0.0, max_value=100.0),
)
cell = st.tuples(prices, profiles, st.floats(min_value=0.01, max_value=1.0), st.none() | money)


@settings(max_examples=300, deadline=None)
@given(workloads, st.lists(cell, min_size=1, max_size=12))
def test_each_cell_is_the_one_model_estimate_to_the_last_bit(wl, cells) -> None:
    many = estimate_many(
        wl,
        [c[0] for c in cells],
        [c[1] for c in cells],
        [c[2] for c in cells],
        [c[3] for c in cells],
    )
    for (price, profile, p, seen), got in zip(cells, many, strict=True):
        want = estimate_with_p(wl, price, profile, p, seen)
        assert got == want, [
            (k, got.to_dict()[k], v) for k, v in want.to_dict().items() if got.to_dict()[k] != v
        ]


def test_no_model_gives_no_rows() -> None:
    wl = Workload("w", 1000, 100, 0.0, 10, 5.0, 2, ("b",), 0.5, 1.0)
    assert estimate_many(wl, [], [], [], []) == []
