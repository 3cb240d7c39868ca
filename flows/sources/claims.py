"""Facts read from release text: run the extractor over new entry versions, store the claims.

Extraction works within a budget per entry (``flows/budget.py``): an entry whose markup is over
the deterministic limits, or whose extraction takes longer than its time budget, gives no claims
and a reject saying why (the entry itself is kept: its adapter has already read it).
"""

from __future__ import annotations

import hashlib
import logging
import re
from datetime import datetime
from typing import Any

import duckdb
import pyarrow as pa

from flows.sources.adapters.base import as_text
from flows.sources.budget import OverBudget, check_markup, clock, excerpt, limits_for
from flows.store.db import run
from flows.store.validate import row_hash
from signals.extract import Facts, extract, extract_html
from signals.identity import canonical_id


def _claim_id(*parts: object) -> str:
    return hashlib.sha256("\x1f".join(map(str, parts)).encode()).hexdigest()[:24]


def claim_rows(facts: Facts) -> list[dict]:
    """One row per claim; prices, context windows and cost claims without a model of their own
    belong to the first model the text names."""
    lead = facts.models[0] if facts.models else None
    rows = []
    for s in facts.scores:
        rows.append(
            {
                "kind": "score",
                "model_as_written": s.model,
                "benchmark": s.benchmark,
                "value": s.value,
                "unit": s.unit,
                "evidence": s.evidence.sentence,
            }
        )
    for p in facts.prices:
        rows.append(
            {
                "kind": "price",
                "model_as_written": p.model or lead,
                "input": p.input_per_1m,
                "output": p.output_per_1m,
                "cached_input": p.cached_input_per_1m,
                "unit": p.unit_as_written,
                "evidence": p.evidence.sentence,
            }
        )
    for c in facts.contexts:
        rows.append(
            {
                "kind": "context_window",
                "model_as_written": c.model or lead,
                "value": float(c.tokens),
                "unit": "tokens",
                "evidence": c.evidence.sentence,
            }
        )
    if facts.claims_cheaper and facts.cheaper_evidence is not None:
        rows.append(
            {
                "kind": "cheaper",
                "model_as_written": lead,
                "evidence": facts.cheaper_evidence.sentence,
            }
        )
    for r in rows:
        name = r["model_as_written"]
        r["model"] = canonical_id(name) if name else None
        r["claim_id"] = _claim_id(
            r["kind"],
            name,
            r.get("benchmark"),
            r.get("value"),
            r.get("input"),
            r.get("output"),
            r["evidence"],
        )
    return rows


def extract_entry(title: str | None, text: str | None, html: str | None) -> Facts:
    """The facts of one entry, from its HTML when it has some (tables survive), else its text."""
    if html:
        return extract_html(html, title=title)
    return extract(text or "", title=title)


# Every claim needs a number (scores, prices, context windows) or a word about cost (the
# extractor's "cheaper" phrases); text with neither is not worth the extractor's time. Plain
# text is tested (an entry's HTML holds the same words, and digits in its markup prove nothing).
_DIGIT = re.compile(r"\d")
_COST_WORDS = (
    "cheap",
    "cost",
    "pric",
    "expensive",
    "afford",
    "efficien",
    "fraction",
    "fewer",
    "compute",
    "dollar",
    "money",
    "budget",
    "spend",
    "usd",
    "token",
    "$",
)


def may_claim(text: str | None) -> bool:
    """Whether `text` could hold a claim at all (a digit or a word about cost)."""
    if not text:
        return False
    if _DIGIT.search(text):
        return True
    low = text.lower()
    return any(word in low for word in _COST_WORDS)


COLUMNS = (
    "source_id",
    "entry_id",
    "entry_hash",
    "claim_id",
    "kind",
    "model_as_written",
    "model",
    "benchmark",
    "value",
    "unit",
    "input",
    "output",
    "cached_input",
    "evidence",
    "published",
)


def entry_claims(
    source_id: str,
    entries: list[dict],
    rejects: list[dict] | None = None,
    budget_s: float | None = None,
) -> list[dict]:
    """The claims of a source's entries (adapter rows), each tied to the entry's version.

    Each entry's extraction has `budget_s` seconds (default:
    ``flows.sources.budget.DEFAULT``); an entry over budget gives no claims and, when
    `rejects` (the adapter's list) is given, a reject there, else a logged warning."""
    limits = limits_for(budget_s)
    rows = []
    for e in entries:
        title, text, html = e.get("title"), e.get("content"), e.get("content_html")
        if not (may_claim(title) or may_claim(text or html)):
            continue  # no number and no word about cost: nothing a claim could be made of
        try:
            with clock(limits.seconds, "claim extraction") as budget_clock:
                check_markup(title, limits, "title", html=False)  # cheap checks first
                check_markup(html or text, limits, "HTML" if html else "text", html=bool(html))
                budget_clock.check("reading claims")
                facts = extract_entry(title, text, html)
        except OverBudget as exc:
            _set_aside(source_id, e, exc, rejects)
            continue
        version = row_hash("entries", e)  # once per entry: it hashes the whole text
        for r in claim_rows(facts):
            rows.append(
                {
                    **dict.fromkeys(COLUMNS),
                    **r,
                    "source_id": source_id,
                    "entry_id": e.get("entry_id"),
                    "entry_hash": version,
                    "published": e.get("published"),
                }
            )
    return rows


def _set_aside(source_id: str, entry: dict, exc: OverBudget, rejects: list[dict] | None) -> None:
    name = excerpt(entry.get("entry_id"), 120)
    reason = f"claims of entry {name!r} not read: {exc}"
    if rejects is None:
        logging.getLogger(__name__).warning("%s: %s", source_id, reason)
        return
    raw: dict[str, Any] = {k: excerpt(entry.get(k)) for k in ("entry_id", "title", "link")}
    raw["content"] = excerpt(entry.get("content_html") or entry.get("content"))
    rejects.append({"kind": "entries", "reason": reason, "raw": as_text(raw)})


def store_claims(
    con: duckdb.DuckDBPyConnection,
    rows: list[dict],
    entries: set[tuple],
    run_id: str,
    now: datetime,
) -> None:
    """Store the claims of the entry versions in `entries` ((source_id, entry_id, row_hash) of
    the entries that passed validation); a known claim adds nothing."""
    rows = [r for r in rows if (r["source_id"], r["entry_id"], r["entry_hash"]) in entries]
    if not rows:
        return
    table = pa.table(
        {
            c: pa.array(
                [r[c] for r in rows],
                type=pa.float64()
                if c in ("value", "input", "output", "cached_input")
                else pa.string(),
            )
            for c in COLUMNS
        }
    )
    con.register("_claims", table)
    try:
        cols = ", ".join(c for c in COLUMNS if c != "published")
        run(
            con,
            f"INSERT INTO claims ({cols}, published, run_id, fetched_at) "
            f"SELECT DISTINCT ON (source_id, entry_id, entry_hash, claim_id) {cols}, "
            f"TRY_CAST(published AS TIMESTAMPTZ), ?, ? FROM _claims "
            f"ON CONFLICT DO NOTHING",
            [run_id, now],
        )
    finally:
        con.unregister("_claims")
