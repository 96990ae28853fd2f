"""/cases: the cases a person works on and the reports waiting in their communities."""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.people import Person, Role
from bot.domain.reports import Report
from bot.services.context import Services
from storage import people
from storage import triage as store


@dataclass(frozen=True)
class Cases:
    """Open cases (every one, for coordinators) and untaken reports they may take."""

    open: list[Report]
    waiting: list[Report]


async def cases_of(services: Services, person: Person) -> Cases:
    """A worker's open cases and their communities' untaken reports; all, for coordinators."""
    db = services.db
    if services.role_of(person) is Role.COORDINATOR:
        return Cases(await store.all_open(db), await store.untaken(db, None))
    return Cases(await store.open_cases(db, person.telegram_id),
                 await store.untaken(db, person.area_ids))


async def taker_name(services: Services, report: Report) -> str | None:
    """The name of whoever holds the case (None when nobody, or they are gone)."""
    taker = await people.get(services.db, report.taken_by) if report.taken_by else None
    return taker.display_name if taker else None
