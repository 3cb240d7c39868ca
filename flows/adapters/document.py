"""A single release document (a model card or release post in Markdown or HTML) as one entry.

Release notes often live in a repository or on a page rather than in a feed; read as one entry,
they go through the same fact extraction as feed items. Options: `title` (default: the first
heading), `published` (YYYY-MM-DD: the release date, which dates the claims read from it) and
`url` (the page to cite; also the entry's id).
"""

from __future__ import annotations

import hashlib
import re

from flows.adapters.base import Parsed
from flows.adapters.feeds import clean_html, html_to_text

_HEADING = re.compile(r"^\s{0,3}#{1,3}\s+(.+?)\s*#*\s*$", re.M)
_FRONT_MATTER = re.compile(r"\A---\s*\n.*?\n---\s*\n", re.S)  # YAML front matter
_FRONT_TITLE = re.compile(r"^title:\s*(.+)$", re.M)
_HTML_TITLE = re.compile(r"<(?:title|h1)[^>]*>(.*?)</(?:title|h1)>", re.I | re.S)


def _parse(data: bytes, source_id: str, html: bool, title: str | None, published: str | None,
           url: str | None) -> Parsed:
    out = Parsed()
    text = data.decode("utf-8", errors="replace")
    if not text.strip():
        out.reject("entries", "empty document", "")
        return out
    if title is None:
        front = _FRONT_MATTER.match(text)
        body = text[front.end():] if front else text
        named = _FRONT_TITLE.search(front.group(0)) if front else None
        found = named or (_HTML_TITLE if html else _HEADING).search(body)
        title = html_to_text(found.group(1).strip().strip("'\"")) if found else None
    out.add("entries", {
        "entry_id": url or "sha256:" + hashlib.sha256(data).hexdigest(),
        "title": title,
        "link": url,
        "published": published,
        "summary": None,
        "content": html_to_text(text) if html else text,
        "content_html": clean_html(text) if html else None,
        "author": None,
        "bozo": False,
        "bozo_reason": None,
    })
    return out


def parse_markdown(data: bytes, source_id: str, *, title: str | None = None,
                   published: str | None = None, url: str | None = None) -> Parsed:
    """A Markdown (or plain text) release document as one entry; tables stay as Markdown."""
    return _parse(data, source_id, False, title, published, url)


def parse_html(data: bytes, source_id: str, *, title: str | None = None,
               published: str | None = None, url: str | None = None) -> Parsed:
    """An HTML release page as one entry; its HTML is kept so tables can be read as tables."""
    return _parse(data, source_id, True, title, published, url)
