"""Wording shared by use cases, jobs and handlers: periods, programmes, languages of people
written to."""

from __future__ import annotations

from bot.domain.periods import Period, PeriodKind
from bot.services.context import Services
from storage import reminders as store


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
