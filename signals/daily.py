"""The day's news, judged (signal-model.md section 7): what happened in the edition's window,
each release, repricing or newly published score compared with what a buyer runs today.

Plain functions over an in-memory `FactSet`; every lookup goes through the two clocks, so a fact
published after a day never changes that day's numbers.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cached_property

import numpy as np

from signals.compare import (
    PERCENT,
    Comparison,
    Side,
    compare,
    estimate_side,
    percent_score,
    side_probability,
)
from signals.costmodel import Metrics, Workload
from signals.facts import (
    UNDATED,
    FactSet,
    PriceFact,
    PriceQuote,
    RunCostFact,
    ScoreFact,
    effort_of,
)
from signals.grid import DayInputs, WorkloadColumn, day_inputs, day_matrix, workload_column
from signals.identity import price_model
from signals.matrix import Sums, estimate_many
from signals.vocabulary import NO_SIGNAL, STRENGTHS

__all__ = [
    "UNDATED",
    "DaySignals",
    "FactSet",
    "Item",
    "Pending",
    "PriceFact",
    "RunCostFact",
    "ScoreFact",
    "day_signals",
    "estimates_on",
    "news_in_window",
]

RELEASE, REPRICING, SCORE = "release", "repricing", "score"
STRENGTH_ORDER = {s: i for i, s in enumerate(STRENGTHS)}  # strongest first


def estimates_on(
    facts: FactSet, workloads: Iterable[Workload], day: date
) -> dict[str, dict[str, Metrics]]:
    """workload -> model -> metrics, for every model that can be priced and graded on `day`
    (each on the first benchmark of the workload's list it has)."""
    return {name: column.to_metrics() for name, column in day_matrix(facts, workloads, day).items()}


def _estimates(
    wl: Workload, sides: Mapping[str, Side | None], benchmark: str | None = None
) -> dict[str, Metrics]:
    """The metrics of every side that can be graded (on `benchmark` when given and scored), as
    one computation over all of them (signals.matrix)."""
    graded: dict[str, tuple[Side, float]] = {}
    for model, side in sides.items():
        p = side_probability(wl, side, benchmark) if side is not None else None
        if side is not None and p is not None:
            graded[model] = (side, p)
    metrics = estimate_many(
        wl,
        [s.price for s, _ in graded.values()],
        [s.profile for s, _ in graded.values()],
        [p for _, p in graded.values()],
        [s.observed_cost_per_solved for s, _ in graded.values()],
    )
    return dict(zip(graded, metrics, strict=True))


@dataclass(frozen=True)
class News:
    """What happened to one model in the window."""

    releases: list[str]  # models first known in the window
    scores: list[str]  # older models with a score published in the window
    repricings: dict[str, tuple[PriceQuote, PriceQuote]]  # price model -> (before, now)


def _same_price(a: PriceQuote, b: PriceQuote) -> bool:
    """The same unit prices for input and output (a cached-input price that only one of two
    sources lists is not a repricing)."""
    return math.isclose(a.price.input, b.price.input, rel_tol=1e-3) and math.isclose(
        a.price.output, b.price.output, rel_tol=1e-3
    )


def news_in_window(
    facts: FactSet, start: date, end: date, benchmarks: Collection[str] | None = None
) -> News:
    """Releases (first known in (start, end]), newly published scores of older models, and
    repricings (the price in force changed between `start` and `end`).

    A newly published score counts only when it can grade a workload: a success rate (percent)
    on one of `benchmarks` (every benchmark when None). A rating, or a score on a benchmark no
    workload uses, changes no bill, so judging the model again would repeat its old comparison
    under a "newly published score" headline."""
    releases, scores = [], []
    for model in facts.models():
        first = facts.first_known(model)
        if first is not None and start < first <= end:
            releases.append(model)
        elif any(
            start < f.published <= end
            and f.score.scale == PERCENT
            and (benchmarks is None or f.benchmark in benchmarks)
            for f in facts.scores.get(model, ())
        ):
            scores.append(model)
    repricings: dict[str, tuple[PriceQuote, PriceQuote]] = {}
    for base in sorted({price_model(m) for m in facts.models()}):
        before, now = facts.price_on(base, start), facts.price_on(base, end)
        if (
            before is not None
            and now is not None
            and not _same_price(before, now)
            and not before.claimed
            and not now.claimed
        ):
            repricings[base] = (before, now)
    return News(releases, scores, repricings)


@dataclass(frozen=True)
class Pending:
    """A model in the news with no comparable bill yet, and what is missing."""

    model: str
    claims: tuple[ScoreFact, ...]
    missing: tuple[str, ...]


@dataclass
class Item:
    """One news item: a model (its variants together) and its lines, the lead first."""

    kind: str  # release | repricing | score
    model: str  # the price model (variants share it)
    lines: list[Comparison]

    @property
    def lead(self) -> Comparison:
        return self.lines[0]


@dataclass
class DaySignals:
    day: date
    window_start: date
    candidates: list[str]
    comparisons: list[Comparison]
    pending: list[Pending]
    items: list[Item] = field(default_factory=list)
    # the day's estimates as columns, with the benchmark and score that graded each cell
    matrix: dict[str, WorkloadColumn] = field(default_factory=dict)

    @cached_property
    def estimates(self) -> dict[str, dict[str, Metrics]]:
        """workload -> model -> metrics, read from the matrix when first asked (a backfill
        saves the columns and never needs them one by one)."""
        return {name: column.to_metrics() for name, column in self.matrix.items()}


class Incumbents:
    """Section 7.4: per workload and benchmark, the models eligible as incumbent on a day,
    ranked (viable by cost per success, else by chance of success), from the estimates matrix
    of the day before restricted to the eligible models."""

    def __init__(
        self,
        facts: FactSet,
        day: date,
        window_start: date,
        min_age_days: int,
        workloads: Iterable[Workload],
    ):
        self.facts = facts
        self.before = day - timedelta(days=1)
        self.cutoff = window_start - timedelta(days=min_age_days)
        self._workloads = list(workloads)
        self._inputs: DayInputs | None = None
        self._sums: Sums = {}
        self._ranked: dict[tuple[str, str], list[str]] = {}

    def _eligible(self, model: str) -> bool:
        """Known for `min_age_days` before the window opened, and generally available."""
        first = self.facts.first_known(model)
        return (
            first is not None and first <= self.cutoff and self.facts.is_generally_available(model)
        )

    def ranked(self, wl: Workload, bench: str) -> list[str]:
        key = (wl.name, bench)
        if key not in self._ranked:
            if self._inputs is None:
                self._inputs = day_inputs(self.facts, self.before, self._workloads, self._eligible)
            reasoning = dict(self.facts.judgement.reasoning_tokens)
            column = workload_column(self._inputs, wl, reasoning, self._sums, benchmark=bench)
            m = column.metrics
            viable = m["viable"].astype(bool)
            # pick_incumbent's order: viable by cost per success, then by chance of success;
            # the sort is stable and the models come by name, so ties go by name
            order = np.lexsort((np.where(viable, m["cost_per_success"], -m["p_ok"]), ~viable))
            self._ranked[key] = column.models[order].tolist()
        return self._ranked[key]

    def pick(self, wl: Workload, bench: str, candidate: str) -> str | None:
        """The incumbent for `candidate`: never one of its own variants."""
        base = price_model(candidate)
        return next((m for m in self.ranked(wl, bench) if price_model(m) != base), None)


def _predecessor(
    facts: FactSet, lineage: Mapping[str, str], model: str, wl: Workload, cand: Side, day: date
) -> Side | None:
    """The candidate's predecessor (lineage file), same effort setting where graded so, on a
    benchmark both have."""
    pred = lineage.get(price_model(model))
    if pred is None:
        return None
    effort = effort_of(model)
    names = [f"{pred}:{effort}"] if effort else []
    names += [pred] + sorted(m for m in facts.models() if price_model(m) == pred)
    for name in dict.fromkeys(names):
        side = facts.side(name, day, wl)
        if side is None:
            continue
        if any(percent_score(cand, b) and percent_score(side, b) for b in wl.benchmarks):
            return side
    return None


def day_signals(
    facts: FactSet,
    workloads: Mapping[str, Workload],
    day: date,
    window_start: date,
    capabilities: Mapping[str, str],
    noise_floors: Mapping[str, float],
    claims_cheaper: Mapping[str, bool] | None = None,
    lineage: Mapping[str, str] | None = None,
    min_age_days: int = 14,
) -> DaySignals:
    """Judge the news of (window_start, day]: releases and newly published scores against each
    workload's incumbent on a shared benchmark (and the predecessor), repricings against the
    model at its old price. Every comparison is returned; the items hold the comparable ones
    that carry a signal."""
    wls = list(workloads.values())
    claims_cheaper = claims_cheaper or {}
    lineage = lineage or {}
    news = news_in_window(facts, window_start, day, {b for wl in wls for b in wl.benchmarks})
    incumbents = Incumbents(facts, day, window_start, min_age_days, wls)
    comparisons: list[Comparison] = []
    by_item: dict[tuple[str, str], list[Comparison]] = defaultdict(list)
    pending: dict[str, Pending] = {}

    def record(
        item: tuple[str, str],
        wl: Workload,
        cand: Side,
        base: Side,
        role: str,
        cheaper: bool = False,
    ) -> None:
        """Compare and keep the comparison, under its item."""
        c = compare(
            wl,
            cand,
            base,
            day,
            capabilities,
            noise_floors,
            claims_cheaper=cheaper,
            baseline_role=role,
            strict=True,
        )
        comparisons.append(c)
        by_item[item].append(c)

    def judge(model: str, kind: str) -> None:
        missing: set[str] = set()
        judged = False
        for wl in wls:
            cand = facts.side(model, day, wl)
            if cand is None:
                missing.add("no price published")
                continue
            graded = [b for b in wl.benchmarks if percent_score(cand, b)]
            if not graded:
                continue
            judged = True
            for bench in graded:
                inc = incumbents.pick(wl, bench, model)
                if inc is None:
                    missing.add(f"no incumbent graded on {bench} yet")
                    continue
                base = facts.side(inc, day, wl)
                if base is None:
                    continue
                item, cheaper = (kind, price_model(model)), bool(claims_cheaper.get(model))
                record(item, wl, cand, base, "incumbent", cheaper)
                pred = _predecessor(facts, lineage, model, wl, cand, day)
                if pred is not None:
                    record(item, wl, cand, pred, "predecessor", cheaper)
                break
        if not any(c.comparable for c in by_item.get((kind, price_model(model)), ())):
            scores = facts.scores_on(model, day)
            if not judged:
                wanted = {b for wl in wls for b in wl.benchmarks}
                percent = {b for b, f in scores.items() if f.score.scale == PERCENT}
                if not percent & wanted:
                    missing.add(
                        "only arena ratings, which rank models but are not success rates"
                        if scores and not percent
                        else "no score on a benchmark any reference workload uses"
                    )
            claims = tuple(sorted(scores.values(), key=lambda f: (f.benchmark, f.as_of)))
            if claims and any(window_start < f.published <= day for f in claims):
                pending[model] = Pending(
                    model, claims, tuple(sorted(missing)) or ("no comparable grade yet",)
                )

    for model in news.releases:
        judge(model, RELEASE)
    for model in news.scores:
        judge(model, SCORE)
    for base in news.repricings:
        for model in (m for m in facts.models() if price_model(m) == base):
            for wl in wls:
                new = facts.side(model, day, wl)
                old = facts.side(model, day, wl, price_day=window_start)
                if new is None or old is None or estimate_side(wl, new) is None:
                    continue
                record((REPRICING, base), wl, new, old, "previous_price")

    items = _items(by_item)
    # a model with an item is no longer pending under another of its variants
    with_item = {i.model for i in items}
    # one pending line per model (its variants share it), the first variant's
    first: dict[str, Pending] = {}
    for m, p in sorted(pending.items()):
        if price_model(m) not in with_item:
            first.setdefault(price_model(m), p)
    pend = list(first.values())
    candidates = sorted({*news.releases, *news.scores})
    matrix = day_matrix(facts, wls, day)
    return DaySignals(day, window_start, candidates, comparisons, pend, items, matrix)


def rank_key(c: Comparison) -> tuple[int, float, str, str]:
    """Stronger first, then the larger change in daily bill, then names for stability."""
    bill = c.candidate_metrics.daily_bill - c.baseline_metrics.daily_bill
    return (
        STRENGTH_ORDER[c.strength],
        -abs(bill) if math.isfinite(bill) else 0.0,
        c.candidate,
        c.workload,
    )


def _best_per_workload(lines: list[Comparison]) -> list[Comparison]:
    """Variants of one model: per workload, the best variant's comparisons (the viable one with
    the lowest cost per success, else the likeliest to succeed), incumbent first."""
    by_wl: dict[str, list[Comparison]] = defaultdict(list)
    for c in lines:
        by_wl[c.workload].append(c)
    out = []
    for group in by_wl.values():

        def quality(c: Comparison) -> tuple[bool, float, str]:
            m = c.candidate_metrics
            return (not m.viable, m.cost_per_success if m.viable else -m.p_ok, c.candidate)

        best = min(group, key=quality).candidate
        out += sorted(
            (c for c in group if c.candidate == best),
            key=lambda c: c.baseline_role != "incumbent" and c.baseline_role != "previous_price",
        )
    return out


def _items(by_item: Mapping[tuple[str, str], list[Comparison]]) -> list[Item]:
    """One item per model and kind with a comparable signal, lines ranked, items ranked by their
    lead line (a release's and a repricing's lead is against the incumbent or old price)."""
    items: list[Item] = []
    taken: set[str] = set()
    for kind in (REPRICING, RELEASE, SCORE):
        for (k, model), lines in sorted(by_item.items()):
            if k != kind or model in taken:
                continue
            best = [c for c in _best_per_workload(lines) if c.comparable]
            main = [c for c in best if c.baseline_role in ("incumbent", "previous_price")]
            if not any(c.verdict != NO_SIGNAL for c in main):
                continue
            main.sort(key=rank_key)
            # the lead always; other lines only where they carry a signal (all are stored)
            lines = main[:1] + [
                c for c in main[1:] + [c for c in best if c not in main] if c.verdict != NO_SIGNAL
            ]
            items.append(Item(kind, model, lines))
            taken.add(model)
    return sorted(items, key=lambda i: rank_key(i.lead))
