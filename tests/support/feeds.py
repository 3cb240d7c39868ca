"""Many small feed files cut from the real feeds of tests/data/real/feeds, for runs over
thousands of sources (tests/flows/test_many_sources.py, bench/ingest.py --many)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from functools import cache
from pathlib import Path
from xml.sax.saxutils import escape

from tests.support.paths import REAL

FIELDS = ("title", "link", "description", "pubDate")


@cache
def real_items() -> tuple[tuple[str, str, str, str], ...]:
    """Every RSS item of the real feeds: title, link, description (plain text), pubDate."""
    items = []
    for path in sorted((REAL / "feeds").rglob("*.xml")):
        try:
            root = ET.parse(path).getroot()
        except ET.ParseError:
            continue
        for item in root.iter("item"):
            values = tuple((item.findtext(f) or "").strip() for f in FIELDS)
            if values[0] and values[1] and values[3]:
                items.append((values[0], values[1], values[2][:400], values[3]))
    return tuple(items)


def feed_xml(number: int, per_feed: int = 3) -> str:
    """Feed `number`: `per_feed` real items, their links and guids made unique to the feed."""
    items = real_items()
    parts = []
    for k in range(per_feed):
        title, link, description, published = items[(number * per_feed + k) % len(items)]
        unique = f"{link}{'&' if '?' in link else '?'}feed={number}"
        parts.append(
            f"<item><title>{escape(title)}</title><link>{escape(unique)}</link>"
            f"<description>{escape(description)}</description>"
            f'<guid isPermaLink="false">{escape(unique)}</guid>'
            f"<pubDate>{escape(published)}</pubDate></item>"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel>'
        f"<title>Feed {number}</title><link>https://feeds.example.com/{number}</link>"
        f"<description>Release notes, part {number}</description>{''.join(parts)}"
        "</channel></rss>\n"
    )


def write_feeds(folder: Path, count: int, per_feed: int = 3) -> list[dict]:
    """`count` feed files in `folder`; returns their `[[sources]]` entries."""
    folder.mkdir(parents=True, exist_ok=True)
    sources = []
    for n in range(count):
        path = folder / f"feed-{n:05d}.xml"
        path.write_text(feed_xml(n, per_feed), encoding="utf-8")
        sources.append(
            {
                "id": f"feed-{n:05d}",
                "label": f"Feed {n}",
                "kind": "feed",
                "format": "rss",
                "path": str(path),
            }
        )
    return sources
