"""The content model of one edition: what every output format (HTML, Markdown, text) renders."""

from __future__ import annotations

import datetime
from datetime import date

from pydantic import BaseModel, Field, field_validator

from flows.brief.safety import safe_url


class Link(BaseModel):
    """A source a reader can follow: a feed entry, a leaderboard, a price list."""

    label: str
    url: str | None = None  # only an http(s) address: anything else is dropped (no link)
    date: datetime.date | None = None  # the field name shadows the type in this class

    @field_validator("url")
    @classmethod
    def _web_only(cls, value: str | None) -> str | None:
        return safe_url(value)


class WorkloadLine(BaseModel):
    """One (release, workload) comparison, built from a section-5 comparison dict."""

    workload: str
    workload_label: str
    requests_per_day: float
    baseline: str
    baseline_label: str
    benchmark: str | None  # the benchmark the grade is read on (null: no shared benchmark)
    benchmark_label: str | None
    candidate_score: float | None
    baseline_score: float | None
    noise: float | None
    delta_significant: bool
    comparison: dict  # exactly the JSON shape of signal-model.md section 5
    driver_detail: str  # e.g. "reasoning tokens add most of the cost"
    candidate_claimed: bool = False  # the candidate's score is read from its release text
    baseline_claimed: bool = False
    price_claimed: bool = False  # the candidate's price is read from its release text
    baseline_role: str = "incumbent"  # incumbent | predecessor | previous_price
    candidate_label: str = ""  # the variant compared (efforts of one model share an item)
    price_basis: str | None = None  # e.g. "median of 5 hosts", "thinking rate"
    candidate_price_from: datetime.date | None = None  # the day the price used was known
    baseline_price_from: datetime.date | None = None


class SignalItem(BaseModel):
    """One piece of news that carries a signal (a release, a repricing or a newly published
    score); its lead workload first, the others as sub-lines."""

    rank: int
    kind: str = "release"  # release | repricing | score
    model: str
    model_label: str
    headline: str  # e.g. "Claude Haiku 4.5 cuts the bill for support chat"
    verdict: str
    verdict_words: str  # e.g. "cheaper per task"
    strength: str
    buyer_behaviour: str = "hold"
    lines: list[WorkloadLine]
    sources: list[Link] = Field(default_factory=list)
    included: bool = True  # an editor may leave an item out; it stays in the revision
    text: str | None = None  # an editor's paragraph under the headline (the facts stay)


class PendingRelease(BaseModel):
    """A release with a grade but no bill yet, and what is missing to compute one."""

    model: str
    model_label: str
    claims: list[str]  # e.g. "GPQA Diamond 71.2%"
    missing: list[str]  # e.g. "no price published"
    sources: list[Link] = Field(default_factory=list)


class PriceCheck(BaseModel):
    """Two price lists disagreeing by more than the tolerance on the same day."""

    model: str
    model_label: str
    field: str  # input | output
    used: float
    used_source: str
    other: float
    other_source: str
    in_brief: bool = False  # the model is compared in one of the brief's items


class SourceStatus(BaseModel):
    """How one configured source fared in this run."""

    source_id: str
    kind: str
    ok: bool
    rows: int = 0
    rejected: int = 0
    reason: str | None = None
    fetch_status: str = "fetched"  # fetched | unchanged | failed
    # days in a row it has failed (each day it was read, up to this run), when that reaches
    # the configured `flag_failing_source_days`; else 0
    failing_days: int = 0


class ChartPoint(BaseModel):
    model_label: str
    score: float
    cost_per_success: float
    role: str  # "candidate", "incumbent" or "other"


class Chart(BaseModel):
    """Score against cost per successful task on one workload."""

    workload: str
    workload_label: str
    benchmark_label: str
    points: list[ChartPoint]
    image: str | None = None  # file name of the rendered chart, relative to the brief


class Edition(BaseModel):
    """One edition of the Morning Brief section, as stored and rendered."""

    edition_date: date
    window_from: date | None = None  # the window is (window_from, edition_date]
    status: str = "draft"
    revision: int = 1
    title: str
    tagline: str = "Score is the grade. Production cost is the bill."
    items: list[SignalItem]
    pending: list[PendingRelease]
    sources: list[SourceStatus]
    chart: Chart | None = None
    method_note: str
    method_url: str | None = None  # an http(s) address, else no link
    warnings: list[str] = Field(default_factory=list)  # e.g. the date is past the newest data
    price_checks: list[PriceCheck] = Field(default_factory=list)
    lead: str | None = None  # an editor's opening paragraph

    @field_validator("method_url")
    @classmethod
    def _method_web_only(cls, value: str | None) -> str | None:
        return safe_url(value)

    def shown_items(self) -> list[SignalItem]:
        """The items a reader gets: those included, in rank order, numbered from 1."""
        kept = sorted((i for i in self.items if i.included), key=lambda i: i.rank)
        return [i.model_copy(update={"rank": n}) for n, i in enumerate(kept, 1)]

    def to_json(self) -> dict:
        """The edition as `brief show DATE --json` prints it (signal-model section 8): the
        items a reader gets; an editor's `lead` and items' `text` appear where given."""
        return {
            "edition_date": self.edition_date.isoformat(),
            "status": self.status,
            "revision": self.revision,
            "window": {
                "from": self.window_from.isoformat() if self.window_from else None,
                "to": self.edition_date.isoformat(),
            },
            "items": [
                {
                    "kind": i.kind,
                    "model": i.model,
                    "headline": i.headline,
                    "verdict": i.verdict,
                    "strength": i.strength,
                    "buyer_behaviour": i.buyer_behaviour,
                    "comparisons": [ln.comparison for ln in i.lines],
                    "sources": [
                        {
                            "label": s.label,
                            "url": s.url,
                            "date": s.date.isoformat() if s.date else None,
                        }
                        for s in i.sources
                    ],
                    **({"text": i.text} if i.text else {}),
                }
                for i in self.shown_items()
            ],
            "pending": [{"model": p.model, "missing": p.missing} for p in self.pending],
            "sources": [
                {
                    "id": s.source_id,
                    "status": "failed" if not s.ok else s.fetch_status,
                    "reason": s.reason,
                }
                for s in self.sources
            ],
            **({"lead": self.lead} if self.lead else {}),
            "warnings": self.warnings,
            "price_checks": [c.model_dump() for c in self.price_checks],
        }
