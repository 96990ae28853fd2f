"""Reports nobody took in time go to the coordinators; routing cut short by a crash is finished."""

from __future__ import annotations

from datetime import timedelta

from bot.jobs.context import TickContext
from bot.services import routing

# The scheduler finishes routing a report only when the submitting handler had time to do it.
ROUTING_GRACE = timedelta(minutes=2)


async def finish_routing(tick: TickContext) -> None:
    """Route reports whose routing was interrupted (committed, then the process died)."""
    await routing.finish_interrupted(tick.services, tick.now, ROUTING_GRACE)


async def escalate(tick: TickContext) -> None:
    """Tell coordinators about reports nobody took in time; each level goes out once."""
    await routing.escalate_waiting(tick.services, tick.now)
