"""Turn the day's signals into the edition's content model (what every format renders)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from functools import lru_cache

from flows.config import Config
from flows.content import (
    Chart,
    ChartPoint,
    Edition,
    Link,
    PendingRelease,
    SignalItem,
    SourceStatus,
    WorkloadLine,
)
from flows.render import FACTOR_WORDS, VERDICT_WORDS
from signals.compare import Comparison, Side, success_benchmark
from signals.daily import DaySignals, FactSet, Pending, ScoreFact, group_items
from signals.identity import price_model, resolve

METHOD_NOTE = (
    "How we compute it: per workload, cost per successful task = cost per attempt / success rate, "
    "where the success rate is the model's score on the workload's benchmark; prices as in force "
    "on the day, scores as published by the day (no look-ahead). The baseline is each workload's "
    "incumbent: the viable model with the lowest cost per successful task the day before. "
    "The change is split by Shapley value over price, generated tokens, reasoning tokens and "
    "retries. Workload figures and their sources are listed in workloads.toml."
)


@lru_cache(maxsize=4096)
def model_label(model: str) -> str:
    """A readable model name: the price list's display name, with any effort setting."""
    base = price_model(model)
    effort = model[len(base) + 1:] if model != base else None
    found = resolve(base)
    name = found.display_name if found else base
    return f"{name} ({effort})" if effort else name


def _factor_fact(c: Comparison, cand: Side, base: Side) -> str:
    """The fact behind the largest Shapley factor, side by side."""
    factor = max(c.attribution, key=lambda f: abs(c.attribution[f]))
    if factor == "price":
        return (f"${cand.price.input:g} in / ${cand.price.output:g} out per 1M tokens vs "
                f"${base.price.input:g} / ${base.price.output:g}")
    if factor == "output":
        return (f"{cand.profile.verbosity:g}x the workload's reference output vs "
                f"{base.profile.verbosity:g}x")
    if factor == "reasoning":
        return (f"{cand.profile.reasoning_tokens:,.0f} reasoning tokens a request vs "
                f"{base.profile.reasoning_tokens:,.0f}")
    return (f"success rate {c.candidate_metrics.p:.0%} vs {c.baseline_metrics.p:.0%} "
            f"({FACTOR_WORDS[factor]})")


def _driver_detail(c: Comparison, cand: Side, base: Side) -> str:
    cm, bm = c.candidate_metrics, c.baseline_metrics
    if c.cost_driver == "context_size":
        if cm.fits_context != bm.fits_context:
            who = "the candidate" if not cm.fits_context else "the baseline"
            return f"the workload's requests do not fit {who}'s context window"
        return "the long-context price tier applies to one side only"
    if c.cost_driver == "latency":
        late = cm if not cm.fits_latency else bm
        who = "the candidate" if late is cm else "the baseline"
        return f"{who} misses the latency target at p95"
    return _factor_fact(c, cand, base)


def _headline(label: str, c: Comparison, workload_label: str) -> str:
    wl = workload_label.lower()
    return {
        "unlocks_workload": f"{label} unlocks {wl}",
        "cheaper_per_task": f"{label} cuts the bill for {wl}",
        "grade_not_bill": f"{label}: higher grade, bigger bill on {wl}",
        "bill_only": (f"{label} {'cuts' if c.reads.workload_cost == 'down' else 'raises'} "
                      f"the bill for {wl}"
                      + (" at the same grade" if c.delta_score is not None else "")),
    }.get(c.verdict, f"{label} on {wl}")


def _line(cfg: Config, facts: FactSet, c: Comparison, day: date) -> WorkloadLine:
    wl = cfg.workloads[c.workload]
    cand = facts.side(c.candidate, day, wl)
    base = facts.side(c.baseline, day, wl)
    if cand is None or base is None:
        raise ValueError(f"{c.candidate} or {c.baseline} has no price on {day}")
    bench = c.benchmark or success_benchmark(wl, cand)
    cand_score = cand.scores[bench].value if bench in cand.scores else None
    base_score = base.scores[bench].value if bench in base.scores else None
    return WorkloadLine(
        workload=wl.name, workload_label=wl.label, requests_per_day=wl.requests_per_day,
        baseline=c.baseline, baseline_label=model_label(c.baseline),
        benchmark=bench, benchmark_label=cfg.benchmark_label(bench) if bench else None,
        candidate_score=cand_score,
        baseline_score=base_score if c.benchmark else None,
        noise=c.noise, delta_significant=c.score_significant,
        comparison=c.to_json(), driver_detail=_driver_detail(c, cand, base),
        candidate_claimed=_claimed(facts, c.candidate, bench, day),
        baseline_claimed=_claimed(facts, c.baseline, bench, day),
        price_claimed=bool((p := facts.price_on(c.candidate, day)) and p.claimed),
    )


def _claimed(facts: FactSet, model: str, bench: str | None, day: date) -> bool:
    fact = facts.scores_on(model, day).get(bench) if bench else None
    return bool(fact and fact.claimed)


def _score_label(cfg: Config, fact: ScoreFact) -> str:
    """A score's link label: the source's name, plus the benchmark when the name lacks it."""
    title, bench = cfg.source(fact.source_id).title, cfg.benchmark_label(fact.benchmark)
    return title if bench.lower() in title.lower() else f"{title}: {bench}"


def _source_links(cfg: Config, facts: FactSet, model: str, day: date,
                  benchmarks: Iterable[str]) -> list[Link]:
    links: list[Link] = []
    scores = facts.scores_on(model, day)
    for bench in dict.fromkeys(benchmarks):
        f = scores.get(bench)
        if f is not None:
            links.append(Link(label=_score_label(cfg, f), url=f.evidence_url, date=f.as_of))
    price = facts.price_on(model, day)
    if price is not None:
        links.append(Link(label=f"{cfg.source(price.source_id).title}: price",
                          url=price.evidence_url,
                          date=None if price.effective_from.year <= 1970 else price.effective_from))
    return links


def _pending(cfg: Config, p: Pending) -> PendingRelease:
    claims = [f"{cfg.benchmark_label(f.benchmark)} {f.score.value:.1f}"
              f"{'%' if f.score.scale == 'percent' else ' (rating)'}"
              f"{' (claimed in the release)' if f.claimed else ''}" for f in p.claims]
    links = [Link(label=_score_label(cfg, f),
                  url=f.evidence_url, date=f.as_of) for f in p.claims]
    return PendingRelease(model=p.model, model_label=model_label(p.model), claims=claims,
                          missing=list(p.missing), sources=links)


def _chart(cfg: Config, facts: FactSet, sig: DaySignals, lead: Comparison) -> Chart | None:
    wl = cfg.workloads[lead.workload]
    lead_side = facts.side(lead.candidate, sig.day, wl)
    bench = success_benchmark(wl, lead_side) if lead_side else None
    if bench is None:
        return None
    points = []
    for model, m in sorted(sig.estimates[wl.name].items()):
        side = facts.side(model, sig.day, wl)
        if side is None or success_benchmark(wl, side) != bench:
            continue
        role = ("candidate" if model in sig.candidates
                else "incumbent" if model == lead.baseline else "other")
        points.append(ChartPoint(model_label=model_label(model), score=side.scores[bench].value,
                                 cost_per_success=m.cost_per_success, role=role))
    if len(points) < 2:
        return None
    return Chart(workload=wl.name, workload_label=wl.label,
                 benchmark_label=cfg.benchmark_label(bench), points=points)


def build_edition(cfg: Config, facts: FactSet, sig: DaySignals,
                  statuses: list[SourceStatus]) -> Edition:
    """The edition of `sig.day`: ranked items (one per release), pending releases, sources."""
    groups = group_items(sig.comparisons)[: cfg.edition.max_items]
    items = []
    for rank, group in enumerate(groups, start=1):
        lead = group[0]
        label = model_label(lead.candidate)
        lines = [_line(cfg, facts, c, sig.day) for c in group]
        benches = [ln.benchmark for ln in lines if ln.benchmark]
        items.append(SignalItem(
            rank=rank, model=lead.candidate, model_label=label,
            headline=_headline(label, lead, cfg.workloads[lead.workload].label),
            verdict=lead.verdict, verdict_words=VERDICT_WORDS[lead.verdict],
            strength=lead.strength, lines=lines,
            sources=_source_links(cfg, facts, lead.candidate, sig.day, benches),
        ))
    chart = _chart(cfg, facts, sig, groups[0][0]) if groups else None
    return Edition(
        edition_date=sig.day,
        title="Morning Brief · Model costs",
        items=items,
        pending=[_pending(cfg, p) for p in sig.pending],
        sources=statuses,
        chart=chart,
        method_note=METHOD_NOTE,
    )
