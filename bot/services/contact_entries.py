"""Use cases of a worker's own logged contact after the fact: look it up, delete it (the
handler checks the owner and the 24-hour window first)."""

from __future__ import annotations

from datetime import datetime

from bot.services.context import Services
from storage import audit, contacts
from storage.contacts import Contact

__all__ = ["Contact", "delete_own", "deleted_by", "get"]


async def get(services: Services, contact_id: int) -> Contact | None:
    """One contact by id (deleted ones too)."""
    return await contacts.get(services.db, contact_id)


async def delete_own(services: Services, contact_id: int, worker_id: int,
                     now: datetime, update_id: int | None = None) -> bool:
    """Delete one's own contact (kept, marked deleted; audited, with the update it was
    pressed in); False when it was not theirs."""
    found = await contacts.get(services.db, contact_id)
    if found is None:
        return False
    async with services.db.transaction() as tx:
        deleted = await contacts.delete_in(tx, contact_id, worker_id, now)
        if deleted:
            await audit.record(tx, now, worker_id, "contact.delete", "household",
                               found.household_id, {"contact": contact_id},
                               update_id=update_id)
    return deleted


async def deleted_by(services: Services, worker_id: int, update_id: int,
                     contact_id: int) -> bool:
    """Whether this very update of the worker's deleted the contact (handled again after a
    crash, it is answered as the first time, not as a stale press)."""
    entry = await audit.of_update(services.db, worker_id, update_id, "contact.delete")
    return entry is not None and entry.detail.get("contact") == contact_id
