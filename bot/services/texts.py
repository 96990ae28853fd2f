"""Wording shared by use cases, jobs and handlers: days, periods, programmes, languages of
people written to."""

from __future__ import annotations

from datetime import date

from bot.domain.periods import Period, PeriodKind
from bot.services.context import Services
from storage import reminders as store


def days_label(services: Services, lang: str, first: date, last: date) -> str:
    """Days from one date to another as people write them ("2026年11月1日至11月30日",
    "1–30 Nov 2026"; one day: "2026年7月1日", "1 Jul 2026"), plain text."""
    shape = ("day" if first == last else "month" if first.replace(day=1) == last.replace(
        day=1) else "year" if first.year == last.year else "years")
    return services.catalog.plain(
        lang, f"audit.span.{shape}", year=first.year, month=_month(services, lang, first),
        first=first.day, year2=last.year, month2=_month(services, lang, last), last=last.day)


def day_label(services: Services, lang: str, day: date) -> str:
    """One day as people write it: 2026年7月1日 / 1 Jul 2026 (not 2026-07-01)."""
    return days_label(services, lang, day, day)


def month_name(services: Services, lang: str, month: int) -> str:
    """A month as the days above write it: 2月 / Feb."""
    return services.catalog.plain(lang, f"audit.month.{month}")


def _month(services: Services, lang: str, day: date) -> str:
    return month_name(services, lang, day.month)


def period_label(services: Services, lang: str, period: Period) -> str:
    """2026年第4季度 / Q4 2026, …"""
    t = services.catalog.t
    start = period.start
    if period.kind is PeriodKind.MONTH:
        return t(lang, "when.month", year=start.year, month=start.month)
    if period.kind is PeriodKind.QUARTER:
        return t(lang, "when.quarter", year=start.year, n=(start.month - 1) // 3 + 1)
    if period.kind is PeriodKind.HALF_YEAR:
        return t(lang, "when.half1" if start.month == 1 else "when.half2", year=start.year)
    return t(lang, "when.year", year=start.year)


def program_name(services: Services, lang: str, name: str) -> str:
    """A programme's name as people read it: the seeded default one is translated
    (catalog `program.<name>`), one a coordinator named is shown as named."""
    key = f"program.{name}"
    return services.catalog.t(lang, key) if services.catalog.has(key) else name


def language_of(services: Services, person: store.Worker | None) -> str:
    """The language to write to a person the scheduler knows in."""
    if person is None:
        return services.settings.language
    return services.language(person.language, person.language_code)
