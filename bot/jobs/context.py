"""What a scheduled job gets: the services, a bot to send with, the pacer, and the instant."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from telegram import Bot

from bot.delivery import process_id
from bot.delivery.pacing import Pacer
from bot.services.context import Services


@dataclass(frozen=True)
class TickContext:
    """One tick: the instant to act for and the means to act."""

    services: Services
    bot: Bot
    now: datetime
    # The process's one pacer, shared with the outbox, so all sending together stays
    # within Telegram's limits.
    pacer: Pacer = field(default_factory=Pacer)
    # The name this process gives its claims on reminders and digests (see take_back).
    claimer: str = field(default_factory=process_id.this_process)
