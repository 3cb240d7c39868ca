"""The no-look-ahead rule: the latest fact known on a day."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from signals.asof import latest_as_of

D0 = date(2025, 1, 1)


def when(fact: tuple[date, str]) -> date:
    return fact[0]


def test_hand_cases() -> None:
    facts = [(date(2025, 3, 1), "march"), (date(2025, 1, 1), "jan"), (date(2025, 2, 1), "feb")]
    assert latest_as_of(facts, date(2024, 12, 31), when) is None
    assert latest_as_of(facts, date(2025, 1, 1), when) == (date(2025, 1, 1), "jan")
    assert latest_as_of(facts, date(2025, 2, 15), when) == (date(2025, 2, 1), "feb")
    assert latest_as_of(facts, date(2026, 1, 1), when) == (date(2025, 3, 1), "march")
    assert latest_as_of([], D0, when) is None


def test_ties_go_to_the_last_in_order() -> None:
    facts = [(D0, "first"), (D0, "second"), (D0 - timedelta(days=1), "older")]
    assert latest_as_of(facts, D0, when) == (D0, "second")
    # works on a one-shot iterator too
    assert latest_as_of(iter(facts), D0, when) == (D0, "second")


fact_lists = st.lists(
    st.tuples(st.integers(min_value=0, max_value=60), st.text(max_size=3)), max_size=20
).map(lambda xs: [(D0 + timedelta(days=d), tag) for d, tag in xs])
days = st.integers(min_value=-5, max_value=65).map(lambda d: D0 + timedelta(days=d))


@settings(deadline=None)
@given(fact_lists, days)
def test_never_looks_ahead(facts: list[tuple[date, str]], day: date) -> None:
    got = latest_as_of(facts, day, when)
    known = [f for f in facts if f[0] <= day]
    if not known:
        assert got is None
    else:
        assert got is not None and got[0] <= day
        assert got[0] == max(f[0] for f in known)
        # the last of the latest-dated known facts
        assert got is [f for f in known if f[0] == got[0]][-1]


@settings(deadline=None)
@given(fact_lists, fact_lists, days)
def test_later_facts_do_not_change_earlier_days(
    facts: list[tuple[date, str]], extra: list[tuple[date, str]], day: date
) -> None:
    later = [(d + timedelta(days=(day - D0).days + 1), tag) for d, tag in extra]  # all after day
    before = latest_as_of(facts, day, when)
    mixed = facts[:]
    for i, f in enumerate(later):  # interleave them anywhere
        mixed.insert(i % (len(mixed) + 1), f)
    assert latest_as_of(mixed, day, when) is before
