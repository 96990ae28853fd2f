"""Referral lists imported from the command line are announced to the communities' workers."""

from __future__ import annotations

from bot.jobs.context import TickContext
from bot.services import referral_notices


async def route_new(tick: TickContext) -> None:
    """Queue the Take cards of referrals imported without the bot (the command line)."""
    await referral_notices.route_unannounced(tick.services, tick.now)
