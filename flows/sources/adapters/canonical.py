"""The canonical CSV forms (signal-model.md section 1): prices, scores, run costs, profiles.

Values stay text here; the validator casts and checks them like any adapter's rows. A line with
the wrong number of fields is set aside with its line number. The header must name the kind's
required columns; optional ones may be left out, and `source_name`/`evidence_url` may be added.

A record the csv module cannot read (a field over its ``csv.field_size_limit()``, 128 KB by
default) or with a cell over ``CELL_LIMIT`` characters is set aside alone, with its line and a
short excerpt: the other rows are read (see ``csv_records``, which the Epoch reader uses too).

Price rows whose names fold to one model id (``gpt-4o-2024-08-06`` and ``gpt-4o`` both read as
``gpt-4o``) for one model/provider/effective_from keep the entry named most like the model, as
the JSON price lists do (``base.one_per_key``); the others are set aside saying which was kept.
Rows with equally good names all go on: the loader stores one when their values agree and none,
as a conflict, when they differ (``flows.store.load.insert_facts``).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import NamedTuple

from flows.sources.adapters.base import Format, Parsed, _name_rank
from flows.store.schema import MODEL_KINDS, SPECS
from signals.identity import canonical_id

KINDS = MODEL_KINDS  # the tables a canonical CSV can fill
# Characters in one cell: no fact of a table needs more; past it a row is broken or hostile.
CELL_LIMIT = 64 * 1024
_EXCERPT = 300  # characters of a set-aside record kept as its raw text
_PRICE_KEY = ("model", "provider", "effective_from")


class HeaderError(ValueError):
    """The header lacks a column the kind requires."""


class Record(NamedTuple):
    """One CSV record: its fields, or (when it cannot be taken) why not and an excerpt."""

    line: int  # the line it starts on (1-based)
    fields: list[str] | None
    problem: str | None = None
    excerpt: str = ""


def csv_records(text: str, cell_limit: int = CELL_LIMIT) -> list[Record]:
    """Every record of a CSV text, each with the line it starts on. A record the csv module
    cannot read (a field over its limit, a stray carriage return) or with a cell longer than
    ``cell_limit`` characters comes back without fields, with the reason and a short excerpt,
    so that one bad row costs that row, never the file.

    The whole text is read in one go; only when that fails is it read again record by record
    (physical lines grouped until their double quotes balance, so a quoted field spanning lines
    stays one record) to isolate what cannot be read."""
    try:
        return list(_records(text, 1, cell_limit))
    except csv.Error:
        pass
    out: list[Record] = []
    for line, chunk in _chunks(text):
        try:
            out += list(_records(chunk, line, cell_limit))
        except csv.Error as exc:
            out.append(
                Record(
                    line,
                    None,
                    f"line {line}: cannot be read as CSV ({exc}; {len(chunk)} characters)",
                    _cut(chunk),
                )
            )
    return out


def _records(text: str, first_line: int, cell_limit: int) -> Iterator[Record]:
    reader = csv.reader(io.StringIO(text))
    start = first_line
    for fields in reader:
        line, start = start, first_line + reader.line_num
        size = max(map(len, fields), default=0)
        if size > cell_limit:
            excerpt = ",".join(
                f if len(f) <= 80 else f"{f[:80]}... [{len(f)} characters]" for f in fields
            )
            yield Record(
                line,
                None,
                f"line {line}: a cell of {size} characters, over the limit of {cell_limit}",
                _cut(excerpt),
            )
        else:
            yield Record(line, fields)


def _chunks(text: str) -> Iterator[tuple[int, str]]:
    """Physical lines grouped into records: a group ends where its double quotes balance."""
    lines: list[str] = []
    start, inside = 1, False
    for number, line in enumerate(io.StringIO(text), 1):
        if not lines:
            start = number
        lines.append(line)
        if line.count('"') % 2:
            inside = not inside
        if not inside:
            yield start, "".join(lines)
            lines = []
    if lines:
        yield start, "".join(lines)


def _cut(text: str) -> str:
    return text if len(text) <= _EXCERPT else f"{text[:_EXCERPT]}... [{len(text)} characters]"


def parse(data: bytes, source_id: str, *, kind: str) -> Parsed:
    """Rows of one canonical CSV of `kind`; models get their canonical id, as written is kept."""
    if kind not in KINDS:
        raise ValueError(f"canonical CSVs hold {', '.join(KINDS)}, not {kind!r}")
    out = Parsed()
    records = csv_records(data.decode("utf-8-sig", errors="replace"))
    if records and records[0].fields is None:
        raise HeaderError(f"header cannot be read: {records[0].problem}")
    header = [h.strip() for h in ((records[0].fields or []) if records else [])]
    required = [f.name for f in SPECS[kind] if f.required]
    missing = [c for c in required if c not in header]
    if missing:
        expected = ",".join(
            f.name for f in SPECS[kind] if f.name not in ("source_name", "evidence_url")
        )
        raise HeaderError(f"header lacks required columns {missing} (expected: {expected})")
    rows = []
    for record in records[1:]:
        line, values = record.line, record.fields
        if values is None:
            out.reject(kind, record.problem or "", record.excerpt)
            continue
        if not any(v.strip() for v in values):
            continue
        if len(values) != len(header):
            out.reject(
                kind,
                f"line {line}: expected {len(header)} fields, found {len(values)}",
                ",".join(values),
            )
            continue
        row: dict[str, str | None] = dict(zip(header, values, strict=True))
        name = (row.get("model") or "").strip()
        row["source_name"] = row.get("source_name") or name or None
        row["model"] = canonical_id(name) if name else None
        rows.append(row)
    if kind == "prices":
        _best_named(out, kind, rows, _PRICE_KEY)
    else:
        for row in rows:
            out.add(kind, row)
    return out


def _best_named(out: Parsed, kind: str, rows: list[dict], key: tuple[str, ...]) -> None:
    """Add ``rows``, but of rows whose names fold to one key keep only the best-named ones (the
    name that spells the model id, else the shortest: ``base.one_per_key``'s order, without its
    last resort, the order in the file); rows tied on the name all go on to the loader."""

    def group(row: dict) -> tuple:
        return tuple(str(row.get(k) or "").strip() for k in key)

    def rank(row: dict) -> tuple:
        return _name_rank(row, 0)[:-1]

    best: dict[tuple, dict] = {}
    for row in rows:
        if not row.get("model"):  # no model to fold into: the validator says what is missing
            continue
        kept = best.get(group(row))
        if kept is None or rank(row) < rank(kept):
            best[group(row)] = row
    for row in rows:
        kept = best.get(group(row), row)
        if rank(row) == rank(kept):
            out.add(kind, row)
        else:
            out.reject(
                kind,
                f"same {'/'.join(key)} as {kept['source_name']!r} (model id "
                f"{row['model']}): one row per key, kept the entry named most like the "
                "model",
                row,
            )


FORMATS = (Format(("canonical",), KINDS, parse, kind_option=True),)
