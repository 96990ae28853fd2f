"""Use cases of adding and changing a household (coordinators, or a worker from their case):
create it (linked to the report, and paired with its taker), edit it, link a report to it.

Each change carries its audit entry; a new household and the pairing it starts with commit
together.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from bot.domain.households import HouseholdInput
from bot.domain.periods import local_date
from bot.services.context import Services
from storage import audit, households, pairings, reports
from storage.households import Household


@dataclass(frozen=True)
class Created:
    """A household just added, and whether its creator was paired with it (from their case)."""

    household: Household
    paired: bool


async def report_taker(services: Services, report_id: int, worker_id: int) -> bool:
    """Whether the worker took this report."""
    report = await reports.get(services.db, report_id)
    return report is not None and report.taken_by == worker_id


async def create(services: Services, actor: int, data: HouseholdInput, today: date,
                 now: datetime, report_id: int = 0) -> Created:
    """Add a household; from a report, link it, and pair it with the report's taker if that
    is who adds it (under the default programme)."""
    paired = bool(report_id) and await report_taker(services, report_id, actor)
    async with services.db.transaction() as tx:
        household_id = await households.insert_in(tx, data, now, actor)
        await audit.record(tx, now, actor, "household.create", "household", household_id)
        if paired:
            await pairings.pair_in(tx, household_id, actor, pairings.DEFAULT_PROGRAM_ID, today,
                                   now, actor)
        if report_id:
            await households.link_report_in(tx, report_id, household_id)
    made = await households.get(services.db, household_id)
    assert made is not None
    return Created(made, paired)


async def edit(services: Services, actor: int, household_id: int, data: HouseholdInput,
               now: datetime) -> Household | None:
    """Replace a household's fields, the old values kept in the audit trail; None if it is
    gone. Its categories and community change from today (the deployment's date): which
    programmes held it before, where it was, and so the figures of a finished period, stay as
    they were."""
    old = await households.get(services.db, household_id)
    if old is None:
        return None
    today = local_date(now, services.settings.timezone)
    # The change and its "who, when, what it was" commit together.
    async with services.db.transaction() as tx:
        if not await households.update_in(tx, household_id, data, now, today):
            return None
        await audit.record(tx, now, actor, "household.edit", "household", household_id,
                           {"old": _profile(old)})
    return await households.get(services.db, household_id)


async def link_report(services: Services, report_id: int, household_id: int,
                      actor: int) -> None:
    """Link a report to a household (shown in its service file), audited."""
    async with services.db.transaction() as tx:
        if await households.link_report_in(tx, report_id, household_id):
            await audit.record(tx, services.clock(), actor, "report.link", "household",
                               household_id, {"report": report_id})


def _profile(found: Household | None) -> dict[str, object]:
    """A household's values before a change, for the audit trail."""
    if found is None:
        return {}
    return {"name": found.name, "area_id": found.area_id, "address": found.address,
            "people": found.people_count, "category": found.category.value,
            "causes": found.causes, "needs": found.needs, "phone": found.phone,
            "cause_codes": [c.value for c in found.cause_codes]}
