"""Where the page's clock buttons move the bot's clock to (local times of the demo's zone)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

MORNING = time(9, 0)
PRESETS = ("hour", "tomorrow", "monday", "month")


def target(now: datetime, preset: str, typed: str) -> datetime:
    """The instant a preset names, or the typed local date and time; ValueError if neither."""
    if typed:
        try:
            moment = datetime.fromisoformat(typed)
        except ValueError:
            raise ValueError("the date and time look like 2027-03-01T09:00") from None
        return moment if moment.tzinfo else moment.replace(tzinfo=now.tzinfo)
    day = now.date()
    if preset == "hour":
        return now + timedelta(hours=1)
    if preset == "tomorrow":
        return _at(now, day + timedelta(days=1))
    if preset == "monday":
        return _at(now, day + timedelta(days=7 - day.weekday()))
    if preset == "month":
        first = (day.replace(day=1) + timedelta(days=32)).replace(day=1)
        return _at(now, first)
    raise ValueError(f"the clock moves by one of {', '.join(PRESETS)} or to a typed time")


def _at(now: datetime, day: date) -> datetime:
    """09:00 on a day, in now's zone."""
    return datetime.combine(day, MORNING, tzinfo=now.tzinfo)
