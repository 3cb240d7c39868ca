"""What is safe to show a reader, decided in one place.

Every string that reaches the brief came from somewhere we do not control: a feed's title, a
leaderboard's model name, a server's reason phrase. The rules:

- `clean_text`: invisible and direction-control characters (zero-width spaces, bidi overrides,
  NUL and other C0/C1 controls) are removed, so `gpt\\u200b-5` cannot pass for `gpt-5` and no
  text reorders itself on screen. Every string of an edition is cleaned before rendering.
- `safe_url`: only absolute http(s) addresses become links; `javascript:`, `data:`,
  `vbscript:`, relative paths and anything with whitespace or controls in it never do.
- `md_escape`: Markdown's own syntax in text is escaped with backslashes (the renderer's HTML
  escaping then takes care of `<`, `>` and `&`), so text cannot open a link, an image, emphasis or
  raw HTML. `md_url` makes an http(s) address safe inside `(...)` of a Markdown link.
- `rich_text`: text printed by the command line is escaped for rich's markup.

HTML escaping itself is Jinja's autoescape, on for every template that makes HTML or Markdown
(`flows/brief/render.py`).
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote, urlsplit

from markupsafe import Markup
from rich.markup import escape as _rich_escape

from signals.text import INVISIBLE

_MD_SPECIAL = re.compile(r"([\\`*_\[\]#|~])")
_SCHEMES = ("http", "https")


def clean_text(text: str) -> str:
    """`text` without invisible or direction-control characters (newlines and tabs kept)."""
    cleaned = INVISIBLE.sub("", text)
    return Markup(cleaned) if isinstance(text, Markup) else cleaned


def clean_all(value: Any) -> Any:
    """Every string in a nested structure of dicts and lists, cleaned."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, dict):
        return {k: clean_all(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [clean_all(v) for v in value]
    return value


def safe_url(url: str | None) -> str | None:
    """`url` when it is an absolute http(s) address a link may point to, else None."""
    if not url or not isinstance(url, str):
        return None
    url = url.strip()
    if INVISIBLE.search(url) or re.search(r"\s", url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in _SCHEMES or not parts.netloc:
        return None
    return url


def md_escape(text: Any) -> Any:
    """Markdown syntax in `text` backslash-escaped; markup we made (a macro's output, already
    escaped inside) passes unchanged."""
    if isinstance(text, Markup) or not isinstance(text, str):
        return text
    return _MD_SPECIAL.sub(r"\\\1", text)


def md_url(url: str) -> Markup:
    """An http(s) address written so that it cannot end a Markdown link early."""
    safe = safe_url(url)
    if safe is None:
        raise ValueError(f"not a web address: {url!r}")
    return Markup(quote(safe, safe=":/?#@!$&'*+,;=%~-._[]"))


def rich_text(text: object) -> str:
    """`text` escaped for rich's console markup (brackets shown as written)."""
    return _rich_escape(str(text))
