"""Logging a contact with a household: one transaction, ownership checked at save time."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from enum import StrEnum

from bot.domain.cadence import Obligation, Status
from bot.domain.households import can_correct
from bot.services import obligations
from bot.services.context import Services
from storage import audit, contacts, flows, pairings
from storage.contacts import Contact, NewContact

__all__ = ["Logged", "NewContact", "NotSaved", "log_contact"]


class NotSaved(StrEnum):
    """Why a contact was not saved (the worker's flow is ended either way)."""

    NOT_YOURS = "not_yours"  # the household is not, or no longer, paired with them
    TOO_LATE = "too_late"  # the entry it corrects is past its 24 hours, or already gone


@dataclass(frozen=True)
class Logged:
    """A contact just saved, whether it replaced an earlier one, and what is still owed."""

    contact: Contact
    replaced: bool
    still_owed: list[Obligation]
    # What it met in a period already ended (logged late: those items leave /due and
    # /overdue), so the worker is told which period it counted for.
    met_late: list[Obligation] = field(default_factory=list)


async def log_contact(services: Services, new: NewContact, today: date,
                      replaces: int | None = None) -> Logged | NotSaved:
    """Save the worker's contact (ending their flow), replacing their earlier entry if
    asked; not saved when the household is not (or no longer) theirs, or when the entry to
    replace can no longer be corrected."""
    db = services.db
    mine = {p.program_id: p for p in await pairings.active_for_household(db, new.household_id)
            if p.worker_id == new.worker_id}
    now = services.clock()
    if not mine:
        await flows.clear(db, new.worker_id)
        return NotSaved.NOT_YOURS
    # The contact counts under the worker's oldest programme with this household.
    pairing = mine[min(mine)]
    old = await contacts.get(db, replaces) if replaces else None
    missed = await _missed_on(services, new.household_id, new.day, today)
    async with db.transaction() as tx:
        # A correction replaces the entry or is not saved at all: saved beside the old one
        # (begun within the 24 hours, saved after them), the contact would count twice.
        replaced = old is not None and can_correct(old.created_at, now) \
            and await contacts.delete_in(tx, old.id, new.worker_id, now)
        if replaces and not replaced:
            await flows.clear_in(tx, new.worker_id)
            return NotSaved.TOO_LATE
        contact_id = await contacts.add_in(
            tx, replace(new, pairing_id=pairing.id), now)
        detail: dict[str, object] = {"contact": contact_id, "kind": new.kind.value,
                                     "day": new.day.isoformat()}
        if replaced and old is not None:
            detail["replaces"] = old.id
        await audit.record(tx, now, new.worker_id, "contact.correct" if replaced
                           else "contact.add", "household", new.household_id, detail)
        # Ended in the same transaction: a crash can neither lose the contact nor offer
        # its Save button again.
        await flows.clear_in(tx, new.worker_id)
    saved = await contacts.get(db, contact_id)
    assert saved is not None
    owed = await obligations.for_household(db, new.household_id, today)
    met = {(o.pairing_id, o.key) for o in await _past_of(services, new.household_id, new.day,
                                                         today) if o.status is Status.MET}
    return Logged(saved, bool(replaced), [o for _, o in owed if o.status is not Status.MET],
                  [o for o in missed if (o.pairing_id, o.key) in met])


async def _past_of(services: Services, household_id: int, day: date,
                   today: date) -> list[Obligation]:
    """The household's obligations of ended periods that hold `day`."""
    if day > today:
        return []
    owed = await obligations.for_household(services.db, household_id, today,
                                           history_periods=None)
    return [o for _, o in owed if day in o.period and today not in o.period]


async def _missed_on(services: Services, household_id: int, day: date,
                     today: date) -> list[Obligation]:
    """Those of them still missed (what a contact on `day` would meet late)."""
    return [o for o in await _past_of(services, household_id, day, today)
            if o.status is Status.MISSED]
