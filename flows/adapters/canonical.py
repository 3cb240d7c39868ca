"""The canonical CSV forms (signal-model.md section 1): prices, scores, run costs, profiles.

Values stay text here; the validator casts and checks them like any adapter's rows. A line with
the wrong number of fields is set aside with its line number. The header must name the kind's
required columns; optional ones may be left out, and `source_name`/`evidence_url` may be added.
"""

from __future__ import annotations

import csv
import io

from flows.adapters.base import Parsed
from flows.validate import SPECS
from signals.identity import canonical_id

KINDS = ("prices", "scores", "run_costs", "profiles")


class HeaderError(ValueError):
    """The header lacks a column the kind requires."""


def parse(data: bytes, source_id: str, *, kind: str) -> Parsed:
    """Rows of one canonical CSV of `kind`; models get their canonical id, as written is kept."""
    if kind not in KINDS:
        raise ValueError(f"canonical CSVs hold {', '.join(KINDS)}, not {kind!r}")
    out = Parsed()
    reader = csv.reader(io.StringIO(data.decode("utf-8-sig", errors="replace")))
    header = [h.strip() for h in next(reader, [])]
    required = [f.name for f in SPECS[kind] if f.required]
    missing = [c for c in required if c not in header]
    if missing:
        expected = ",".join(f.name for f in SPECS[kind]
                            if f.name not in ("source_name", "evidence_url"))
        raise HeaderError(f"header lacks required columns {missing} (expected: {expected})")
    for values in reader:
        line = reader.line_num
        if not any(v.strip() for v in values):
            continue
        if len(values) != len(header):
            out.reject(kind, f"line {line}: expected {len(header)} fields, found {len(values)}",
                       ",".join(values))
            continue
        row = dict(zip(header, values, strict=True))
        name = (row.get("model") or "").strip()
        row["source_name"] = row.get("source_name") or name or None
        row["model"] = canonical_id(name) if name else None
        out.add(kind, row)
    return out
