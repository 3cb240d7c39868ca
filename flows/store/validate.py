"""Validate canonical rows in bulk: cast every field, set aside each bad row with its reason.

Rows arrive as text or numbers from any adapter (or a canonical CSV read as text). One DuckDB
query per batch casts them and writes, per row, every reason it cannot be taken; nothing is
dropped silently.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from flows.store.schema import PROVENANCE, ROW_CHECKS, SPECS

_TYPE_WORDS = {
    "DOUBLE": "a number",
    "BIGINT": "a whole number",
    "INTEGER": "a whole number",
    "DATE": "a date (YYYY-MM-DD)",
    "TIMESTAMPTZ": "a timestamp",
    "BOOLEAN": "true or false",
}


@dataclass
class Checked:
    """The outcome of validating one batch."""

    good: pa.Table
    rejects: list[dict] = field(default_factory=list)  # {"kind", "reason", "raw"}


def _text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def row_hash(kind: str, row: dict) -> str:
    """The version of a row: a hash of its values as the source gave them (provenance aside),
    so an edited fact or entry becomes a new row and an unchanged one nothing at all."""
    values = [_text(row.get(f.name)) for f in SPECS[kind] if f.name not in PROVENANCE]
    return hashlib.md5(json.dumps(values, ensure_ascii=False).encode()).hexdigest()


def rows_to_text_table(kind: str, rows: list[dict]) -> pa.Table:
    """Columns of the kind's spec as text, plus `raw` (the row as given, for the rejects table)
    and `row_hash` (its version)."""
    names = [f.name for f in SPECS[kind]]
    cols = {n: [_text(r.get(n)) for r in rows] for n in names}
    cols["raw"] = [json.dumps(r, default=str, ensure_ascii=False, sort_keys=True) for r in rows]
    cols["row_hash"] = [row_hash(kind, r) for r in rows]
    return pa.table({n: pa.array(v, type=pa.string()) for n, v in cols.items()})


def _quote(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


def _free(kind: str) -> list[str]:
    """Text fields with nothing to check (optional, no rule of their own or of their row): they
    are tidied in Arrow and never pass through the validation query."""
    rules = " ".join(bad for bad, _ in ROW_CHECKS.get(kind, ()))
    return [
        f.name
        for f in SPECS[kind]
        if f.type == "VARCHAR"
        and not f.required
        and not f.checks
        and f.default is None
        and not re.search(rf"\b{f.name}\b", rules)
    ]


def validation_sql(kind: str, relation: str) -> str:
    """One SELECT casting every checked field of `kind` and building a `_reason` for each bad
    row; `_i` (the row's position) is kept so the other columns can be joined back."""
    free = set(_free(kind))
    casts, reasons = [], []
    for f in SPECS[kind]:
        if f.name in free:
            continue
        src = f"NULLIF(trim(\"{f.name}\"), '')"
        cast = f"TRY_CAST({src} AS {f.type})"
        casts.append(
            f'{cast} AS "{f.name}"'
            if f.default is None
            else f'coalesce({cast}, {f.default}) AS "{f.name}"'
        )
        if f.type != "VARCHAR":
            word = _TYPE_WORDS[f.type]
            reasons.append(
                f"CASE WHEN {src} IS NOT NULL AND {cast} IS NULL THEN "
                f"{_quote(f.name + ': ')} || {_quote(chr(39))} || {src} || "
                f"{_quote(chr(39) + ' is not ' + word)} END"
            )
        if f.type == "DOUBLE":  # "nan", "inf" and "1e400" cast to numbers no sum can use
            reasons.append(
                f"CASE WHEN NOT isfinite({cast}) THEN "
                f"{_quote(f.name + ': not a finite number')} END"
            )
        if f.type in ("DATE", "TIMESTAMPTZ"):  # "infinity", or a year no calendar here has
            reasons.append(
                f"CASE WHEN NOT ({cast} BETWEEN '0001-01-01' AND '9999-12-31') "
                f"THEN {_quote(f.name + ': outside years 1-9999')} END"
            )
        if f.required:
            reasons.append(f"CASE WHEN {src} IS NULL THEN {_quote(f.name + ': missing')} END")
        for bad, why in f.checks:
            cond = bad.format(v=cast)
            reasons.append(f"CASE WHEN {cond} THEN {_quote(f.name + ': ' + why)} END")
    cast_cols = ", ".join(casts)
    row_reasons = ", ".join(
        f"CASE WHEN {bad} THEN {_quote(why)} END" for bad, why in ROW_CHECKS.get(kind, ())
    )
    inner = (
        f"SELECT _i, {cast_cols}, concat_ws('; ', {', '.join(reasons) or 'NULL'}) AS _r "
        f"FROM {relation}"
    )
    row_expr = f"concat_ws('; ', NULLIF(_r, ''), {row_reasons})" if row_reasons else "_r"
    return f"SELECT * EXCLUDE (_r), {row_expr} AS _reason FROM ({inner}) ORDER BY _i"


def _tidy(column: pa.ChunkedArray) -> pa.ChunkedArray:
    """As the query does for checked text: spaces trimmed, an empty value missing."""
    trimmed = pc.utf8_trim(column.cast(pa.string()), characters=" ")
    return pc.if_else(pc.equal(trimmed, ""), pa.scalar(None, pa.string()), trimmed)


def check(con: duckdb.DuckDBPyConnection, kind: str, table: pa.Table) -> Checked:
    """Split a text table of `kind` rows into typed good rows and rejects with reasons (a
    `source_id` column, when present, is kept on both: one query checks many sources).

    Only the fields that need casting or checking go through DuckDB; long free text (an
    entry's content) stays in Arrow and is joined back by position."""
    free = _free(kind)
    checked = [f.name for f in SPECS[kind] if f.name not in free]
    sent = table.select(checked).append_column("_i", pa.array(range(table.num_rows), pa.int64()))
    con.register("_incoming", sent)
    try:
        out = con.sql(validation_sql(kind, "_incoming")).to_arrow_table()
    finally:
        con.unregister("_incoming")
    reasons = out.column("_reason").to_pylist()
    bad = [i for i, r in enumerate(reasons) if r]
    sources = table.column("source_id").to_pylist() if "source_id" in table.column_names else None
    raw = table.column("raw")
    rejects = [
        {
            "kind": kind,
            "reason": reasons[i],
            "raw": raw[i].as_py(),
            **({"source_id": sources[i]} if sources else {}),
        }
        for i in bad
    ]
    keep = pa.array([not r for r in reasons], type=pa.bool_())
    typed = out.filter(keep)
    carried = [c for c in (*free, "row_hash", "source_id") if c in table.column_names]
    rest = table.select(carried).take(typed.column("_i"))
    columns = {
        name: typed.column(name) if name in checked else _tidy(rest.column(name))
        for name in (f.name for f in SPECS[kind])
    }
    for name in ("row_hash", "source_id"):
        if name in table.column_names:
            columns[name] = rest.column(name)
    return Checked(good=pa.table(columns), rejects=rejects)
