"""Group activities (集体活动) and the households that took part."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from bot.domain.activities import ActivityKind
from bot.domain.cadence import ContactKind
from storage.audit import record
from storage.clock import to_db
from storage.db import Database


@dataclass(frozen=True)
class NewActivity:
    """What a worker or coordinator records."""

    title: str
    kind: ActivityKind
    day: date
    people_reached: int
    created_by: int
    area_ids: Sequence[int]
    household_ids: Sequence[int]
    services: Sequence[str] = field(default=())  # service codes (bot.domain.households.Service)
    project_id: int | None = None  # the micro-project (民生微实事) it belongs to


@dataclass(frozen=True)
class Saved:
    """A stored activity: its id, how many households took part, how many contacts it wrote."""

    id: int
    households: int
    contacts: int


async def households_in(db: Database, area_ids: Sequence[int],
                        worker_id: int | None = None) -> list[int]:
    """Households (not archived) of these communities; with worker_id, only theirs."""
    if not area_ids:
        return []
    marks = ",".join("?" * len(area_ids))
    sql = f"SELECT h.id FROM households h WHERE h.archived = 0 AND h.area_id IN ({marks})"
    params: list[object] = list(area_ids)
    if worker_id is not None:
        sql += (" AND EXISTS (SELECT 1 FROM pairings p WHERE p.household_id = h.id "
                "AND p.worker_id = ? AND p.ended_on IS NULL)")
        params.append(worker_id)
    rows = await db.fetchall(sql + " ORDER BY h.id", params)
    return [int(r["id"]) for r in rows]


async def add(db: Database, new: NewActivity, counts_as: ContactKind | None,
              now: datetime) -> Saved:
    """Store the activity, its communities and households, and (when its kind counts as a
    contact) one contact per household, all in one transaction with the audit entry."""
    stamp = to_db(now)
    services = json.dumps(list(new.services))
    written = 0
    async with db.transaction() as tx:
        activity_id = await tx.execute(
            "INSERT INTO activities (title, kind, day, people_reached, created_by, created_at, "
            "services, project_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (new.title, new.kind.value, new.day.isoformat(), new.people_reached,
             new.created_by, stamp, services, new.project_id))
        await tx.executemany(
            "INSERT OR IGNORE INTO activity_areas (activity_id, area_id) VALUES (?, ?)",
            [(activity_id, a) for a in new.area_ids])
        await tx.executemany(
            "INSERT OR IGNORE INTO activity_households (activity_id, household_id) VALUES (?, ?)",
            [(activity_id, h) for h in new.household_ids])
        if counts_as is not None:
            for household_id in dict.fromkeys(new.household_ids):
                await tx.execute(
                    "INSERT INTO contacts (household_id, worker_id, kind, day, services, note, "
                    "people_reached, created_at, updated_at, activity_id) "
                    "VALUES (?, ?, ?, ?, ?, ?, 1, ?, ?, ?)",
                    (household_id, new.created_by, counts_as.value, new.day.isoformat(),
                     services, new.title, stamp, stamp, activity_id))
                written += 1
        await record(tx, now, new.created_by, "activity.add", "activity", activity_id,
                     {"kind": new.kind.value, "households": len(set(new.household_ids)),
                      "contacts": written, "project": new.project_id})
    return Saved(activity_id, len(set(new.household_ids)), written)


async def count_between(db: Database, start: date, end: date) -> dict[str, tuple[int, int]]:
    """Per kind: how many activities with day in [start, end] and people reached (for /stats)."""
    rows = await db.fetchall(
        "SELECT kind, COUNT(*) AS n, SUM(people_reached) AS reached FROM activities "
        "WHERE day BETWEEN ? AND ? GROUP BY kind", (start.isoformat(), end.isoformat()))
    return {r["kind"]: (int(r["n"]), int(r["reached"])) for r in rows}


async def names(db: Database, household_ids: Sequence[int]) -> dict[int, str]:
    """The names of these households, by id (for the buttons to pick them)."""
    if not household_ids:
        return {}
    marks = ",".join("?" * len(household_ids))
    rows = await db.fetchall(f"SELECT id, name FROM households WHERE id IN ({marks})",
                             list(household_ids))
    return {int(r["id"]): str(r["name"]) for r in rows}
