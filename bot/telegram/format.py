"""Small formatting helpers for what handlers show (dates in the deployment's zone)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from bot.domain.lengths import telegram_length


def local_time(moment: datetime, tz: ZoneInfo, pattern: str) -> str:
    """An instant shown in the deployment's time zone."""
    return moment.astimezone(tz).strftime(pattern)


MESSAGE_BUDGET = 3800  # below Telegram's 4,096, counted as Telegram counts (telegram_length)


def join_within(lines: list[str], budget: int = MESSAGE_BUDGET) -> str:
    """Lines joined, whole lines dropped (then "…") before Telegram's length limit."""
    out: list[str] = []
    size = 0
    for line in lines:
        length = telegram_length(line)
        if size + length + 1 > budget:
            out.append("…")
            break
        out.append(line)
        size += length + 1
    return "\n".join(out)
