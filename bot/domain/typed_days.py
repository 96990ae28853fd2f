"""A day typed in chat the way people say it: 昨天, 前天, 15号, yesterday, Nov 15, 15/11.

Every day asked for in chat is of something that has happened, so a date without a year is
the last such day up to today, and a day of the month alone is this month's, or last month's
when that day is still ahead. Tomorrow is read too, so that it is refused as a future day
with the step's own words rather than misunderstood. A day its month does not have (30号
typed on 1 March, Feb 29 of a common year) is told apart from words that are no day, so the
person hears what is wrong with it. Pure: today is an argument.
"""

from __future__ import annotations

import re
from calendar import monthrange
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Final

from bot.domain.households import written_day

# Words for a day counted back from today, in both languages (compared lower-cased, with
# inner runs of spaces made one).
DAYS_BACK: Final[dict[str, int]] = {
    "今天": 0, "今日": 0, "昨天": 1, "昨日": 1, "前天": 2, "前日": 2, "大前天": 3,
    "明天": -1, "明日": -1,
    "today": 0, "yesterday": 1, "the day before yesterday": 2, "day before yesterday": 2,
    "tomorrow": -1,
}
MONTHS: Final[dict[str, int]] = {
    name: number
    for number, names in enumerate((
        ("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"),
        ("may",), ("jun", "june"), ("jul", "july"), ("aug", "august"),
        ("sep", "sept", "september"), ("oct", "october"), ("nov", "november"),
        ("dec", "december")), start=1)
    for name in names
}
_FULLWIDTH: Final = str.maketrans("０１２３４５６７８９／", "0123456789/")
_AGO_RE: Final = re.compile(r"^(\d{1,3})\s*(?:天前|天以前|days? ago)$")
_DAY_OF_MONTH_RE: Final = re.compile(r"^(?:the\s+)?(\d{1,2})\s*(?:[日号]|st|nd|rd|th)$")
_DAY_NUMBER: Final = r"(\d{1,2})(?:st|nd|rd|th)?"
_MONTH_NAME: Final = r"([a-z]+)\.?"
_YEAR: Final = r"(?:,?\s+(\d{4}))?"
_MONTH_FIRST_RE: Final = re.compile(rf"^{_MONTH_NAME}\s+{_DAY_NUMBER}{_YEAR}$")
_DAY_FIRST_RE: Final = re.compile(rf"^(?:the\s+)?{_DAY_NUMBER}\s+(?:of\s+)?{_MONTH_NAME}{_YEAR}$")
_DAY_MONTH_RE: Final = re.compile(r"^(\d{1,2})\s*[/.]\s*(\d{1,2})(?:\s*[/.]\s*(\d{4}))?$")


Parts = tuple[int, int, int]  # (year, month, day) as read, not yet checked to exist


@dataclass(frozen=True)
class NoSuchDay:
    """A day of the month its month does not have: 30 February, 31 April, 29 February 2026."""

    year: int
    month: int
    day: int

    @property
    def days(self) -> int:
        """How many days that month has."""
        return monthrange(self.year, self.month)[1]


def read_day(text: str, today: date) -> date | NoSuchDay | None:
    """The day `text` names, seen from `today`; NoSuchDay for a day its month lacks; None if
    it names no day."""
    value = " ".join(text.translate(_FULLWIDTH).lower().split())
    if not value:
        return None
    if value in DAYS_BACK:
        return today - timedelta(days=DAYS_BACK[value])
    if (ago := _AGO_RE.match(value)) is not None:
        return today - timedelta(days=int(ago.group(1)))
    for read in (written_day, _day_of_month, _named_month, _day_first):
        parts = read(value, today)
        # a reading whose month or day no month has is no reading: 15/11 is not month 15
        found = None if parts is None else _real(parts)
        if found is not None:
            return found
    return None


def _real(parts: Parts) -> date | NoSuchDay | None:
    """The date, or NoSuchDay for a day from 29 to 31 its month lacks; None for a month or day
    no month has (13月, 32号, 0号): those are no day at all."""
    year, month, day = parts
    if not (1 <= month <= 12 and 1 <= day <= 31) or year < 1:
        return None
    try:
        return date(year, month, day)
    except ValueError:
        return NoSuchDay(year, month, day)


def _day_of_month(value: str, today: date) -> Parts | None:
    """15号, 15日, the 15th: this month's, or last month's if it is still ahead."""
    match = _DAY_OF_MONTH_RE.match(value)
    if match is None:
        return None
    day = int(match.group(1))
    if day <= today.day:
        return today.year, today.month, day
    last_month = today.replace(day=1) - timedelta(days=1)
    return last_month.year, last_month.month, day


def _named_month(value: str, today: date) -> Parts | None:
    """Nov 15, November 15th, 15 Nov, the 15th of November (a year may follow)."""
    first = _MONTH_FIRST_RE.match(value)
    if first is not None:
        name, day, year = first.group(1), first.group(2), first.group(3)
    elif (second := _DAY_FIRST_RE.match(value)) is not None:
        day, name, year = second.group(1), second.group(2), second.group(3)
    else:
        return None
    month = MONTHS.get(name)
    if month is None:
        return None
    return _dated(int(day), month, int(year) if year else None, today)


def _day_first(value: str, today: date) -> Parts | None:
    """15/11 or 15/11/2026: read day first only when the first number cannot be a month
    (3/5 stays 5 March, as written_day reads it)."""
    match = _DAY_MONTH_RE.match(value)
    if match is None or int(match.group(1)) <= 12:
        return None
    year = match.group(3)
    return _dated(int(match.group(1)), int(match.group(2)), int(year) if year else None, today)


def _dated(day: int, month: int, year: int | None, today: date) -> Parts:
    """The day in that year, or without one the last such day up to today (compared as
    numbers, so a day the month lacks gets a year too)."""
    if year is not None:
        return year, month, day
    ahead = (month, day) > (today.month, today.day)
    return (today.year - 1 if ahead else today.year), month, day
