"""What the household screens read: the registry, a worker's households, the service file,
and finding a household by name. Read-only pass-throughs to storage."""

from __future__ import annotations

from collections.abc import Sequence

from bot.domain.cadence import Obligation, Program
from bot.services.context import Services
from storage import contacts, households, pairings
from storage.contacts import Contact
from storage.households import Household, LinkedReport, OpenCase
from storage.pairings import MyHousehold, Pairing

__all__ = [
    "Contact", "Household", "LinkedReport", "MyHousehold", "OpenCase", "Pairing", "Program",
    "any_household", "contact_count", "contacts_page", "find", "is_paired", "linked_reports",
    "mine", "pairing_history", "programs", "recent", "registry_count", "soonest",
    "unlinked_cases",
]


async def find(services: Services, household_id: int) -> Household | None:
    """The household with this id, archived or not."""
    return await households.get(services.db, household_id)


async def registry_count(services: Services) -> tuple[int, int]:
    """How many households the registry has, and how many of them nobody is paired with."""
    return await households.count(services.db)


async def unlinked_cases(services: Services, worker_id: int) -> list[OpenCase]:
    """The worker's open cases not yet linked to a household."""
    return await households.unlinked_cases(services.db, worker_id)


async def mine(services: Services, worker_id: int) -> list[MyHousehold]:
    """The worker's households (active pairings), by name."""
    return await pairings.for_worker(services.db, worker_id)


def soonest(items: Sequence[tuple[int, Obligation]]) -> list[tuple[int, Obligation]]:
    """Obligations by urgency: missed first, then due by the nearest date."""
    return pairings.soonest(items)


async def pairing_history(services: Services, household_id: int) -> list[Pairing]:
    """Every pairing of the household, the active ones first."""
    return await pairings.history(services.db, household_id)


async def is_paired(services: Services, household_id: int, worker_id: int) -> bool:
    """Whether the worker has an active pairing with the household."""
    return await pairings.is_paired(services.db, household_id, worker_id)


async def programs(services: Services) -> list[Program]:
    """The service programmes."""
    return await pairings.programs(services.db)


async def contact_count(services: Services, household_id: int) -> int:
    """How many contacts the household has."""
    return await contacts.count_for_household(services.db, household_id)


async def contacts_page(services: Services, household_id: int, limit: int,
                        offset: int = 0) -> list[Contact]:
    """A page of the household's contacts, newest first."""
    return await contacts.for_household(services.db, household_id, limit, offset)


async def linked_reports(services: Services, household_id: int) -> list[LinkedReport]:
    """The reports linked to the household, newest first."""
    return await households.linked_reports(services.db, household_id)


async def recent(services: Services, limit: int) -> list[Household]:
    """The households added or changed last (not archived)."""
    return await households.recent(services.db, limit)


async def any_household(services: Services) -> bool:
    """Whether the registry has a household that is not archived."""
    return bool(await households.recent(services.db, 1))
