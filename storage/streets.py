"""Streets (街道) as coordinators group communities into them with /areas."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from storage.audit import record
from storage.clock import to_db
from storage.db import Database, Tx


@dataclass(frozen=True)
class Street:
    """A street and the communities in use inside it."""

    id: int
    name: str
    area_ids: tuple[int, ...]


async def listed(db: Database) -> list[Street]:
    """Every street with its communities in use, by name."""
    rows = await db.fetchall(
        "SELECT s.id, s.name, (SELECT group_concat(a.id) FROM areas a WHERE a.street_id = s.id "
        "AND a.retired = 0) AS areas FROM streets s WHERE s.removed_at IS NULL ORDER BY s.name")
    return [Street(int(r["id"]), str(r["name"]),
                   tuple(sorted(int(a) for a in str(r["areas"] or "").split(",") if a)))
            for r in rows]


async def get(db: Database, street_id: int) -> Street | None:
    """One street by id."""
    return next((s for s in await listed(db) if s.id == street_id), None)


async def create(db: Database, name: str, area_ids: Sequence[int], actor_id: int,
                 now: datetime) -> int | None:
    """Add a street and move these communities into it, in one transaction; None when a street
    of that name exists already."""
    async with db.transaction() as tx:
        if not await _free_name(tx, name):
            return None
        street_id = await tx.execute("INSERT INTO streets (name, created_at) VALUES (?, ?)",
                                     (name, to_db(now)))
        await tx.executemany("UPDATE areas SET street_id = ? WHERE id = ? AND retired = 0",
                             [(street_id, a) for a in area_ids])
        await record(tx, now, actor_id, "street.add", "street", street_id,
                     {"name": name, "areas": list(area_ids)})
    return street_id


async def _free_name(tx: Tx, name: str) -> bool:
    """Whether no street in use has this name; the marker of a removed one gives way."""
    if await tx.fetchval("SELECT 1 FROM streets WHERE name = ? AND removed_at IS NULL",
                         (name,)):
        return False
    await tx.execute("DELETE FROM streets WHERE name = ? AND removed_at IS NOT NULL", (name,))
    return True


async def rename(db: Database, street_id: int, name: str, actor_id: int,
                 now: datetime) -> bool | None:
    """Give a street in use a new name; False when another street has it, None when there is
    no such street. The old name stays as a removed marker, so configuration naming it does
    not add it again."""
    async with db.transaction() as tx:
        old = await tx.fetchval(
            "SELECT name FROM streets WHERE id = ? AND removed_at IS NULL", (street_id,))
        if old is None:
            return None
        if old == name:
            return True
        if not await _free_name(tx, name):
            return False
        await tx.execute("UPDATE streets SET name = ? WHERE id = ?", (name, street_id))
        await tx.execute("INSERT INTO streets (name, created_at, removed_at) VALUES (?, ?, ?)",
                         (old, to_db(now), to_db(now)))
        await record(tx, now, actor_id, "street.rename", "street", street_id,
                     {"from": old, "to": name})
    return True


async def remove(db: Database, street_id: int, actor_id: int, now: datetime) -> str | None:
    """Remove a street in use; its communities are then in no street. Its name, or None when
    there is no such street."""
    async with db.transaction() as tx:
        name = await tx.fetchval(
            "SELECT name FROM streets WHERE id = ? AND removed_at IS NULL", (street_id,))
        if name is None:
            return None
        moved = [int(r[0]) for r in await tx.fetchall(
            "SELECT id FROM areas WHERE street_id = ? ORDER BY id", (street_id,))]
        await tx.execute("UPDATE areas SET street_id = NULL WHERE street_id = ?", (street_id,))
        await tx.execute("UPDATE streets SET removed_at = ? WHERE id = ?",
                         (to_db(now), street_id))
        await record(tx, now, actor_id, "street.remove", "street", street_id,
                     {"name": name, "areas": moved})
    return str(name)


async def move_area(db: Database, area_id: int, street_id: int | None, actor_id: int,
                    now: datetime) -> bool:
    """Put a community into a street (or none); False when there is no such community."""
    async with db.transaction() as tx:
        changed = await tx.rowcount(
            "UPDATE areas SET street_id = ? WHERE id = ? AND retired = 0 AND (? IS NULL OR "
            "EXISTS (SELECT 1 FROM streets WHERE id = ? AND removed_at IS NULL))",
            (street_id, area_id, street_id, street_id))
        if changed:
            await record(tx, now, actor_id, "street.move", "area", area_id,
                         {"street": street_id})
    return changed > 0
