"""Scheduled work (reminders, escalations, digests, housekeeping), derived from tables.

The same `tick` runs inside `zhongfu run` (every minute, from PTB's JobQueue) and as
`zhongfu tick --at …` from cron or tests. Jobs record what they sent, so running a tick twice
for the same instant sends nothing new, and a tick after downtime catches up once.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Awaitable, Callable
from datetime import datetime

from telegram import Bot
from telegram.ext import Application, ContextTypes

from bot.delivery import process_id
from bot.delivery.pacing import Pacer
from bot.jobs.context import TickContext
from bot.jobs.digest import digest
from bot.jobs.escalation import escalate, finish_routing, hand_back
from bot.jobs.referrals import route_new
from bot.jobs.reminders import remind
from bot.services import erasure, housekeeping, reminder_sends
from bot.services.context import Services
from storage import heartbeats

log = logging.getLogger(__name__)

TICK_SECONDS = 60


Job = Callable[[TickContext], Awaitable[None]]


async def prune_updates(tick: TickContext) -> None:
    """Forget handled updates older than a week (they are only kept for replay)."""
    await housekeeping.prune_updates(tick.services, tick.now)


async def purge_drafts(tick: TickContext) -> None:
    """Drop unfinished flows past their time to live (a draft report holds personal data)."""
    await housekeeping.purge_drafts(tick.services, tick.now)


async def retention(tick: TickContext) -> None:
    """Anonymise reports closed longer ago than the deployment keeps them."""
    count = await erasure.anonymise_old_reports(tick.services, tick.now)
    if count:
        log.info("anonymised %d closed report(s) past their retention", count)


async def prune_outbox(tick: TickContext) -> None:
    """Forget delivered outbox rows older than a week."""
    await housekeeping.prune_outbox(tick.services, tick.now)


async def take_back_claims(tick: TickContext) -> None:
    """Reminders and digests a dead process was sending: ready again now, not after the lease."""
    taken = await reminder_sends.take_back(tick.services, tick.claimer, process_id.gone)
    if taken:
        log.info("took back %d reminder(s) and digest(s) a stopped process had claimed", taken)


def jobs() -> list[Job]:
    """Every scheduled job, in the order a tick runs them."""
    return [prune_updates, prune_outbox, purge_drafts, retention, finish_routing, hand_back,
            route_new, escalate, take_back_claims, remind, digest]


async def tick(services: Services, bot: Bot, now: datetime, pacer: Pacer) -> None:
    """Do, once, every piece of scheduled work that is due at `now`."""
    context = TickContext(services, bot, now, pacer)
    for job in jobs():
        try:
            await job(context)
        except Exception:
            # One failing job must not stop the others; it is retried on the next tick.
            log.exception("scheduled job %s failed", getattr(job, "__name__", job))


def schedule(app: Application, services: Services,  # type: ignore[type-arg]
             pacer: Pacer) -> None:
    """Run `tick` every minute inside the running bot, starting right away to catch up."""
    if app.job_queue is None:
        raise RuntimeError("python-telegram-bot was installed without the job-queue extra")

    async def run(context: ContextTypes.DEFAULT_TYPE) -> None:
        await tick(services, context.bot, services.clock(), pacer)
        services.wake()
        services.last_tick = services.clock()  # shown by /healthz
        try:
            await heartbeats.record(services.db, "tick", services.last_tick)
        except sqlite3.Error as exc:
            log.warning("the scheduler's heartbeat was not recorded (%s)", exc)

    # Jobs are not persisted and a late run is dropped after misfire_grace_time, so the
    # tick itself works out what is due from the tables; a generous grace just avoids noise.
    app.job_queue.run_repeating(run, interval=TICK_SECONDS, first=1, name="tick",
                                job_kwargs={"misfire_grace_time": 30, "coalesce": True})
