"""The content model of one edition: what every output format (HTML, Markdown, text) renders."""

from __future__ import annotations

import datetime
from datetime import date

from pydantic import BaseModel, Field


class Link(BaseModel):
    """A source a reader can follow: a feed entry, a leaderboard, a price list."""

    label: str
    url: str | None = None
    date: datetime.date | None = None  # the field name shadows the type in this class


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


class SignalItem(BaseModel):
    """One release that carries a signal; its lead workload first, the others as sub-lines."""

    rank: int
    model: str
    model_label: str
    headline: str  # e.g. "Claude Haiku 4.5 cuts the bill for support chat"
    verdict: str
    verdict_words: str  # e.g. "cheaper per task"
    strength: str
    lines: list[WorkloadLine]
    sources: list[Link] = Field(default_factory=list)


class PendingRelease(BaseModel):
    """A release with a grade but no bill yet, and what is missing to compute one."""

    model: str
    model_label: str
    claims: list[str]  # e.g. "GPQA Diamond 71.2%"
    missing: list[str]  # e.g. "no price published"
    sources: list[Link] = Field(default_factory=list)


class SourceStatus(BaseModel):
    """How one configured source fared in this run."""

    source_id: str
    kind: str
    ok: bool
    rows: int = 0
    rejected: int = 0
    reason: str | None = None


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
    title: str
    tagline: str = "Score is the grade. Production cost is the bill."
    items: list[SignalItem]
    pending: list[PendingRelease]
    sources: list[SourceStatus]
    chart: Chart | None = None
    method_note: str
