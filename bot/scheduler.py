"""Scheduled work (reminders, escalations, digests, housekeeping), derived from tables.

The same `tick` runs inside `zhongfu run` (every minute, from PTB's JobQueue) and as
`zhongfu tick --at …` from cron or tests. Jobs record what they sent, so running a tick twice
for the same instant sends nothing new, and a tick after downtime catches up once.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from telegram import Bot
from telegram.ext import Application, ContextTypes

from bot.services.context import Services
from bot.telegram.context import SERVICES_KEY
from storage import updates

log = logging.getLogger(__name__)

TICK_SECONDS = 60
KEEP_HANDLED_UPDATES = timedelta(days=7)


@dataclass(frozen=True)
class TickContext:
    """What a scheduled job gets: services, a bot to send with, and the instant to act for."""

    services: Services
    bot: Bot
    now: datetime


Job = Callable[[TickContext], Awaitable[None]]


async def prune_updates(tick: TickContext) -> None:
    """Forget handled updates older than a week (they are only kept for replay)."""
    await updates.prune(tick.services.db, tick.now - KEEP_HANDLED_UPDATES)


def jobs() -> list[Job]:
    """Every scheduled job, in the order a tick runs them."""
    # Imported here: the jobs' modules import TickContext from this one.
    from bot.reminders import digest, remind
    from bot.telegram.referrals import route_new
    from bot.telegram.triage import escalate, finish_routing

    return [prune_updates, finish_routing, route_new, escalate, remind, digest]


async def tick(services: Services, bot: Bot, now: datetime) -> None:
    """Do, once, every piece of scheduled work that is due at `now`."""
    context = TickContext(services, bot, now)
    for job in jobs():
        try:
            await job(context)
        except Exception:
            # One failing job must not stop the others; it is retried on the next tick.
            log.exception("scheduled job %s failed", getattr(job, "__name__", job))


def schedule(app: Application) -> None:  # type: ignore[type-arg]
    """Run `tick` every minute inside the running bot, starting right away to catch up."""
    if app.job_queue is None:
        raise RuntimeError("python-telegram-bot was installed without the job-queue extra")

    async def run(context: ContextTypes.DEFAULT_TYPE) -> None:
        services = context.application.bot_data[SERVICES_KEY]
        await tick(services, context.bot, services.clock())

    # Jobs are not persisted and a late run is dropped after misfire_grace_time, so the
    # tick itself works out what is due from the tables; a generous grace just avoids noise.
    app.job_queue.run_repeating(run, interval=TICK_SECONDS, first=1, name="tick",
                                job_kwargs={"misfire_grace_time": 30, "coalesce": True})
