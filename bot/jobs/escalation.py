"""Reports nobody took in time go to the coordinators; routing cut short by a crash is
finished; cases held by someone who may no longer hold them are offered again."""

from __future__ import annotations

import logging
from datetime import timedelta

from bot.jobs.context import TickContext
from bot.services import cases, routing

log = logging.getLogger(__name__)

# The scheduler finishes routing a report only when the submitting handler had time to do it.
ROUTING_GRACE = timedelta(minutes=2)


async def finish_routing(tick: TickContext) -> None:
    """Route reports whose routing was interrupted (committed, then the process died)."""
    await routing.finish_interrupted(tick.services, tick.now, ROUTING_GRACE)


async def hand_back(tick: TickContext) -> None:
    """Cases whose holder may no longer hold them (a coordinator removed from the
    configuration, a worker off duty) go back to waiting; their reporters are told."""
    count = await cases.hand_back_unheld(tick.services, tick.now)
    if count:
        log.info("offered again %d case(s) whose holder may no longer hold them", count)


async def escalate(tick: TickContext) -> None:
    """Tell coordinators about reports nobody took in time; each level goes out once."""
    await routing.escalate_waiting(tick.services, tick.now)
