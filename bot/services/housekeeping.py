"""Housekeeping the scheduler does: forget what is no longer needed, on time."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.services.context import Services
from storage import flows, outbox, reminders, updates

KEEP_HANDLED = timedelta(days=7)  # handled updates and delivered messages, kept for replay


async def prune_updates(services: Services, now: datetime) -> int:
    """Forget handled updates older than a week; return how many."""
    return await updates.prune(services.db, now - KEEP_HANDLED)


async def prune_outbox(services: Services, now: datetime) -> int:
    """Forget delivered outbox rows older than a week; return how many."""
    return await outbox.prune(services.db, now - KEEP_HANDLED)


async def waiting_after_failure(services: Services) -> int:
    """Messages (to others, reminders, digests) that could not be sent for a transient reason
    (network, timeout, 5xx) and wait to be tried again."""
    return await outbox.retrying(services.db) + await reminders.retrying(services.db)


async def purge_drafts(services: Services, now: datetime) -> int:
    """Drop unfinished flows past their time to live (a draft report holds personal data)."""
    return await flows.purge(services.db,
                             now - timedelta(hours=services.settings.draft_ttl_hours))
