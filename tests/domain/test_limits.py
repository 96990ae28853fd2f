"""Dated programme limits (bot/domain/limits.py): the days a programme holds a household."""

from __future__ import annotations

from datetime import date

from bot.domain.cadence import Tenure
from bot.domain.limits import ALWAYS, Carried, Limit, gaps, held_spans, held_tenures

D1, D2, D3 = date(2026, 4, 1), date(2026, 7, 1), date(2026, 10, 1)


def test_a_household_outside_the_limit_is_not_held_from_its_day_on() -> None:
    assert gaps([Limit("orphan", D2)], {"dibao"}) == ((D2, None),)
    assert gaps([Limit("orphan", D2)], {"orphan"}) == ()
    assert gaps([Limit("orphan", ALWAYS)], set()) == ((ALWAYS, None),)


def test_a_lifted_limit_holds_again_and_a_category_added_later_holds_from_then() -> None:
    assert gaps([Limit("orphan", D1, D2), Limit("orphan", D3)], {"dibao"}) == (
        (D1, D2), (D3, None))
    # Limited to orphans from D1, to 低保 too from D2: a 低保 household is held from D2.
    assert gaps([Limit("orphan", D1), Limit("dibao", D2)], {"dibao"}) == ((D1, D2),)
    # Back to back: one gap.
    assert gaps([Limit("orphan", D1, D2), Limit("tekun", D2)], set()) == ((D1, None),)
    assert gaps([Limit("orphan", D1, D1)], set()) == ()  # taken out the day it was added


def test_a_category_the_household_takes_or_leaves_counts_from_that_day_only() -> None:
    orphans = [Limit("orphan", ALWAYS)]
    # An orphan until D2, 低保 from then: held until D2, not from D2 on.
    assert gaps(orphans, [Carried("orphan", ALWAYS, D2), Carried("dibao", D2)]) == (
        (D2, None),)
    # 低保 always, an orphan too from D2: not held until D2, held from then.
    assert gaps(orphans, [Carried("dibao"), Carried("orphan", D2)]) == ((ALWAYS, D2),)
    # Limited from D1, an orphan until D3: held before the limit and until D3.
    assert gaps([Limit("orphan", D1)], [Carried("orphan", ALWAYS, D3)]) == ((D3, None),)
    # An orphan from D2 to D3 and again from a later day: out between.
    later = date(2026, 12, 1)
    assert gaps(orphans, [Carried("orphan", D2, D3), Carried("orphan", later)]) == (
        (ALWAYS, D2), (D3, later))
    # Taken and left the same day: it never counted; codes alone are carried always.
    assert gaps(orphans, [Carried("orphan", D2, D2)]) == ((ALWAYS, None),)
    assert gaps(orphans, [Carried("orphan")]) == gaps(orphans, {"orphan"}) == ()


def test_a_tenure_is_cut_to_the_held_days() -> None:
    out = ((D2, D3),)
    assert held_spans(D1, None, out) == [(D1, D2), (D3, None)]
    assert held_spans(D1, date(2026, 8, 1), out) == [(D1, D2)]
    assert held_spans(date(2026, 8, 1), date(2026, 9, 1), out) == []
    assert held_spans(D1, D1, ()) == [(D1, D1)]  # no limit: the pairing as it is
    tenure = Tenure(5, 7001, D1)
    assert held_tenures(tenure, ()) == [tenure]
    assert held_tenures(tenure, ((D2, None),)) == [Tenure(5, 7001, D1, D2)]
