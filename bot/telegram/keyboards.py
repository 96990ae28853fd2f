"""Inline keyboards from (label, callback data) rows, the one way buttons are built.

Telegram refuses a keyboard of more than 100 buttons ("Reply markup is too long") and with it
the whole message: every keyboard built here is held within that limit (`fit`), and a list
that can grow (workers, communities, sheets) is shown a page at a time (`page_rows`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.domain.paging import Page, page_of

log = logging.getLogger(__name__)

BUTTONS_MAX = 100  # Telegram refuses an inline keyboard with more buttons

Row = Sequence[tuple[str, str]]


def fit(rows: Sequence[Row], limit: int = BUTTONS_MAX) -> list[Row]:
    """The rows, at most `limit` buttons in all. A keyboard with more is a list that should
    have been paged: the last row (Done, Add, the page buttons) is kept, the rows before it
    are cut where the limit falls, and the cut is logged, so the message still goes out."""
    if sum(len(row) for row in rows) <= limit:
        return list(rows)
    last = list(rows[-1])[:limit]
    kept: list[Row] = []
    room = limit - len(last)
    for row in rows[:-1]:
        if len(row) > room:
            if room:
                kept.append(list(row)[:room])
            break
        kept.append(row)
        room -= len(row)
    log.warning("a keyboard of %d buttons was cut to %d (Telegram refuses more)",
                sum(len(row) for row in rows), limit)
    return [*kept, last]


def buttons(rows: Sequence[Row]) -> InlineKeyboardMarkup:
    """Inline buttons from rows of (label, callback data), at most Telegram's 100."""
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(text, callback_data=data) for text, data in row]
         for row in fit(rows)])


def optional(rows: Sequence[Row]) -> InlineKeyboardMarkup | None:
    """Inline buttons, or None when there are none (Telegram refuses an empty keyboard)."""
    return buttons(rows) if rows else None


def pairs(items: list[tuple[str, str]], width: int = 2) -> list[list[tuple[str, str]]]:
    """Items laid out `width` per row."""
    return [items[i : i + width] for i in range(0, len(items), width)]


def page_rows(t: Callable[..., str], page: Page[Any],
              data: Callable[[int], str]) -> list[list[tuple[str, str]]]:
    """The row that turns the pages of a list ("◀ 上一页", "下一页 ▶"): `data(n)` is the
    callback data that shows page n. No row when everything fits on one page."""
    row = []
    if page.has_previous:
        row.append((t("page.previous"), data(page.number - 1)))
    if page.has_next:
        row.append((t("page.next"), data(page.number + 1)))
    return [row] if row else []


def page_line(t: Callable[..., str], page: Page[Any]) -> list[str]:
    """"第 2/6 页" under a list of several pages; nothing for one page."""
    return [t("page.line", page=page.number + 1, pages=page.pages)] if page.pages > 1 else []


def picker(t: Callable[..., str], items: Sequence[tuple[str, str]], number: int,
           turn: Callable[[int], str], width: int = 1
           ) -> tuple[list[list[tuple[str, str]]], list[str]]:
    """A list of choices (label, callback data) a page at a time: the buttons of page
    `number` (`width` a row) with the row that turns the pages (`turn(n)` shows page n), and
    the page line for the text under the question (nothing when it all fits on one page)."""
    found = page_of(items, number)
    return ([*pairs(list(found.items), width), *page_rows(t, found, turn)],
            page_line(t, found))
