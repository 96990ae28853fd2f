"""Inline keyboards from (label, callback data) rows, the one way buttons are built."""

from __future__ import annotations

from collections.abc import Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup


def buttons(rows: Sequence[Sequence[tuple[str, str]]]) -> InlineKeyboardMarkup:
    """Inline buttons from rows of (label, callback data)."""
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(text, callback_data=data) for text, data in row] for row in rows])


def optional(rows: Sequence[Sequence[tuple[str, str]]]) -> InlineKeyboardMarkup | None:
    """Inline buttons, or None when there are none (Telegram refuses an empty keyboard)."""
    return buttons(rows) if rows else None


def pairs(items: list[tuple[str, str]], width: int = 2) -> list[list[tuple[str, str]]]:
    """Items laid out `width` per row."""
    return [items[i : i + width] for i in range(0, len(items), width)]
