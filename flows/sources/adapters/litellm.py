"""LiteLLM's ``model_prices_and_context_window.json`` -> prices and profiles.

One JSON object per model key (``gpt-4o``, ``azure/gpt-4o``, ``bedrock/...``), prices in USD per
token, converted here to USD per 1M tokens (x 1e6, rounded to 10 significant digits so that
2.5e-06 gives 2.5, not 2.4999999999999996):

- ``input_cost_per_token`` -> input, ``output_cost_per_token`` -> output,
  ``cache_read_input_token_cost`` (else ``input_cost_per_token_cache_hit``) -> cached_input,
  ``cache_creation_input_token_cost`` -> cache_write, ``output_cost_per_reasoning_token`` ->
  reasoning, ``input_cost_per_request`` -> request (USD per request, not scaled);
- long-context tier: ``input_cost_per_token_above_{N}k_tokens`` and
  ``output_cost_per_token_above_{N}k_tokens`` -> input_above / output_above with
  ``tier_threshold_tokens`` = N * 1000 (the lowest N when several are listed; the flat price fills
  a side without a tier). Without such keys, a ``tiered_pricing`` list gives the base from its
  first range (when no flat price is given) and the tier from its second range.

Not carried (no canonical field): service-tier prices (``_batches``, ``_priority``, ``_flex``),
tiers beyond the first, cache prices above a tier, the 1-hour cache write, off-peak prices and
non-text units (audio, image, video, characters, seconds, queries).

The file has no dates: every row gets ``effective_from`` = option ``as_of``, default
"1970-01-01" meaning "undated"; pass the date the snapshot was taken to date it.
``provider`` = ``litellm_provider``; ``model`` = ``canonical_id(key)``, ``source_name`` = key,
``evidence_url`` = the entry's ``source`` link. A text-generation entry with ``max_input_tokens``
(else ``max_tokens``) also yields a profile row with ``context_window``.

Each entry gives one price row or one reject: ``sample_spec`` (documentation of the format),
aliases (``alias_of``), entries without a mode or with a mode other than chat, completion or
responses (embedding, image_generation, audio, ...), entries lacking an input or output
token price, and entries mapping to a model id and provider already priced by a better-named
entry (regional and dated entries; see ``base.one_per_key``).
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from flows.sources.adapters.base import Format, Parsed, load_json, number_or_raw, one_per_key
from flows.sources.budget import excerpt
from signals.identity import canonical_id

UNDATED = "1970-01-01"
TEXT_MODES = frozenset({"chat", "completion", "responses"})
_ABOVE_RE = re.compile(r"^(input|output)_cost_per_token_above_(\d+)k_tokens$")
_PER_TOKEN = {
    "input": ("input_cost_per_token",),
    "cached_input": ("cache_read_input_token_cost", "input_cost_per_token_cache_hit"),
    "cache_write": ("cache_creation_input_token_cost",),
    "output": ("output_cost_per_token",),
    "reasoning": ("output_cost_per_reasoning_token",),
}


def per_million(value: Any) -> Any:
    """USD per token -> USD per 1M tokens, rounded to 10 significant digits.

    None and empty text give None; a value that does not read as a number is returned as is
    (the validator reports it).
    """
    if value is None or isinstance(value, bool):
        return value
    text = str(value).strip() if isinstance(value, str) else repr(value)
    if not text:
        return None
    try:
        scaled = Decimal(text) * 1_000_000
    except InvalidOperation:
        return value
    if not scaled.is_finite():
        return value
    return float(f"{float(scaled):.10g}")


def parse(data: bytes, source_id: str, *, as_of: str = UNDATED) -> Parsed:
    """Parse LiteLLM's price file; ``as_of`` dates the snapshot (default: undated)."""
    out = Parsed()
    doc = load_json(data, out, "prices")
    if doc is None:
        return out
    if not isinstance(doc, dict):
        out.reject("prices", "expected a JSON object of model entries", excerpt(data))
        return out
    prices: list[dict] = []
    for key, entry in doc.items():
        raw = {key: entry}
        if key == "sample_spec":
            out.reject(
                "prices", "sample_spec: documentation of the file's fields, not a model", raw
            )
            continue
        if not isinstance(entry, dict):
            out.reject("prices", "entry is not a JSON object", raw)
            continue
        if "alias_of" in entry:
            out.reject(
                "prices", f"alias of {entry['alias_of']}: its price is listed under that entry", raw
            )
            continue
        mode = entry.get("mode")
        if mode is None:
            out.reject("prices", "no mode: not known to be a text-generation price", raw)
            continue
        if mode not in TEXT_MODES:
            out.reject("prices", f"mode {mode}: not a text-generation price", raw)
            continue
        window = entry.get("max_input_tokens", entry.get("max_tokens"))
        if window is not None:
            out.add(
                "profiles",
                {
                    "model": canonical_id(key),
                    "verbosity": None,
                    "reasoning_tokens": None,
                    "ttft_s": None,
                    "output_tps": None,
                    "context_window": number_or_raw(window),
                    "source_name": key,
                },
            )
        row = _price_row(out, key, entry, as_of, raw)
        if row is not None:
            prices.append(row)
    one_per_key(out, "prices", prices, ("model", "provider", "effective_from"))
    return out


def _price_row(out: Parsed, key: str, entry: dict, as_of: str, raw: dict) -> dict | None:
    tiers = entry.get("tiered_pricing")
    tiers = [t for t in tiers if isinstance(t, dict)] if isinstance(tiers, list) else []
    base = entry if "input_cost_per_token" in entry or not tiers else tiers[0]
    values = {
        field: next((base[k] for k in keys if base.get(k) is not None), None)
        for field, keys in _PER_TOKEN.items()
    }
    missing = [side for side in ("input", "output") if values[side] is None]
    if missing:
        listed = sorted(k for k in entry if "cost" in k)
        out.reject(
            "prices",
            f"no per-token {' or '.join(missing)} price (price keys: "
            f"{', '.join(listed) or 'none'})",
            raw,
        )
        return None
    row: dict[str, Any] = {
        "model": canonical_id(key),
        "provider": entry.get("litellm_provider"),
        "effective_from": as_of,
    }
    row.update({field: per_million(value) for field, value in values.items()})
    row["request"] = number_or_raw(entry.get("input_cost_per_request"))
    threshold, above = _tier(entry, tiers)
    row["tier_threshold_tokens"] = threshold
    row["input_above"] = (
        per_million(above.get("input", values["input"])) if threshold is not None else None
    )
    row["output_above"] = (
        per_million(above.get("output", values["output"])) if threshold is not None else None
    )
    row["source_name"] = key
    source = entry.get("source")
    row["evidence_url"] = source if isinstance(source, str) and source.startswith("http") else None
    return row


def _tier(entry: dict, tiers: list[dict]) -> tuple[int | None, dict[str, Any]]:
    """(threshold in tokens, {"input"/"output": USD per token above it}) or (None, {})."""
    found: dict[int, dict[str, Any]] = {}
    for key, value in entry.items():
        if (match := _ABOVE_RE.match(key)) and value is not None:
            found.setdefault(int(match.group(2)) * 1000, {})[match.group(1)] = value
    if found:
        threshold = min(found)
        return threshold, found[threshold]
    if len(tiers) >= 2:
        second = tiers[1]
        bounds = second.get("range")
        start = bounds[0] if isinstance(bounds, list) and bounds else None
        if isinstance(start, int | float) and start > 0:
            above = {
                side: second[f"{side}_cost_per_token"]
                for side in ("input", "output")
                if second.get(f"{side}_cost_per_token") is not None
            }
            if above:
                return int(start), above
    return None, {}


FORMATS = (Format(("litellm",), ("prices",), parse, expect="json"),)
