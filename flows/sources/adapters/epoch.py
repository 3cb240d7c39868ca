"""Epoch AI benchmark CSVs (epoch.ai/benchmarks, CC BY 4.0: credit Epoch AI) -> scores.

Two shapes share the ``Model version`` and ``Release date`` columns:

- internal runs (``gpqa_diamond.csv``, ``swe_bench_verified.csv``, ...): ``Best score (across
  scorers)`` and ``stderr`` as fractions 0-1, ``Started at`` timestamp, ``Log viewer`` link;
- external tables (``*_external.csv``): one score column (``Percent correct``, ``Global average``,
  ``120k token score``, ...), ``Release date``, ``Source link``, usually no stderr.

Score column: ``score_column`` when given, else the column just before ``Release date`` (the
second column in most files; it also finds ``Accuracy mean`` in tables whose second column is an
agent or tool name).

Scale: one per file, and a row that contradicts it is set aside with its reason, never read in
another unit. Internal files are fractions and are converted to percent points (value and stderr
x 100). For external files the scale is decided from the scores that are finite non-zero numbers
(zero reads the same in every scale; ``inf``, ``nan`` and text are no evidence), narrowest first:
fractions (0-1, x 100), else percent (0-100), else ``rating`` (arena-style scores, indices and
other unbounded figures, never read as a success rate). A bounded scale fits when the scores
outside its range are strays: at most one, or 5% of the scores if that is more, and fewer than
half. So one ``inf`` or one 250 among LiveBench's percentages leaves the table in percent and
sets that row aside, while METR's time horizons (minutes; several over 100) stay ratings. A stray
is a score outside the decided range (250 in a percent table, 55 in a fraction table; 0.7 among
percentages is a low percentage, not a stray), and a score that is ``inf`` or ``nan`` is set aside
in every scale. Bounded scales other than percent (a 0-10 writing grade, say) are not detectable
this way: pass ``scale`` explicitly (``"fraction"``, ``"percent"`` or ``"rating"``); the rows
that contradict a given scale are set aside too.

A record the csv module cannot read, or with a cell over ``canonical.CELL_LIMIT`` characters,
is set aside alone with an excerpt (``canonical.csv_records``): the other rows are read.

``as_of`` is the date of ``Started at`` when present, else ``Release date``; a row with neither
is rejected. ``known_from`` is the date of ``Started at`` (the evaluation's own log date) when
present; a release date says when the model came out, not when its score was published, so rows
of the external tables carry none and are known from the source's snapshot day (``as_of`` in the
run configuration). ``evidence_url`` is ``Log viewer`` or the source link when present.
"""

from __future__ import annotations

import math

from flows.sources.adapters.base import Format, Parsed, number_or_raw
from flows.sources.adapters.canonical import csv_records
from flows.sources.budget import excerpt
from signals.identity import canonical_id

INTERNAL_SCORE = "Best score (across scorers)"
_LINK_COLUMNS = ("Log viewer", "Source link", "Source link (site from table)")
_SCALES = {"fraction": (100.0, "percent"), "percent": (1.0, "percent"), "rating": (1.0, "rating")}
# The range of each scale as the file writes it, and how a reason names it.
_RANGES = {"fraction": (0.0, 1.0), "percent": (0.0, 100.0), "rating": (-math.inf, math.inf)}
_LABELS = {
    "fraction": "fractions (0-1)",
    "percent": "percent (0-100)",
    "rating": "rating (unbounded)",
}
_STRAY_SHARE = 0.05  # of a file's scores that may lie outside its scale's range (at least one)


def parse(
    data: bytes,
    source_id: str,
    *,
    benchmark: str,
    score_column: str | None = None,
    scale: str | None = None,
    stderr_column: str | None = None,
) -> Parsed:
    """Parse one Epoch AI benchmark CSV into scores for ``benchmark``."""
    out = Parsed()
    text = data.decode("utf-8-sig", errors="replace")
    records = csv_records(text)
    header = (records[0].fields or []) if records else []
    if "Model version" not in header:
        why = f": {records[0].problem}" if records and records[0].problem else ""
        out.reject(
            "scores",
            f"not an Epoch benchmark table (no 'Model version' column{why})",
            excerpt(text),
        )
        return out
    column = score_column or _score_column(header)
    if column not in header:
        out.reject("scores", f"score column {column!r} not in the header", excerpt(text))
        return out
    if scale is not None and scale not in _SCALES:
        raise ValueError(f"scale must be one of {sorted(_SCALES)}, got {scale!r}")
    rows = []
    for record in records[1:]:
        if record.fields is None:
            out.reject("scores", record.problem or "", record.excerpt)
        elif record.fields:  # a blank line is no row (as csv.DictReader reads it)
            rows.append(_as_dict(header, record.fields))
    if scale is not None:
        chosen, evidence = scale, "given by the source's 'scale' option"
    else:
        chosen, evidence = _decide_scale(header, column, rows)
    factor, scale_name = _SCALES[chosen]
    low, high = _RANGES[chosen]
    label = f"{_LABELS[chosen]} ({evidence})"
    err_column = stderr_column or ("stderr" if "stderr" in header else None)
    version_column = next(
        (c for c in header if "version" in c.lower() and c != "Model version"), None
    )
    for row in rows:
        name = (row.get("Model version") or row.get("Name") or "").strip()
        if not name:
            out.reject("scores", "row names no model (empty 'Model version' and 'Name')", row)
            continue
        as_of = _as_of(row)
        if as_of is None:
            out.reject("scores", "row has no date (neither 'Started at' nor 'Release date')", row)
            continue
        value = _number(row.get(column))
        if _is_number(value) and not math.isfinite(value):
            out.reject(
                "scores",
                f"score {_short(row.get(column))} is not a finite number; the "
                f"table is read as {label}",
                row,
            )
            continue
        if _is_number(value) and not low <= value <= high:
            out.reject(
                "scores",
                f"score {_short(row.get(column))} contradicts the table's scale, {label}",
                row,
            )
            continue
        started = (row.get("Started at") or "").strip()[:10] or None
        out.add(
            "scores",
            {
                "model": canonical_id(name),
                "benchmark": benchmark,
                "as_of": as_of,
                "known_from": started,
                "value": _scaled(row.get(column), factor),
                "scale": scale_name,
                "stderr": _scaled(row.get(err_column), factor) if err_column else None,
                "version": (row.get(version_column) or None) if version_column else None,
                "source_name": name,
                "evidence_url": next(
                    (row[c].strip() for c in _LINK_COLUMNS if (row.get(c) or "").strip()), None
                ),
            },
        )
    return out


def _as_dict(header: list[str], fields: list[str]) -> dict:
    """A record as ``csv.DictReader`` gives it: missing cells None, extra ones in a list."""
    row: dict = dict(zip(header, fields, strict=False))
    for name in header[len(fields) :]:
        row.setdefault(name, None)
    if len(fields) > len(header):
        row["_extra_cells"] = fields[len(header) :]
    return row


def _score_column(header: list[str]) -> str:
    """The column just before 'Release date', else the second column."""
    if "Release date" in header:
        index = header.index("Release date")
        if index >= 2:
            return header[index - 1]
    return header[1] if len(header) > 1 else header[0]


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _number(raw: str | None):
    """A cell as a float when it reads as a number (an integer too large for one is infinite),
    else as ``number_or_raw`` gives it."""
    value = number_or_raw(raw)
    if not _is_number(value):
        return value
    try:
        return float(value)
    except OverflowError:
        return math.inf if value > 0 else -math.inf


def _decide_scale(header: list[str], column: str, records: list[dict]) -> tuple[str, str]:
    """The file's scale, and the evidence for it (for the reasons of the rows set aside)."""
    if column == INTERNAL_SCORE or "Started at" in header:
        return "fraction", "an Epoch evaluation run, scored 0-1"
    values = [
        v
        for r in records
        if _is_number(v := _number(r.get(column))) and math.isfinite(v) and v != 0
    ]
    tolerance = max(1, int(len(values) * _STRAY_SHARE))
    for name in ("fraction", "percent"):
        low, high = _RANGES[name]
        strays = sum(not low <= v <= high for v in values)
        if strays <= tolerance and (strays == 0 or 2 * strays < len(values)):
            return name, (
                f"{len(values) - strays} of {len(values)} finite non-zero scores lie "
                f"in {low:g}-{high:g}"
            )
    outside = sum(not 0 <= v <= 100 for v in values)
    return "rating", f"{outside} of {len(values)} finite non-zero scores lie outside 0-100"


def _short(raw: str | None) -> str:
    """A cell as a reason quotes it: trimmed, and cut when long."""
    text = (raw or "").strip()
    return repr(text if len(text) <= 40 else f"{text[:20]}...{text[-8:]} ({len(text)} chars)")


def _as_of(record: dict) -> str | None:
    for column in ("Started at", "Release date"):
        value = (record.get(column) or "").strip()
        if value:
            return value[:10]
    return None


def _scaled(raw: str | None, factor: float):
    value = _number(raw)
    if _is_number(value) and math.isfinite(value):
        return round(value * factor, 9)  # 0.581 * 100 -> 58.1, not 58.099999999999994
    return value


FORMATS = (Format(("epoch",), ("scores",), parse, expect="csv"),)
