"""Contacts (服务记录): logged calls, home visits, practical deeds and other services."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from bot.domain.cadence import ContactKind
from bot.domain.households import Service, parse_services
from storage.clock import from_db, to_db
from storage.db import Database, Row, Tx

_COLUMNS = (
    "c.id, c.household_id, c.pairing_id, c.worker_id, COALESCE(w.display_name, '') AS worker_name, "
    "c.kind, c.day, c.services, c.people_reached, c.note, c.wellbeing, c.next_note, "
    "c.created_at, c.updated_at, c.deleted"
)
_FROM = "FROM contacts c LEFT JOIN people w ON w.telegram_id = c.worker_id"


@dataclass(frozen=True)
class Contact:
    """One logged contact with a household."""

    id: int
    household_id: int
    pairing_id: int | None
    worker_id: int
    worker_name: str
    kind: ContactKind
    day: date
    services: tuple[Service, ...]
    people_reached: int
    note: str
    wellbeing: int | None
    next_note: str
    created_at: datetime
    updated_at: datetime
    deleted: bool


def _contact(row: Row) -> Contact:
    return Contact(
        id=row["id"], household_id=row["household_id"], pairing_id=row["pairing_id"],
        worker_id=row["worker_id"], worker_name=row["worker_name"],
        kind=ContactKind(row["kind"]), day=date.fromisoformat(row["day"]),
        services=parse_services(json.loads(row["services"])),
        people_reached=row["people_reached"], note=row["note"], wellbeing=row["wellbeing"],
        next_note=row["next_note"], created_at=from_db(row["created_at"]),
        updated_at=from_db(row["updated_at"]), deleted=bool(row["deleted"]),
    )


@dataclass(frozen=True)
class NewContact:
    """What a worker logs."""

    household_id: int
    worker_id: int
    kind: ContactKind
    day: date
    services: Sequence[str] = ()
    people_reached: int = 1
    note: str = ""
    wellbeing: int | None = None
    next_note: str = ""
    pairing_id: int | None = None


async def add(db: Database, new: NewContact, now: datetime) -> Contact:
    """Store a contact."""
    async with db.transaction() as tx:
        contact_id = await add_in(tx, new, now)
    found = await get(db, contact_id)
    assert found is not None
    return found


async def add_in(tx: Tx, new: NewContact, now: datetime) -> int:
    """Store a contact inside the caller's transaction; return its id."""
    stamp = to_db(now)
    return await tx.execute(
        "INSERT INTO contacts (household_id, pairing_id, worker_id, kind, day, services, "
        "people_reached, note, wellbeing, next_note, created_at, updated_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (new.household_id, new.pairing_id, new.worker_id, new.kind.value,
         new.day.isoformat(), json.dumps(list(new.services)), new.people_reached,
         new.note, new.wellbeing, new.next_note, stamp, stamp),
    )


async def get(db: Database, contact_id: int) -> Contact | None:
    """One contact by id (deleted ones too)."""
    row = await db.fetchone(f"SELECT {_COLUMNS} {_FROM} WHERE c.id = ?", (contact_id,))
    return None if row is None else _contact(row)


async def correct(db: Database, contact_id: int, worker_id: int, *, now: datetime,
                  day: date | None = None, kind: ContactKind | None = None,
                  note: str | None = None, people_reached: int | None = None) -> bool:
    """Correct one's own contact (the caller checks the 24-hour window)."""
    async with db.transaction() as tx:
        return await tx.rowcount(
            "UPDATE contacts SET day = COALESCE(?, day), kind = COALESCE(?, kind), "
            "note = COALESCE(?, note), people_reached = COALESCE(?, people_reached), "
            "updated_at = ? WHERE id = ? AND worker_id = ? AND deleted = 0",
            (day.isoformat() if day else None, kind.value if kind else None, note,
             people_reached, to_db(now), contact_id, worker_id),
        ) > 0


async def delete(db: Database, contact_id: int, worker_id: int, now: datetime) -> bool:
    """Delete one's own contact (kept, marked deleted; the caller checks the window)."""
    async with db.transaction() as tx:
        return await delete_in(tx, contact_id, worker_id, now)


async def delete_in(tx: Tx, contact_id: int, worker_id: int, now: datetime) -> bool:
    """Delete one's own contact inside the caller's transaction."""
    return await tx.rowcount(
        "UPDATE contacts SET deleted = 1, updated_at = ? "
        "WHERE id = ? AND worker_id = ? AND deleted = 0",
        (to_db(now), contact_id, worker_id),
    ) > 0


async def for_household(db: Database, household_id: int, limit: int = 10,
                        offset: int = 0) -> list[Contact]:
    """The household's contacts, newest first (by day, then by when logged)."""
    rows = await db.fetchall(
        f"SELECT {_COLUMNS} {_FROM} WHERE c.household_id = ? AND c.deleted = 0 "
        "ORDER BY c.day DESC, c.id DESC LIMIT ? OFFSET ?",
        (household_id, limit, offset))
    return [_contact(r) for r in rows]


async def count_for_household(db: Database, household_id: int) -> int:
    """How many contacts the household has."""
    value = await db.fetchval(
        "SELECT COUNT(*) FROM contacts WHERE household_id = ? AND deleted = 0", (household_id,))
    return int(value or 0)


async def last_next_note(db: Database, household_id: int) -> Contact | None:
    """The latest contact that left a note for the next visitor."""
    row = await db.fetchone(
        f"SELECT {_COLUMNS} {_FROM} WHERE c.household_id = ? AND c.deleted = 0 "
        "AND c.next_note != '' ORDER BY c.day DESC, c.id DESC LIMIT 1", (household_id,))
    return None if row is None else _contact(row)


async def wellbeing_scores(db: Database, household_id: int, limit: int) -> list[int]:
    """The household's last `limit` wellbeing scores, oldest first (by day, then as logged)."""
    rows = await db.fetchall(
        "SELECT wellbeing FROM contacts WHERE household_id = ? AND deleted = 0 "
        "AND wellbeing IS NOT NULL ORDER BY day DESC, id DESC LIMIT ?", (household_id, limit))
    return [int(r["wellbeing"]) for r in reversed(rows)]
