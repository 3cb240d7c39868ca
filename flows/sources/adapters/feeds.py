"""News feeds -> entries: RSS 0.9x/1.0/2.0 and Atom through feedparser, JSON Feed 1.0/1.1.

Input is always bytes already fetched: feedparser gets a byte stream, so it never opens a URL or
a file. A document starting with ``{`` is read as JSON Feed. Per entry:

- ``entry_id``: the id/guid, else the link, else sha256 of title + date (stable across parses);
- ``published``: published, else updated, as an ISO 8601 UTC string, else None
  (JSON Feed dates without an offset are taken as UTC);
- ``title``, ``summary`` and ``content`` as plain text: markup is removed (script and style
  contents with it) and entities decoded, whatever the content type;
- ``content_html``: the HTML content, sanitised by ammonia's allowlist (``nh3``: tables, links
  and images kept; scripts, styles, event handlers and unknown tags removed), so that tables in
  release notes can still be read as tables and the HTML is safe to show. feedparser resolves
  relative links but does not sanitise: ammonia does that job far faster.
- ``bozo``/``bozo_reason``: the feed was not well formed but still read (not fatal).

A document with no feed at all (neither XML feed nor JSON Feed) yields no rows and one reject
whose reason is the parser's own message.

Budgets (``flows/budget.py``): an entry whose markup is too large, has too many tags, nests too
deep or leaves too many tags unended, or whose reading takes longer than its time budget (the
`budget_s` option, default 10 s), is set aside as a reject with its reason and the first 200
characters of each of its fields; the other entries go in. An entry of an XML feed whose XML
itself nests too deep or holds too many elements is cut out of the bytes before feedparser reads
them (a crossing outside any entry sets the whole feed aside). feedparser does no HTML work of
its own (relative links of the HTML kept as ``content_html`` are resolved by its resolver here,
after the checks): its HTML passes cost seconds on one hostile entry.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
from calendar import timegm
from datetime import UTC, datetime
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin

import feedparser
import feedparser.urls
import nh3

from flows.sources.adapters.base import Format, Parsed
from flows.sources.budget import (
    DEFAULT,
    Budget,
    Clock,
    OverBudget,
    check_markup,
    clock,
    cut,
    excerpt,
    limits_for,
    xml_hotspots,
)

# feedparser asks xml.sax for libxml2's SAX driver first, on every parse: with no such driver
# installed, each parse pays a failed import (a search of sys.path, about half a millisecond:
# an eighth of a small feed's parse) before it takes Python's expat reader. Expat is asked for
# directly; a feed is read by the same parser either way.
feedparser.api.PREFERRED_XML_PARSERS = []

_BLOCK_TAGS = {
    "p",
    "div",
    "br",
    "li",
    "ul",
    "ol",
    "tr",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "blockquote",
    "pre",
    "section",
    "article",
    "table",
    "hr",
}
_SKIP_TAGS = {"script", "style", "template", "noscript"}


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in _SKIP_TAGS:
            self.skip += 1
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP_TAGS:
            self.skip = max(0, self.skip - 1)
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.parts.append(data)


def html_to_text(value: str | None) -> str:
    """Plain text of an HTML (or plain) fragment: tags removed, entities decoded, spaces tidied."""
    if not value:
        return ""
    if "<" in value or "&" in value:
        parser = _TextExtractor()
        parser.feed(value)
        parser.close()
        text = "".join(parser.parts)
    else:  # no markup and no entities: nothing to parse
        text = value
    lines = (re.sub(r"[ \t\r\f\v\u00a0]+", " ", line).strip() for line in text.split("\n"))
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def clean_html(value: str | None) -> str | None:
    """HTML safe to show (ammonia's default allowlist), or None when there is none."""
    if not value or not value.strip():
        return None
    return nh3.clean(value)


def entry_id(guid: str | None, link: str | None, title: str, date: str | None) -> str:
    """Stable id: guid, else link, else sha256 of title and date."""
    if guid and guid.strip():
        return guid.strip()
    if link and link.strip():
        return link.strip()
    return "sha256:" + hashlib.sha256(f"{title}\n{date or ''}".encode()).hexdigest()


def parse(
    data: bytes,
    source_id: str,
    *,
    base_url: str | None = None,
    content_type: str | None = None,
    budget_s: float | None = None,
) -> Parsed:
    """Parse an RSS, Atom or JSON Feed document into entries. `base_url` (the address the feed
    came from; an option for a saved file) makes relative links absolute; `content_type` (the
    HTTP header) gives the charset when the document does not; `budget_s` is each entry's time
    budget in seconds."""
    limits = limits_for(budget_s)
    if data.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{"):
        return parse_json_feed(data, source_id, base_url=base_url, limits=limits)
    return parse_xml_feed(
        data, source_id, base_url=base_url, content_type=content_type, limits=limits
    )


def parse_xml_feed(
    data: bytes,
    source_id: str,
    *,
    base_url: str | None = None,
    content_type: str | None = None,
    limits: Budget = DEFAULT,
) -> Parsed:
    """RSS 0.9x/1.0/2.0 or Atom through feedparser."""
    out = Parsed()
    spots = xml_hotspots(data, limits)
    if spots and spots[0].whole:
        out.reject("entries", f"feed set aside before parsing: {spots[0].reason}", excerpt(data))
        return out
    for spot in spots:
        out.reject(
            "entries",
            f"entry set aside before parsing: {spot.reason}",
            excerpt(data[spot.start : spot.end]),
        )
    headers = {
        k: v for k, v in (("content-location", base_url), ("content-type", content_type)) if v
    }
    doc = feedparser.parse(
        io.BytesIO(cut(data, spots) if spots else data),
        sanitize_html=False,  # sanitised below
        resolve_relative_uris=False,  # resolved below, within budget
        response_headers=headers,
    )
    bozo = bool(doc.get("bozo"))
    reason = str(doc.get("bozo_exception")) if bozo else None
    if not doc.get("version") and not doc.entries and not spots:
        # a document that is not a feed makes a failed source, not a healthy one with a reject
        raise NotAFeed(f"no RSS or Atom feed found: {reason or 'unrecognised document'}")
    for item in doc.entries:
        try:
            with clock(limits.seconds) as budget_clock:
                row = _xml_entry(item, limits, budget_clock, doc.get("encoding"))
        except OverBudget as exc:
            _set_aside(out, item.get("id") or item.get("link"), exc, item)
            continue
        out.add("entries", {**row, "bozo": bozo, "bozo_reason": reason})
    return out


class NotAFeed(ValueError):
    """The document is not a feed at all: the source fails with this reason."""


def _set_aside(out: Parsed, label: Any, exc: OverBudget, item: Any) -> None:
    """Reject an entry over its budget; raw: its id, link and title, and the first characters
    of each field it has."""
    raw: dict[str, Any] = {}
    for key in ("id", "link", "url", "title", "summary", "content_text", "content_html"):
        if isinstance(item.get(key), str):
            raw[key] = excerpt(item[key])
    parts = item.get("content")
    if isinstance(parts, list) and parts and isinstance(parts[0], dict):  # feedparser's
        raw["content"] = excerpt(parts[0].get("value"))
    name = f" {excerpt(label, 120)!r}" if isinstance(label, str) and label.strip() else ""
    out.reject("entries", f"entry{name} set aside: {exc}", raw)


def _xml_entry(item: Any, limits: Budget, budget_clock: Clock, encoding: str | None) -> dict:
    """One feed entry's row (without the bozo fields), within its budget."""
    budget_clock.check("checking markup")
    check_markup(item.get("title"), limits, "title")
    check_markup(item.get("summary"), limits, "summary")
    for c in item.get("content") or []:
        check_markup(c.get("value"), limits, "content")
    budget_clock.check("converting to text")
    title = html_to_text(item.get("title"))
    published = _struct_time(item.get("published_parsed") or item.get("updated_parsed"))
    summary = html_to_text(item.get("summary"))
    content = "\n\n".join(
        t for c in item.get("content") or [] if (t := html_to_text(c.get("value")))
    )
    budget_clock.check("sanitising HTML")
    html = _html_content(item, encoding)
    budget_clock.check()
    return {
        "entry_id": entry_id(item.get("id"), item.get("link"), title, published),
        "title": title,
        "link": item.get("link"),
        "published": published,
        "summary": summary,
        "content": content,
        "content_html": html,
        "author": item.get("author") or None,
    }


def _html_content(item: Any, encoding: str | None = None) -> str | None:
    """The entry's HTML content, links made absolute against each part's base (by feedparser's
    own resolver) and sanitised (tables kept), or None."""
    parts = [
        feedparser.urls.resolve_relative_uris(
            c["value"], c.get("base") or "", encoding, c.get("type") or "text/html"
        )
        for c in item.get("content") or []
        if "html" in (c.get("type") or "") and c.get("value")
    ]
    return clean_html("\n".join(parts))


def parse_json_feed(
    data: bytes, source_id: str, *, base_url: str | None = None, limits: Budget = DEFAULT
) -> Parsed:
    """JSON Feed 1.0 or 1.1 (jsonfeed.org); item addresses are made absolute against the
    feed's `feed_url`, else `base_url`."""
    out = Parsed()
    try:
        doc = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise NotAFeed(f"not a JSON Feed: invalid JSON ({exc})") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("items"), list):
        raise NotAFeed("not a JSON Feed: no 'items' list")
    version = str(doc.get("version") or "")
    bozo = not version.startswith("https://jsonfeed.org/version/")
    reason = f"unknown JSON Feed version {version!r}" if bozo else None
    feed_author = _json_author(doc)
    base = _str(doc.get("feed_url")) or base_url
    for item in doc["items"]:
        if not isinstance(item, dict):
            out.reject("entries", "JSON Feed item is not an object", item)
            continue
        try:
            with clock(limits.seconds) as budget_clock:
                row = _json_entry(item, base, limits, budget_clock)
        except OverBudget as exc:
            _set_aside(out, _str(item.get("id")) or _str(item.get("url")), exc, item)
            continue
        out.add(
            "entries",
            {
                **row,
                "author": _json_author(item) or feed_author,
                "bozo": bozo,
                "bozo_reason": reason,
            },
        )
    return out


def _json_entry(item: dict, base: str | None, limits: Budget, budget_clock: Clock) -> dict:
    """One JSON Feed item's row (without author and bozo fields), within its budget."""
    budget_clock.check("checking markup")
    for key in ("title", "summary", "content_text", "content_html"):
        if isinstance(item.get(key), str):
            check_markup(item[key], limits, key.replace("_", " "))
    budget_clock.check("converting to text")
    title = html_to_text(item.get("title"))
    published = _iso(item.get("date_published") or item.get("date_modified"))
    link = _absolute(item.get("url") or item.get("external_url"), base)
    text = item.get("content_text")
    content = html_to_text(text if text else item.get("content_html"))
    summary = html_to_text(item.get("summary"))
    budget_clock.check("sanitising HTML")
    html = clean_html(_str(item.get("content_html")))
    budget_clock.check()
    return {
        "entry_id": entry_id(_str(item.get("id")), link, title, published),
        "title": title,
        "link": link,
        "published": published,
        "summary": summary,
        "content": content,
        "content_html": html,
    }


def _struct_time(value: Any) -> str | None:
    if not value:
        return None
    return datetime.fromtimestamp(timegm(value), tz=UTC).isoformat()


def _iso(value: Any) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat()


def _absolute(link: Any, base: str | None) -> str | None:
    if not isinstance(link, str) or not link.strip():
        return None
    return urljoin(base, link.strip()) if base else link.strip()


def _str(value: Any) -> str | None:
    return None if value is None else str(value)


def _json_author(obj: dict) -> str | None:
    authors = obj.get("authors") or ([obj["author"]] if isinstance(obj.get("author"), dict) else [])
    names = [a["name"] for a in authors if isinstance(a, dict) and a.get("name")]
    return ", ".join(names) or None


FORMATS = (Format(("feed", "rss", "atom", "jsonfeed"), ("feed",), parse, expect="feed", feed=True),)
