"""Render one Edition as email HTML (CSS inlined), Markdown and plain text.

The three outputs come from one content model and one set of phrases
(``templates/brief/_phrases.j2``), so they say the same things; only the layout differs.
"""

from __future__ import annotations

import os
import re
import textwrap
from collections.abc import Mapping
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

import css_inline
import jinja2
import markupsafe
from markupsafe import Markup

from flows.brief.content import Edition
from flows.brief.numbers import money, pct, points, ratio, score, seconds, tokens
from flows.brief.safety import clean_all, md_escape, md_url, safe_url
from flows.lifecycle import pause_point
from flows.locations import templates_dir
from signals import vocabulary
from signals.vocabulary import BUYER_BEHAVIOURS, COST_DRIVERS, FACTORS, STRENGTHS, VERDICTS

TEMPLATES = templates_dir()  # the checkout's templates/, or the ones a wheel ships


_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


# --- number and word filters -------------------------------------------------------------


def long_date(value: date) -> str:
    """The long date, whatever the locale: Thursday 11 June 2026."""
    return f"{_DAYS[value.weekday()]} {value.day} {_MONTHS[value.month - 1]} {value.year}"


def short_date(value: date, today: date | None = None) -> str:
    """The short date, 10 June, with the year when it differs from ``today``'s."""
    text = f"{value.day} {_MONTHS[value.month - 1]}"
    return text if today is not None and value.year == today.year else f"{text} {value.year}"


def plural(count: int, word: str, many: str | None = None) -> str:
    """A count with its noun: 1 signal, 3 signals."""
    return f"{count} {word if count == 1 else (many or word + 's')}"


def _keeps_markup(fn):
    """A text filter that keeps escaped markup escaped: given Markup (a block already escaped by
    autoescape), it returns Markup, so the result is not escaped twice."""

    def wrapped(text, *args, **kwargs):
        out = fn(text, *args, **kwargs)
        return Markup(out) if isinstance(text, Markup) else out

    wrapped.__doc__, wrapped.__name__ = fn.__doc__, fn.__name__
    return wrapped


@_keeps_markup
def squash(text: str) -> str:
    """Collapse runs of whitespace (template indentation, newlines) to single spaces."""
    return " ".join(str(text).split())


@_keeps_markup
def upfirst(text: str) -> str:
    """Upper-case the first character only ("p95 latency" -> "P95 latency")."""
    return text[:1].upper() + text[1:]


@_keeps_markup
def wrap(text: str, width: int = 78, first: str = "", rest: str = "") -> str:
    """Wrap a paragraph for plain text; ``first`` prefixes line one, ``rest`` the others."""
    return textwrap.fill(
        squash(text),
        width=width,
        initial_indent=first,
        subsequent_indent=rest,
        break_long_words=False,
        break_on_hyphens=False,
    )


def paragraphs(text: str) -> list[str]:
    """An editor's text as paragraphs: split at blank lines, each one line of single spaces."""
    return [" ".join(block.split()) for block in re.split(r"\n\s*\n", str(text)) if block.strip()]


_BLOCK_START = re.compile(r"^(\d*)([-+>=.)])")


def md_paragraph(text: str) -> Markup:
    """One paragraph of plain text for Markdown: HTML-escaped, Markdown syntax escaped, and a
    leading list, quote or heading marker escaped so the paragraph stays a paragraph."""
    escaped = md_escape(str(markupsafe.escape(text)))
    return Markup(_BLOCK_START.sub(r"\1\\\2", escaped))


def _words(table: Mapping[str, str]):
    def lookup(name: str | None) -> str:
        return table.get(name or "", (name or "n/a").replace("_", " "))

    return lookup


def largest_factor(attribution: Mapping[str, float] | None) -> tuple[str, float] | None:
    """The attribution factor with the largest absolute contribution, in reader's words."""
    if not attribution:
        return None
    name = max(attribution, key=lambda key: (abs(attribution[key] or 0.0), key))
    return FACTORS.get(name, name), attribution[name] or 0.0


def change_ratio(candidate: float | None, baseline: float | None) -> float | None:
    """candidate / baseline, or None when either side is missing or the baseline is zero."""
    if candidate is None or not baseline:
        return None
    return candidate / baseline


FILTERS = {
    "money": money,
    "pct": pct,
    "ratio": ratio,
    "tokens": tokens,
    "points": points,
    "score": score,
    "seconds": seconds,
    "date": long_date,
    "short_date": short_date,
    "plural": plural,
    "squash": squash,
    "upfirst": upfirst,
    "wrap": wrap,
    "paragraphs": paragraphs,
    "verdict_words": _words(VERDICTS),
    "strength_words": _words(STRENGTHS),
    "driver_words": _words(COST_DRIVERS),
    "behaviour_words": _words(BUYER_BEHAVIOURS),
}


# --- environments and rendering -----------------------------------------------------------
#
# Two environments, each compiling every template, macros included, under one rule:
# - "markup" (HTML and Markdown): autoescape on everywhere, so every value a template or macro
#   prints is HTML-escaped and a macro's result is safe markup; for Markdown, `finalize` also
#   backslash-escapes Markdown syntax in every value it did not write (flows/safety.py).
# - "text": no escaping (a .txt file is not interpreted); strings are cleaned of invisible and
#   control characters before any rendering, like everywhere else.


def _env(autoescape: bool, finalize=None, overrides: Path | None = None) -> jinja2.Environment:
    folders = [TEMPLATES] if overrides is None else [overrides, TEMPLATES]
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(folders),
        autoescape=autoescape,
        finalize=finalize,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )
    env.filters.update(FILTERS)
    env.filters["md_url"] = md_url
    env.filters["md_paragraph"] = md_paragraph
    env.filters["web"] = safe_url
    env.globals.update(
        largest_factor=largest_factor, change_ratio=change_ratio, vocab=vocabulary
    )  # verdicts and behaviours by name: vocab.UNLOCKS
    from flows.brief.names import model_label

    env.filters["model_label"] = model_label
    return env


@cache
def make_env(kind: str = "html", overrides: Path | None = None) -> jinja2.Environment:
    """The Jinja environment for one output kind ("html", "md" or "txt"), reading a template
    from `overrides` first when that folder has one (editors' own templates). One per process,
    kind and folder: templates are compiled once (and again when their file changes)."""
    if kind == "html":
        return _env(autoescape=True, overrides=overrides)
    if kind == "md":
        return _env(autoescape=True, finalize=md_escape, overrides=overrides)
    if kind == "txt":
        return _env(autoescape=False, overrides=overrides)
    raise ValueError(f"unknown output kind {kind!r}")


_BLANK_RUNS = re.compile(r"\n{3,}")


def _tidy(text: str) -> str:
    """Strip trailing spaces, keep at most one blank line in a row, end with one newline."""
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").split("\n")]
    return _BLANK_RUNS.sub("\n\n", "\n".join(lines)).strip("\n") + "\n"


def _quotes(markdown: str) -> str:
    """Quotes as written: HTML escaping spelled them as entities, which Markdown does not need
    (no tag can open once `<` is escaped) and which editors would read in the raw file."""
    return markdown.replace("&#39;", "'").replace("&#34;", '"')


def safe_edition(edition: Edition) -> Edition:
    """The edition a reader gets (the items an editor kept, numbered in order), with every
    string cleaned of invisible and control characters and every link that is not an http(s)
    address dropped (flows/brief/safety.py decides)."""
    shown = edition.model_copy(update={"items": edition.shown_items()})
    return Edition.model_validate(clean_all(shown.model_dump(mode="json")))


def render_edition(
    edition: Edition, templates: Path | None = None, kinds: tuple[str, ...] = ("html", "md", "txt")
) -> dict[str, str]:
    """Render an edition as {"html", "md", "txt"} (or the `kinds` asked for); the HTML has its
    CSS inlined. `templates` is a folder whose templates replace the bundled ones by name."""
    context: dict[str, Any] = {"edition": safe_edition(edition)}
    out: dict[str, str] = {}
    if "html" in kinds:
        html = make_env("html", templates).get_template("brief/brief.html.j2").render(context)
        inliner = css_inline.CSSInliner(keep_at_rules=True, load_remote_stylesheets=False)
        out["html"] = _tidy(inliner.inline(html))
    if "md" in kinds:
        md = make_env("md", templates).get_template("brief/brief.md.j2").render(context)
        out["md"] = _tidy(_quotes(md))
    if "txt" in kinds:
        out["txt"] = _tidy(
            make_env("txt", templates).get_template("brief/brief.txt.j2").render(context)
        )
    return out


def _draw_chart(chart: Any, path: Path) -> None:
    from flows.brief.chart import draw_chart

    draw_chart(chart, path)


def _write_atomically(path: Path, text: str) -> None:
    """Write `text` next to `path` first, then rename it into place: a reader (or a full disk)
    never meets a half-written file, and the old file stays until the new one is whole."""
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        tmp.write_text(text, encoding="utf-8", newline="\n")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def check_output_folder(out_dir: Path) -> None:
    """Raise OSError, before any work, when the briefs' folder cannot be made or written."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    probe = out_dir / ".write-check"
    probe.write_bytes(b"")
    probe.unlink()


def write_edition(
    edition: Edition, out_dir: Path, templates: Path | None = None
) -> dict[str, Path]:
    """Write brief.html, brief.md, brief.txt (and chart.png when the chart has points), each
    to a temporary file renamed into place.

    Works on a copy: the caller's edition is left unchanged. Returns the written paths by kind
    ("html", "md", "txt", and "chart" when drawn).
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    edition = edition.model_copy(deep=True)
    paths: dict[str, Path] = {}
    drawing = None
    if edition.chart is not None and edition.chart.points:
        from flows.sources.workers import submit

        paths["chart"] = out_dir / "chart.png"
        drawn = out_dir / ".chart.png.tmp.png"
        # drawn in a worker that has matplotlib loaded already (this process never imports it),
        # while the templates render here; renamed into place once whole
        drawing = submit(_draw_chart, edition.chart, drawn)
        edition.chart.image = paths["chart"].name
    try:
        for kind, text in render_edition(edition, templates).items():
            path = out_dir / f"brief.{kind}"
            _write_atomically(path, text)
            paths[kind] = path
            pause_point("render")  # test hook: killed with one file written
        if drawing is not None:
            drawing.result()
            os.replace(drawn, paths["chart"])
    finally:
        if drawing is not None:
            drawing.cancel()
            Path(drawn).unlink(missing_ok=True)
    return {kind: paths[kind] for kind in ("html", "md", "txt", "chart") if kind in paths}
