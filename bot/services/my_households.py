"""Use cases of finding a household to work on: a worker's own households, and a search by
name or external id (for a worker, among their own)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.services.context import Services
from storage import households, pairings
from storage.households import Household
from storage.pairings import MyHousehold

__all__ = ["Household", "Matches", "MyHousehold", "matching", "paired"]


@dataclass(frozen=True)
class Matches:
    """What a search found: every household, by name, or none when more than asked for;
    `total` is how many matched either way."""

    found: list[Household]
    total: int


async def paired(services: Services, worker_id: int) -> list[MyHousehold]:
    """The worker's households (active pairings, not archived), by name."""
    return await pairings.for_worker(services.db, worker_id)


async def matching(services: Services, text: str, most: int,
                   worker_id: int | None = None) -> Matches:
    """Every household (not archived) whose name or external id contains the text, by name,
    up to `most`; beyond that only how many (with worker_id: their own, by name)."""
    found = await households.search(services.db, text, most + 1, worker_id=worker_id)
    if len(found) <= most:
        return Matches(found, len(found))
    return Matches([], await households.count_matching(services.db, text, worker_id))
