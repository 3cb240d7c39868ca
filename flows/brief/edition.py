"""Turn the day's signals into the edition's content model (what every format renders)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from flows.brief.content import (
    Chart,
    ChartPoint,
    Edition,
    Link,
    PendingRelease,
    PriceCheck,
    SignalItem,
    SourceStatus,
    WorkloadLine,
)
from flows.brief.names import display_name, model_label
from flows.config import Config
from signals.compare import Comparison, Side, estimate_side, success_benchmark
from signals.costmodel import Metrics
from signals.daily import REPRICING, SCORE, DaySignals, Item, Pending
from signals.facts import FactSet, ScoreFact
from signals.identity import price_model
from signals.vocabulary import (
    BILL_ONLY,
    CHEAPER,
    FACTORS,
    GRADE_NOT_BILL,
    UNLOCKS,
    VERDICTS,
)

METHOD_NOTE = (
    "How we compute it: per workload, cost per successful task = cost per attempt / success rate, "
    "where both sides' success rates come from the same benchmark; prices as in force and "
    "known on the day, scores as published by the day (no look-ahead). The baseline is each "
    "workload's incumbent: the generally available model, known for at least two weeks, with "
    "the lowest cost per successful task the day before. Tokens per request are measured where "
    "a benchmark run publishes them, else assumed per effort setting and marked so. The change "
    "is split by Shapley value over price, generated tokens, reasoning tokens and retries."
)


def _factor_fact(c: Comparison, cand: Side, base: Side) -> str:
    """The fact behind the largest Shapley factor, side by side."""
    factor = max(c.attribution, key=lambda f: abs(c.attribution[f]))
    cb, bb = c.candidate_basis, c.baseline_basis
    if factor == "price":
        cp, bp = cb["prices"], bb["prices"]
        return (
            f"${cp['input']:.3g} in / ${cp['output']:.3g} out per 1M tokens vs "
            f"${bp['input']:.3g} / ${bp['output']:.3g}"
        )
    if factor == "output":
        return f"{cb['output_tokens']:,.0f} output tokens a request vs {bb['output_tokens']:,.0f}"
    if factor == "reasoning":
        return (
            f"{cb['reasoning_tokens']:,.0f} reasoning tokens a request "
            f"({cb['tokens_basis']}) vs {bb['reasoning_tokens']:,.0f} ({bb['tokens_basis']})"
        )
    return (
        f"success rate {c.candidate_metrics.p:.0%} vs {c.baseline_metrics.p:.0%} "
        f"({FACTORS[factor]})"
    )


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


def _headline(label: str, kind: str, c: Comparison, workload_label: str) -> str:
    wl = workload_label.lower()
    if kind == REPRICING:
        move, bill = {"down": ("cuts", "falls"), "up": ("raises", "rises")}.get(
            c.reads.workload_cost, ("changes", "barely moves")
        )
        return f"{label} {move} its price: the bill for {wl} {bill}"
    return {
        UNLOCKS: f"{label} unlocks {wl}",
        CHEAPER: f"{label} cuts the bill for {wl}",
        GRADE_NOT_BILL: f"{label}: higher grade, bigger bill on {wl}",
        BILL_ONLY: (
            f"{label} {'cuts' if c.reads.workload_cost == 'down' else 'raises'} "
            f"the bill for {wl}" + (" at the same grade" if c.delta_score is not None else "")
        ),
    }.get(c.verdict, f"{label} on {wl}")


def _line(
    cfg: Config, facts: FactSet, c: Comparison, day: date, window_start: date
) -> WorkloadLine:
    wl = cfg.workloads[c.workload]
    cand = facts.side(c.candidate, day, wl)
    old_price = c.baseline_role == "previous_price"
    base = facts.side(c.baseline, day, wl, price_day=window_start if old_price else None)
    if cand is None or base is None:
        raise ValueError(f"{c.candidate} or {c.baseline} has no price on {day}")
    bench = c.benchmark or success_benchmark(wl, cand)
    cand_score = cand.scores[bench].value if bench and bench in cand.scores else None
    base_score = base.scores[bench].value if bench and bench in base.scores else None
    quote = facts.price_on(c.candidate, day)
    base_quote = facts.price_on(c.baseline, window_start if old_price else day)
    basis = None
    if quote is not None and quote.hosts > 1:
        basis = quote.provider
    elif quote is not None and quote.thinking_rate:
        basis = "its thinking rate"
    return WorkloadLine(
        workload=wl.name,
        workload_label=wl.label,
        requests_per_day=wl.requests_per_day,
        baseline=c.baseline,
        baseline_label=(
            f"{model_label(c.baseline)} at its previous price"
            if old_price
            else model_label(c.baseline)
        ),
        benchmark=bench,
        benchmark_label=cfg.benchmark_label(bench) if bench else None,
        candidate_score=cand_score,
        baseline_score=base_score if c.benchmark else None,
        noise=c.noise,
        delta_significant=c.score_significant,
        comparison=c.to_json(),
        driver_detail=_driver_detail(c, cand, base),
        candidate_claimed=_claimed(facts, c.candidate, bench, day),
        baseline_claimed=_claimed(facts, c.baseline, bench, day),
        price_claimed=bool(quote and quote.claimed),
        baseline_role=c.baseline_role,
        candidate_label=model_label(c.candidate),
        price_basis=basis,
        candidate_price_from=quote.valid_from if quote else None,
        baseline_price_from=base_quote.valid_from if base_quote else None,
    )


def _claimed(facts: FactSet, model: str, bench: str | None, day: date) -> bool:
    fact = facts.scores_on(model, day).get(bench) if bench else None
    return bool(fact and fact.claimed)


def _score_label(cfg: Config, fact: ScoreFact) -> str:
    """A score's link label: the source's name, plus the benchmark when the name lacks it."""
    title, bench = cfg.source(fact.source_id).title, cfg.benchmark_label(fact.benchmark)
    return title if bench.lower() in title.lower() else f"{title}: {bench}"


def _source_links(
    cfg: Config,
    facts: FactSet,
    models: Iterable[str],
    day: date,
    benchmarks: Iterable[str],
    release: Link | None,
) -> list[Link]:
    links: list[Link] = [release] if release else []
    models = list(dict.fromkeys(models))
    for bench in dict.fromkeys(benchmarks):
        for model in models:
            f = facts.scores_on(model, day).get(bench)
            if f is not None:
                links.append(Link(label=_score_label(cfg, f), url=f.evidence_url, date=f.published))
                break
    quote = facts.price_on(models[0], day) if models else None
    if quote is not None:
        priced = quote.fact
        label = (
            cfg.source(priced.source_id).title
            if priced.source_id in {s.id for s in cfg.sources}
            else priced.source_id
        )
        what = "price" if quote.hosts == 1 else f"prices of {quote.hosts} hosts (median)"
        links.append(Link(label=f"{label}: {what}", url=priced.evidence_url, date=quote.known_from))
    unique: dict[tuple, Link] = {}
    for link in links:
        unique.setdefault((link.label, link.url), link)
    return list(unique.values())


def _pending(cfg: Config, p: Pending) -> PendingRelease:
    claims = [
        f"{cfg.benchmark_label(f.benchmark)} {f.score.value:.1f}"
        f"{'%' if f.score.scale == 'percent' else ' (rating)'}"
        f"{' (claimed in the release)' if f.claimed else ''}"
        for f in p.claims
    ]
    links = [
        Link(label=_score_label(cfg, f), url=f.evidence_url, date=f.published) for f in p.claims
    ]
    return PendingRelease(
        model=p.model,
        model_label=model_label(p.model),
        claims=claims,
        missing=list(p.missing),
        sources=links,
    )


def _chart(
    cfg: Config, facts: FactSet, sig: DaySignals, lead: Comparison, shown: set[str]
) -> Chart | None:
    """Score against cost per success on the lead item's workload: the models the brief's items
    compare (`shown`) as candidates, the lead's baseline as incumbent, every other model
    priced and graded on the day in grey."""
    wl = cfg.workloads[lead.workload]
    bench = lead.benchmark
    if bench is None:
        return None
    points = []
    for model in sorted(sig.estimates[wl.name]):
        side = facts.side(model, sig.day, wl)
        if side is None or bench not in side.scores or side.scores[bench].scale != "percent":
            continue
        m: Metrics | None = sig.estimates[wl.name][model]
        if success_benchmark(wl, side) != bench:
            m = estimate_side(wl, side, bench)
        if m is None:
            continue
        role = "candidate" if model in shown else "incumbent" if model == lead.baseline else "other"
        points.append(
            ChartPoint(
                model_label=model_label(model),
                score=side.scores[bench].value,
                cost_per_success=m.cost_per_success,
                role=role,
            )
        )
    if len(points) < 2:
        return None
    return Chart(
        workload=wl.name,
        workload_label=wl.label,
        benchmark_label=cfg.benchmark_label(bench),
        points=points,
    )


def price_checks(cfg: Config, facts: FactSet, models: Iterable[str], day: date) -> list[PriceCheck]:
    """Every other price list (a lower-ranked history or a cross-check) whose price for a model
    on `day` differs from the one used by more than the tolerance, on input or output."""
    tol = cfg.defaults.price_tolerance
    out = []
    for model in sorted({price_model(m) for m in models}):
        used = facts.price_on(model, day)
        if used is None or used.claimed:
            continue
        for source in facts.price_sources(model):
            if source in used.source_ids:
                continue
            other = facts.price_on(model, day, source_id=source)
            if other is None:
                continue
            for field in ("input", "output"):
                a, b = getattr(used.price, field), getattr(other.price, field)
                if max(a, b) > 0 and abs(a - b) / max(a, b) > tol:
                    out.append(
                        PriceCheck(
                            model=model,
                            model_label=model_label(model),
                            field=field,
                            used=a,
                            used_source=used.fact.source_id,
                            other=b,
                            other_source=source,
                        )
                    )
    return out


def newest_score(facts: FactSet) -> date | None:
    """The newest day a score was published: news of releases and grades ends there."""
    if facts.newest_score is not None:
        return facts.newest_score
    return max((f.published for fs in facts.scores.values() for f in fs), default=None)


def build_edition(
    cfg: Config,
    facts: FactSet,
    sig: DaySignals,
    statuses: list[SourceStatus],
    releases: dict[str, Link] | None = None,
) -> Edition:
    """The edition of `sig.day`: ranked items (one per model and kind of news), the releases
    without a comparable grade yet, the sources read."""
    releases = releases or {}
    items = []
    for rank, item in enumerate(sig.items[: cfg.edition.max_items], start=1):
        items.append(_item(cfg, facts, sig, item, rank, releases))
    shown = sig.items[: cfg.edition.max_items]
    chart = (
        _chart(cfg, facts, sig, shown[0].lead, {c.candidate for i in shown for c in i.lines})
        if shown
        else None
    )
    warnings = []
    newest = newest_score(facts)
    if newest is not None and sig.day > newest + timedelta(days=7):
        warnings.append(
            f"The newest score in the store was published on {newest:%-d %B %Y}: "
            "this edition cannot report releases or grades after that day."
        )
    in_brief = {
        m
        for i in sig.items[: cfg.edition.max_items]
        for c in i.lines
        for m in (price_model(c.candidate), price_model(c.baseline))
    }
    checks = price_checks(cfg, facts, {m for per in sig.estimates.values() for m in per}, sig.day)
    for check in checks:
        check.in_brief = check.model in in_brief
    return Edition(
        edition_date=sig.day,
        window_from=sig.window_start,
        title="Morning Brief · Model costs",
        items=items,
        pending=[_pending(cfg, p) for p in sig.pending],
        sources=statuses,
        chart=chart,
        method_note=METHOD_NOTE,
        method_url=cfg.edition.method_url,
        warnings=warnings,
        price_checks=checks,
    )


def _item(
    cfg: Config, facts: FactSet, sig: DaySignals, item: Item, rank: int, releases: dict[str, Link]
) -> SignalItem:
    lead = item.lead
    label = display_name(item.model)
    lines = [_line(cfg, facts, c, sig.day, sig.window_start) for c in item.lines]
    benches = [ln.benchmark for ln in lines if ln.benchmark]
    # a single variant is named with its setting ("GPT-5 (medium)"); a repricing or several
    # variants by the model's name
    one_variant = len({c.candidate for c in item.lines}) == 1 and item.kind != REPRICING
    headline = _headline(
        model_label(lead.candidate) if one_variant else label,
        item.kind,
        lead,
        cfg.workloads[lead.workload].label,
    )
    if item.kind == SCORE:
        headline += " (newly published score)"
    return SignalItem(
        rank=rank,
        kind=item.kind,
        model=item.model,
        model_label=label,
        headline=headline,
        verdict=lead.verdict,
        verdict_words=VERDICTS[lead.verdict],
        strength=lead.strength,
        buyer_behaviour=lead.buyer_behaviour,
        lines=lines,
        sources=_source_links(
            cfg,
            facts,
            [c.candidate for c in item.lines],
            sig.day,
            benches,
            releases.get(item.model),
        ),
    )
