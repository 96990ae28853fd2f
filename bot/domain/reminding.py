"""When reminders and digests go out: quiet hours, the daily window, the weekly key.

Pure: every function takes the local time or date as an argument.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time
from typing import TypeVar

from bot.domain.cadence import Obligation, Stage, reminder_stage

T = TypeVar("T")

DIGEST_WEEKDAY = 0  # Monday


def in_quiet_hours(moment: time, start: time, end: time) -> bool:
    """Whether a local wall time falls in the quiet hours [start, end).

    start > end wraps midnight (21:00–08:00); start < end is a span inside one day;
    start == end means no quiet hours at all.
    """
    moment = moment.replace(tzinfo=None)
    if start == end:
        return False
    if start < end:
        return start <= moment < end
    return moment >= start or moment < end


def window_open(local: datetime, reminder_time: time, quiet_start: time, quiet_end: time) -> bool:
    """Whether a daily run may happen at this local instant.

    The run belongs to the first tick at or after reminder_time that is not in quiet hours.
    If reminder_time itself lies in the quiet hours (a configuration slip), the run waits
    for the end of the quiet hours that same day instead of never happening.
    """
    now = local.time().replace(tzinfo=None)
    if in_quiet_hours(now, quiet_start, quiet_end):
        return False
    if now >= reminder_time:
        return True
    return in_quiet_hours(reminder_time, quiet_start, quiet_end) and now >= quiet_end


def digest_due(local: datetime, reminder_time: time, quiet_start: time, quiet_end: time,
               weekday: int = DIGEST_WEEKDAY) -> bool:
    """Whether this week's digest may go out now: from `weekday` at the daily time on,
    any later day of the same week (catch-up after downtime), never in quiet hours."""
    if in_quiet_hours(local.time(), quiet_start, quiet_end):
        return False
    if local.weekday() > weekday:
        return True
    return local.weekday() == weekday and window_open(local, reminder_time, quiet_start,
                                                      quiet_end)


def week_key(day: date) -> str:
    """ISO week of a local date: 2026-W48 (the week a digest belongs to)."""
    year, week, _ = day.isocalendar()
    return f"{year:04d}-W{week:02d}"


def stages_today(items: Iterable[tuple[T, Obligation]], today: date
                 ) -> list[tuple[T, Obligation, Stage]]:
    """The obligations that are at a reminder stage today, with that stage."""
    out: list[tuple[T, Obligation, Stage]] = []
    for tag, obligation in items:
        stage = reminder_stage(obligation, today)
        if stage is not None:
            out.append((tag, obligation, stage))
    return out


def pack(lines: list[str], budget: int = 3800, header: str = "") -> list[str]:
    """Lines joined into as few messages as fit within `budget` characters each.

    The header opens every message. Lines are never cut (a cut could break an HTML tag);
    callers keep each line short (names are bounded).
    """
    messages: list[str] = []
    current: list[str] = [header] if header else []
    size = len(header)
    for line in lines:
        if size + len(line) + 1 > budget and (len(current) > (1 if header else 0)):
            messages.append("\n".join(current))
            current = [header] if header else []
            size = len(header)
        current.append(line)
        size += len(line) + 1
    if len(current) > (1 if header else 0) or not messages:
        messages.append("\n".join(current))
    return messages
