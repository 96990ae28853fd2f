"""Use cases of one household's standing: find it, archive it, end one of its pairings.

Each is one transaction with its audit entry, so a change is never on record without its
"who and when", nor the other way round.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bot.services.context import Services
from storage import audit, households, pairings
from storage.households import Household
from storage.pairings import Pairing


async def find(services: Services, household_id: int) -> Household | None:
    """The household with this id, archived or not."""
    return await households.get(services.db, household_id)


async def archive(services: Services, actor: int, household_id: int,
                  today: date) -> Household | None:
    """Archive the household (its pairings end today); None if it was not active."""
    found = await households.get(services.db, household_id)
    if found is None:
        return None
    now = services.clock()
    async with services.db.transaction() as tx:
        if not await households.archive_in(tx, household_id, today, now):
            return None
        await audit.record(tx, now, actor, "household.archive", "household", household_id)
    return found


@dataclass(frozen=True)
class Ended:
    """A pairing just ended, and the household it was for (None if since removed)."""

    pairing: Pairing
    household: Household | None


async def end_pairing(services: Services, actor: int, pairing_id: int,
                      today: date) -> Ended | None:
    """End an active pairing today; None if it does not exist or already ended."""
    pairing = await pairings.get(services.db, pairing_id)
    if pairing is None:
        return None
    now = services.clock()
    async with services.db.transaction() as tx:
        if not await pairings.end_in(tx, pairing_id, today):
            return None
        await audit.record(tx, now, actor, "pairing.end", "household", pairing.household_id,
                           {"worker": pairing.worker_id})
    return Ended(pairing, await households.get(services.db, pairing.household_id))
