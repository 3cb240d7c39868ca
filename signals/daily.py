"""The day's signals: what changed since the last edition, judged against each workload's incumbent.

Plain functions over an in-memory `FactSet`; every lookup goes through the as-of rule, so a fact
dated after a day never changes that day's numbers.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta

from signals.asof import latest_as_of
from signals.compare import Comparison, Score, Side, compare, estimate_side, pick_incumbent
from signals.costmodel import Metrics, Price, Profile, Workload, run_cost_per_solved
from signals.identity import price_model, resolve


@dataclass(frozen=True)
class PriceFact:
    model: str
    provider: str
    effective_from: date
    price: Price
    source_id: str
    evidence_url: str | None = None
    effective_to: date | None = None  # the source says the price ended (exclusive)
    claimed: bool = False             # read from release text, not from a price table


@dataclass(frozen=True)
class ScoreFact:
    model: str
    benchmark: str
    as_of: date
    score: Score
    source_id: str
    evidence_url: str | None = None
    claimed: bool = False             # read from release text, not from a leaderboard


@dataclass(frozen=True)
class RunCostFact:
    model: str
    benchmark: str
    as_of: date
    total_cost_usd: float
    tasks: int
    solved: int
    source_id: str


@dataclass
class FactSet:
    """Every stored fact the signals need, indexed by model."""

    prices: dict[str, list[PriceFact]] = field(default_factory=lambda: defaultdict(list))
    scores: dict[str, list[ScoreFact]] = field(default_factory=lambda: defaultdict(list))
    run_costs: dict[str, list[RunCostFact]] = field(default_factory=lambda: defaultdict(list))
    profiles: dict[str, Profile] = field(default_factory=dict)
    claims: dict[type, dict[str, list]] = field(default_factory=lambda: {
        PriceFact: defaultdict(list), ScoreFact: defaultdict(list)})

    def add(self, fact: PriceFact | ScoreFact | RunCostFact) -> None:
        target = {PriceFact: self.prices, ScoreFact: self.scores, RunCostFact: self.run_costs}
        target[type(fact)][fact.model].append(fact)

    def add_claim(self, fact: PriceFact | ScoreFact) -> None:
        """A fact read from release text: used only where no table has the number."""
        if isinstance(fact, ScoreFact):
            self.scores.setdefault(fact.model, [])  # a claimed score makes the model judgeable
        self.claims[type(fact)][fact.model].append(fact)

    def models(self) -> list[str]:
        """Models with at least one score: the only ones a workload can judge."""
        return sorted(self.scores)

    def price_on(self, model: str, day: date) -> PriceFact | None:
        """The price in force on `day`, from one provider per model (the model's own provider,
        else the alphabetically first), so a new reseller never reads as a price change."""
        facts = self.prices.get(price_model(model)) or self.prices.get(model) or []
        if facts:
            providers = {f.provider for f in facts}
            own = resolve(price_model(model))
            provider = own.provider if own and own.provider in providers else min(providers)
            fact = latest_as_of((f for f in facts if f.provider == provider), day,
                                lambda f: f.effective_from)
            if fact is not None:
                return None if fact.effective_to and fact.effective_to <= day else fact
        claimed = self.claims[PriceFact].get(model) or self.claims[PriceFact].get(
            price_model(model), [])
        return latest_as_of(claimed, day, lambda f: f.effective_from)

    def scores_on(self, model: str, day: date) -> dict[str, ScoreFact]:
        """Per benchmark, the latest score known on `day`: from a table, else a claimed one."""
        out: dict[str, ScoreFact] = {}
        for facts in (self.scores.get(model, []), self.claims[ScoreFact].get(model, [])):
            by_bench: dict[str, list[ScoreFact]] = defaultdict(list)
            for f in facts:
                by_bench[f.benchmark].append(f)
            for bench, group in by_bench.items():
                fact = latest_as_of(group, day, lambda f: f.as_of)
                if fact is not None and bench not in out:
                    out[bench] = fact
        return out

    def profile(self, model: str) -> Profile:
        return self.profiles.get(model) or self.profiles.get(price_model(model)) or Profile()

    def observed_cost(self, model: str, benchmark: str | None, day: date) -> float | None:
        if benchmark is None:
            return None
        facts = [f for f in self.run_costs.get(model, []) if f.benchmark == benchmark]
        fact = latest_as_of(facts, day, lambda f: f.as_of)
        return run_cost_per_solved(fact.total_cost_usd, fact.solved) if fact else None

    def side(self, model: str, day: date, workload: Workload | None = None) -> Side | None:
        """The model as known on `day`; None when it has no price in force."""
        price = self.price_on(model, day)
        if price is None:
            return None
        scores = self.scores_on(model, day)
        side = Side(model=model, price=price.price, profile=self.profile(model),
                    scores={b: f.score for b, f in scores.items()})
        if workload is not None:
            bench = next((b for b in workload.benchmarks
                          if b in scores and scores[b].score.scale == "percent"), None)
            observed = self.observed_cost(model, bench, day)
            if observed is not None:
                side = Side(side.model, side.price, side.profile, side.scores, observed)
        return side


def estimates_on(facts: FactSet, workloads: Iterable[Workload],
                 day: date) -> dict[str, dict[str, Metrics]]:
    """workload -> model -> metrics, for every model that can be priced and graded on `day`."""
    out: dict[str, dict[str, Metrics]] = {}
    for wl in workloads:
        per_model: dict[str, Metrics] = {}
        for model in facts.models():
            side = facts.side(model, day, wl)
            metrics = estimate_side(wl, side) if side else None
            if metrics is not None:
                per_model[model] = metrics
        out[wl.name] = per_model
    return out


def changed_models(facts: FactSet, start: date, end: date) -> list[str]:
    """Models with a score (published or claimed), run cost or price dated in (start, end]:
    the day's candidates."""
    def in_window(d: date) -> bool:
        return start < d <= end

    changed = {m for m, fs in facts.scores.items() if any(in_window(f.as_of) for f in fs)}
    changed |= {m for m, fs in facts.claims[ScoreFact].items()
                if any(in_window(f.as_of) for f in fs)}
    changed |= {m for m, fs in facts.run_costs.items() if any(in_window(f.as_of) for f in fs)}
    repriced = {m for m, fs in facts.prices.items() if any(in_window(f.effective_from) for f in fs)}
    changed |= {m for m in facts.scores if price_model(m) in repriced or m in repriced}
    return sorted(changed)


@dataclass(frozen=True)
class Pending:
    """A candidate with a grade but no bill: its claims and what is missing."""

    model: str
    claims: tuple[ScoreFact, ...]
    missing: tuple[str, ...]


@dataclass
class DaySignals:
    day: date
    window_start: date
    candidates: list[str]
    comparisons: list[Comparison]
    pending: list[Pending]
    estimates: dict[str, dict[str, Metrics]]


def _missing(facts: FactSet, model: str, day: date, workloads: list[Workload]) -> tuple[str, ...]:
    why = []
    if facts.price_on(model, day) is None:
        why.append("no price published")
    scores = facts.scores_on(model, day)
    wanted = {b for wl in workloads for b in wl.benchmarks}
    percent = {b for b, f in scores.items() if f.score.scale == "percent"}
    if not percent & wanted:
        if scores and not percent:
            why.append("only arena ratings, which rank models but are not success rates")
        else:
            why.append("no score on a benchmark any reference workload uses")
    return tuple(why) or ("no workload could be estimated",)


def day_signals(facts: FactSet, workloads: Mapping[str, Workload], day: date, window_start: date,
                capabilities: Mapping[str, str], noise_floors: Mapping[str, float],
                claims_cheaper: Mapping[str, bool] | None = None) -> DaySignals:
    """Compare every candidate changed in (window_start, day] against the workload's incumbent.

    The incumbent is picked among the other models as of the day before (signal-model.md
    section 3); both sides are then priced and graded as of `day`.
    """
    wls = list(workloads.values())
    today = estimates_on(facts, wls, day)
    candidates = changed_models(facts, window_start, day)
    comparisons: list[Comparison] = []
    pending: list[Pending] = []
    before = estimates_on(facts, wls, day - timedelta(days=1))
    for model in candidates:
        judged = False
        for wl in wls:
            if model not in today[wl.name]:
                continue
            judged = True
            others = {m: v for m, v in before[wl.name].items() if m != model}
            incumbent = pick_incumbent(wl, others)
            if incumbent is None:
                continue
            cand = facts.side(model, day, wl)
            base = facts.side(incumbent, day, wl)
            if cand is None or base is None or estimate_side(wl, base) is None:
                continue
            comparisons.append(compare(
                wl, cand, base, day, capabilities, noise_floors,
                claims_cheaper=bool((claims_cheaper or {}).get(model, False)),
            ))
        if not judged:
            claims = tuple(sorted(facts.scores_on(model, day).values(),
                                  key=lambda f: (f.benchmark, f.as_of)))
            if any(window_start < f.as_of <= day for f in claims):
                pending.append(Pending(model, claims, _missing(facts, model, day, wls)))
    return DaySignals(day, window_start, candidates, comparisons, pending, today)


STRENGTH_ORDER = {"strong": 0, "weak": 1, "none": 2}


def rank_key(c: Comparison) -> tuple:
    """Stronger first, then the larger move in cost per success, then names for stability."""
    return (STRENGTH_ORDER[c.strength], -abs(math.log(c.cost_ratio)) if c.cost_ratio > 0 else 0,
            c.candidate, c.workload)


def group_items(comparisons: Iterable[Comparison]) -> list[list[Comparison]]:
    """One group per release with a signal: its lines ranked, groups ranked by their lead."""
    groups: dict[str, list[Comparison]] = defaultdict(list)
    for c in comparisons:
        if c.verdict != "no_signal":
            groups[c.candidate].append(c)
    ranked = [sorted(g, key=rank_key) for g in groups.values()]
    return sorted(ranked, key=lambda g: rank_key(g[0]))
