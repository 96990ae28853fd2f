"""Use cases of limiting a programme to household categories (coordinators only)."""

from __future__ import annotations

from bot.domain.cadence import Program
from bot.domain.households import OFFERED_CATEGORIES, Category
from bot.domain.periods import local_date
from bot.services.context import Services
from storage import pairings, program_categories


async def limits(services: Services) -> dict[int, tuple[Category, ...]]:
    """Each limited programme's categories, by programme id."""
    return await program_categories.every_program(services.db)


async def program(services: Services,
                  program_id: int) -> tuple[Program, tuple[Category, ...]] | None:
    """A programme in use and the categories it is limited to; None when there is none."""
    found = await pairings.get_program(services.db, program_id)
    if found is None or found.id not in {p.id for p in await pairings.programs(services.db)}:
        return None
    return found, await program_categories.of_program(services.db, program_id)


async def toggle(services: Services, actor_id: int, coordinator: bool, program_id: int,
                 code: str) -> tuple[Category, ...] | None:
    """Add or remove one category of a programme's limit from today (the deployment's date:
    what the programme owed before stays owed); None when not allowed, or the programme or
    category is unknown."""
    if not coordinator or code not in {c.value for c in OFFERED_CATEGORIES}:
        return None
    if await program(services, program_id) is None:
        return None
    now = services.clock()
    return await program_categories.toggle(services.db, program_id, Category(code), actor_id,
                                           now, local_date(now, services.settings.timezone))
