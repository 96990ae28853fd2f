"""The wellbeing trend: the last scores, oldest first, and where the newest stands."""

from __future__ import annotations

import pytest

from bot.domain.wellbeing import Direction, Trend, trend


@pytest.mark.parametrize(("scores", "expected"), [
    ([], None),
    ([3], Trend((3,), None)),
    ([3, 4, 4], Trend((3, 4, 4), Direction.UP)),
    ([4, 2], Trend((4, 2), Direction.DOWN)),
    ([3, 5, 3], Trend((3, 5, 3), Direction.SAME)),
    ([1, 1, 2, 3, 4, 5, 5], Trend((2, 3, 4, 5, 5), Direction.UP)),  # the last five only
])
def test_trends(scores: list[int], expected: Trend | None) -> None:
    assert trend(scores) == expected
