"""Long lists shown a page at a time: which items a page holds and how many pages there are.

Telegram refuses an inline keyboard of more than 100 buttons and a text of more than 4,096
characters, so a list that grows with the district (workers, communities, sheets) is shown
in pages of a fixed size, with buttons to turn them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")

PAGE_SIZE = 20  # items a page lists: a short screen on a phone, well inside Telegram's limits
# A search by a part of a name shows every match a page at a time up to this many (five
# pages); beyond, paging through them is no help, and the person is asked for more of the name.
MATCHES_MAX = 100


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a list: its items, its number (from 0), how many pages and items."""

    items: list[T]
    number: int
    pages: int
    total: int
    size: int = PAGE_SIZE

    @property
    def start(self) -> int:
        """The index, in the whole list, of the page's first item."""
        return self.number * self.size

    @property
    def has_previous(self) -> bool:
        """Whether a page comes before this one."""
        return self.number > 0

    @property
    def has_next(self) -> bool:
        """Whether a page comes after this one."""
        return self.number + 1 < self.pages


def page_count(total: int, size: int = PAGE_SIZE) -> int:
    """How many pages `total` items take (one, even when there are none)."""
    return max(1, -(-total // size))


def clamp(number: int, total: int, size: int = PAGE_SIZE) -> int:
    """A page number that exists: a page asked for beyond the end (the list shrank since the
    button was made) is the last one."""
    return min(max(0, number), page_count(total, size) - 1)


def page_of(items: Sequence[T], number: int, size: int = PAGE_SIZE) -> Page[T]:
    """Page `number` of `items` (clamped to the pages there are)."""
    found = clamp(number, len(items), size)
    return Page(list(items[found * size:(found + 1) * size]), found,
                page_count(len(items), size), len(items), size)


def page_holding(index: int, size: int = PAGE_SIZE) -> int:
    """The page that shows the item at `index` (page 0 when it is not in the list)."""
    return max(0, index) // size
