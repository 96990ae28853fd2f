"""The wellbeing trend of a household: the last scores recorded with contacts, and whether
they went up or down (as the service file shows it: 3 → 4 → 4 ↑)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

TREND_SCORES = 5  # the last scores shown


class Direction(StrEnum):
    """Where the newest score stands against the oldest one shown."""

    UP = "up"
    DOWN = "down"
    SAME = "same"


@dataclass(frozen=True)
class Trend:
    """The scores, oldest first, and their direction (None with a single score)."""

    scores: tuple[int, ...]
    direction: Direction | None


def trend(scores: Sequence[int]) -> Trend | None:
    """The trend of scores given oldest first (only the last TREND_SCORES); None if none."""
    shown = tuple(scores[-TREND_SCORES:])
    if not shown:
        return None
    if len(shown) == 1:
        return Trend(shown, None)
    first, last = shown[0], shown[-1]
    direction = Direction.UP if last > first else Direction.DOWN if last < first \
        else Direction.SAME
    return Trend(shown, direction)
