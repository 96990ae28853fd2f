"""Small formatting helpers for what handlers show (dates in the deployment's zone)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo


def local_time(moment: datetime, tz: ZoneInfo, pattern: str) -> str:
    """An instant shown in the deployment's time zone."""
    return moment.astimezone(tz).strftime(pattern)
