"""People and their roles: resident, worker, coordinator."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class Role(StrEnum):
    """What a person may do; coordinators can do everything workers can."""

    RESIDENT = "resident"
    WORKER = "worker"
    COORDINATOR = "coordinator"

    @property
    def is_staff(self) -> bool:
        """Workers and coordinators both handle cases and households."""
        return self in (Role.WORKER, Role.COORDINATOR)


@dataclass(frozen=True)
class Person:
    """Someone who has talked to the bot."""

    telegram_id: int
    display_name: str
    username: str | None
    language: str | None
    role: Role
    active: bool
    reachable: bool
    created_at: datetime
    updated_at: datetime
    area_ids: tuple[int, ...] = ()
    language_code: str | None = None  # Telegram's setting: the guess until one is chosen


def effective_role(stored: Role, active: bool, configured_coordinator: bool) -> Role:
    """Coordinators come from configuration; a deactivated worker acts as a resident."""
    if configured_coordinator:
        return Role.COORDINATOR
    if stored is Role.COORDINATOR:
        # Removed from ZHONGFU_COORDINATORS: the configuration is the authority.
        return Role.RESIDENT
    if stored is Role.WORKER and not active:
        return Role.RESIDENT
    return stored


def pick_language(chosen: str | None, telegram_code: str | None, fallback: str,
                  supported: tuple[str, ...]) -> str:
    """The person's choice, else Telegram's language_code if supported, else the deployment's."""
    if chosen in supported:
        return chosen
    if telegram_code:
        base = telegram_code.lower().replace("_", "-").split("-")[0]
        if base in supported:
            return base
    return fallback


@dataclass(frozen=True)
class Named:
    """A staff member as a typed name finds them."""

    telegram_id: int
    name: str


def named(people: Iterable[Named], text: str) -> list[Named]:
    """Whom `text` names, by name: the person with that Telegram id; else those whose name is
    the text (any case); else those whose name contains it. One is a match; several mean the
    person must say more (a name shared exactly: the id)."""
    wanted = text.strip()
    lowered = wanted.casefold()
    if not lowered:
        return []
    ordered = sorted(people, key=lambda p: (p.name, p.telegram_id))
    for found in ([p for p in ordered if wanted == str(p.telegram_id)],
                  [p for p in ordered if p.name.casefold() == lowered]):
        if found:
            return found
    return [p for p in ordered if lowered in p.name.casefold()]
