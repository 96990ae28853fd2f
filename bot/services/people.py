"""Use cases about the people the bot knows: who is acting, their language, whether they can
be reached."""

from __future__ import annotations

from datetime import datetime

from bot.domain.people import Named, Person, named
from bot.services.context import Services
from storage import people


async def seen(services: Services, telegram_id: int, display_name: str, username: str | None,
               now: datetime, language_code: str | None = None, *,
               private: bool = True) -> Person:
    """Record the person behind an update (`private`: from their private chat); the role
    follows the configured coordinators."""
    coordinator = telegram_id in services.settings.coordinators
    return await people.touch(services.db, telegram_id, display_name, username, now,
                              coordinator, language_code, private=private)


async def get(services: Services, telegram_id: int) -> Person | None:
    """One person by Telegram id."""
    return await people.get(services.db, telegram_id)


async def set_language(services: Services, telegram_id: int, language: str,
                       now: datetime) -> None:
    """Remember the language a person chose."""
    await people.set_language(services.db, telegram_id, language, now)


async def set_reachable(services: Services, telegram_id: int, reachable: bool,
                        now: datetime) -> None:
    """Remember whether a person blocked the bot."""
    await people.set_reachable(services.db, telegram_id, reachable, now)


async def staff_named(services: Services, text: str) -> list[Named]:
    """The workers and coordinators (on duty or not: past figures are theirs) a typed name or
    Telegram id names, by name (bot.domain.people.named); /overdue and /stats look up here."""
    return named([Named(p.telegram_id, p.display_name) for p in await people.staff(services.db)],
                 text)
