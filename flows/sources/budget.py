"""Budgets on work: what reading one feed entry or one release document may cost.

Hostile or broken markup can make a parser crawl: one entry of 200,000 nested ``<div>``s
(2.2 MB) took 390 s, nearly all of it in ammonia (``nh3``), whose cost grows with the square of
the nesting depth. An entry or document over its budget is set aside with its reason (a reject
with a short excerpt) and the rest of the source goes in. Two kinds of limit:

- deterministic ones, checked before any expensive step by a linear scan that stops at the first
  limit crossed (so a hostile input costs microseconds): characters of one field, its tags, the
  nesting depth of its HTML elements and its tags or comments left unended (``check_markup``),
  and the nesting depth and number of elements of one entry of a feed's XML (``xml_hotspots``);
- a wall-clock budget (``Clock``) around the steps that can still blow up within those limits
  (sanitising, conversion to text, claim extraction): checked between steps, and where the
  process allows it (main thread, POSIX) an interval timer interrupts a step that runs over
  (Python code and regular expressions; a call into compiled code such as ``nh3`` ends first,
  which is why the deterministic limits come first).

Reasons carry the limit, never the time measured, so the same input gives the same reject on
every run.
"""

from __future__ import annotations

import re
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any

# HTML elements that are never open (void) or whose start closes the previous one of their kind
# (optional end tags): they add no nesting, whatever is written.
_FLAT = frozenset(
    (
        "area",
        "base",
        "br",
        "col",
        "embed",
        "hr",
        "img",
        "input",
        "link",
        "meta",
        "param",
        "source",
        "track",
        "wbr",
        "keygen",
        "basefont",
        "bgsound",
        "frame",
        "image",
        "isindex",
        "spacer",
        "nextid",
        "p",
        "li",
        "dt",
        "dd",
        "tr",
        "td",
        "th",
        "option",
        "optgroup",
        "rb",
        "rt",
        "rtc",
        "rp",
        "thead",
        "tbody",
        "tfoot",
        "colgroup",
        "caption",
        "html",
        "head",
        "body",
    )
)
# Elements whose content is raw text: tags inside do not nest.
_RAW_TEXT = frozenset(
    (
        "script",
        "style",
        "textarea",
        "title",
        "xmp",
        "iframe",
        "noembed",
        "noframes",
        "plaintext",
        "noscript",
    )
)
_FORMATTING = frozenset(
    (
        "a",
        "b",
        "big",
        "code",
        "em",
        "font",
        "i",
        "nobr",
        "s",
        "small",
        "strike",
        "strong",
        "tt",
        "u",
    )
)
_HTML_TOKEN = re.compile(r"<(?:(/?)([A-Za-z][A-Za-z0-9:_.-]*)(?=[\s/>])|!--|!|\?)")


@dataclass(frozen=True)
class Budget:
    """Limits for one entry or document. ``seconds`` covers its reading by the adapter (checks,
    conversion to text, sanitising) and, apart, its claim extraction; the other limits apply to
    each field (title, summary, content) alone."""

    max_chars: int = 5_000_000
    max_tags: int = 100_000
    max_depth: int = 256  # Blink's HTML parser nests at most 512; real pages stay under 50
    # tags and comments never ended ("<a href=x" with no ">" after it, "<!--" with no "-->"):
    # Python's html.parser reads the rest of the text again for each (8,000 of them: 35 s)
    max_unended: int = 100
    seconds: float = 10.0


DEFAULT = Budget()
MAX_SECONDS = 86_400.0  # a day: the interval timer takes no more
EXCERPT_CHARS = 200  # of a set-aside item kept as the reject's raw text


def limits_for(seconds: float | None = None, base: Budget = DEFAULT) -> Budget:
    """``base`` with its time budget replaced by ``seconds`` (a source's ``budget_s`` option)
    when given; refuses a budget that is not a positive number."""
    if seconds is None:
        return base
    if (
        isinstance(seconds, bool)
        or not isinstance(seconds, int | float)
        or not 0 < seconds <= MAX_SECONDS
    ):
        raise ValueError(
            f"budget_s must be a number of seconds above 0 and at most "
            f"{MAX_SECONDS:g}, not {seconds!r}"
        )
    return replace(base, seconds=float(seconds))


class OverBudget(Exception):
    """Reading an item costs more than its budget; the message says which limit."""


def excerpt(value: Any, chars: int = EXCERPT_CHARS) -> str:
    """The first `chars` characters of a value (text, or bytes read as UTF-8)."""
    if isinstance(value, bytes):
        value = value[: chars * 4].decode("utf-8", errors="replace")
    return str(value or "")[:chars]


# ---------------------------------------------------------------------------------------------
# Deterministic limits


def check_markup(
    text: str | None, limits: Budget = DEFAULT, what: str = "HTML", *, html: bool = True
) -> None:
    """Raise OverBudget when `text` holds more than ``max_tags`` tags or is longer than
    ``max_chars`` and, when an HTML parser reads it (`html`), when it nests elements deeper than
    ``max_depth`` or leaves more than ``max_unended`` tags or comments unended (Markdown and
    plain text are only read by regular expressions, whose cost grows with size and tags).
    Linear, and the scan of tags stops at the first limit crossed.

    Depth is counted as an HTML parser builds it, conservatively: an element never closed stays
    open (so does a formatting element closed by an ancestor's end tag, until its own end tag);
    void elements and those whose start closes the previous one of their kind (p, li, td, ...)
    add nothing; tags in script/style/textarea/title count as tags but do not nest; comments
    are skipped."""
    if not text:
        return
    if "<" in text:
        _scan_html(text, limits, what, html)
        if html and _unended(text) > limits.max_unended:
            raise OverBudget(
                f"{what} leaves more than {limits.max_unended:,} tags or comments unended"
            )
    if len(text) > limits.max_chars:
        raise OverBudget(f"{what} longer than {limits.max_chars:,} characters")


def _unended(text: str) -> int:
    """Tags, comments and CDATA sections with no end after them: each "<" after the last ">",
    each "<!--" after the last "-->" and each "<![" after the last "]]>" (a bound from above)."""
    count = text.count("<", text.rfind(">") + 1)
    for opener, closer in (("<!--", "-->"), ("<![", "]]>")):
        last = text.rfind(closer)
        count += text.count(opener, last + len(closer) if last >= 0 else 0)
    return count


def _scan_html(text: str, limits: Budget, what: str, nesting: bool) -> None:
    stack: list[str] = []
    open_count: dict[str, int] = {}
    # formatting elements closed only by an ancestor's end tag: a parser reopens them after it
    # (HTML's "active formatting elements"), so they still count until their own end tag
    dangling: dict[str, int] = {}
    dangling_total = 0
    raw: str | None = None  # the raw-text element we are in
    tags = 0
    pos = 0
    search = _HTML_TOKEN.search
    while (m := search(text, pos)) is not None:
        name = m.group(2)
        if name is None:  # comment, <!doctype ...>, <![CDATA[ ... ]]> or <? ... >
            closer = (
                "-->"
                if m.group(0) == "<!--"
                else ("]]>" if text.startswith("<![CDATA[", m.start()) else ">")
            )
            end = text.find(closer, m.end())
            if end < 0:
                return  # the rest is one unfinished comment or declaration
            pos = end + len(closer)
            continue
        tags += 1
        if tags > limits.max_tags:
            raise OverBudget(f"{what} has more than {limits.max_tags:,} tags")
        end = text.find(">", m.end())
        if end < 0:
            return  # an unfinished tag at the end: the rest is text
        pos = end + 1
        name = name.lower()
        if raw is not None:  # inside script, style, ...: only its own end tag counts
            if m.group(1) and name == raw:
                raw = None
            continue
        if not nesting:
            continue
        if m.group(1):  # end tag: close up to the matching open element, if there is one
            if open_count.get(name):
                while (top := stack.pop()) != name:
                    open_count[top] -= 1
                    if top in _FORMATTING:
                        dangling[top] = dangling.get(top, 0) + 1
                        dangling_total += 1
                open_count[name] -= 1
            elif dangling.get(name):
                dangling[name] -= 1
                dangling_total -= 1
            continue
        if name in _RAW_TEXT:
            raw = name
        elif name not in _FLAT and text[end - 1] != "/":
            stack.append(name)
            open_count[name] = open_count.get(name, 0) + 1
            if len(stack) + dangling_total > limits.max_depth:
                raise OverBudget(f"{what} nests elements deeper than {limits.max_depth:,}")


_XML_TOKEN = re.compile(rb"<(?:(/?)([A-Za-z_][\w.:-]*)|!--|!\[CDATA\[|!|\?)")
_ENTRY_NAMES = frozenset((b"item", b"entry"))


@dataclass(frozen=True)
class Hotspot:
    """A part of a feed's XML over budget: bytes ``start:end`` (an item or entry, else the whole
    document) and why."""

    start: int
    end: int
    reason: str
    whole: bool = False


def _xml_tokens(data: bytes, pos: int) -> Iterator[tuple[bool, bytes, bool, int, int]]:
    """(is end tag, local name, self-closing, start, end) of each tag from `pos`; comments,
    CDATA, declarations and processing instructions skipped."""
    search = _XML_TOKEN.search
    while (m := search(data, pos)) is not None:
        name = m.group(2)
        if name is None:
            token = m.group(0)
            closer = b"-->" if token == b"<!--" else b"]]>" if token == b"<![CDATA[" else b">"
            end = data.find(closer, m.end())
            if end < 0:
                return
            pos = end + len(closer)
            continue
        end = data.find(b">", m.end())
        if end < 0:
            return
        pos = end + 1
        yield (
            bool(m.group(1)),
            name.rsplit(b":", 1)[-1].lower(),
            data[end - 1] == 47,
            m.start(),
            pos,
        )


def xml_hotspots(data: bytes, limits: Budget = DEFAULT) -> list[Hotspot]:
    """The items/entries of a feed's XML whose elements nest deeper than ``max_depth`` (below
    the item) or number more than ``max_tags``, as byte ranges to cut out before the feed is
    parsed; a crossing outside any item gives one range for the whole document. A linear scan
    of the raw bytes (CDATA, comments and declarations skipped) that skips the rest of an item
    once it is over: markup escaped in text is not XML, and is checked per field after parsing
    (``check_markup``). A document that is not ASCII-compatible (UTF-16) is not scanned."""
    spots: list[Hotspot] = []
    depth = 0
    entry_depth = -1  # depth of the open item/entry, -1 outside one
    entry_start = elements = 0
    tokens = _xml_tokens(data, 0)
    for is_end, name, closed, start, _ in tokens:
        if is_end:
            depth = max(0, depth - 1)
            if depth == entry_depth:
                entry_depth = -1
            continue
        if entry_depth < 0:
            if name in _ENTRY_NAMES and not closed:
                entry_depth, entry_start, elements = depth, start, 0
            elif depth >= limits.max_depth:
                return [
                    Hotspot(
                        0,
                        len(data),
                        "the feed's XML nests elements deeper than "
                        f"{limits.max_depth:,} outside any item or entry",
                        whole=True,
                    )
                ]
            depth += 0 if closed else 1
            continue
        elements += 1
        over = (
            f"its XML holds more than {limits.max_tags:,} elements"
            if elements > limits.max_tags
            else f"its XML nests elements deeper than {limits.max_depth:,}"
            if depth - entry_depth >= limits.max_depth and not closed
            else None
        )
        if over is None:
            depth += 0 if closed else 1
            continue
        # skip to the end of this item/entry
        inner = depth + (0 if closed else 1)
        stop = len(data)
        for is_end2, _, closed2, _, end2 in tokens:
            inner += -1 if is_end2 else 0 if closed2 else 1
            if inner <= entry_depth:
                stop = end2
                break
        spots.append(Hotspot(entry_start, stop, over))
        depth, entry_depth = entry_depth, -1
    return spots


def cut(data: bytes, spots: list[Hotspot]) -> bytes:
    """`data` without the byte ranges of `spots` (in order, not overlapping)."""
    parts, pos = [], 0
    for spot in spots:
        parts.append(data[pos : spot.start])
        pos = spot.end
    parts.append(data[pos:])
    return b"".join(parts)


# ---------------------------------------------------------------------------------------------
# Wall clock


class Clock:
    """The time budget of one item: `check(step)` raises OverBudget once it is spent."""

    def __init__(self, seconds: float, what: str = "entry") -> None:
        self.seconds = seconds
        self.what = what
        self.started = time.perf_counter()
        self.step = "reading"

    def reason(self) -> str:
        return f"{self.what} took longer than its time budget of {self.seconds:g} s ({self.step})"

    def check(self, step: str | None = None) -> None:
        """Raise OverBudget if the budget is spent; `step` names what runs next."""
        if time.perf_counter() - self.started > self.seconds:
            raise OverBudget(self.reason())
        if step is not None:
            self.step = step


@contextmanager
def clock(seconds: float, what: str = "entry") -> Iterator[Clock]:
    """A Clock for the block, checked once more at its end. In the main thread of a POSIX
    process an interval timer also interrupts the block once the budget is spent (unless a timer
    or an alarm handler is already in place, e.g. an enclosing budget's: then only the checks
    apply)."""
    budget_clock = Clock(seconds, what)
    if not _can_interrupt():
        yield budget_clock
        budget_clock.check()
        return
    armed = [True]

    def expired(signum: int, frame: Any) -> None:
        if armed[0]:
            armed[0] = False
            raise OverBudget(budget_clock.reason())

    previous = signal.signal(signal.SIGALRM, expired)
    try:  # the timer may go off at once: arm it inside, so that it is always stopped
        signal.setitimer(signal.ITIMER_REAL, seconds)
        yield budget_clock
    finally:
        while True:  # the timer may go off while it is being stopped: stop it anyway
            try:
                armed[0] = False
                signal.setitimer(signal.ITIMER_REAL, 0)
                signal.signal(signal.SIGALRM, previous)
                break
            except OverBudget:
                continue
    budget_clock.check()


def _can_interrupt() -> bool:
    return (
        hasattr(signal, "setitimer")
        and threading.current_thread() is threading.main_thread()
        and signal.getitimer(signal.ITIMER_REAL)[0] == 0
        and signal.getsignal(signal.SIGALRM) in (signal.SIG_DFL, signal.SIG_IGN)
    )
