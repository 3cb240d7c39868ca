"""Rendering of an edition: golden files, email rules, escaping, filters, determinism.

The golden files in tests/golden/ hold the expected brief.html, brief.md and brief.txt for the
fixed edition of the `sample_edition` fixture (tests/support/editions.py). After an intended
change to the templates or filters, regenerate them and review the diff before committing:

    UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/flows/brief/test_render.py
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
from flows.brief.content import ChartPoint, PendingRelease

TODAY = date(2026, 6, 11)  # the sample edition's date, for the date filters


@pytest.fixture(scope="module")
def rendered(sample_edition) -> dict[str, str]:
    edition = sample_edition()
    edition.chart.image = "chart.png"
    return render.render_edition(edition)


# --- golden files ----------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["html", "md", "txt"])
def test_matches_golden(rendered: dict[str, str], kind: str, repo_root: Path) -> None:
    path = repo_root / "tests" / "golden" / f"brief.{kind}"
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


def test_html_and_markdown_escape_labels_and_text_keeps_them(sample_edition) -> None:
    out = render.render_edition(sample_edition(model_label="Mini <b>& Co *[x](y)*"))
    assert "Mini &lt;b&gt;&amp; Co" in out["html"]
    assert "<b>&" not in out["html"]
    # Markdown: no raw HTML, no emphasis or link from the label; shown as written when rendered
    assert r"Mini &lt;b&gt;&amp; Co \*\[x\](y)\*" in out["md"]
    assert "<b>" not in out["md"]
    assert "Mini <b>& Co *[x](y)*" in out["txt"]
    assert "&lt;" not in out["txt"] and "&amp;" not in out["txt"]


def test_strict_undefined_raises(sample_edition) -> None:
    env = render.make_env()
    with pytest.raises(jinja2.UndefinedError):
        env.from_string("{{ missing }}").render()
    edition = sample_edition()
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


def test_two_renders_are_byte_identical(sample_edition) -> None:
    assert render.render_edition(sample_edition()) == render.render_edition(sample_edition())


def test_write_edition_is_deterministic(sample_edition, tmp_path: Path) -> None:
    edition = sample_edition()
    first = render.write_edition(edition, tmp_path / "a")
    second = render.write_edition(edition, tmp_path / "b")
    assert set(first) == {"html", "md", "txt", "chart"}
    for kind in first:
        assert first[kind].read_bytes() == second[kind].read_bytes(), kind
    assert first["chart"].read_bytes().startswith(b"\x89PNG")
    assert "![" in first["md"].read_text(encoding="utf-8")
    assert b"\r\n" not in first["txt"].read_bytes()
    assert edition.chart.image is None, "the caller's edition is left unchanged"


def test_chart_png_is_byte_identical(sample_edition, tmp_path: Path) -> None:
    chart = sample_edition().chart
    draw_chart(chart, tmp_path / "one.png")
    draw_chart(chart, tmp_path / "two.png")
    assert (tmp_path / "one.png").read_bytes() == (tmp_path / "two.png").read_bytes()


def test_frontier_is_lowest_cost_for_at_least_that_score(sample_edition) -> None:
    steps = frontier(sample_edition().chart.points)
    assert steps == [(82.5, 0.0011), (86.0, 0.0061), (89.4, 0.0094)]


def test_chart_labels_of_close_points_do_not_overlap(sample_edition) -> None:
    from matplotlib.text import Text

    from flows.brief.chart import STYLE, _figure

    chart = sample_edition().chart
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


def test_no_chart_file_without_points(sample_edition, tmp_path: Path) -> None:
    edition = sample_edition()
    edition.chart.points = []
    paths = render.write_edition(edition, tmp_path)
    assert set(paths) == {"html", "md", "txt"}
    assert not (tmp_path / "chart.png").exists()
    assert "Chart:" not in paths["md"].read_text(encoding="utf-8")


def test_edition_without_items(sample_edition, tmp_path: Path) -> None:
    edition = sample_edition()
    edition.items = []
    edition.pending = []
    edition.chart = None
    out = render.render_edition(edition)
    for kind in ("html", "md", "txt"):
        assert "No comparable news today" in out[kind]
        assert "Releases without a comparable grade" not in out[kind]
