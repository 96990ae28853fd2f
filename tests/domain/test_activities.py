"""Group activities: which kinds count as a contact with each household taking part."""

from __future__ import annotations

import pytest

from bot.domain.activities import ActivityKind, counts_as, toggle
from bot.domain.cadence import ContactKind


@pytest.mark.parametrize(("kind", "contact"), [
    (ActivityKind.HOLIDAY_VISIT, ContactKind.VISIT),
    (ActivityKind.POLICY_CHECK, ContactKind.VISIT),
    (ActivityKind.MICRO_PROJECT, ContactKind.DEED),
    (ActivityKind.CAMPAIGN, None),
    (ActivityKind.GROUP_SESSION, None),
])
def test_only_activities_in_the_home_count_as_a_visit(kind: ActivityKind,
                                                      contact: ContactKind | None) -> None:
    assert counts_as(kind) is contact


def test_toggle_only_offers_what_is_on_offer() -> None:
    assert toggle([], 2, {1, 2}) == [2]
    assert toggle([2, 1], 2, {1, 2}) == [1]
    assert toggle([1], 99, {1, 2}) is None  # forged callback data
