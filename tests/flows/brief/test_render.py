"""Rendering of an edition: golden files, email rules, escaping, filters, determinism.

The golden files in tests/golden/ hold the expected brief.html, brief.md and brief.txt for the
fixed edition built below. After an intended change to the templates or filters, regenerate them
and review the diff before committing:

    UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/test_render.py
"""

from __future__ import annotations

import os
import re
from datetime import date
from pathlib import Path

import jinja2
import matplotlib
import pytest

from flows.brief import render
from flows.brief.chart import draw_chart, frontier
from flows.brief.content import (
    Chart,
    ChartPoint,
    Edition,
    Link,
    PendingRelease,
    SignalItem,
    SourceStatus,
    WorkloadLine,
)

GOLDEN = Path(__file__).resolve().parents[2] / "golden"
TODAY = date(2026, 6, 11)


# --- a fixed edition ------------------------------------------------------------------------


def metrics(
    p: float,
    c: float,
    *,
    k: int,
    rpd: float,
    prompt: int,
    decode: float,
    latency: float,
    **extra: object,
) -> dict:
    """Section-2 metrics for one model on one workload, from p, cost per attempt and k."""
    p_ok = 1 - (1 - p) ** k
    attempts = p_ok / p
    return {
        "p": p,
        "cost_per_attempt": c,
        "p_ok": p_ok,
        "expected_attempts": attempts,
        "cost_per_request": c * attempts,
        "cost_per_success": c / p,
        "daily_bill": rpd * c * attempts,
        "prefill_tokens_per_day": rpd * attempts * prompt,
        "decode_tokens_per_day": rpd * attempts * decode,
        "latency_p95_s": latency,
        "fits_latency": True,
        "fits_context": True,
        "net_value_per_request": p_ok * 0.05 - c * attempts,
        "viable": True,
        "speed_known": True,
        "context_known": True,
        "tier_used": False,
        **extra,
    }


def comparison(
    workload: str, candidate: str, baseline: str, cand: dict, base: dict, **fields: object
) -> dict:
    """A section-5 comparison; attribution splits the change 80/10/0/10 unless given."""
    change = cand["cost_per_success"] - base["cost_per_success"]
    out = {
        "as_of": "2026-06-11",
        "workload": workload,
        "candidate": candidate,
        "baseline": baseline,
        "capability": "helpful multi-turn chat",
        "cost_driver": "price",
        "buyer_behaviour": "switch",
        "verdict": "cheaper_per_task",
        "strength": "strong",
        "claim_contradicted": False,
        "delta_score": None,
        "cost_ratio": cand["cost_per_success"] / base["cost_per_success"],
        "reads": {"workload_cost": "down", "capacity": "flat", "serving_volume": "up"},
        "attribution": {
            "price": 0.8 * change,
            "output": 0.1 * change,
            "reasoning": 0.0,
            "success": 0.1 * change,
        },
        "candidate_metrics": cand,
        "baseline_metrics": base,
    }
    out.update(fields)
    return out


def chat_line(label: str = "Northwind Mini 3") -> WorkloadLine:
    cand = metrics(0.825, 0.00091, k=2, rpd=100_000, prompt=1_800, decode=350, latency=2.1)
    base = metrics(0.819, 0.00197, k=2, rpd=100_000, prompt=1_800, decode=340, latency=2.4)
    return WorkloadLine(
        workload="support_chat",
        workload_label="support chat",
        requests_per_day=100_000,
        baseline="northwind-core-2",
        baseline_label="Northwind Core 2",
        benchmark="helpbench",
        benchmark_label="HelpBench",
        candidate_score=82.5,
        baseline_score=81.9,
        noise=1.4,
        delta_significant=False,
        comparison=comparison(
            "support_chat", label, "northwind-core-2", cand, base, delta_score=0.6
        ),
        driver_detail="list price halved",
    )


def reason_lines() -> list[WorkloadLine]:
    chat_c = metrics(
        0.894,
        0.0084,
        k=2,
        rpd=100_000,
        prompt=1_800,
        decode=2_650,
        latency=31.0,
        fits_latency=False,
        viable=False,
    )
    chat_b = metrics(0.819, 0.00197, k=2, rpd=100_000, prompt=1_800, decode=340, latency=2.4)
    chat = comparison(
        "support_chat",
        "northwind-reason-2",
        "northwind-core-2",
        chat_c,
        chat_b,
        cost_driver="latency",
        buyer_behaviour="hold",
        verdict="grade_not_bill",
        strength="weak",
        claim_contradicted=True,
        delta_score=7.5,
        reads={"workload_cost": "up", "capacity": "up", "serving_volume": "flat"},
    )
    code_c = metrics(
        0.68,
        0.31,
        k=3,
        rpd=2_000,
        prompt=24_000,
        decode=6_100,
        latency=48.0,
        observed_cost_per_solved=0.42,
    )
    code_b = metrics(
        0.55,
        0.29,
        k=3,
        rpd=2_000,
        prompt=24_000,
        decode=5_800,
        latency=40.0,
        viable=False,
        observed_cost_per_solved=0.61,
    )
    code = comparison(
        "agentic_coding",
        "northwind-reason-2",
        "northwind-core-2",
        code_c,
        code_b,
        capability="agentic software repair",
        cost_driver="retries",
        buyer_behaviour="expand",
        verdict="unlocks_workload",
        strength="strong",
        delta_score=13.0,
        reads={"workload_cost": "down", "capacity": "flat", "serving_volume": "up"},
    )
    common = {"baseline": "northwind-core-2", "baseline_label": "Northwind Core 2"}
    return [
        WorkloadLine(
            workload="support_chat",
            workload_label="support chat",
            requests_per_day=100_000,
            benchmark="helpbench",
            benchmark_label="HelpBench",
            candidate_score=89.4,
            baseline_score=81.9,
            noise=1.4,
            delta_significant=True,
            comparison=chat,
            driver_detail="reasoning tokens add most of the cost",
            **common,
        ),
        WorkloadLine(
            workload="agentic_coding",
            workload_label="agentic coding",
            requests_per_day=2_000,
            benchmark="swe_bench_verified",
            benchmark_label="SWE-bench Verified",
            candidate_score=68.0,
            baseline_score=55.0,
            noise=3.1,
            delta_significant=True,
            comparison=code,
            driver_detail="fewer retries per solved task",
            **common,
        ),
    ]


def summary_line() -> WorkloadLine:
    cand = metrics(
        0.70, 0.0061, k=1, rpd=40_000, prompt=9_000, decode=900, latency=0.0, speed_known=False
    )
    base = metrics(0.74, 0.0042, k=1, rpd=40_000, prompt=9_000, decode=600, latency=6.5)
    comp = comparison(
        "doc_summary",
        "cobalt-7",
        "northwind-core-2",
        cand,
        base,
        capability="long-document summarisation",
        cost_driver="generated_tokens",
        buyer_behaviour="hold",
        verdict="bill_only",
        strength="weak",
        reads={"workload_cost": "up", "capacity": "up", "serving_volume": "flat"},
    )
    return WorkloadLine(
        workload="doc_summary",
        workload_label="document summaries",
        requests_per_day=40_000,
        baseline="northwind-core-2",
        baseline_label="Northwind Core 2",
        benchmark=None,
        benchmark_label=None,
        candidate_score=None,
        baseline_score=None,
        noise=None,
        delta_significant=False,
        comparison=comp,
        driver_detail="writes half again as many tokens per summary",
    )


def make_edition(model_label: str = "Northwind Mini 3") -> Edition:
    chat = chat_line(model_label)
    reason = reason_lines()
    return Edition(
        edition_date=TODAY,
        title="Morning Brief · Model costs",
        items=[
            SignalItem(
                rank=1,
                model="northwind-mini-3",
                model_label=model_label,
                headline=f"{model_label} cuts the bill for support chat",
                verdict="cheaper_per_task",
                verdict_words="cheaper per task",
                strength="strong",
                lines=[chat],
                sources=[
                    Link(
                        label="Northwind news",
                        url="https://northwind.example/news/mini-3",
                        date=date(2026, 6, 10),
                    ),
                    Link(label="house price sheet", date=date(2026, 6, 1)),
                ],
            ),
            SignalItem(
                rank=2,
                model="northwind-reason-2",
                model_label="Northwind Reason 2",
                headline="Northwind Reason 2: higher grade, bigger bill",
                verdict="grade_not_bill",
                verdict_words="grade, not bill",
                strength="weak",
                lines=reason,
                sources=[
                    Link(
                        label="Northwind news",
                        url="https://northwind.example/news/r2",
                        date=date(2026, 6, 9),
                    )
                ],
            ),
            SignalItem(
                rank=3,
                model="cobalt-7",
                model_label="Cobalt 7",
                headline="Cobalt 7 writes longer summaries at a higher price",
                verdict="bill_only",
                verdict_words="",
                strength="weak",
                lines=[summary_line()],
                sources=[
                    Link(
                        label="Cobalt changelog",
                        url="https://cobalt.example/changelog",
                        date=date(2025, 12, 30),
                    )
                ],
            ),
        ],
        pending=[
            PendingRelease(
                model="vendor-y-z-2",
                model_label='Vendor Y "Z-2"',
                claims=["91.2% on GPQA Diamond"],
                missing=["no price published", "no speed figures"],
                sources=[
                    Link(
                        label="Vendor Y blog",
                        url="https://vendor-y.example/z-2",
                        date=date(2026, 6, 10),
                    )
                ],
            ),
        ],
        sources=[
            SourceStatus(source_id="northwind-news", kind="feed", ok=True, rows=4),
            SourceStatus(source_id="vendor-x-news", kind="feed", ok=False, reason="HTTP 503"),
            SourceStatus(source_id="house-prices", kind="prices", ok=True, rows=40, rejected=2),
            SourceStatus(source_id="aider", kind="scores", ok=True, rows=120),
            SourceStatus(source_id="chat-trace", kind="trace", ok=True, rows=5000),
        ],
        chart=Chart(
            workload="support_chat",
            workload_label="support chat",
            benchmark_label="HelpBench",
            points=[
                ChartPoint(
                    model_label=model_label, score=82.5, cost_per_success=0.0011, role="candidate"
                ),
                ChartPoint(
                    model_label="Northwind Reason 2",
                    score=89.4,
                    cost_per_success=0.0094,
                    role="candidate",
                ),
                ChartPoint(
                    model_label="Northwind Core 2",
                    score=81.9,
                    cost_per_success=0.0024,
                    role="incumbent",
                ),
                ChartPoint(
                    model_label="Cobalt 6", score=77.0, cost_per_success=0.0017, role="other"
                ),
                ChartPoint(
                    model_label="Cobalt 7", score=86.0, cost_per_success=0.0061, role="other"
                ),
            ],
        ),
        method_note=(
            "How we compute it: per workload, cost per successful task = cost per attempt ÷ "
            "success rate; prices as in force on the day; scores as published by the day."
        ),
    )


@pytest.fixture(scope="module")
def rendered() -> dict[str, str]:
    edition = make_edition()
    edition.chart.image = "chart.png"
    return render.render_edition(edition)


# --- golden files ----------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["html", "md", "txt"])
def test_matches_golden(rendered: dict[str, str], kind: str) -> None:
    path = GOLDEN / f"brief.{kind}"
    if os.environ.get("UPDATE_GOLDEN") == "1":
        path.parent.mkdir(exist_ok=True)
        path.write_text(rendered[kind], encoding="utf-8", newline="\n")
    assert rendered[kind] == path.read_text(encoding="utf-8"), f"regenerate: see {__doc__}"


PHRASES = (
    "strong signal: cheaper per task",
    "weak signal: grade, not bill",
    "−54%",
    "×3.9",
    "$0.42 per solved task",
    "No shared benchmark",
    "Sources read: 5 (1 failed: vendor-x-news, HTTP 503 — earlier facts kept; 2 rows set aside",
    "buyer behaviour",
    "Claim contradicted",
    "no price published",
    "cost frontier",
    "Thursday 11 June 2026",
)


def test_all_formats_say_the_same_things(rendered: dict[str, str]) -> None:
    for kind in ("html", "md", "txt"):
        text = rendered[kind]
        flat = " ".join(text.split()).lower()
        for phrase in PHRASES:
            assert phrase.lower() in flat, (kind, phrase)


# --- email rules -----------------------------------------------------------------------------


def test_html_is_email_safe(rendered: dict[str, str]) -> None:
    html = rendered["html"]
    assert "<script" not in html.lower()
    assert len(html.encode("utf-8")) < 100_000
    for block in re.findall(r"<style[^>]*>(.*?)</style>", html, flags=re.S):
        assert block.strip().startswith("@media"), "only media queries may stay in <style>"
    assert 'class="sheet"' in html and 'width="600"' in html
    assert re.search(r'<td[^>]*style="[^"]*font-family', html), "styles are inlined"
    assert 'src="chart.png"' in html


def test_html_and_markdown_escape_labels_and_text_keeps_them() -> None:
    out = render.render_edition(make_edition(model_label="Mini <b>& Co *[x](y)*"))
    assert "Mini &lt;b&gt;&amp; Co" in out["html"]
    assert "<b>&" not in out["html"]
    # Markdown: no raw HTML, no emphasis or link from the label; shown as written when rendered
    assert r"Mini &lt;b&gt;&amp; Co \*\[x\](y)\*" in out["md"]
    assert "<b>" not in out["md"]
    assert "Mini <b>& Co *[x](y)*" in out["txt"]
    assert "&lt;" not in out["txt"] and "&amp;" not in out["txt"]


def test_strict_undefined_raises() -> None:
    env = render.make_env()
    with pytest.raises(jinja2.UndefinedError):
        env.from_string("{{ missing }}").render()
    edition = make_edition()
    del edition.items[0].lines[0].comparison["reads"]
    with pytest.raises(jinja2.UndefinedError):
        render.render_edition(edition)


def test_macros_escape_what_they_print_in_html_and_markdown() -> None:
    # the shared phrases are compiled in each environment: escaped wherever markup is made
    assert render.make_env("html").autoescape is True and render.make_env("md").autoescape is True
    assert render.make_env("txt").autoescape is False
    pending = PendingRelease(
        model="x", model_label="<svg/onload=alert(1)>", claims=[], missing=["[aliases] <b>"]
    )
    source = '{% import "brief/_phrases.j2" as p %}{{ p.pending(r) }}'
    html = render.make_env("html").from_string(source).render(r=pending)
    assert "<svg" not in html and "&lt;svg/onload=alert(1)&gt;" in html
    md = render.make_env("md").from_string(source).render(r=pending)
    assert "<svg" not in md and r"\[aliases\] &lt;b&gt;" in md
    txt = render.make_env("txt").from_string(source).render(r=pending)
    assert "<svg/onload=alert(1)>" in txt  # a .txt file is not interpreted


# --- filters ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0.00112, "$0.0011"),
        (0.0024, "$0.0024"),
        (0.5, "$0.50"),
        (0.123, "$0.12"),
        (3.456, "$3.46"),
        (118.3, "$118"),
        (2512, "$2,510"),
        (251_000, "$251,000"),
        (1_200_000, "$1.2M"),
        (1_234_567, "$1.23M"),
        (4.2e9, "$4.2B"),
        (0, "$0"),
        (-0.0012, "−$0.0012"),
        (None, "n/a"),
    ],
)
def test_money(value: float | None, expected: str) -> None:
    assert render.money(value) == expected


def test_money_signed() -> None:
    assert render.money(0.0012, signed=True) == "+$0.0012"
    assert render.money(-2512, signed=True) == "−$2,510"


@pytest.mark.parametrize(
    ("value", "signed", "expected"),
    [
        (-0.54, True, "−54%"),
        (0.054, True, "+5.4%"),
        (0.0, True, "0%"),
        (0.68, False, "68%"),
        (0.12, True, "+12%"),
        (-0.0004, True, "0%"),
        (None, True, "n/a"),
    ],
)
def test_pct(value: float | None, signed: bool, expected: str) -> None:
    assert render.pct(value, signed=signed) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [(3.9, "×3.9"), (2.0, "×2.0"), (12.4, "×12"), (1.5, "+50%"), (0.46, "−54%"), (1.0, "0%")],
)
def test_ratio(value: float, expected: str) -> None:
    assert render.ratio(value) == expected


def test_other_filters() -> None:
    assert render.tokens(2000) == "2,000"
    assert render.tokens(1_234_567.4) == "1,234,567"
    assert render.points(7.5) == "+7.5"
    assert render.points(-0.62) == "−0.6"
    assert render.long_date(TODAY) == "Thursday 11 June 2026"
    assert render.short_date(date(2026, 6, 1), TODAY) == "1 June"
    assert render.short_date(date(2025, 12, 30), TODAY) == "30 December 2025"
    assert render.plural(1, "signal") == "1 signal"
    assert render.plural(3, "signal") == "3 signals"
    assert render.ratio(None) == "n/a"


def test_text_is_wrapped(rendered: dict[str, str]) -> None:
    long_lines = [line for line in rendered["txt"].splitlines() if len(line) > 78]
    assert all("<http" in line for line in long_lines), long_lines


# --- determinism and files -------------------------------------------------------------------


def test_two_renders_are_byte_identical() -> None:
    assert render.render_edition(make_edition()) == render.render_edition(make_edition())


def test_write_edition_is_deterministic(tmp_path: Path) -> None:
    edition = make_edition()
    first = render.write_edition(edition, tmp_path / "a")
    second = render.write_edition(edition, tmp_path / "b")
    assert set(first) == {"html", "md", "txt", "chart"}
    for kind in first:
        assert first[kind].read_bytes() == second[kind].read_bytes(), kind
    assert first["chart"].read_bytes().startswith(b"\x89PNG")
    assert "![" in first["md"].read_text(encoding="utf-8")
    assert b"\r\n" not in first["txt"].read_bytes()
    assert edition.chart.image is None, "the caller's edition is left unchanged"


def test_chart_png_is_byte_identical(tmp_path: Path) -> None:
    chart = make_edition().chart
    draw_chart(chart, tmp_path / "one.png")
    draw_chart(chart, tmp_path / "two.png")
    assert (tmp_path / "one.png").read_bytes() == (tmp_path / "two.png").read_bytes()


def test_frontier_is_lowest_cost_for_at_least_that_score() -> None:
    steps = frontier(make_edition().chart.points)
    assert steps == [(82.5, 0.0011), (86.0, 0.0061), (89.4, 0.0094)]


def test_chart_labels_of_close_points_do_not_overlap() -> None:
    from matplotlib.text import Text

    from flows.brief.chart import STYLE, _figure

    chart = make_edition().chart
    chart.points = [
        ChartPoint(
            model_label=f"Claude Opus 4.1 ({effort})",
            score=73 + i * 0.4,
            cost_per_success=0.045 + i * 0.001,
            role="candidate",
        )
        for i, effort in enumerate(("16k think", "27k", "none"))
    ]
    chart.points.append(
        ChartPoint(model_label="Incumbent", score=60, cost_per_success=0.01, role="incumbent")
    )
    with matplotlib.rc_context(STYLE):
        fig = _figure(chart)
        fig.canvas.draw()
        renderer = fig.canvas.get_renderer()
        boxes = [Text.get_window_extent(t, renderer) for t in fig.axes[0].texts]  # no lines
    assert len(boxes) == 4
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert not a.overlaps(b), (a, b)


def test_no_chart_file_without_points(tmp_path: Path) -> None:
    edition = make_edition()
    edition.chart.points = []
    paths = render.write_edition(edition, tmp_path)
    assert set(paths) == {"html", "md", "txt"}
    assert not (tmp_path / "chart.png").exists()
    assert "Chart:" not in paths["md"].read_text(encoding="utf-8")


def test_edition_without_items(tmp_path: Path) -> None:
    edition = make_edition()
    edition.items = []
    edition.pending = []
    edition.chart = None
    out = render.render_edition(edition)
    for kind in ("html", "md", "txt"):
        assert "No comparable news today" in out[kind]
        assert "Releases without a comparable grade" not in out[kind]
