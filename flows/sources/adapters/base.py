"""The adapter contract: every source format is parsed into canonical rows plus rejects.

An adapter module declares its formats once (``FORMATS``, a tuple of ``Format``): the names a
configuration uses, the kinds of source each can be, how a URL of it is fetched, and its parser,
``parse(data: bytes, source_id: str, **options) -> Parsed``, whose keyword-only parameters are
the options a source may set. The registry and the configuration's checks are built from these.
Rows carry raw values (strings or numbers): the loader's validator casts and checks them.
An adapter only rejects an item it cannot map at all, and says why. A change that makes an
adapter read the same bytes differently goes with a new ``READER_VERSION``
(``flows/sources/ingest.py``): stores then read every source again once, instead of skipping the
unchanged ones.
"""

from __future__ import annotations

import functools
import inspect
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flows.sources.budget import excerpt
from flows.store.schema import MODEL_KINDS

KINDS = (*MODEL_KINDS, "entries")  # the tables an adapter fills


@functools.cache
def signature(parse: Callable[..., Parsed]) -> inspect.Signature:
    """A parser's signature (read once: each source's options are checked against it)."""
    return inspect.signature(parse)


@dataclass(frozen=True)
class Format:
    """One source format, declared in its adapter module."""

    names: tuple[str, ...]  # `format = ...` in the configuration
    kinds: tuple[str, ...]  # the `kind` a source of this format may have
    parse: Callable[..., Parsed]
    expect: str | None = None  # what a URL of it serves: feed, csv, json or yaml
    packaged: bool = False  # reads data shipped with a package: no `path` or `url`
    feed: bool = False  # gets the address and Content-Type it was fetched with
    kind_option: bool = False  # the source's `kind` is passed to the parser

    @property
    def options(self) -> tuple[str, ...]:
        """The options a source may set: the parser's keyword-only parameters (but `kind`,
        which comes from the source's own `kind`)."""
        return tuple(
            name
            for name, p in signature(self.parse).parameters.items()
            if p.kind is p.KEYWORD_ONLY and not (self.kind_option and name == "kind")
        )

    def takes(self, option: str) -> bool:
        return option in signature(self.parse).parameters


@dataclass
class Parsed:
    """What one source yielded: rows by kind, and the items that could not be mapped."""

    rows: dict[str, list[dict]] = field(default_factory=dict)
    rejects: list[dict] = field(default_factory=list)

    def add(self, kind: str, row: dict) -> None:
        """Append one canonical row of ``kind``."""
        self.rows.setdefault(kind, []).append(row)

    def reject(self, kind: str, reason: str, raw: Any) -> None:
        """Record an item that could not be mapped, keeping the original as text."""
        self.rejects.append({"kind": kind, "reason": reason, "raw": as_text(raw)})

    def count(self, kind: str) -> int:
        """Number of rows of ``kind``."""
        return len(self.rows.get(kind, []))


def load_json(data: bytes, out: Parsed, kind: str) -> Any | None:
    """The document as JSON, or None with a reject saying why it is not valid JSON."""
    try:
        return json.loads(data)
    except ValueError as exc:
        out.reject(kind, f"not valid JSON: {exc}", excerpt(data))
        return None


def as_text(raw: Any) -> str:
    """The original item as text: strings and bytes as they are, anything else as JSON."""
    if isinstance(raw, bytes):
        return raw.decode("utf-8", errors="replace")
    if isinstance(raw, str):
        return raw
    return json.dumps(raw, default=str, ensure_ascii=False, sort_keys=True)


def number_or_raw(value: Any) -> Any:
    """An int or float when ``value`` reads as a number, None when empty, else ``value`` as is."""
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return value
    text = str(value).strip()
    if not text:
        return None
    for cast in (int, float):
        try:
            return cast(text)
        except ValueError:
            continue
    return value


def one_per_key(out: Parsed, kind: str, rows: list[dict], key: tuple[str, ...]) -> None:
    """Add ``rows`` to ``out``, one per ``key``; reject the others, saying which row was kept.

    Several entries can map to one model id (regional, dated or variant entries, or names the
    resolver folds together). The row kept is the one whose name (its last path segment) spells
    the model id, else the shortest name, else the first in the file: a deterministic choice,
    where the loader would otherwise keep an arbitrary one.
    """
    best: dict[tuple, int] = {}
    for i, row in enumerate(rows):
        group = tuple(row.get(k) for k in key)
        if group not in best or _name_rank(row, i) < _name_rank(rows[best[group]], best[group]):
            best[group] = i
    for row in rows:
        kept = rows[best[tuple(row.get(k) for k in key)]]
        if kept is row:
            out.add(kind, row)
        else:
            out.reject(
                kind,
                f"same {'/'.join(key)} as {kept['source_name']!r} (model id "
                f"{row['model']}): one row per key, kept the entry named most like the "
                "model",
                row,
            )


def _name_rank(row: dict, index: int) -> tuple[bool, int, int, int]:
    name = str(row.get("source_name") or "")
    segment = name.rsplit("/", 1)[-1]

    def norm(text: str) -> str:
        return re.sub(r"[\s.]+", "-", text.strip().lower())

    return (norm(segment) != norm(str(row.get("model"))), len(segment), len(name), index)
