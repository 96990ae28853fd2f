"""Micro-projects (民生微实事): the checks on a project's name, budget and period."""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from enum import StrEnum

NAME_MAX = 40
LONGEST_DAYS = 3 * 366  # a micro-project runs months, at most a few years

_PERIOD = re.compile(r"^(\d{4}-\d{1,2}-\d{1,2})\s*(?:~|～|—|–|至|到|to|-{1,2}|\s)\s*"
                     r"(\d{4}-\d{1,2}-\d{1,2})$")


class PeriodProblem(StrEnum):
    """Why a typed period is refused."""

    UNREADABLE = "unreadable"
    BACKWARDS = "backwards"
    TOO_LONG = "too_long"


def clean_name(text: str) -> str | None:
    """A project's name as typed, spaces tidied; None when empty or too long."""
    value = " ".join(text.split())
    return value if 0 < len(value) <= NAME_MAX else None


def _day(text: str) -> date | None:
    try:
        year, month, day = (int(p) for p in text.split("-"))
        return date(year, month, day)
    except ValueError:
        return None


def parse_period(text: str) -> tuple[date, date] | PeriodProblem:
    """'2026-09-01 至 2026-12-31' (or ~, -, 到) as first and last day, or why it is refused."""
    value = unicodedata.normalize("NFKC", text).strip()
    match = _PERIOD.match(value)
    if match is None:
        return PeriodProblem.UNREADABLE
    first, last = _day(match.group(1)), _day(match.group(2))
    if first is None or last is None:
        return PeriodProblem.UNREADABLE
    if last < first:
        return PeriodProblem.BACKWARDS
    if (last - first).days > LONGEST_DAYS:
        return PeriodProblem.TOO_LONG
    return first, last
