"""Use cases of support programmes (coordinators define them; everyone lists them)."""

from __future__ import annotations

from datetime import datetime

from bot.domain.cadence import Program
from bot.services.context import Services
from storage import pairings


async def listed(services: Services) -> list[Program]:
    """Programmes in use, the default one first."""
    return await pairings.programs(services.db)


async def add(services: Services, name: str, rules: list[dict[str, str]],
              now: datetime) -> Program:
    """Define a programme from its rules (ValueError if they are nonsense)."""
    return await pairings.add_program(services.db, name, rules, now)
