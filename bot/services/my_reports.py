"""A resident's own reports: the list, and one report's history (only to who made it)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.reports import Event, Report
from bot.services.context import Services
from storage import reports


async def mine(services: Services, reporter_id: int) -> list[Report]:
    """The person's reports, newest first (the latest 20)."""
    return await reports.by_reporter(services.db, reporter_id)


@dataclass(frozen=True)
class History:
    """One report and what happened to it, oldest first."""

    report: Report
    events: list[Event]


async def history(services: Services, reporter_id: int, report_id: int) -> History | None:
    """The report's history if this person made it; None for anyone else's or none."""
    report = await reports.get(services.db, report_id)
    if report is None or report.reporter_id != reporter_id:
        return None
    return History(report, await reports.events(services.db, report.id))
