"""The day's estimates for every model on every workload, as NumPy columns.

What each model brings is gathered once a day (its price, profile, scores, measured token
ratios, effort class and published run costs), independent of the workload; then each workload
is one pass of array operations (`signals.matrix.estimate_arrays`). Every cell is the same
double as `signals.daily.estimates_on` gives through one `Side` at a time: the same rules, in
the same order (`FactSet.tokens`, `compare.side_probability`, `costmodel.success_probability`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

import numpy as np

from signals.compare import PERCENT
from signals.costmodel import P_MAX, P_MIN, Metrics, Workload
from signals.facts import ASSUMED, DEFAULT, MEASURED, PROFILE, FactSet
from signals.matrix import Sums, estimate_arrays, price_columns, profile_columns

BASES = (DEFAULT, PROFILE, MEASURED, ASSUMED)  # tokens_basis values, coded by index in a pass
_BASIS_NAMES = np.array(BASES, dtype=object)


@dataclass(frozen=True)
class DayInputs:
    """What every priced model brings to one day's matrix, as columns in `models` order."""

    day: date
    models: np.ndarray  # object: the model ids
    prices: dict[str, np.ndarray]
    profiles: dict[str, np.ndarray]  # with the configured speed defaults
    house: np.ndarray  # tokens from a house profile
    scores: dict[str, np.ndarray]  # benchmark -> percent score (NaN: none)
    measured: dict[str, tuple[np.ndarray, np.ndarray]]  # benchmark -> (verbosity, reasoning/out)
    effort_classes: tuple[str, ...]  # the reasoning classes the models have
    effort: np.ndarray  # index into effort_classes, -1: does not reason
    effort_cap: np.ndarray  # the class's cap in tokens (a thinking budget), inf: none
    observed: dict[str, np.ndarray]  # benchmark -> published cost per solved task (NaN)
    # `first` answers kept for the next workload with the same benchmark list
    _firsts: dict[tuple[str, ...], tuple[np.ndarray, np.ndarray]] = field(
        default_factory=dict, compare=False, repr=False
    )

    def first(self, kind: str, benchmarks: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """Per model, (index of the first of `benchmarks` with a value in column `kind`
        (score, verbosity or observed), that value); index -1 when none."""
        key = (kind, *benchmarks)
        if key not in self._firsts:
            columns = [
                self.scores[b]
                if kind == "score"
                else self.measured[b][0]
                if kind == "verbosity"
                else self.observed[b]
                for b in benchmarks
            ]
            self._firsts[key] = _first(columns, len(self.models))
        return self._firsts[key]


def day_inputs(
    facts: FactSet,
    day: date,
    workloads: Iterable[Workload],
    only: Callable[[str], bool] | None = None,
) -> DayInputs:
    """Gather, once, what the day's models (those `only` keeps) bring to the benchmarks
    `workloads` use. The models stay in `FactSet.models()` order: by name."""
    workloads = list(workloads)
    graded = sorted({b for wl in workloads for b in wl.benchmarks})
    costed = sorted({b for wl in workloads for b in wl.observed_cost_from})
    chosen = [m for m in facts.models() if only is None or only(m)]
    quotes = [(m, facts.price_on(m, day)) for m in chosen]
    priced = [(m, q.price) for m, q in quotes if q is not None]
    models = [m for m, _ in priced]
    speed = [facts.speed_profile(m)[0] for m in models]
    n = len(models)
    percent = {b: np.full(n, math.nan) for b in graded}
    ratios = {b: (np.full(n, math.nan), np.full(n, math.nan)) for b in graded}
    observed = {b: np.full(n, math.nan) for b in costed}
    ran = facts.run_costs  # only a model with runs of its own has a measured ratio or cost
    for i, model in enumerate(models):
        scores = facts.scores_on(model, day)
        for b, s in scores.items():
            if b in percent and s.score.scale == PERCENT:
                percent[b][i] = s.score.value
        if model not in ran:
            continue
        for b in graded:
            ratio = facts.measured_ratio(model, b, day)
            if ratio is not None:
                ratios[b][0][i], ratios[b][1][i] = ratio
        for b in costed:
            cost = facts.observed_cost(model, b, day)
            if cost is not None:
                observed[b][i] = cost
    efforts = [facts.effort_class(m) for m in models]
    classes = tuple(sorted({c[0] for c in efforts if c}))
    return DayInputs(
        day=day,
        models=np.array(models, dtype=object),
        prices=price_columns([price for _, price in priced]),
        profiles=profile_columns(speed),
        house=np.array([facts.has_house_tokens(m) for m in models], dtype=bool),
        scores=percent,
        measured=ratios,
        effort_classes=classes,
        effort=np.array([classes.index(c[0]) if c else -1 for c in efforts], dtype=np.int64),
        effort_cap=np.array([c[1] if c else math.inf for c in efforts], dtype=np.float64),
        observed=observed,
    )


@dataclass(frozen=True)
class WorkloadColumn:
    """One workload's estimates: the graded models and their section-2 columns."""

    workload: str
    models: np.ndarray  # object: the model ids
    benchmark: np.ndarray  # whose score gave p (object; None: the observed success share)
    score: np.ndarray  # that score (NaN with the observed share)
    tokens_basis: np.ndarray  # object
    metrics: dict[str, np.ndarray]  # named like Metrics' fields, observed_cost_per_solved too

    def to_metrics(self) -> dict[str, Metrics]:
        """model -> Metrics, as `estimates_on` gives them."""
        names = [n for n in self.metrics if n != "observed_cost_per_solved"]
        rows = zip(*(self.metrics[n].tolist() for n in names), strict=True)
        out = {}
        seen = self.metrics["observed_cost_per_solved"].tolist()
        for model, row, cost in zip(self.models, rows, seen, strict=True):
            values = dict(zip(names, row, strict=True))
            if math.isnan(values["latency_p95_s"]):
                values["latency_p95_s"] = None
            out[model] = Metrics(
                **values, observed_cost_per_solved=None if math.isnan(cost) else cost
            )
        return out


def _first(columns: Sequence[np.ndarray], n: int) -> tuple[np.ndarray, np.ndarray]:
    """(index of the first column with a value, that value) per row; index -1 when none."""
    which = np.full(n, -1)
    value = np.full(n, math.nan)
    for i, col in enumerate(columns):
        take = (which < 0) & ~np.isnan(col)
        which[take] = i
        value[take] = col[take]
    return which, value


def workload_column(
    inputs: DayInputs,
    wl: Workload,
    reasoning: dict[str, float],
    sums: Sums | None = None,
    benchmark: str | None = None,
) -> WorkloadColumn:
    """The day's estimates on `wl` for every model it can grade (`reasoning`: the configured
    reasoning tokens by effort class, before the workload's own; `sums`: geometric sums kept
    from earlier workloads). With `benchmark`, only the models with a percent score on it,
    graded by it (as `compare.side_probability` with that benchmark)."""
    n = len(inputs.models)
    # p: the first of the workload's benchmarks with a percent score, else the observed share
    graders = wl.benchmarks if benchmark is None else (benchmark,)
    which, score = inputs.first("score", graders)
    if wl.observed_success is not None and benchmark is not None:
        p = np.full(n, min(P_MAX, max(P_MIN, wl.observed_success)))
        keep = which >= 0
    elif wl.observed_success is not None:
        p = np.full(n, min(P_MAX, max(P_MIN, wl.observed_success)))
        keep = np.ones(n, dtype=bool)
    else:
        raw = wl.a + wl.b * score / 100.0
        p = np.minimum(P_MAX, np.maximum(P_MIN, raw))
        keep = which >= 0
    # tokens (FactSet.tokens): house profile, a measured run, the effort class, else none
    verbosity = inputs.profiles["verbosity"].copy()
    thinking = inputs.profiles["reasoning_tokens"].copy()
    basis = np.zeros(n, dtype=np.int8)  # index into BASES
    basis[inputs.house] = BASES.index(PROFILE)
    ran, ratio_v = inputs.first("verbosity", wl.benchmarks)
    measured = ~inputs.house & (ran >= 0)
    rows_measured = np.flatnonzero(measured)
    per_output = np.array([inputs.measured[b][1] for b in wl.benchmarks], dtype=np.float64).reshape(
        len(wl.benchmarks), n
    )
    verbosity[measured] = ratio_v[measured]
    thinking[measured] = per_output[ran[measured], rows_measured] * wl.output_tokens
    basis[measured] = BASES.index(MEASURED)
    table = {**reasoning, **dict(wl.reasoning_tokens)}
    by_class = np.array(
        [table.get(c, math.nan) for c in inputs.effort_classes] + [math.nan], dtype=np.float64
    )[inputs.effort]  # index -1 (no class) reads the NaN at the end
    assumed = ~inputs.house & ~measured & ~np.isnan(by_class)
    thinking[assumed] = np.minimum(by_class, inputs.effort_cap)[assumed]
    basis[assumed] = BASES.index(ASSUMED)
    seen, cost = inputs.first("observed", wl.observed_cost_from)
    rows = np.flatnonzero(keep)
    profiles = dict(inputs.profiles, verbosity=verbosity, reasoning_tokens=thinking)
    metrics = estimate_arrays(
        wl,
        {k: v[rows] for k, v in inputs.prices.items()},
        {k: v[rows] for k, v in profiles.items()},
        p[rows],
        sums,
    )
    metrics["observed_cost_per_solved"] = np.where(seen[rows] >= 0, cost[rows], math.nan)
    names = np.array([*graders, None], dtype=object)  # index -1: graded by no score
    return WorkloadColumn(
        workload=wl.name,
        models=inputs.models[rows],
        benchmark=names[which[rows]],
        score=score[rows],
        tokens_basis=_BASIS_NAMES[basis[rows]],
        metrics=metrics,
    )


def day_matrix(
    facts: FactSet, workloads: Iterable[Workload], day: date
) -> dict[str, WorkloadColumn]:
    """workload -> its column of the day's estimates matrix."""
    workloads = list(workloads)
    inputs = day_inputs(facts, day, workloads)
    reasoning = dict(facts.judgement.reasoning_tokens)
    sums: Sums = {}
    return {wl.name: workload_column(inputs, wl, reasoning, sums) for wl in workloads}
