"""The day's estimates matrix as columns gives, cell for cell, what one `Side` at a time gives."""

from __future__ import annotations

import math
import random
from dataclasses import replace
from datetime import date, timedelta

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from signals.compare import Score
from signals.costmodel import Price, Profile, Workload
from signals.daily import Incumbents, _estimates, estimates_on
from signals.facts import FactSet, Judgement, PriceFact, RunCostFact, ScoreFact
from signals.grid import day_inputs, day_matrix, workload_column
from signals.matrix import expected_attempts

DAY = date(2025, 8, 8)
BENCHES = ("b1", "b2", "b3")
BASE = Workload(
    name="w",
    prompt_tokens=2000,
    output_tokens=300,
    cached_share=0.2,
    requests_per_day=10000,
    latency_target_s=20,
    max_attempts=2,
    benchmarks=("b1", "b2"),
    quality_bar=0.5,
    value_per_success_usd=0.1,
)


def _facts(seed: int, models: int) -> FactSet:
    """A market drawn from `seed`: prices (some tiered, some with a request fee), percent and
    rating scores, runs that published their tokens, house profiles, effort variants."""
    rng = random.Random(seed)
    facts = FactSet(
        judgement=Judgement(
            reasoning_tokens={"low": 500.0, "medium": 2000.0, "high": 8000.0},
            is_reasoning=lambda m: m.endswith("7"),
            ttft_s=rng.choice([None, 0.5]),
            output_tps=rng.choice([None, 80.0]),
        )
    )
    for i in range(models):
        base = f"m{i:03d}"
        tiered = rng.random() < 0.2
        price = Price(
            input=rng.uniform(0.05, 20),
            output=rng.uniform(0.1, 60),
            cached_input=rng.choice([None, rng.uniform(0.01, 1)]),
            reasoning=rng.choice([None, rng.uniform(0.1, 80)]),
            request=rng.choice([0.0, 0.001]),
            tier_threshold_tokens=1000 if tiered else None,
            input_above=rng.uniform(0.1, 30) if tiered else None,
            output_above=rng.uniform(0.1, 90) if tiered else None,
        )
        facts.add(PriceFact(base, "house", date(2025, 1, 1), price, "p"))
        variants = [base] + ([f"{base}:high", f"{base}:low"] if rng.random() < 0.3 else [])
        for model in variants:
            for bench in BENCHES:
                if rng.random() < 0.7:
                    scale = "rating" if rng.random() < 0.1 else "percent"
                    value = rng.uniform(1000, 1400) if scale == "rating" else rng.uniform(5, 95)
                    facts.add(ScoreFact(model, bench, date(2025, 2, 1), Score(value, scale), "s"))
                if rng.random() < 0.2:
                    tasks = rng.randint(50, 200)
                    facts.add(
                        RunCostFact(
                            model,
                            bench,
                            date(2025, 3, 1),
                            total_cost_usd=rng.uniform(1, 50),
                            tasks=tasks,
                            solved=rng.randint(0, tasks),
                            source_id="r",
                            prompt_tokens=rng.randint(10_000, 90_000),
                            completion_tokens=rng.randint(1_000, 90_000),
                        )
                    )
        if rng.random() < 0.2:
            facts.profiles[base] = Profile(
                verbosity=rng.uniform(0.5, 2),
                reasoning_tokens=rng.uniform(0, 3000),
                ttft_s=rng.choice([None, 0.3]),
                output_tps=rng.choice([None, 120.0]),
                context_window=rng.choice([None, 4000, 200_000]),
            )
            if rng.random() < 0.5:
                facts.token_profiles.add(base)
    return facts


def _workloads(seed: int) -> list[Workload]:
    rng = random.Random(seed + 1)
    out = []
    for j in range(12):
        benchmarks = tuple(rng.sample(BENCHES, rng.randint(1, 3)))
        out.append(
            replace(
                BASE,
                name=f"w{j}",
                max_attempts=rng.randint(1, 5),
                output_tokens=rng.uniform(20, 3000),
                cached_share=rng.uniform(0, 0.9),
                benchmarks=benchmarks,
                observed_success=rng.choice([None, None, None, 0.7]),
                reasoning_tokens=rng.choice([(), (("medium", 4000.0),)]),
                observed_cost_from=rng.choice([(), ("b2",), ("b3", "b1")]),
                a=rng.choice([0.0, 0.1]),
                b=rng.choice([1.0, 0.8]),
            )
        )
    return out


@settings(max_examples=25, deadline=None)
@given(st.integers(min_value=0, max_value=10**6))
def test_every_cell_equals_the_one_side_estimate(seed: int) -> None:
    facts, workloads = _facts(seed, 60), _workloads(seed)
    expected = {  # one Side at a time, as the matrix was computed before it had columns
        wl.name: _estimates(wl, {m: facts.side(m, DAY, wl) for m in facts.models()})
        for wl in workloads
    }
    grid = day_matrix(facts, workloads, DAY)
    for wl in workloads:
        got = grid[wl.name].to_metrics()
        assert list(got) == list(expected[wl.name]), wl.name
        for model, metrics in got.items():
            assert metrics == expected[wl.name][model], (wl.name, model)


def test_estimates_on_reads_the_grid() -> None:
    facts, workloads = _facts(3, 30), _workloads(3)
    grid = day_matrix(facts, workloads, DAY)
    assert estimates_on(facts, workloads, DAY) == {
        name: column.to_metrics() for name, column in grid.items()
    }


def test_the_grid_records_what_graded_and_how_tokens_were_read() -> None:
    facts, workloads = _facts(7, 80), _workloads(7)
    grid = day_matrix(facts, workloads, DAY)
    for wl in workloads:
        column = grid[wl.name]
        for i, model in enumerate(column.models):
            side = facts.side(model, DAY, wl)
            assert side is not None
            graded = next(
                (
                    b
                    for b in wl.benchmarks
                    if b in side.scores and side.scores[b].scale == "percent"
                ),
                None,
            )
            assert column.benchmark[i] == graded
            assert column.tokens_basis[i] == side.tokens_basis
            if graded is not None:
                assert column.score[i] == side.scores[graded].value


@given(
    st.lists(st.floats(min_value=0.01, max_value=0.99), min_size=1, max_size=50),
    st.integers(min_value=1, max_value=8),
)
def test_expected_attempts_are_the_correctly_rounded_sums(ps: list[float], k: int) -> None:
    sums: dict = {}
    for _ in range(2):  # again from what the first call kept
        got = expected_attempts(np.array(ps), k, sums)
        want = [math.fsum((1.0 - q) ** i for i in range(k)) for q in ps]
        assert got.tolist() == want


@settings(max_examples=15, deadline=None)
@given(st.integers(min_value=0, max_value=10**6))
def test_a_column_graded_by_one_benchmark_equals_the_one_side_estimate(seed: int) -> None:
    facts, workloads = _facts(seed, 50), _workloads(seed)
    inputs = day_inputs(facts, DAY, workloads)
    reasoning = dict(facts.judgement.reasoning_tokens)
    for wl in workloads:
        for bench in wl.benchmarks:
            sides = {m: facts.side(m, DAY, wl) for m in facts.models()}
            scored = {
                m: s
                for m, s in sides.items()
                if s is not None and bench in s.scores and s.scores[bench].scale == "percent"
            }
            expected = _estimates(wl, scored, bench)
            column = workload_column(inputs, wl, reasoning, benchmark=bench)
            assert set(column.benchmark) <= {bench}
            assert column.to_metrics() == expected, (wl.name, bench)


def _ranked_one_side_at_a_time(facts: FactSet, wl: Workload, bench: str, cutoff: date) -> list:
    """Section 7.4's ranking as it was written before the matrix: one Side per model."""
    before = DAY - timedelta(days=1)
    eligible = {}
    for model in facts.models():
        first = facts.first_known(model)
        if first is None or first > cutoff or not facts.is_generally_available(model):
            continue
        side = facts.side(model, before, wl)
        if side is not None and bench in side.scores and side.scores[bench].scale == "percent":
            eligible[model] = side
    metrics = _estimates(wl, eligible, bench)
    return sorted(
        metrics,
        key=lambda m: (
            not metrics[m].viable,
            metrics[m].cost_per_success if metrics[m].viable else -metrics[m].p_ok,
            m,
        ),
    )


@settings(max_examples=15, deadline=None)
@given(st.integers(min_value=0, max_value=10**6), st.sampled_from([1, 60, 200]))
def test_incumbents_rank_as_one_side_at_a_time(seed: int, age: int) -> None:
    facts, workloads = _facts(seed, 60), _workloads(seed)
    # some late arrivals and previews, so the age rule and availability both bite
    rng = random.Random(seed)
    for i in rng.sample(range(60), 10):
        facts.add(PriceFact(f"m{i:03d}-preview", "house", date(2025, 1, 1), Price(1, 2), "p"))
        facts.add(ScoreFact(f"m{i:03d}-preview", "b1", date(2025, 2, 1), Score(99, "percent"), "s"))
        facts.add(ScoreFact(f"late{i}", "b1", date(2025, 7, 1), Score(50, "percent"), "s"))
        facts.add(PriceFact(f"late{i}", "house", date(2025, 7, 1), Price(0.1, 0.2), "p"))
    window_start = DAY - timedelta(days=7)
    incumbents = Incumbents(facts, DAY, window_start, age, workloads)
    cutoff = window_start - timedelta(days=age)
    for wl in workloads:
        for bench in wl.benchmarks:
            want = _ranked_one_side_at_a_time(facts, wl, bench, cutoff)
            assert incumbents.ranked(wl, bench) == want, (wl.name, bench)
    assert any(incumbents.ranked(wl, b) for wl in workloads for b in wl.benchmarks)
