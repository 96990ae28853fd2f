"""The weekly digest's bookkeeping: plan a week's digests once, claim those ready, record sends.

The scheduled digest (bot/jobs/digest.py) goes through these use cases for everything it
keeps in the digests table (storage/reminders.py); what a digest says is `services.digest`'s,
sending it part by part the job's.
"""

from __future__ import annotations

from datetime import datetime

from bot.domain.people import Role
from bot.services import access
from bot.services.context import Services
from bot.services.routing import coordinator_targets
from storage import reminders as store
from storage.reminders import DigestRow

__all__ = ["DigestRow", "addressed", "claim", "done", "failed", "plan", "planned", "progress"]

DIGEST_JOB = "digest"  # the run's name in scheduled_runs; its key is the ISO week


async def planned(services: Services, week: str) -> bool:
    """Whether this week's digest has been planned already."""
    return await store.run_done(services.db, DIGEST_JOB, week)


async def plan(services: Services, week: str, now: datetime) -> int | None:
    """Record this week's run and one digest per coordinator chat, in one transaction; None
    if the run was planned already, else how many chats are new."""
    return await store.plan_digests(services.db, week, await coordinator_targets(services), now)


async def claim(services: Services, now: datetime, claimer: str | None = None
                ) -> list[DigestRow]:
    """Take the digests ready to (re)send, in `claimer`'s name."""
    return await store.claim_digests(services.db, now, claimer=claimer)


async def addressed(services: Services, chat_id: int) -> bool:
    """Whether the digest's chat is still a coordinator's (or the coordinators' group), read
    now: asked as each part goes out, since a digest is resumed across ticks and restarts."""
    return await access.holds(services, chat_id, Role.COORDINATOR)


async def progress(services: Services, digest_id: int, parts_sent: int) -> None:
    """One more part of the digest reached the chat."""
    await store.digest_progress(services.db, digest_id, parts_sent)


async def done(services: Services, digest_id: int, now: datetime) -> None:
    """Every part of the digest reached the chat."""
    await store.digest_done(services.db, digest_id, now)


async def failed(services: Services, digest_id: int, error: str, retry_at: datetime, *,
                 drop: bool = False) -> None:
    """The digest stopped part-way; tried again from retry_at where it stopped, or given up
    if drop."""
    await store.digest_failed(services.db, digest_id, error, retry_at, drop=drop)
