"""Azure LLM inference traces (github Azure/AzurePublicDataset) -> one trace summary.

The CSV has one request per line: ``TIMESTAMP``, ``ContextTokens`` (prompt tokens) and
``GeneratedTokens`` (output tokens). Column names are matched case-insensitively; optional
columns, when a trace has them, are ``CachedTokens``, ``ReasoningTokens``, ``Latency_s`` (seconds)
and ``Ok``/``Success`` (true/false, 1/0). Timestamps without a zone are read as UTC (the Azure
traces are in UTC); fractions of a second beyond microseconds are truncated.

The result is ONE row of kind ``trace_summaries`` (see ``signals.trace.summarise``) for the
``workload`` the trace stands for, with floats and ISO timestamps:
``source_id, workload, requests, span_s, prompt_tokens_mean, prompt_tokens_p95,
output_tokens_mean, output_tokens_p95, cached_share, reasoning_tokens_mean, requests_per_day,
observed_success, latency_p95_s, first_request, last_request``.
Each malformed line (bad timestamp, negative or non-integer tokens, missing fields) is a reject
carrying the line's text. A file without the required columns, or with fewer than two distinct
timestamps, gives a single reject and no summary.
"""

from __future__ import annotations

import csv
import re
from datetime import UTC, datetime

from flows.sources.adapters.base import Format, Parsed
from flows.sources.budget import excerpt
from signals.trace import TraceRow, summarise

KIND = "trace_summaries"
_COLUMNS: dict[str, tuple[str, ...]] = {
    "timestamp": ("timestamp",),
    "prompt_tokens": ("contexttokens", "context_tokens", "prompt_tokens"),
    "output_tokens": ("generatedtokens", "generated_tokens", "output_tokens"),
    "cached_tokens": ("cachedtokens", "cached_tokens"),
    "reasoning_tokens": ("reasoningtokens", "reasoning_tokens"),
    "latency_s": ("latency_s",),
    "ok": ("ok", "success"),
}
_REQUIRED = ("timestamp", "prompt_tokens", "output_tokens")
_LONG_FRACTION = re.compile(r"(\.\d{6})\d+")
_TRUE = {"true", "1", "yes", "ok"}
_FALSE = {"false", "0", "no", "error", "failed"}
_OUTCOMES = _TRUE | _FALSE


def parse(data: bytes, source_id: str, *, workload: str) -> Parsed:
    """Summarise one Azure LLM inference trace CSV as the trace of ``workload``."""
    out = Parsed()
    text = data.decode("utf-8-sig", errors="replace")
    lines = text.splitlines()
    reader = csv.reader(lines)
    header = next(reader, None) or []
    index = _column_index(header)
    missing = [name for name in _REQUIRED if name not in index]
    if missing:
        out.reject(
            KIND,
            f"not an Azure LLM inference trace: no column for {', '.join(missing)} "
            f"(header: {','.join(header)})",
            excerpt(text),
        )
        return out
    rows: list[TraceRow] = []
    for number, fields in enumerate(reader, start=2):
        if not any(f.strip() for f in fields):
            continue  # a blank line is no request
        row = _row(fields, index, header)
        if isinstance(row, str):
            out.reject(KIND, f"line {number}: {row}", lines[number - 1])
        else:
            rows.append(row)
    try:
        summary = summarise(rows)
    except ValueError as exc:
        out.reject(KIND, f"no summary: {exc} ({len(rows)} valid requests)", excerpt(text))
        return out
    out.add(
        KIND,
        {
            "source_id": source_id,
            "workload": workload,
            "requests": summary.requests,
            "span_s": summary.span_s,
            "prompt_tokens_mean": summary.prompt_tokens_mean,
            "prompt_tokens_p95": summary.prompt_tokens_p95,
            "output_tokens_mean": summary.output_tokens_mean,
            "output_tokens_p95": summary.output_tokens_p95,
            "cached_share": summary.cached_share,
            "reasoning_tokens_mean": summary.reasoning_tokens_mean,
            "requests_per_day": summary.requests_per_day,
            "observed_success": summary.observed_success,
            "latency_p95_s": summary.latency_p95_s,
            "first_request": summary.first.isoformat(),
            "last_request": summary.last.isoformat(),
        },
    )
    return out


def _column_index(header: list[str]) -> dict[str, int]:
    names = [h.strip().lower() for h in header]
    index: dict[str, int] = {}
    for field, aliases in _COLUMNS.items():
        for alias in aliases:
            if alias in names:
                index[field] = names.index(alias)
                break
    return index


def _row(fields: list[str], index: dict[str, int], header: list[str]) -> TraceRow | str:
    """A TraceRow, or the reason the line cannot be read."""

    def cell(name: str) -> str | None:
        i = index.get(name)
        return fields[i].strip() if i is not None and i < len(fields) else None

    stamp = cell("timestamp")
    if not stamp:
        return f"{header[index['timestamp']]} missing"
    # longer than "YYYY-MM-DD HH:MM:SS.ffffff": maybe nanoseconds, which Python cannot hold
    iso = _LONG_FRACTION.sub(r"\1", stamp) if len(stamp) > 26 else stamp
    try:
        timestamp = datetime.fromisoformat(iso)
    except ValueError:
        return f"{header[index['timestamp']]} {stamp!r} is not an ISO date and time"
    if timestamp.tzinfo is None:
        timestamp = timestamp.replace(tzinfo=UTC)
    counts: dict[str, int | None] = {}
    for name in ("prompt_tokens", "output_tokens", "cached_tokens", "reasoning_tokens"):
        raw = cell(name)
        if not raw:
            if name in _REQUIRED:
                return f"{header[index[name]]} missing"
            counts[name] = None
            continue
        if not (raw.isascii() and raw.isdigit()):
            return f"{header[index[name]]} {raw!r} is not a non-negative whole number"
        counts[name] = int(raw)
    if (counts["cached_tokens"] or 0) > (counts["prompt_tokens"] or 0):
        return "cached tokens exceed the prompt tokens"
    latency: float | None = None
    if raw_latency := cell("latency_s"):
        try:
            latency = float(raw_latency)
        except ValueError:
            return f"latency_s {raw_latency!r} is not a number"
        if not latency >= 0:  # also catches NaN
            return f"latency_s {raw_latency!r} is negative"
    ok: bool | None = None
    if raw_ok := cell("ok"):
        if raw_ok.lower() not in _OUTCOMES:
            return f"outcome {raw_ok!r} is not true/false"
        ok = raw_ok.lower() in _TRUE
    return TraceRow(
        timestamp=timestamp,
        prompt_tokens=counts["prompt_tokens"] or 0,
        output_tokens=counts["output_tokens"] or 0,
        cached_tokens=counts["cached_tokens"],
        reasoning_tokens=counts["reasoning_tokens"],
        latency_s=latency,
        ok=ok,
    )


FORMATS = (Format(("azure-trace",), ("trace",), parse, expect="csv"),)
