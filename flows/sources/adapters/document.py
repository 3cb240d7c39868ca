"""A single release document (a model card or release post in Markdown or HTML) as one entry.

Release notes often live in a repository or on a page rather than in a feed; read as one entry,
they go through the same fact extraction as feed items. Options: `title` (default: the first
heading), `published` (YYYY-MM-DD: the release date, which dates the claims read from it) and
`url` (the page to cite; also the entry's id).

Budgets (``flows/budget.py``): a document that is too large or has too many tags, whose HTML
nests too deep or leaves too many tags unended, or whose reading takes longer than its time
budget (the `budget_s` option, default 10 s), is set aside: no entry, one reject with the reason
and the first 200 characters.
"""

from __future__ import annotations

import hashlib
import re

from flows.sources.adapters.base import Format, Parsed
from flows.sources.adapters.feeds import clean_html, html_to_text
from flows.sources.budget import Budget, Clock, OverBudget, check_markup, clock, excerpt, limits_for

_HEADING = re.compile(r"^\s{0,3}#{1,3}\s+(.+?)\s*#*\s*$", re.M)
_FRONT_MATTER = re.compile(r"\A---\s*\n.*?\n---\s*\n", re.S)  # YAML front matter
_FRONT_TITLE = re.compile(r"^title:\s*(.+)$", re.M)
_HTML_TITLE = re.compile(r"<(?:title|h1)[^>]*>(.*?)</(?:title|h1)>", re.I | re.S)
_HTML_TITLE_OPEN = re.compile(r"<(?:title|h1)", re.I)
_HTML_TITLE_CLOSE = re.compile(r"</(?:title|h1)>", re.I)


def _html_title(text: str) -> re.Match[str] | None:
    """``_HTML_TITLE.search(text)`` in linear time. The search would look for a closer again
    from every opener (quadratic on many unclosed ``<title>``s); but the closers do not depend
    on the opener, so if the first opener's tag has none after it, no later opener has one."""
    opener = _HTML_TITLE_OPEN.search(text)
    if opener is None or (gt := text.find(">", opener.end())) < 0:
        return None
    closer = _HTML_TITLE_CLOSE.search(text, gt + 1)
    return None if closer is None else _HTML_TITLE.match(text, opener.start(), closer.end())


def _parse(
    data: bytes,
    source_id: str,
    html: bool,
    title: str | None,
    published: str | None,
    url: str | None,
    budget_s: float | None,
) -> Parsed:
    out = Parsed()
    limits = limits_for(budget_s)
    text = data.decode("utf-8", errors="replace")
    if not text.strip():
        out.reject("entries", "empty document", "")
        return out
    try:
        with clock(limits.seconds, "document") as budget_clock:
            row = _entry(data, text, html, title, published, url, limits, budget_clock)
    except OverBudget as exc:
        out.reject("entries", f"document set aside: {exc}", excerpt(text))
        return out
    out.add("entries", row)
    return out


def _entry(
    data: bytes,
    text: str,
    html: bool,
    title: str | None,
    published: str | None,
    url: str | None,
    limits: Budget,
    budget_clock: Clock,
) -> dict:
    """The document's row, within its budget."""
    budget_clock.check("checking markup")
    # Markdown is only read by regular expressions (its depth costs nothing): size and tags
    check_markup(text, limits, "HTML" if html else "Markdown", html=html)
    budget_clock.check("finding the title")
    if title is None:
        front = _FRONT_MATTER.match(text)
        body = text[front.end() :] if front else text
        named = _FRONT_TITLE.search(front.group(0)) if front else None
        found = named or (_html_title(body) if html else _HEADING.search(body))
        title = html_to_text(found.group(1).strip().strip("'\"")) if found else None
    budget_clock.check("converting to text")
    content = html_to_text(text) if html else text
    budget_clock.check("sanitising HTML")
    content_html = clean_html(text) if html else None
    budget_clock.check()
    return {
        "entry_id": url or "sha256:" + hashlib.sha256(data).hexdigest(),
        "title": title,
        "link": url,
        "published": published,
        "summary": None,
        "content": content,
        "content_html": content_html,
        "author": None,
        "bozo": False,
        "bozo_reason": None,
    }


def parse_markdown(
    data: bytes,
    source_id: str,
    *,
    title: str | None = None,
    published: str | None = None,
    url: str | None = None,
    budget_s: float | None = None,
) -> Parsed:
    """A Markdown (or plain text) release document as one entry; tables stay as Markdown."""
    return _parse(data, source_id, False, title, published, url, budget_s)


def parse_html(
    data: bytes,
    source_id: str,
    *,
    title: str | None = None,
    published: str | None = None,
    url: str | None = None,
    budget_s: float | None = None,
) -> Parsed:
    """An HTML release page as one entry; its HTML is kept so tables can be read as tables."""
    return _parse(data, source_id, True, title, published, url, budget_s)


FORMATS = (
    Format(("markdown",), ("feed",), parse_markdown),
    Format(("html-document",), ("feed",), parse_html),
)
