"""Use cases of finding a household to work on: a worker's own households, and a search by
name or external id (for a worker, among their own)."""

from __future__ import annotations

from bot.services.context import Services
from storage import households, pairings
from storage.households import Household
from storage.pairings import MyHousehold

__all__ = ["Household", "MyHousehold", "paired", "search"]


async def paired(services: Services, worker_id: int) -> list[MyHousehold]:
    """The worker's households (active pairings, not archived), by name."""
    return await pairings.for_worker(services.db, worker_id)


async def search(services: Services, text: str, limit: int,
                 worker_id: int | None = None) -> list[Household]:
    """Households (not archived) whose name or external id contains the text, by name."""
    return await households.search(services.db, text, limit, worker_id=worker_id)
