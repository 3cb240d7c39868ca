"""simonw/llm-prices per-vendor JSON (``{"vendor", "models": [...]}``) -> prices.

Prices are already USD per 1M tokens. Each model has a ``price_history``; every history entry
is one row: ``input``, ``output``, ``input_cached`` -> cached_input, ``effective_from`` =
``from_date`` (null -> "1970-01-01", meaning "in force before the first dated change").
``to_date`` becomes ``effective_to``; a dated entry is known from its ``from_date``, an undated
one from the source's snapshot day. The display ``name`` is kept in the row for reference.
``provider`` = the file's ``vendor``; ``model`` = ``canonical_id(id)``, ``source_name`` = id.

Long-context tiers: the files list the price above a prompt length as a model of its own, id
``<base>-<N>k`` with a name such as "Gemini 2.5 Pro >200k". Such an entry is folded into the
base model's rows (``tier_threshold_tokens`` = N * 1000, ``input_above``, ``output_above``) for
the periods where both apply; its own history entries are then rejects saying so, so that
every history entry is accounted for (a tier with no matching base period is rejected too).

Rejected with a reason: a file that is not a vendor file, models without an id or history,
history entries that are not objects, and entries mapping to a model id and date already
priced by a better-named entry (see ``base.one_per_key``).
"""

from __future__ import annotations

import re
from typing import Any

from flows.sources.adapters.base import Format, Parsed, load_json, number_or_raw, one_per_key
from flows.sources.budget import excerpt
from signals.identity import canonical_id

UNDATED = "1970-01-01"
_TIER_ID = re.compile(r"^(?P<base>.+)-(?P<k>\d+)k$")


def _tier_part(tier_id: str, part: str) -> str:
    """A part of a tier entry's id (the entries were chosen because their ids match)."""
    match = _TIER_ID.match(tier_id)
    if match is None:
        raise ValueError(f"not a tier id: {tier_id!r}")
    return match[part]


def parse(data: bytes, source_id: str) -> Parsed:
    """Parse one llm-prices vendor file into dated price rows."""
    out = Parsed()
    doc = load_json(data, out, "prices")
    if doc is None:
        return out
    if not isinstance(doc, dict) or not isinstance(doc.get("models"), list):
        out.reject(
            "prices", "not an llm-prices vendor file (expected {'vendor', 'models'})", excerpt(data)
        )
        return out
    vendor = doc.get("vendor")
    models = [m for m in doc["models"] if _valid(out, m)]
    ids = {m["id"] for m in models}
    tiers = {m["id"]: m for m in models if _tier_of(m, ids)}
    used: set[tuple[str, int]] = set()
    rows: list[dict] = []
    for model in models:
        if model["id"] in tiers:
            continue
        tier_models = [t for t in tiers.values() if _tier_part(t["id"], "base") == model["id"]]
        for entry in model["price_history"]:
            if not isinstance(entry, dict):
                out.reject("prices", f"{model['id']}: price history entry is not an object", entry)
                continue
            rows.append(_row(model, entry, vendor, tier_models, used))
    one_per_key(out, "prices", rows, ("model", "provider", "effective_from"))
    for tier_id, tier in tiers.items():
        base, threshold = _tier_of(tier, ids) or (tier_id, 0)
        for i, entry in enumerate(tier["price_history"]):
            if (tier_id, i) in used:
                reason = (
                    f"long-context tier of {base}: folded into its rows as input_above/"
                    f"output_above above {threshold} tokens"
                )
            else:
                reason = (
                    f"long-context tier of {base} above {threshold} tokens, not used: no "
                    f"{base} price for its period, or a lower tier applies"
                )
            out.reject("prices", reason, {"vendor": vendor, "id": tier_id, **_as_dict(entry)})
    return out


def _valid(out: Parsed, model: Any) -> bool:
    if (
        not isinstance(model, dict)
        or not isinstance(model.get("id"), str)
        or not model["id"].strip()
    ):
        out.reject("prices", "model entry has no id", model)
        return False
    history = model.get("price_history")
    if not isinstance(history, list) or not history:
        out.reject("prices", f"{model['id']}: no price history", model)
        return False
    return True


def _tier_of(model: dict, ids: set[str]) -> tuple[str, int] | None:
    """(base id, threshold tokens) when ``model`` is another model's long-context tier."""
    match = _TIER_ID.match(model["id"])
    if match and match.group("base") in ids and ">" in str(model.get("name") or ""):
        return match.group("base"), int(match.group("k")) * 1000
    return None


def _covers(entry: Any, date: str | None) -> bool:
    """Whether a history entry's [from_date, to_date) period contains ``date`` (None: undated)."""
    if not isinstance(entry, dict):
        return False
    start, end = entry.get("from_date"), entry.get("to_date")
    if date is None:
        return start is None
    return (start is None or str(start) <= date) and (end is None or date < str(end))


def _row(
    model: dict, entry: dict, vendor: Any, tier_models: list[dict], used: set[tuple[str, int]]
) -> dict:
    start = entry.get("from_date")
    row: dict[str, Any] = {
        "model": canonical_id(model["id"]),
        "provider": vendor,
        "effective_from": start or UNDATED,
        "input": number_or_raw(entry.get("input")),
        "cached_input": number_or_raw(entry.get("input_cached")),
        "cache_write": None,
        "output": number_or_raw(entry.get("output")),
        "reasoning": None,
        "request": None,
        "tier_threshold_tokens": None,
        "input_above": None,
        "output_above": None,
    }
    for tier in sorted(tier_models, key=lambda t: _tier_part(t["id"], "k").zfill(9)):
        hit = next(
            (
                i
                for i, e in enumerate(tier["price_history"])
                if _covers(e, str(start) if start else None)
            ),
            None,
        )
        if hit is not None:  # the lowest threshold with a price for this period
            tier_entry = tier["price_history"][hit]
            row["tier_threshold_tokens"] = int(_tier_part(tier["id"], "k")) * 1000
            row["input_above"] = number_or_raw(tier_entry.get("input"))
            row["output_above"] = number_or_raw(tier_entry.get("output"))
            used.add((tier["id"], hit))
            break
    row.update(
        {
            "source_name": model["id"],
            "evidence_url": None,
            "effective_to": entry.get("to_date"),
            "known_from": start or None,
            "name": model.get("name"),
        }
    )
    return row


def _as_dict(entry: Any) -> dict:
    return entry if isinstance(entry, dict) else {"entry": entry}


FORMATS = (Format(("llm-prices",), ("prices",), parse, expect="json"),)
