"""How the brief writes numbers: money, percentages, ratios, tokens, points and seconds (the
chart and every format of the brief use the same ones)."""

from __future__ import annotations

import math

MINUS = "\u2212"


def _signed(text: str, negative: bool, signed: bool) -> str:
    if negative:
        return MINUS + text
    return ("+" + text) if signed else text


def _round_sig(value: float, digits: int) -> float:
    return round(value, digits - 1 - math.floor(math.log10(value)))


def money(value: float | None, signed: bool = False) -> str:
    """USD with 2-3 significant figures: $0.0011, $118, $2,510, $1.2M."""
    if value is None:
        return "n/a"
    amount = abs(float(value))
    if amount == 0:
        return "$0"
    rounded = _round_sig(amount, 2 if amount < 1 else 3)
    if rounded >= 1e9:
        text = f"{rounded / 1e9:g}B"
    elif rounded >= 1e6:
        text = f"{rounded / 1e6:g}M"
    elif rounded >= 100:
        text = f"{rounded:,.0f}"
    elif rounded >= 1:
        text = f"{rounded:.{2 - math.floor(math.log10(rounded))}f}"
    else:
        text = f"{rounded:.{max(2, 1 - math.floor(math.log10(rounded)))}f}"
    return _signed("$" + text, value < 0, signed)


def pct(value: float | None, signed: bool = True) -> str:
    """A fraction as a percentage: -0.54 -> "−54%", 0.054 -> "+5.4%"."""
    if value is None:
        return "n/a"
    percent = float(value) * 100
    digits = 0 if abs(percent) >= 10 else 1
    text = f"{abs(percent):.{digits}f}".removesuffix(".0")
    if text == "0":
        return "0%"
    return _signed(text + "%", percent < 0, signed)


def ratio(value: float | None) -> str:
    """A cost ratio: "×3.9" from 2 up, otherwise the signed change ("−54%")."""
    if value is None:
        return "n/a"
    if value >= 2:
        return f"×{value:.1f}" if value < 10 else f"×{value:,.0f}"
    return pct(value - 1)


def tokens(value: float | None) -> str:
    """A count with thousands separators: 2000 -> "2,000"."""
    return "n/a" if value is None else f"{round(value):,}"


def points(value: float | None) -> str:
    """A signed score change in points: +7.5, −0.6."""
    if value is None:
        return "n/a"
    text = f"{abs(value):.1f}"
    if text == "0.0":
        return text
    return _signed(text, value < 0, True)


def score(value: float | None) -> str:
    """A benchmark score: one decimal (percent scale), none from 1,000 (ratings)."""
    if value is None:
        return "n/a"
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.1f}"


def seconds(value: float | None) -> str:
    """A duration: "0.8 s", "31 s"."""
    if value is None:
        return "n/a"
    return f"{value:.1f} s" if value < 10 else f"{value:,.0f} s"
