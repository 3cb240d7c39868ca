"""Hostile text never reaches a reader: every string of an edition is replaced by generated
hostile strings and the three outputs are checked by parsing them (HTML; Markdown rendered by a
CommonMark renderer; plain text), and in a real browser (Debian's chromium, through Playwright).
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from flows.brief import render
from flows.brief.content import Edition
from flows.brief.safety import clean_text, md_escape, safe_url
from signals.text import INVISIBLE

PAYLOADS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<svg/onload=alert(1)>",
    '"><script>alert(1)</script>',
    "'><img src=x onerror=alert(1)>",
    '<a href="javascript:alert(1)">x</a>',
    "[click](javascript:alert(1))",
    "![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
    "<https://evil.example/>",
    "javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "vbscript:msgbox(1)",
    "**bold** _em_ `code` ~~strike~~ | pipe | # heading",
    "gpt\u200b-5",
    "\u202eevil\u202c",
    "nul\x00byte",
    "[/] [bold]x[/bold] [aliases]",
    "acme-$\\notacommand$-9",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "<!-- comment --><style>body{display:none}</style>",
    "<iframe src=https://evil.example></iframe>",
    "\\<script>alert(1)\\</script>",
]
URLS = [
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    " javascript:alert(1)",
    "data:text/html,x",
    "vbscript:x",
    "//evil.example/x",
    "/etc/passwd",
    "file:///etc/passwd",
    "https://ok.example/a_(b)*c[d]",
    "https://ok.example/\u202e",
    "http://ok.example/<x>",
]
hostile = st.one_of(
    st.sampled_from(PAYLOADS),
    st.text(
        alphabet=st.sampled_from(list("<>&\"'`*_[]()!#|~\\$/:;= \u200b\u202e\x00ax")), max_size=30
    ),
    st.lists(st.sampled_from(PAYLOADS), min_size=2, max_size=3).map("".join),
)
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# values the templates look up by name (verdicts, reads, kinds): also replaced, they must be
# escaped like any text when they are unknown names
URL_KEYS = {"url", "method_url"}


def poison(value, draw, key: str = ""):
    """Every string of `value` replaced by a drawn hostile one (dates and numbers kept)."""
    if isinstance(value, dict):
        return {k: poison(v, draw, k) for k, v in value.items()}
    if isinstance(value, list):
        return [poison(v, draw, key) for v in value]
    if isinstance(value, str) and not DATE.match(value):
        if key in URL_KEYS:
            return draw(st.sampled_from(URLS))
        if key == "image":
            return "chart.png"
        return draw(hostile)
    return value


def hostile_edition(draw, sample_edition) -> Edition:
    """The sample edition with every string replaced by `draw(strategy)`."""
    data = sample_edition().model_dump(mode="json")
    return Edition.model_validate(poison(data, draw))


# no shrinking: a failing example is reported as drawn (shrinking a whole edition takes minutes)
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
)
@given(data=st.data())
def test_generated_hostile_strings_never_reach_a_reader(
    sample_edition, assert_safe_html, rendered_markdown, html_tags, md_tags, data
) -> None:
    edition = hostile_edition(data.draw, sample_edition)
    out = render.render_edition(edition)
    assert_safe_html(out["html"], html_tags)
    assert_safe_html(rendered_markdown(out["md"]), md_tags)
    for kind in ("html", "md", "txt"):
        assert not INVISIBLE.search(out[kind]), kind


def test_every_payload_in_every_field_at_once(
    sample_edition, assert_safe_html, rendered_markdown, html_tags, md_tags
) -> None:
    payloads = iter(PAYLOADS * 200)
    edition = hostile_edition(
        lambda strategy: next(payloads) if strategy is hostile else "javascript:alert(1)",
        sample_edition,
    )
    out = render.render_edition(edition)
    assert_safe_html(out["html"], html_tags)
    assert_safe_html(rendered_markdown(out["md"]), md_tags)
    assert "gpt-5" in out["txt"] and "\u200b" not in out["txt"]  # zero-width removed
    assert "[/] [bold]x[/bold] [aliases]" in out["txt"]  # brackets shown as written


def test_safety_rules() -> None:
    assert clean_text("gpt\u200b-5\u202e\x00") == "gpt-5"
    assert clean_text("two\nlines\tand tab") == "two\nlines\tand tab"
    for url in URLS[:8]:
        assert safe_url(url) is None, url
    assert safe_url("https://ok.example/x?y=1") == "https://ok.example/x?y=1"
    assert md_escape("a*b_[c](d)") == r"a\*b\_\[c\](d)"


def test_no_script_runs_in_a_real_browser(
    tmp_path: Path, sample_edition, rendered_markdown, dialogs_in_chromium
) -> None:
    payloads = iter(PAYLOADS * 200)
    edition = hostile_edition(
        lambda strategy: next(payloads) if strategy is hostile else "javascript:alert(1)",
        sample_edition,
    )
    edition = edition.model_copy(update={"edition_date": date(2026, 6, 11)})
    out = render.render_edition(edition)
    pages = {
        "brief.html": out["html"],
        "markdown.html": f"<html><body>{rendered_markdown(out['md'])}</body></html>",
    }
    assert dialogs_in_chromium(pages, tmp_path) == []
