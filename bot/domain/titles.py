"""A coordinator's title (称呼): 民政专干, 社工督导, the generic 管理员, or words of their own."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Final

TITLE_MAX: Final = 12
# Characters that would read as markup or break a line of text where the title is shown.
_MARKUP: Final = frozenset("<>&\"'`")


class Preset(StrEnum):
    """The titles offered as buttons (each a catalog key under titles.preset)."""

    CIVIL_AFFAIRS = "civil_affairs"  # 民政专干
    SUPERVISOR = "supervisor"  # 社工督导


class Problem(StrEnum):
    """Why a typed title is refused (a catalog key under titles.problem)."""

    EMPTY = "empty"
    TOO_LONG = "too_long"
    MARKUP = "markup"


@dataclass(frozen=True)
class Title:
    """A title that was set: a preset, or the coordinator's own words."""

    preset: Preset | None = None
    custom: str | None = None


def clean_title(text: str) -> str | Problem:
    """A typed title, spaces tidied; a Problem when empty, too long or with markup."""
    value = " ".join(text.split())
    if not value:
        return Problem.EMPTY
    if len(value) > TITLE_MAX:
        return Problem.TOO_LONG
    if any(c in _MARKUP for c in value) or not value.isprintable():
        return Problem.MARKUP
    return value
