"""OpenRouter's model list (``GET /api/v1/models``) -> prices and profiles.

Each item of ``data[]`` has ``pricing`` in USD per token as strings, converted here to USD per
1M tokens: ``prompt`` -> input, ``completion`` -> output, ``input_cache_read`` -> cached_input,
``input_cache_write`` -> cache_write, ``internal_reasoning`` -> reasoning; ``request`` is USD per
request and is kept as is. An ``overrides`` entry with ``min_prompt_tokens`` gives the
long-context tier (``tier_threshold_tokens``, ``input_above``, ``output_above``; the lowest one
when several are listed). Time-of-day overrides (``utc_start``/``utc_end``), the 1-hour cache
write and non-text units (image, audio, web search) have no canonical field and are not carried.

The prices are those of the cheapest provider OpenRouter routes to, not a vendor's list price.
``provider`` = "openrouter"; ``model`` = ``canonical_id(id)`` (ids look like "openai/gpt-4o");
``context_length`` -> a profile row's ``context_window``. The list has no price dates:
``effective_from`` = option ``as_of``, default "1970-01-01" meaning "undated". The model's
``created`` time is kept in the row as ``created`` (ISO date), for reference only.

Each item gives one price row or one reject: routers (``openrouter/...`` and the "-1" price,
which means "depends on the model the router picks"), ``:free`` variants (rate-limited, no
production price), ``:batch`` variants (batch-API prices, a request-specific variant), models
that do not output text (image, video, speech, embeddings, rerank, transcription) and text
models with no price at all ("0" for both prompt and completion), and items mapping to a model
id already priced by a better-named item (dated or variant ids; see ``base.one_per_key``).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flows.sources.adapters.base import Format, Parsed, load_json, number_or_raw, one_per_key
from flows.sources.adapters.litellm import per_million
from flows.sources.budget import excerpt
from signals.identity import canonical_id

UNDATED = "1970-01-01"
PROVIDER = "openrouter"
_FIELDS = {
    "prompt": "input",
    "input_cache_read": "cached_input",
    "input_cache_write": "cache_write",
    "completion": "output",
    "internal_reasoning": "reasoning",
}


def parse(data: bytes, source_id: str, *, as_of: str = UNDATED) -> Parsed:
    """Parse an OpenRouter models response; ``as_of`` dates the snapshot (default: undated)."""
    out = Parsed()
    doc = load_json(data, out, "prices")
    if doc is None:
        return out
    items = doc.get("data") if isinstance(doc, dict) else None
    if not isinstance(items, list):
        out.reject("prices", "expected an object with a 'data' list of models", excerpt(data))
        return out
    prices: list[dict] = []
    for item in items:
        reason = _skip_reason(item)
        if reason:
            out.reject("prices", reason, item)
            continue
        model_id = item["id"]
        row = _price_row(item, as_of)
        prices.append(row)
        if item.get("context_length") is not None:
            out.add(
                "profiles",
                {
                    "model": row["model"],
                    "verbosity": None,
                    "reasoning_tokens": None,
                    "ttft_s": None,
                    "output_tps": None,
                    "context_window": number_or_raw(item["context_length"]),
                    "source_name": model_id,
                },
            )
    one_per_key(out, "prices", prices, ("model", "provider", "effective_from"))
    return out


def _skip_reason(item: Any) -> str | None:
    """Why ``item`` yields no price row, or None when it does."""
    if not isinstance(item, dict):
        return "item is not a JSON object"
    model_id = item.get("id")
    if not isinstance(model_id, str) or not model_id.strip():
        return "item has no model id"
    pricing = item.get("pricing")
    if not isinstance(pricing, dict):
        return "item has no pricing object"
    prompt, completion = pricing.get("prompt"), pricing.get("completion")
    if model_id.startswith("openrouter/") or "-1" in (prompt, completion):
        return (
            "a router, not a model: its price depends on the model it picks "
            f"(prompt {prompt}, completion {completion})"
        )
    if model_id.endswith(":free"):
        return "free variant: rate-limited, not a production price"
    if model_id.endswith(":batch"):
        return "batch variant: batch-API prices are a request-specific variant"
    outputs = (item.get("architecture") or {}).get("output_modalities")
    if isinstance(outputs, list) and "text" not in outputs:
        return f"output {'+'.join(map(str, outputs))}: not a text-generation price"
    if prompt is None or completion is None:
        return "no prompt or completion price"
    if _is_zero(prompt) and _is_zero(completion):
        return "no price listed (prompt and completion are 0)"
    return None


def _price_row(item: dict, as_of: str) -> dict:
    model_id, pricing = item["id"], item["pricing"]
    row: dict[str, Any] = {
        "model": canonical_id(model_id),
        "provider": PROVIDER,
        "effective_from": as_of,
    }
    row.update({field: per_million(pricing.get(key)) for key, field in _FIELDS.items()})
    row["request"] = number_or_raw(pricing.get("request"))
    tiers = [
        o
        for o in pricing.get("overrides") or []
        if isinstance(o, dict) and isinstance(o.get("min_prompt_tokens"), int | float)
    ]
    tier = min(tiers, key=lambda o: o["min_prompt_tokens"]) if tiers else None
    row["tier_threshold_tokens"] = int(tier["min_prompt_tokens"]) if tier else None
    row["input_above"] = per_million(tier.get("prompt", pricing.get("prompt"))) if tier else None
    row["output_above"] = (
        per_million(tier.get("completion", pricing.get("completion"))) if tier else None
    )
    row["source_name"] = model_id
    row["evidence_url"] = f"https://openrouter.ai/{model_id}"
    row["created"] = _date(item.get("created"))
    return row


def _is_zero(value: Any) -> bool:
    try:
        return float(value) == 0.0
    except (TypeError, ValueError):
        return False


def _date(unix: Any) -> str | None:
    if isinstance(unix, int | float) and not isinstance(unix, bool):
        try:
            return datetime.fromtimestamp(unix, UTC).date().isoformat()
        except (OverflowError, OSError, ValueError):
            return None
    return None


FORMATS = (Format(("openrouter",), ("prices",), parse, expect="json"),)
