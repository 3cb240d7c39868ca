"""The no-look-ahead rule, defined once: use only facts known on the day."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from typing import TypeVar

T = TypeVar("T")


def latest_as_of(facts: Iterable[T], day: date, when: Callable[[T], date]) -> T | None:
    """The fact with the greatest ``when(f) <= day``; ties go to the last one in iteration order.

    Returns ``None`` when no fact is dated on or before ``day``.
    """
    best: T | None = None
    best_day: date | None = None
    for fact in facts:
        d = when(fact)
        if d <= day and (best_day is None or d >= best_day):
            best, best_day = fact, d
    return best
