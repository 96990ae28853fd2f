"""A resident's right to be forgotten, and reports that are kept no longer than needed."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from enum import StrEnum

from bot.domain.access import Action
from bot.domain.people import Person
from bot.domain.reports import Report
from bot.services import access, withdrawals
from bot.services.context import Services
from storage import audit, erasure, outbox, people, reports
from storage.erasure import Erased


async def erase_person(services: Services, telegram_id: int, actor: int | None,
                       now: datetime, *, from_report: int | None = None) -> Erased:
    """Remove a resident's personal data (audited), take their reports' details out of every
    chat shown them (edited down to one line through the outbox), then compact the file."""
    readers = await withdrawals.readers_of_reporter(services, telegram_id)
    async with services.db.transaction() as tx:
        done = await erasure.erase_person_in(tx, telegram_id, now)
        edits = await withdrawals.of_reporter_in(services, tx, telegram_id, readers)
        await outbox.put(tx, edits, now)
        done = replace(done, details=len(edits))
        detail: dict[str, object] = {"reports": done.reports, "notes": done.notes,
                                     "withdrawn": done.withdrawn, "details": done.details}
        if from_report is not None:
            detail["report"] = from_report
        await audit.record(tx, now, actor, "erase.person", "person", telegram_id, detail)
    if edits:
        services.wake()
    await erasure.compact(services.db)
    return done


class Refused(StrEnum):
    """Why a reporter's data was not erased from a report (catalog keys under erasure)."""

    NOT_ALLOWED = "not_allowed"
    NO_REPORT = "no_report"
    STAFF = "staff"  # a worker's or coordinator's own report: their name is not erased here


async def may_erase_reporter(services: Services, person: Person,
                             report_id: int) -> Report | Refused:
    """The report whose reporter a coordinator may erase, or why not (checked at press)."""
    if not await access.allowed(services, person, Action.REPORT_ERASE):
        return Refused.NOT_ALLOWED
    report = await reports.get(services.db, report_id)
    if report is None:
        return Refused.NO_REPORT
    reporter = await people.get(services.db, report.reporter_id)
    if reporter is not None and services.role_of(reporter).is_staff:
        return Refused.STAFF
    return report


async def erase_reporter(services: Services, person: Person, report_id: int,
                         now: datetime) -> tuple[Report, Erased] | Refused:
    """A coordinator erases the personal data of a report's reporter: the same erasure as
    `zhongfu erase person`, audited with who pressed and from which report."""
    found = await may_erase_reporter(services, person, report_id)
    if isinstance(found, Refused):
        return found
    done = await erase_person(services, found.reporter_id, person.telegram_id, now,
                              from_report=found.id)
    return found, done


async def anonymise_old_reports(services: Services, now: datetime) -> int:
    """Anonymise reports closed more than ZHONGFU_RETAIN_REPORT_DAYS ago; return how many."""
    cutoff = now - timedelta(days=services.settings.retain_report_days)
    async with services.db.transaction() as tx:
        count = await erasure.anonymise_closed_in(tx, cutoff, now)
        if count:
            await audit.record(tx, now, None, "erase.reports", "report", "",
                               {"anonymised": count})
    if count:
        await erasure.compact(services.db)
    return count
