"""The alias file applied to incoming rows: a name the editors mapped by hand takes that model id,
before validation, so a mapped model is one fact with the rest of its sources'."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping

import pyarrow as pa

from flows.config import mapped
from flows.store.schema import SPECS
from flows.store.validate import row_hash


def fingerprint(aliases: Mapping[str, str] | None) -> str:
    """What the alias file says, as a short hash ("" for no aliases at all)."""
    if not aliases:
        return ""
    return hashlib.sha256(json.dumps(sorted(aliases.items())).encode()).hexdigest()[:16]


def apply_aliases(kind: str, table: pa.Table, aliases: Mapping[str, str]) -> pa.Table:
    """`table` (a text table of `kind`) with the alias file's model ids; the rows changed get
    their version hash again, as if the source had written the id."""
    if not aliases or "model" not in table.column_names:
        return table
    names = (
        table.column("source_name").to_pylist()
        if "source_name" in table.column_names
        else [None] * table.num_rows
    )
    models = table.column("model").to_pylist()
    targets = [mapped(n, m, aliases) for n, m in zip(names, models, strict=True)]
    if not any(t and t != m for t, m in zip(targets, models, strict=True)):
        return table
    rows = table.to_pylist()
    hashes = table.column("row_hash").to_pylist()
    spec = [f.name for f in SPECS[kind]]
    for i, target in enumerate(targets):
        if target and target != models[i]:
            models[i] = target
            hashes[i] = row_hash(kind, {**{c: rows[i].get(c) for c in spec}, "model": target})
    table = table.set_column(
        table.schema.get_field_index("model"), "model", pa.array(models, pa.string())
    )
    return table.set_column(
        table.schema.get_field_index("row_hash"), "row_hash", pa.array(hashes, pa.string())
    )
