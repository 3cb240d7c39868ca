"""Modelled against observed (signal-model.md section 7.9): the bill the cost model predicts for
a benchmark run beside the bill the run itself published."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from signals.compare import Score, estimate_side
from signals.costmodel import Workload, run_cost_per_solved
from signals.facts import FactSet, RunCostFact
from signals.identity import price_model


@dataclass(frozen=True)
class RunCheck:
    """One published run: its observed cost per solved task and the modelled one."""

    model: str
    benchmark: str
    as_of: date
    observed: float
    modelled: float | None  # None: the model had no price known on the run's day
    tokens_basis: str | None = None
    priced_later: date | None = None  # no price was known on the run's day: priced as on this

    @property
    def ratio(self) -> float | None:
        return None if self.modelled is None else self.modelled / self.observed

    @property
    def within_2x(self) -> bool:
        return self.ratio is not None and 0.5 <= self.ratio <= 2.0


def check_runs(facts: FactSet, workload: Workload, benchmark: str) -> list[RunCheck]:
    """Every run on `benchmark` that published its cost, priced on `workload` as of the run's
    day with the run's own grade (solved / tasks) and the tokens known then."""
    out = []
    for _, runs in sorted(facts.run_costs.items()):
        for run in sorted(runs, key=lambda r: r.as_of):
            if run.benchmark != benchmark:
                continue
            observed = run_cost_per_solved(run.total_cost_usd, run.solved)
            if observed is None:
                continue
            out.append(_check(facts, workload, run, observed))
    return out


def _first_priced(facts: FactSet, model: str, day: date) -> date | None:
    """The first day after `day` on which `model` has a price known."""
    days = sorted(
        {
            f.known_from or f.valid_from
            for name in (model, price_model(model))
            for f in facts.prices.get(name, ())
            if (f.known_from or f.valid_from) > day
        }
    )
    return next((d for d in days if facts.price_on(model, d) is not None), None)


def _check(facts: FactSet, workload: Workload, run: RunCostFact, observed: float) -> RunCheck:
    """The run priced as on its day, or, when no price was known yet, at the first price known
    after it (the check is of the cost model, not of the calendar)."""
    day = max(run.as_of, run.known_from or run.as_of)
    only = replace(workload, benchmarks=(run.benchmark,))
    side = facts.side(run.model, day, only)
    priced_later = None
    if side is None and (later := _first_priced(facts, run.model, day)) is not None:
        side = facts.side(run.model, day, only, price_day=later)
        priced_later = later
    if side is None:
        return RunCheck(run.model, run.benchmark, run.as_of, observed, None)
    graded = replace(side, scores={run.benchmark: Score(100.0 * run.solved / run.tasks)})
    metrics = estimate_side(only, graded)
    tokens = facts.tokens(run.model, only, day)
    return RunCheck(
        run.model,
        run.benchmark,
        run.as_of,
        observed,
        metrics.cost_per_success if metrics else None,
        tokens.basis,
        priced_later,
    )


def share_within_2x(checks: list[RunCheck]) -> tuple[int, int, int]:
    """(within 2x, priced, all) over the runs."""
    priced = [c for c in checks if c.modelled is not None]
    return sum(c.within_2x for c in priced), len(priced), len(checks)
