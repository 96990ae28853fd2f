"""The weekly digest to coordinators: planned once a week, sent part by part, resumed."""

from __future__ import annotations

import logging
from datetime import datetime

from telegram import Bot

from bot.delivery.pacing import Pacer
from bot.delivery.sender import Outcome, Result, Sender
from bot.domain.reminding import digest_due, week_key
from bot.jobs.context import TickContext
from bot.jobs.reminders import MAX_ATTEMPTS, RETRY_DELAY
from bot.services.context import Services
from bot.services.digest import Part, gather, render_digest
from bot.services.routing import coordinator_targets
from storage import reminders as store

log = logging.getLogger(__name__)


async def send_digest(services: Services, bot: Bot, now: datetime, pacer: Pacer) -> None:
    """Send (or continue) every claimed digest, part by part."""
    db = services.db
    claimed = await store.claim_digests(db, now)
    if not claimed:
        return
    today = now.astimezone(services.settings.timezone).date()
    found = await gather(services, today)
    sender = Sender(bot, db, services.clock, pacer)
    rendered: dict[str, list[Part]] = {}
    for row in claimed:
        parts = rendered.get(row.language)
        if parts is None:
            parts = rendered[row.language] = render_digest(services, row.language, found)
        sent = row.parts_sent
        failure: Result | None = None
        for part in parts[sent:]:
            result = await (sender.photo(row.chat_id, part.png, part.text) if part.png
                            else sender.text(row.chat_id, part.text))
            if not result.ok:
                failure = result
                break
            sent += 1
            await store.digest_progress(db, row.id, sent)
        if failure is None:
            await store.digest_done(db, row.id, now)
        else:
            drop = row.attempts + 1 >= MAX_ATTEMPTS or failure.outcome is Outcome.FORBIDDEN
            await store.digest_failed(db, row.id, failure.error or failure.outcome.value,
                                      now + RETRY_DELAY, drop=drop)


async def digest(tick: TickContext) -> None:
    """The weekly digest (Monday from the daily time on; later in the week to catch up)."""
    services = tick.services
    settings = services.settings
    local = tick.now.astimezone(settings.timezone)
    if not digest_due(local, settings.reminder_time, settings.quiet_start, settings.quiet_end):
        return
    week = week_key(local.date())
    db = services.db
    if not await store.run_done(db, "digest", week):
        added = await store.plan_digests(db, week, await coordinator_targets(services),
                                         tick.now)
        log.info("digest for %s: %s chat(s)", week, added)
    await send_digest(services, tick.bot, tick.now, tick.pacer)
