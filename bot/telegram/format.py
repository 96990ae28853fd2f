"""Small formatting helpers for what handlers show (dates in the deployment's zone)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo


def local_time(moment: datetime, tz: ZoneInfo, pattern: str) -> str:
    """An instant shown in the deployment's time zone."""
    return moment.astimezone(tz).strftime(pattern)


MESSAGE_BUDGET = 3800  # below Telegram's 4,096 characters


def join_within(lines: list[str], budget: int = MESSAGE_BUDGET) -> str:
    """Lines joined, cut before Telegram's length limit."""
    out: list[str] = []
    size = 0
    for line in lines:
        if size + len(line) + 1 > budget:
            out.append("…")
            break
        out.append(line)
        size += len(line) + 1
    return "\n".join(out)
