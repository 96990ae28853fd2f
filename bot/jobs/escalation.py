"""Reports nobody took in time go to the coordinators; routing cut short by a crash is finished."""

from __future__ import annotations

from datetime import timedelta

from bot.domain.reports import Status
from bot.domain.triage import escalation_level_due
from bot.jobs.context import TickContext
from bot.services import routing
from storage import triage as store

# The scheduler finishes routing a report only when the submitting handler had time to do it.
ROUTING_GRACE = timedelta(minutes=2)


async def finish_routing(tick: TickContext) -> None:
    """Route reports whose routing was interrupted (committed, then the process died)."""
    services = tick.services
    for report in await store.unrouted(services.db, tick.now - ROUTING_GRACE):
        if report.status is Status.NEW:
            await routing.route(services, report, tick.now)
        else:
            await store.mark_routed(services.db, report.id, tick.now)


async def escalate(tick: TickContext) -> None:
    """Tell coordinators about reports nobody took in time; each level goes out once."""
    services = tick.services
    settings = services.settings
    for report in await store.waiting(services.db):
        level = escalation_level_due(report.urgency, report.created_at, tick.now,
                                     settings.escalate_urgent_minutes,
                                     settings.escalate_other_minutes)
        if level > report.escalation_level:
            await routing.escalate(services, report, level, tick.now)
