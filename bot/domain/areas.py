"""Areas: communities (社区) inside streets (街道), as configured or written in a roster."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Final

AREA_NAME_MAX: Final = 64
_SLASHES: Final = ("／", "/")


def split_area(entry: str) -> tuple[str | None, str]:
    """(street, community) from a configured entry: "东门街道/东门社区" or just "东门社区"."""
    text = entry.strip()
    for slash in _SLASHES:
        text = text.replace(slash, "/")
    if "/" not in text:
        return None, text
    street, community = text.split("/", 1)
    return street.strip() or None, community.strip()


def valid_area_entry(entry: str) -> bool:
    """An entry names a community, optionally after its street, each short and without '/'."""
    street, community = split_area(entry)
    if not community or "/" in community or len(community) > AREA_NAME_MAX:
        return False
    return street is None or len(street) <= AREA_NAME_MAX


def emptied_streets(streets: Mapping[int, Collection[int]], moving: Collection[int],
                    into: int | None) -> list[int]:
    """The streets, other than `into` (None: a new one), that moving these communities into
    it would leave with no community (a street never ends up empty)."""
    moved = set(moving)
    return [street for street, held in streets.items()
            if street != into and held and moved.issuperset(held)]
