"""The daily reminder run: each worker hears of the obligations at a reminder stage today.

Thin over the domain (cadence, reminding) and the use cases (reminder_run: what is due;
reminder_sends: the reminders table). The run derives its work from tables and records what
it sends, so a tick run twice sends nothing new, a tick after downtime catches up once, and
a failed send is retried on a later tick while it is still relevant. See docs/reminders.md.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from datetime import date, datetime, timedelta

from telegram import Bot

from bot.delivery.keyboards import Keyboard
from bot.delivery.pacing import Pacer
from bot.delivery.sender import GIVE_UP_AFTER, Outcome, Result, Sender
from bot.domain.reminding import window_open
from bot.jobs.context import TickContext
from bot.services import reminder_run, reminder_sends
from bot.services.bulk import collector_paused
from bot.services.context import Services
from bot.services.reminder_messages import Claim, ReminderWriter, in_order
from bot.services.reminder_sends import Batch, Current, Send
from bot.services.texts import language_of

log = logging.getLogger(__name__)

ITEMS_PER_MESSAGE = 10  # lines and one-tap buttons per reminder message
CONCURRENCY = 16  # messages in flight at once (the pacer holds them to Telegram's rate)
RETRY_DELAY = timedelta(minutes=5)  # a timed-out send is tried again this much later
UNREACHABLE_RETRY = timedelta(days=1)
# A transient failure (network, timeout, 5xx) never counts toward giving up: the reminder is
# tried again until GIVE_UP_AFTER since it was planned. A refusal (bad request, chat not
# found) gives up at once: the same message would be refused again.


def reminder_message(writer: ReminderWriter, lang: str, worker_name: str,
                     reminders: Sequence[Claim]) -> tuple[str, Keyboard]:
    """One reminder: what is open, and one button per obligation to log it."""
    text, buttons = writer.message(lang, worker_name, reminders)
    return text, Keyboard.column(buttons)


async def due_reminders(services: Services, today: date) -> Current:
    """Every obligation at a reminder stage today, by (worker, household, program, key)."""
    return await reminder_run.current(services.db, today)


async def remind(tick: TickContext) -> None:
    """The daily reminder run (once per local day, in the window), then pending sends."""
    services = tick.services
    settings = services.settings
    local = tick.now.astimezone(settings.timezone)
    if not window_open(local, settings.reminder_time, settings.quiet_start, settings.quiet_end):
        return
    today = local.date()
    run_due = not await reminder_sends.planned(services, today)
    if not run_due and not await reminder_sends.has_ready(services, tick.now):
        return  # most ticks: nothing planned and nothing to retry
    # Bulk work over every household, before anything is sent: the cyclic collector waits
    # (bot/services/bulk.py; at 100,000 households it walked the run's objects four times).
    # Sending (minutes at scale) runs with it on again.
    with collector_paused():
        if run_due:
            current = await due_reminders(services, today)
            added, by_worker = await reminder_sends.plan_and_claim(services, today, current,
                                                                   tick.now, tick.claimer)
            log.info("reminder run for %s: %s new reminder(s)", today, added)
            # What is claimed carries what it asks: the run's obligations are not kept through
            # the minutes of sending (170,000 at 100,000 households).
            del current
        else:  # only retries: what is due is looked at for their households alone
            by_worker = await reminder_sends.claim_ready(services, today, tick.now,
                                                         tick.claimer)
    await deliver(services, tick.bot, tick.now, today, by_worker, tick.pacer)


async def deliver(services: Services, bot: Bot, now: datetime, today: date, by_worker: Batch,
                  pacer: Pacer, sender: Sender | None = None) -> Sender:
    """Send the claimed reminders; one message per worker and ten obligations."""
    sender = sender or Sender(bot, services.db, services.clock, pacer)
    if not by_worker:
        return sender
    people = await reminder_sends.recipients(services, by_worker)
    writer = ReminderWriter(services, today)
    gate = asyncio.Semaphore(CONCURRENCY)

    async def one(worker_id: int, rows: list[Send]) -> None:
        person = people.get(worker_id)
        ids = reminder_sends.ids_of(rows)
        if person is None or not person.active:
            await reminder_sends.cancel(services, ids)
            return
        if not person.reachable:
            await reminder_sends.failed(services, ids, "unreachable", now + UNREACHABLE_RETRY)
            return
        lang = language_of(services, person)
        in_order(rows)

        async def on_duty() -> bool:
            return await reminder_sends.on_duty(services, worker_id)

        for start in range(0, len(rows), ITEMS_PER_MESSAGE):
            chunk = rows[start:start + ITEMS_PER_MESSAGE]
            text, markup = reminder_message(writer, lang, person.name, chunk)
            async with gate:
                # Asked again as it goes out: the run may have waited minutes (other
                # workers, a flood wait) since the worker was read above.
                result = await sender.text(worker_id, text, markup, wanted=on_duty)
            chunk_ids = reminder_sends.ids_of(chunk)
            if result.outcome is Outcome.UNWANTED:
                log.info("reminders to %s cancelled: taken off duty during the run", worker_id)
                await reminder_sends.cancel(services, reminder_sends.ids_of(rows[start:]))
                return
            if result.ok:
                assert result.message is not None
                await reminder_sends.sent(services, chunk_ids, result.message.message_id, now)
                continue
            await _failed(services, reminder_sends.ids_of(rows[start:]), result, now)
            return

    await asyncio.gather(*(one(w, rows) for w, rows in by_worker.items()))
    return sender


async def _failed(services: Services, ids: Sequence[int], result: Result,
                  now: datetime) -> None:
    if result.outcome is Outcome.FORBIDDEN:
        await reminder_sends.failed(services, ids, "forbidden", now + UNREACHABLE_RETRY)
        return
    error = result.error or result.outcome.value
    if result.outcome is Outcome.FAILED:
        log.warning("reminders %s dropped: refused by Telegram: %s", ids, result.error)
        await reminder_sends.failed(services, ids, error, now + RETRY_DELAY, drop=True)
        return
    dropped = await reminder_sends.failed(services, ids, error, now + RETRY_DELAY,
                                          give_up_before=now - GIVE_UP_AFTER)
    if dropped:
        log.warning("%d reminder(s) of %s dropped after failing for %d hours: %s", dropped,
                    ids, GIVE_UP_AFTER.total_seconds() // 3600, result.error)
