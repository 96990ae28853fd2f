"""The weekly digest to coordinators: planned once a week, sent part by part, resumed."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime

from telegram import Bot

from bot.delivery.pacing import Pacer
from bot.delivery.sender import GIVE_UP_AFTER, Outcome, Result, Sender
from bot.domain.reminding import digest_due, week_key
from bot.jobs.context import TickContext
from bot.jobs.reminders import RETRY_DELAY
from bot.services import digest_sends
from bot.services.context import Services
from bot.services.digest import Part, chart_parts, digest_texts, gather
from bot.services.digest_sends import DigestRow

log = logging.getLogger(__name__)


async def send_digest(services: Services, bot: Bot, now: datetime, pacer: Pacer,
                      claimer: str | None = None) -> None:
    """Send (or continue) every claimed digest, part by part."""
    claimed = await digest_sends.claim(services, now, claimer)
    if not claimed:
        return
    today = now.astimezone(services.settings.timezone).date()
    found = await gather(services, today)
    sender = Sender(bot, services.db, services.clock, pacer)
    texts: dict[str, list[Part]] = {}
    pictures: dict[str, list[Part]] = {}
    for row in claimed:
        lang = row.language
        if lang not in texts:
            texts[lang] = digest_texts(services, lang, found)
        sent, failure = await _send_from(services, sender, row, texts[lang], row.parts_sent)
        if failure is None:
            # Drawn only once the text is out: while Telegram fails, a tick spends no seconds
            # of matplotlib on pictures that would wait too. Drawn in a worker thread, as
            # /stats draws its charts (its first import included): meanwhile residents are
            # answered.
            if lang not in pictures:
                pictures[lang] = await asyncio.to_thread(chart_parts, services, lang, found)
            sent, failure = await _send_from(services, sender, row,
                                             texts[lang] + pictures[lang], sent)
        if failure is None:
            await digest_sends.done(services, row.id, now)
        else:
            await _failed(services, row, failure, now)


async def _send_from(services: Services, sender: Sender, row: DigestRow, parts: list[Part],
                     sent: int) -> tuple[int, Result | None]:
    """Send the parts from `sent` on, recording each; how many are sent, and the failure."""
    async def addressed() -> bool:
        return await digest_sends.addressed(services, row.chat_id)

    for part in parts[sent:]:
        result = await (sender.photo(row.chat_id, part.png, part.text, wanted=addressed)
                        if part.png else sender.text(row.chat_id, part.text, wanted=addressed))
        if not result.ok:
            return sent, result
        sent += 1
        await digest_sends.progress(services, row.id, sent)
    return sent, None


async def _failed(services: Services, row: DigestRow, failure: Result, now: datetime) -> None:
    """Try the rest again later, or drop the digest (refused, unwanted, or failing 48 hours)."""
    # Transient failures (network, timeout, 5xx) never count: the digest is resumed
    # until GIVE_UP_AFTER since the week's run planned it.
    expired = row.created_at is not None and now - row.created_at >= GIVE_UP_AFTER
    refused = failure.outcome in (Outcome.FORBIDDEN, Outcome.FAILED)
    drop = expired or refused or failure.outcome is Outcome.UNWANTED
    if failure.outcome is Outcome.UNWANTED:
        log.info("digest %s to %s dropped: no longer a coordinator's chat", row.id,
                 row.chat_id)
    elif drop:
        log.warning("digest %s to %s dropped (%s): %s", row.id, row.chat_id,
                    "failing for 48 hours" if expired else "refused", failure.error)
    await digest_sends.failed(services, row.id, failure.error or failure.outcome.value,
                              now + RETRY_DELAY, drop=drop)


async def digest(tick: TickContext) -> None:
    """The weekly digest (Monday from the daily time on; later in the week to catch up)."""
    services = tick.services
    settings = services.settings
    local = tick.now.astimezone(settings.timezone)
    if not digest_due(local, settings.reminder_time, settings.quiet_start, settings.quiet_end):
        return
    week = week_key(local.date())
    if not await digest_sends.planned(services, week):
        added = await digest_sends.plan(services, week, tick.now)
        log.info("digest for %s: %s chat(s)", week, added)
    await send_digest(services, tick.bot, tick.now, tick.pacer, tick.claimer)
