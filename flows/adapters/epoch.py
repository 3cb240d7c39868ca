"""Epoch AI benchmark CSVs (epoch.ai/benchmarks, CC BY 4.0: credit Epoch AI) -> scores.

Two shapes share the ``Model version`` and ``Release date`` columns:

- internal runs (``gpqa_diamond.csv``, ``swe_bench_verified.csv``, ...): ``Best score (across
  scorers)`` and ``stderr`` as fractions 0-1, ``Started at`` timestamp, ``Log viewer`` link;
- external tables (``*_external.csv``): one score column (``Percent correct``, ``Global average``,
  ``120k token score``, ...), ``Release date``, ``Source link``, usually no stderr.

Score column: ``score_column`` when given, else the column just before ``Release date`` (the
second column in most files; it also finds ``Accuracy mean`` in tables whose second column is an
agent or tool name). Scale: internal files are fractions and are converted to percent points
(value and stderr x 100). For external files the unit is decided per file from the column's
largest value: <= 1 -> fractions (x 100), <= 100 -> already percent, above 100 -> ``rating``
(arena-style scores and indices, never read as a success rate). Bounded scales other than
percent (a 0-10 writing grade, say) are not detectable this way: pass ``scale`` explicitly
(``"fraction"``, ``"percent"`` or ``"rating"``).

``as_of`` is the date of ``Started at`` when present, else ``Release date``; a row with neither
is rejected. ``known_from`` is the date of ``Started at`` (the evaluation's own log date) when
present; a release date says when the model came out, not when its score was published, so rows
of the external tables carry none and are known from the source's snapshot day (``as_of`` in the
run configuration). ``evidence_url`` is ``Log viewer`` or the source link when present.
"""

from __future__ import annotations

import csv
import io

from flows.adapters.base import Parsed, number_or_raw
from signals.identity import canonical_id

INTERNAL_SCORE = "Best score (across scorers)"
_LINK_COLUMNS = ("Log viewer", "Source link", "Source link (site from table)")
_SCALES = {"fraction": (100.0, "percent"), "percent": (1.0, "percent"), "rating": (1.0, "rating")}


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
    reader = csv.DictReader(io.StringIO(text), restkey="_extra_cells")
    header = reader.fieldnames or []
    if "Model version" not in header:
        out.reject("scores", "not an Epoch benchmark table (no 'Model version' column)",
                   text[:2000])
        return out
    column = score_column or _score_column(header)
    if column not in header:
        out.reject("scores", f"score column {column!r} not in the header", text[:2000])
        return out
    records = list(reader)
    if scale is not None and scale not in _SCALES:
        raise ValueError(f"scale must be one of {sorted(_SCALES)}, got {scale!r}")
    factor, scale_name = _SCALES[scale or _detect_scale(header, column, records)]
    err_column = stderr_column or ("stderr" if "stderr" in header else None)
    version_column = next((c for c in header if "version" in c.lower() and c != "Model version"),
                          None)
    for record in records:
        name = (record.get("Model version") or record.get("Name") or "").strip()
        if not name:
            out.reject("scores", "row names no model (empty 'Model version' and 'Name')", record)
            continue
        as_of = _as_of(record)
        if as_of is None:
            out.reject("scores", "row has no date (neither 'Started at' nor 'Release date')",
                       record)
            continue
        started = (record.get("Started at") or "").strip()[:10] or None
        out.add("scores", {
            "model": canonical_id(name),
            "benchmark": benchmark,
            "as_of": as_of,
            "known_from": started,
            "value": _scaled(record.get(column), factor),
            "scale": scale_name,
            "stderr": _scaled(record.get(err_column), factor) if err_column else None,
            "version": (record.get(version_column) or None) if version_column else None,
            "source_name": name,
            "evidence_url": next((record[c].strip() for c in _LINK_COLUMNS
                                  if (record.get(c) or "").strip()), None),
        })
    return out


def _score_column(header: list[str]) -> str:
    """The column just before 'Release date', else the second column."""
    if "Release date" in header:
        index = header.index("Release date")
        if index >= 2:
            return header[index - 1]
    return header[1] if len(header) > 1 else header[0]


def _detect_scale(header: list[str], column: str, records: list[dict]) -> str:
    if column == INTERNAL_SCORE or "Started at" in header:
        return "fraction"
    values = [v for r in records if isinstance(v := number_or_raw(r.get(column)), int | float)]
    top = max(values, default=0.0)
    if top <= 1.0:
        return "fraction"
    return "percent" if top <= 100.0 else "rating"


def _as_of(record: dict) -> str | None:
    for column in ("Started at", "Release date"):
        value = (record.get(column) or "").strip()
        if value:
            return value[:10]
    return None


def _scaled(raw: str | None, factor: float):
    value = number_or_raw(raw)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return round(value * factor, 9)  # 0.581 * 100 -> 58.1, not 58.099999999999994
    return value
