"""Prices from the installed genai-prices package's bundled snapshot -> prices and profiles.

The snapshot ships inside the package, so ``parse`` ignores its ``data`` argument (the run's
record of what it read is ``snapshot_version()``). For every provider -> model -> price:

- a plain ``ModelPrice`` is one row, undated;
- a list of ``ConditionalPrice`` gives one row per dated change, ``effective_from`` and
  ``known_from`` = the ``StartDateConstraint.start_date`` (the change's announced day); the entry
  without a start date gets ``effective_from = "1970-01-01"``, meaning "undated": it holds from
  the snapshot's day (the source's ``as_of``), never earlier, and so never before a dated change
  that follows it;
- ``TieredPrices`` give the base price plus ``tier_threshold_tokens``, ``input_above`` and
  ``output_above`` from the first tier (the flat price fills the side that has no tier). The
  tier prices of cache reads and writes have no canonical field and are not carried.
- units: ``input_mtok`` -> input, ``cache_read_mtok`` -> cached_input, ``cache_write_mtok``
  -> cache_write (the 5-minute write), ``output_mtok`` -> output, ``output_reasoning_mtok`` ->
  reasoning, ``requests_kcount`` -> request (USD per request = price per thousand / 1000).
  Non-text units (audio, image, video, web search, document pages, the 1-hour cache write) have
  no canonical field and are not carried.

Time-of-day prices (DeepSeek's standard and off-peak hours, peak-hour surcharges) are folded
into a day-weighted price: genai-prices applies the last matching entry, so a window overrides
the rows listed before it during its hours, and the stored price is the average over the 24 hours
of the day (traffic spread evenly: 16 h at the standard price and 8 h at the off-peak one give
2/3 and 1/3 of each). A window with tiered prices, or that no row precedes, is rejected instead.

Rejected with a reason, never dropped silently: request-specific price variants (batch
processing, routes, search modes), tiers beyond the first, prices with no text-token or request
price (speech, documents by page) and empty price entries (free tiers, subscription-included
models).
A model with a ``context_window`` also yields a profile row; a model id listed by several
providers gets one profile, from the provider whose own model names match it (else the first).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import genai_prices
from genai_prices import types

from flows.sources.adapters.base import Format, Parsed

UNDATED = "1970-01-01"
_FIELDS = {
    "input_mtok": "input",
    "cache_read_mtok": "cached_input",
    "cache_write_mtok": "cache_write",
    "output_mtok": "output",
    "output_reasoning_mtok": "reasoning",
}


def snapshot_version() -> str:
    """The genai-prices release whose bundled snapshot ``parse`` reads."""
    return f"genai-prices {genai_prices.__version__}"


def parse(data: bytes, source_id: str) -> Parsed:
    """Read the bundled genai-prices snapshot; ``data`` is ignored."""
    from genai_prices.data import providers

    out = Parsed()
    profiles: dict[str, tuple[bool, dict]] = {}
    for provider in providers:
        url = provider.pricing_urls[0] if provider.pricing_urls else None
        for model in provider.models:
            _model_prices(out, provider.id, model, url)
            if model.context_window is not None:
                own = bool(provider.model_match and provider.model_match.is_match(model.id))
                if model.id not in profiles or (own and not profiles[model.id][0]):
                    profiles[model.id] = (
                        own,
                        {
                            "model": model.id,
                            "verbosity": None,
                            "reasoning_tokens": None,
                            "ttft_s": None,
                            "output_tps": None,
                            "context_window": model.context_window,
                            "source_name": model.id,
                        },
                    )
    for _, row in profiles.values():
        out.add("profiles", row)
    return out


def _model_prices(out: Parsed, provider: str, model: types.ModelInfo, url: str | None) -> None:
    entries: list[tuple[Any, types.ModelPrice]]
    if isinstance(model.prices, types.ModelPrice):
        entries = [(None, model.prices)]
    else:
        entries = [(c.constraint, c.prices) for c in model.prices]
    folded: set[int] = set()
    for i, (constraint, price) in enumerate(entries):
        raw = {
            "provider": provider,
            "model": model.id,
            "constraint": repr(constraint),
            "prices": repr(price),
        }
        if isinstance(constraint, types.TimeOfDateConstraint):
            continue  # folded into the rows before it, below
        known_from = None
        if isinstance(constraint, types.StartDateConstraint):
            effective_from = known_from = constraint.start_date.isoformat()
        elif constraint is None:
            effective_from = UNDATED
        else:
            out.reject(
                "prices",
                f"{type(constraint).__name__}: a price under this condition has no canonical form",
                raw,
            )
            continue
        row = _row(out, provider, model.id, effective_from, price, url, raw)
        if row is None:
            continue
        row["known_from"] = known_from
        windows = [
            (j, c, p)
            for j, (c, p) in enumerate(entries)
            if j > i and isinstance(c, types.TimeOfDateConstraint)
        ]
        if windows:
            row = _day_weighted(out, row, windows, provider, model.id, url, raw)
            folded |= {j for j, _, _ in windows}
        out.add("prices", row)
    for j, (constraint, price) in enumerate(entries):
        if isinstance(constraint, types.TimeOfDateConstraint) and j not in folded:
            out.reject(
                "prices",
                f"TimeOfDateConstraint {_window(constraint)}: no price before "
                "it for the rest of the day",
                {
                    "provider": provider,
                    "model": model.id,
                    "constraint": repr(constraint),
                    "prices": repr(price),
                },
            )
    for variant in model.price_variants or ():
        out.reject(
            "prices",
            f"price variant when {variant.when} (from "
            f"{_start(variant.constraint)}): request-specific prices have no canonical "
            "form",
            {"provider": provider, "model": model.id, "variant": repr(variant)},
        )


def _row(
    out: Parsed,
    provider: str,
    model_id: str,
    effective_from: str,
    price: types.ModelPrice,
    url: str | None,
    raw: dict,
) -> dict | None:
    values = {key: getattr(price, key, None) for key in (*_FIELDS, "requests_kcount")}
    if all(values[key] is None for key in ("input_mtok", "output_mtok", "requests_kcount")):
        units = ", ".join(sorted(k for k, v in vars(price).items() if v is not None))
        reason = (
            f"no text-token or request price (units: {units})"
            if units
            else "no price listed (a free tier or a subscription-included model)"
        )
        out.reject("prices", reason, raw)
        return None
    row: dict[str, Any] = {
        "model": model_id,
        "provider": provider,
        "effective_from": effective_from,
    }
    tier_start: int | None = None
    above: dict[str, float | None] = {}
    for key, field in _FIELDS.items():
        value = values[key]
        if isinstance(value, types.TieredPrices):
            if len(value.tiers) > 1:
                extra = ", ".join(str(t.start) for t in value.tiers[1:])
                out.reject(
                    "prices",
                    f"{key} tiers above the first (from {extra} tokens) have no canonical form",
                    raw,
                )
            first = value.tiers[0]
            if field in ("input", "output"):
                tier_start = first.start if tier_start is None else tier_start
                above[field] = _num(first.price)
            value = value.base
        row[field] = _num(value)
    requests = values["requests_kcount"]
    row["request"] = _num(requests / 1000) if isinstance(requests, Decimal) else None
    row["tier_threshold_tokens"] = tier_start
    row["input_above"] = above.get("input", row["input"]) if tier_start is not None else None
    row["output_above"] = above.get("output", row["output"]) if tier_start is not None else None
    row["source_name"] = model_id
    row["evidence_url"] = url
    return row


_DAY = 24 * 60
_BLENDED = ("input", "cached_input", "cache_write", "output", "reasoning", "request")


def _day_weighted(
    out: Parsed,
    row: dict,
    windows: list[tuple[int, Any, Any]],
    provider: str,
    model_id: str,
    url: str | None,
    raw: dict,
) -> dict:
    """`row` with each price averaged over the day, the windows' prices during their hours
    (a later window wins where two overlap, as in genai-prices)."""
    covering: list[dict | None] = [None] * _DAY  # per minute: the window row in force, if any
    for _, constraint, price in windows:
        window_raw = {**raw, "constraint": repr(constraint), "prices": repr(price)}
        window = _row(Parsed(), provider, model_id, row["effective_from"], price, url, window_raw)
        if window is None or window["tier_threshold_tokens"] or row["tier_threshold_tokens"]:
            out.reject(
                "prices",
                f"TimeOfDateConstraint {_window(constraint)}: tiered or empty "
                "prices for part of the day cannot be averaged; the rest of the day's "
                "price is kept",
                window_raw,
            )
            continue
        for minute in _minutes(constraint):
            covering[minute] = window
    blended = dict(row)
    for field in _BLENDED:
        if row[field] is None:
            continue
        total = sum(row[field] if w is None or w[field] is None else w[field] for w in covering)
        blended[field] = round(total / _DAY, 9)
    return blended


def _minutes(constraint: Any) -> range | list[int]:
    """The minutes of the day (UTC) a time-of-day window covers; it may wrap past midnight."""
    start = constraint.start_time.hour * 60 + constraint.start_time.minute
    end = constraint.end_time.hour * 60 + constraint.end_time.minute
    return range(start, end) if start < end else [*range(start, _DAY), *range(0, end)]


def _num(value: Any) -> float | None:
    return None if value is None else float(value)


def _window(constraint: Any) -> str:
    start, end = getattr(constraint, "start_time", None), getattr(constraint, "end_time", None)
    return f"{start:%H:%M}-{end:%H:%M} UTC" if start and end else repr(constraint)


def _start(constraint: Any) -> str:
    if isinstance(constraint, types.StartDateConstraint):
        return constraint.start_date.isoformat()
    return "always" if constraint is None else repr(constraint)


FORMATS = (Format(("genai-prices",), ("prices",), parse, packaged=True),)
