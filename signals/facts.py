"""The stored facts as known on a day (signal-model.md sections 6 and 7.1).

Every price, score and run cost has two dates: when it holds (`valid_from`) and when this pipeline
could have known it (`known_from`). A lookup for day D sees only facts known on D and valid on D,
so nothing published later changes what D's edition says.
"""

from __future__ import annotations

import re
import statistics
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any, TypeVar, cast

from signals.asof import latest_as_of
from signals.compare import Score, Side
from signals.costmodel import Price, Profile, Workload, run_cost_per_solved
from signals.identity import price_model, resolve

T = TypeVar("T")
UNDATED = date(1970, 1, 1)  # a price the source gave no date for: it holds from `known_from`
PRIMARY = "primary"
CROSS_CHECK = "cross-check"
# tokens_basis values (section 7.1), in order of precedence
PROFILE, MEASURED, ASSUMED, DEFAULT = "profile", "measured", "assumed", "default"
EFFORT_CLASSES = ("none", "minimal", "low", "medium", "high", "xhigh", "max")
_NO_PROFILE = Profile()  # a model nobody profiled
_BUDGET = re.compile(r"^(\d+(?:\.\d+)?)k$", re.IGNORECASE)
# Snapshots that are not generally available: never an incumbent (section 6).
PREVIEW = re.compile(
    r"(?:^|[-_.:])(?:preview|exp|experimental|beta|alpha)(?:$|[-_.:\d])", re.IGNORECASE
)


@dataclass(frozen=True)
class PriceFact:
    model: str
    provider: str
    effective_from: date
    price: Price
    source_id: str
    evidence_url: str | None = None
    effective_to: date | None = None  # the source says the price ended (exclusive)
    claimed: bool = False  # read from release text, not from a price table
    known_from: date | None = None  # None: as old as its validity (tests, claims)
    role: str = PRIMARY

    @property
    def valid_from(self) -> date:
        """The source's own date; an undated price holds from the day it was known."""
        if self.effective_from == UNDATED and self.known_from is not None:
            return self.known_from
        return self.effective_from

    def usable_on(self, day: date) -> bool:
        """Known on `day` and in force on `day`."""
        known = self.known_from or self.valid_from
        return (
            known <= day
            and self.valid_from <= day
            and (self.effective_to is None or day < self.effective_to)
        )


@dataclass(frozen=True)
class ScoreFact:
    model: str
    benchmark: str
    as_of: date
    score: Score
    source_id: str
    evidence_url: str | None = None
    claimed: bool = False  # read from release text, not from a leaderboard
    known_from: date | None = None  # when it was published; None: on its `as_of`

    @property
    def published(self) -> date:
        return max(self.as_of, self.known_from or self.as_of)


@dataclass(frozen=True)
class RunCostFact:
    model: str
    benchmark: str
    as_of: date
    total_cost_usd: float
    tasks: int
    solved: int
    source_id: str
    known_from: date | None = None
    prompt_tokens: int | None = None
    completion_tokens: int | None = None

    @property
    def published(self) -> date:
        return max(self.as_of, self.known_from or self.as_of)

    @property
    def completion_per_task(self) -> float | None:
        if self.completion_tokens is None or self.tasks <= 0:
            return None
        return self.completion_tokens / self.tasks


@dataclass(frozen=True)
class PriceQuote:
    """The price a model is billed at on a day, and what it rests on."""

    price: Price
    facts: tuple[PriceFact, ...]  # the row used, or one per host for a median
    provider: str  # the provider, or "median of N hosts"
    hosts: int = 1
    thinking_rate: bool = False  # priced under the model's thinking entry

    @property
    def claimed(self) -> bool:
        return any(f.claimed for f in self.facts)

    @property
    def known_from(self) -> date:
        return max((f.known_from or f.valid_from) for f in self.facts)

    @property
    def valid_from(self) -> date:
        return max(f.valid_from for f in self.facts)

    @property
    def fact(self) -> PriceFact:
        return self.facts[0]

    @property
    def source_ids(self) -> set[str]:
        return {f.source_id for f in self.facts}


@dataclass(frozen=True)
class Tokens:
    """A model's tokens per request on a workload: its profile and where the figures come from."""

    profile: Profile
    basis: str  # profile | measured | assumed | default
    assumed_reasoning: float | None = None  # the assumed reasoning tokens, when basis is assumed
    speed_assumed: bool = False


@dataclass(frozen=True)
class Judgement:
    """The settings the judgement layer reads from the configuration (section 7)."""

    reasoning_tokens: dict[str, float] = field(default_factory=dict)  # effort class -> tokens
    is_reasoning: Callable[[str], bool] = lambda model: False
    is_hosted_only: Callable[[str], bool] = lambda model: False
    ttft_s: float | None = None
    output_tps: float | None = None
    source_rank: dict[str, int] = field(default_factory=dict)  # earlier source wins a tie


def effort_of(model: str) -> str | None:
    """The effort or thinking-budget part of a canonical id (``gpt-5:high`` -> ``high``)."""
    base = price_model(model)
    return model[len(base) + 1 :].lower() if model != base else None


def effort_class(effort: str | None, model: str, judgement: Judgement) -> tuple[str, float] | None:
    """(class, cap in tokens) of a reasoning setting; None for a model that does not reason."""
    if effort is None:
        return ("medium", float("inf")) if judgement.is_reasoning(model) else None
    if effort in ("none",):
        return None
    if (m := _BUDGET.match(effort)) is not None:
        budget = float(m.group(1)) * 1024
        cls = "low" if budget <= 4096 else "medium" if budget <= 16384 else "high"
        return cls, budget
    if effort == "thinking":
        return "medium", float("inf")
    return (effort if effort in EFFORT_CLASSES else "medium"), float("inf")


@dataclass
class FactSet:
    """Every stored fact the signals need, indexed by model."""

    prices: dict[str, list[PriceFact]] = field(default_factory=lambda: defaultdict(list))
    scores: dict[str, list[ScoreFact]] = field(default_factory=lambda: defaultdict(list))
    run_costs: dict[str, list[RunCostFact]] = field(default_factory=lambda: defaultdict(list))
    profiles: dict[str, Profile] = field(default_factory=dict)
    token_profiles: set[str] = field(default_factory=set)  # models with house token figures
    claims: dict[type, dict[str, list[Any]]] = field(
        default_factory=lambda: {PriceFact: defaultdict(list), ScoreFact: defaultdict(list)}
    )
    judgement: Judgement = field(default_factory=Judgement)
    # Set when only some days' facts are loaded: over the whole history, the first day each
    # model's scores were published and each price model was priced (by a primary source), and
    # the newest score's day.
    first_days: tuple[dict[str, date], dict[str, date]] | None = None
    newest_score: date | None = None
    # answers worked out once: a day's estimates, incumbents, comparisons and chart ask the
    # same questions (forgotten whenever a fact is added)
    _memo: dict[tuple[Any, ...], Any] = field(default_factory=dict, repr=False)

    def fresh(self) -> FactSet:
        """The same facts with nothing worked out yet (what a run starts from)."""
        return replace(self, _memo={})

    def _once(self, key: tuple[Any, ...], work: Callable[[], T]) -> T:
        if key not in self._memo:
            self._memo[key] = work()
        return cast(T, self._memo[key])

    def add(self, fact: PriceFact | ScoreFact | RunCostFact) -> None:
        target: dict[type, dict[str, list[Any]]] = {
            PriceFact: self.prices,
            ScoreFact: self.scores,
            RunCostFact: self.run_costs,
        }
        target[type(fact)][fact.model].append(fact)
        if self._memo:
            self._memo.clear()

    def add_claim(self, fact: PriceFact | ScoreFact) -> None:
        """A fact read from release text: used only where no table has the number."""
        if self._memo:
            self._memo.clear()
        if isinstance(fact, ScoreFact):
            self.scores.setdefault(fact.model, [])  # a claimed score makes the model judgeable
        self.claims[type(fact)][fact.model].append(fact)

    def models(self) -> list[str]:
        """Models with at least one score loaded: the only ones a workload can judge."""
        return sorted(self.scores)

    # --- prices -----------------------------------------------------------------------------

    def _in_force(self, facts: Iterable[PriceFact], day: date) -> dict[str, PriceFact]:
        """Per provider, the price in force and known on `day`: from the first source in the
        configuration's order that has one (a house sheet before the price lists, a list's
        current snapshot before its history), the latest valid one within it. One source per
        provider and day, so two lists that disagree never alternate."""
        rank = self.judgement.source_rank
        best: dict[str, PriceFact] = {}
        for f in facts:
            if not f.usable_on(day):
                continue
            key = (-rank.get(f.source_id, 1 << 20), f.valid_from, f.known_from or f.valid_from)
            cur = best.get(f.provider)
            # >=: of two versions known the same day, the one read later (loaded later) wins
            if cur is None or key >= (
                -rank.get(cur.source_id, 1 << 20),
                cur.valid_from,
                cur.known_from or cur.valid_from,
            ):
                best[f.provider] = f
        return best

    def price_on(
        self, model: str, day: date, role: str = PRIMARY, source_id: str | None = None
    ) -> PriceQuote | None:
        """The price `model` is billed at on `day` (section 7.4 of the prices rules).

        An effort variant is priced under the model's thinking entry when the price lists have
        one (`gemini-2.5-flash-preview:thinking`). The lab's own price is used when it serves
        the model; a model no lab serves itself (open weights, `hosted_only`) or with no
        first-party price is priced at the median of its hosts. Claimed prices (from release
        text) count only where no table prices the model. `source_id` asks one source alone
        (of any role): what that list would bill.
        """
        return self._once(
            ("price", model, day, role, source_id),
            lambda: self._price_on(model, day, role, source_id),
        )

    def _price_on(
        self, model: str, day: date, role: str, source_id: str | None
    ) -> PriceQuote | None:
        base = price_model(model)
        names = [base]
        thinking = effort_of(model) not in (None, "none", "minimal")
        if thinking:
            names[:0] = [f"{base}:thinking", f"{base}-thinking"]
        for name in names:
            facts = [
                f
                for f in self.prices.get(name, ())
                if (f.source_id == source_id if source_id else f.role == role)
            ]
            by_provider = self._in_force(facts, day)
            if by_provider:
                return self._quote(base, by_provider, thinking and name != base)
        if role != PRIMARY or source_id:
            return None
        claimed = self.claims[PriceFact].get(model) or self.claims[PriceFact].get(base, [])
        fact = latest_as_of([f for f in claimed if f.usable_on(day)], day, lambda f: f.valid_from)
        return PriceQuote(fact.price, (fact,), "claimed") if fact else None

    def _quote(self, base: str, by_provider: dict[str, PriceFact], thinking: bool) -> PriceQuote:
        hosted_only = self.judgement.is_hosted_only(base)
        if len(by_provider) == 1 and not hosted_only:  # its only price, the lab's or a host's
            f = next(iter(by_provider.values()))
            return PriceQuote(f.price, (f,), f.provider, 1, thinking)
        own = None if hosted_only else resolve(base)
        if own and own.provider in by_provider:
            f = by_provider[own.provider]
            return PriceQuote(f.price, (f,), f.provider, 1, thinking)
        facts = tuple(by_provider[p] for p in sorted(by_provider))
        return PriceQuote(
            median_price([f.price for f in facts]),
            facts,
            f"median of {len(facts)} hosts",
            len(facts),
            thinking,
        )

    def price_sources(self, model: str) -> list[str]:
        """Every source with a price row for `model` (its thinking entry included)."""
        base = price_model(model)
        return sorted(
            {
                f.source_id
                for name in (base, f"{base}:thinking", f"{base}-thinking")
                for f in self.prices.get(name, ())
            }
        )

    def first_known(self, model: str) -> date | None:
        """The first day any table knew a score or price of `model` (its release, for us)."""
        return self._once(("first", model), lambda: self._first_uncached(model))

    def _first_uncached(self, model: str) -> date | None:
        if self.first_days is not None:
            first_score, first_price = self.first_days
            days = [
                d
                for d in (first_score.get(model), first_price.get(price_model(model)))
                if d is not None
            ]
        else:
            days = [f.published for f in self.scores.get(model, ())]
            days += [
                f.known_from or f.valid_from
                for f in self.prices.get(price_model(model), ())
                if f.role == PRIMARY
            ]
        days += [f.published for f in self.claims[ScoreFact].get(model, ())]
        return min(days, default=None)

    def is_generally_available(self, model: str) -> bool:
        """Not a preview or experimental snapshot (a retired model has no price in force, so it
        is never an incumbent either)."""
        return not PREVIEW.search(model)

    # --- scores -----------------------------------------------------------------------------

    def scores_on(self, model: str, day: date) -> Mapping[str, ScoreFact]:
        """Per benchmark, the latest score published by `day`: from a table, else a claim."""
        return self._once(("scores", model, day), lambda: self._scores_on(model, day))

    def _scores_on(self, model: str, day: date) -> dict[str, ScoreFact]:
        out: dict[str, ScoreFact] = {}
        for facts in (self.scores.get(model, []), self.claims[ScoreFact].get(model, [])):
            by_bench: dict[str, list[ScoreFact]] = defaultdict(list)
            for f in facts:
                if f.published <= day:
                    by_bench[f.benchmark].append(f)
            for bench, group in by_bench.items():
                fact = latest_as_of(group, day, lambda f: f.as_of)
                if fact is not None and bench not in out:
                    out[bench] = fact
        return out

    # --- tokens -----------------------------------------------------------------------------

    def profile(self, model: str) -> Profile:
        return self.profiles.get(model) or self.profiles.get(price_model(model)) or _NO_PROFILE

    def _run(self, model: str, benchmark: str, day: date) -> RunCostFact | None:
        runs = [
            f
            for f in self.run_costs.get(model, ())
            if f.benchmark == benchmark and f.published <= day
        ]
        return latest_as_of(runs, day, lambda f: f.as_of)

    def _median_completion(self, benchmark: str, day: date) -> float | None:
        return self._once(("median", benchmark, day), lambda: self._median_uncached(benchmark, day))

    def _median_uncached(self, benchmark: str, day: date) -> float | None:
        """The median completion tokens per task of the runs by models that do not reason:
        the reference a workload's output tokens are measured against."""
        per_run = []
        for model in self.run_costs:
            if effort_class(effort_of(model), price_model(model), self.judgement) is not None:
                continue
            run = self._run(model, benchmark, day)
            if run is not None and run.completion_per_task:
                per_run.append(run.completion_per_task)
        return statistics.median(per_run) if per_run else None

    def tokens(self, model: str, workload: Workload, day: date) -> Tokens:
        """Verbosity and reasoning tokens of `model` on `workload` (section 7.1), in order: a
        house profile, a benchmark run that published its tokens (against the median run on
        that benchmark, the part above the non-reasoning sibling counting as reasoning), the
        configured default of its effort class, else none."""
        speed = self.speed_profile(model)
        if self.has_house_tokens(model):
            return Tokens(speed[0], PROFILE, speed_assumed=speed[1])
        for bench in workload.benchmarks:
            ratio = self.measured_ratio(model, bench, day)
            if ratio is None:
                continue
            p = replace(
                speed[0], verbosity=ratio[0], reasoning_tokens=ratio[1] * workload.output_tokens
            )
            return Tokens(p, MEASURED, speed_assumed=speed[1])
        cls = self.effort_class(model)
        table = {**self.judgement.reasoning_tokens, **dict(workload.reasoning_tokens)}
        if cls is not None and cls[0] in table:
            r = min(table[cls[0]], cls[1])
            return Tokens(replace(speed[0], reasoning_tokens=r), ASSUMED, r, speed[1])
        return Tokens(speed[0], DEFAULT, speed_assumed=speed[1])

    def has_house_tokens(self, model: str) -> bool:
        """The house profile gives this model's tokens (basis `profile`)."""
        return model in self.token_profiles or price_model(model) in self.token_profiles

    def speed_profile(self, model: str) -> tuple[Profile, bool]:
        """The model's profile with the configured speed defaults, and whether they were used
        (worked out once per distinct profile: most models share the empty one)."""
        prof = self.profile(model)
        return self._once(("speed", prof), lambda: self._with_speed(prof))

    def effort_class(self, model: str) -> tuple[str, float] | None:
        """(class, cap in tokens) of the model's reasoning setting; None when it does not reason."""
        return effort_class(effort_of(model), price_model(model), self.judgement)

    def measured_ratio(self, model: str, benchmark: str, day: date) -> tuple[float, float] | None:
        """(verbosity, reasoning tokens per output token) from a run of `model` on `benchmark`
        that published its tokens, against the median run there; None without one."""
        run = self._run(model, benchmark, day)
        median = self._median_completion(benchmark, day)
        if run is None or not run.completion_per_task or not median:
            return None
        total = run.completion_per_task
        sibling = (
            None if model == price_model(model) else self._run(price_model(model), benchmark, day)
        )
        plain = sibling.completion_per_task if sibling else None
        if plain and plain < total:
            return plain / median, (total - plain) / median
        return total / median, 0.0

    def _with_speed(self, prof: Profile) -> tuple[Profile, bool]:
        """The profile with configured speed defaults where it has none (marked assumed)."""
        j = self.judgement
        if prof.ttft_s is not None and prof.output_tps is not None:
            return prof, False
        if j.ttft_s is None or j.output_tps is None:
            return prof, False
        return replace(
            prof,
            ttft_s=prof.ttft_s if prof.ttft_s is not None else j.ttft_s,
            output_tps=prof.output_tps or j.output_tps,
        ), True

    # --- one side of a comparison ------------------------------------------------------------

    def observed_cost(self, model: str, benchmark: str | None, day: date) -> float | None:
        if benchmark is None:
            return None
        run = self._run(model, benchmark, day)
        return run_cost_per_solved(run.total_cost_usd, run.solved) if run else None

    def side(
        self, model: str, day: date, workload: Workload | None = None, price_day: date | None = None
    ) -> Side | None:
        """The model as known on `day` (priced as on `price_day`, default `day`), with its
        tokens on `workload`; None when it has no price then. Worked out once per question:
        a day's estimates, incumbents, comparisons and chart ask the same ones."""
        return self._once(
            ("side", model, day, workload, price_day),
            lambda: self._side(model, day, workload, price_day),
        )

    def _side(
        self, model: str, day: date, workload: Workload | None, price_day: date | None
    ) -> Side | None:
        quote = self.price_on(model, price_day or day)
        if quote is None:
            return None
        scores = self.scores_on(model, day)
        side = Side(
            model=model,
            price=quote.price,
            profile=self.profile(model),
            scores={b: f.score for b, f in scores.items()},
        )
        if workload is None:
            return side
        tokens = self.tokens(model, workload, day)
        observed = next(
            (
                o
                for b in workload.observed_cost_from
                if (o := self.observed_cost(model, b, day)) is not None
            ),
            None,
        )
        return replace(
            side,
            profile=tokens.profile,
            tokens_basis=tokens.basis,
            assumed_reasoning=tokens.assumed_reasoning,
            speed_assumed=tokens.speed_assumed,
            observed_cost_per_solved=observed,
        )


def median_price(prices: list[Price]) -> Price:
    """Field by field, the median of several hosts' prices (defaults resolved first)."""

    def med(values: list[float | None]) -> float | None:
        known = [v for v in values if v is not None]
        return statistics.median(known) if known else None

    return Price(
        input=statistics.median(p.input for p in prices),
        output=statistics.median(p.output for p in prices),
        cached_input=med(
            [p.cached_input if p.cached_input is not None else p.input for p in prices]
        ),
        reasoning=med([p.reasoning if p.reasoning is not None else p.output for p in prices]),
        request=statistics.median(p.request for p in prices),
    )
