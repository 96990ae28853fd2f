"""Which streets a move of communities would leave empty (a street never ends up empty)."""

from __future__ import annotations

import pytest

from bot.domain.areas import emptied_streets

STREETS = {1: (10, 11), 2: (20,), 3: (), 4: (40, 41)}


@pytest.mark.parametrize(("moving", "into", "emptied"), [
    ([20], 1, [2]),            # a street's only community moved away
    ([20], 2, []),             # into its own street: nothing leaves
    ([10], 2, []),             # one of two: street 1 keeps the other
    ([10, 11], 2, [1]),        # both of street 1's
    ([10, 11, 20], None, [1, 2]),  # a new street taking two streets' every community
    ([40, 41, 10], 4, []),     # street 4's own, and one of street 1's
    ([], 1, []),               # nothing moves
    ([99], 1, []),             # a community in no street
])
def test_a_move_empties_a_street_only_when_it_takes_all_of_its_communities(
        moving: list[int], into: int | None, emptied: list[int]) -> None:
    # Street 3 has no community already (an old database): it is not ours to report.
    assert emptied_streets(STREETS, moving, into) == emptied
