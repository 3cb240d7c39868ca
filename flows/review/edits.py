"""What an editor may change in an edition, applied to a revision's content, and the diff a
reviewer reads between two revisions."""

from __future__ import annotations

import difflib
import html
from pathlib import Path

import nh3
from pydantic import BaseModel, Field

from flows.brief.content import Edition
from flows.brief.render import render_edition
from flows.brief.safety import clean_text

HEADLINE_MAX = 200
TEXT_MAX = 4000


def editor_text(raw: str | None, limit: int = TEXT_MAX) -> str | None:
    """An editor's text as plain text: markup removed (nh3 drops tags and the content of
    script-like ones), entities read back as characters, invisible and control characters
    removed, lines trimmed; None when nothing is left. Rendering escapes it again."""
    if raw is None:
        return None
    stripped = html.unescape(nh3.clean(raw.replace("\r\n", "\n"), tags=set()))
    lines = [" ".join(line.split()) for line in clean_text(stripped).split("\n")]
    text = "\n".join(lines).strip()
    if len(text) > limit:
        raise ValueError(f"the text is {len(text)} characters long; at most {limit}")
    return text or None


class ItemChange(BaseModel):
    """An editor's change to one item, named by its position in the revision's items."""

    index: int = Field(ge=0)
    included: bool = True
    rank: int = Field(ge=1)
    headline: str
    text: str | None = None


class Changes(BaseModel):
    """A whole edit of one revision: the lead paragraph and every item's change."""

    lead: str | None = None
    items: list[ItemChange] = Field(default_factory=list)


def apply_changes(edition: Edition, changes: Changes) -> Edition:
    """The edition with `changes` made, every editor text made plain; items not named keep
    what they had. Ranks are renumbered 1..n in the order asked (ties keep the old order)."""
    items = [item.model_copy() for item in edition.items]
    for change in changes.items:
        if change.index >= len(items):
            raise ValueError(f"no item {change.index + 1} in this revision")
        headline = editor_text(change.headline, HEADLINE_MAX)
        if headline is None:
            raise ValueError(f"item {change.index + 1} needs a headline")
        items[change.index] = items[change.index].model_copy(
            update={
                "included": change.included,
                "rank": change.rank,
                "headline": headline,
                "text": editor_text(change.text),
            }
        )
    ordered = sorted(enumerate(items), key=lambda pair: (pair[1].rank, pair[0]))
    for number, (index, item) in enumerate(ordered, 1):
        items[index] = item.model_copy(update={"rank": number})
    return edition.model_copy(update={"items": items, "lead": editor_text(changes.lead)})


def describe(before: Edition, after: Edition) -> dict:
    """What an edit changed, for the audit trail (models named, not texts)."""
    out: dict[str, list[str] | bool] = {}
    pairs = list(zip(before.items, after.items, strict=True))
    for key, test in (
        ("excluded", lambda a, b: a.included and not b.included),
        ("included", lambda a, b: not a.included and b.included),
        ("headline", lambda a, b: a.headline != b.headline),
        ("text", lambda a, b: a.text != b.text),
    ):
        models = [b.model for a, b in pairs if test(a, b)]
        if models:
            out[key] = models
    if [a.model for a in before.shown_items()] != [b.model for b in after.shown_items()]:
        out["order"] = [b.model for b in after.shown_items()]
    if before.lead != after.lead:
        out["lead"] = True
    return out


def diff_lines(base: Edition, other: Edition, templates: Path | None = None) -> list[str]:
    """The unified diff of the text brief between two editions (what a reader would see)."""
    a = render_edition(base, templates, kinds=("txt",))["txt"].splitlines()
    b = render_edition(other, templates, kinds=("txt",))["txt"].splitlines()
    return list(
        difflib.unified_diff(
            a, b, f"revision {base.revision}", f"revision {other.revision}", lineterm=""
        )
    )
