"""The audit trail: an append-only record of who looked at or changed what, and when."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from storage.clock import from_db, to_db
from storage.db import Database, Row, Tx

_COLUMNS = "id, at, actor_id, action, object_type, object_id, detail"


@dataclass(frozen=True)
class Entry:
    """One line of the audit trail."""

    id: int
    at: datetime
    actor_id: int | None
    action: str
    object_type: str
    object_id: str
    detail: dict[str, Any]


def _entry(row: Row) -> Entry:
    return Entry(row["id"], from_db(row["at"]), row["actor_id"], row["action"],
                 row["object_type"], row["object_id"], json.loads(row["detail"] or "{}"))


async def record(tx: Tx, at: datetime, actor_id: int | None, action: str,
                 object_type: str = "", object_id: object = "",
                 detail: dict[str, Any] | None = None, *, update_id: int | None = None) -> None:
    """Append one entry inside the caller's transaction (so it commits with the change);
    `update_id`: the Telegram update the change was pressed in (see `of_update`)."""
    await tx.execute(
        "INSERT INTO audit (at, actor_id, action, object_type, object_id, detail, update_id) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        (to_db(at), actor_id, action, object_type, str(object_id),
         json.dumps(detail or {}, ensure_ascii=False, default=str), update_id))


async def of_update(db: Database | Tx, actor_id: int, update_id: int,
                    action: str) -> Entry | None:
    """The `action` entry this person's update made, if it made one: the same update handled
    again after a crash finds what its first handling did."""
    row = await db.fetchone(f"SELECT {_COLUMNS} FROM audit WHERE actor_id = ? "
                            "AND update_id = ? AND action = ? ORDER BY id LIMIT 1",
                            (actor_id, update_id, action))
    return None if row is None else _entry(row)


async def add(db: Database, at: datetime, actor_id: int | None, action: str,
              object_type: str = "", object_id: object = "",
              detail: dict[str, Any] | None = None) -> None:
    """Append one entry in a transaction of its own (for looks, which change nothing)."""
    async with db.transaction() as tx:
        await record(tx, at, actor_id, action, object_type, object_id, detail)


async def entries(db: Database, *, actor_id: int | None = None,
                  object_type: str | None = None, object_id: object | None = None,
                  limit: int = 20, before: int | None = None) -> list[Entry]:
    """Entries newest first, optionally of one person or one object, and only those older
    than the entry `before` (a page further back: entries written since do not shift it)."""
    sql = f"SELECT {_COLUMNS} FROM audit WHERE 1 = 1"
    params: list[object] = []
    if actor_id is not None:
        sql += " AND actor_id = ?"
        params.append(actor_id)
    if object_type is not None:
        sql += " AND object_type = ?"
        params.append(object_type)
    if object_id is not None:
        sql += " AND object_id = ?"
        params.append(str(object_id))
    if before is not None:
        sql += " AND id < ?"
        params.append(before)
    sql += " ORDER BY id DESC LIMIT ?"
    params.append(limit)
    return [_entry(r) for r in await db.fetchall(sql, params)]


async def between(db: Database, start: datetime, end: datetime) -> list[Entry]:
    """Entries with start <= at < end, oldest first (for exports)."""
    rows = await db.fetchall(f"SELECT {_COLUMNS} FROM audit WHERE at >= ? AND at < ? ORDER BY id",
                             (to_db(start), to_db(end)))
    return [_entry(r) for r in rows]


# What each kind of object the trail records is called, and where: (table, key, name column).
_NAMES = {
    "household": ("households", "id", "name"),
    "person": ("people", "telegram_id", "display_name"),
    "area": ("areas", "id", "name"),
    "street": ("streets", "id", "name"),
    "fund": ("funds", "id", "name"),
    "project": ("projects", "id", "name"),
    "program": ("programs", "id", "name"),
    "source": ("referral_sources", "id", "name"),
    "activity": ("activities", "id", "title"),
    "referral": ("referrals", "id", "name"),
}
NAMED_KINDS = frozenset(_NAMES)


async def names(db: Database, object_type: str, object_ids: Iterable[str]) -> dict[str, str]:
    """The names of the objects of one kind, by id as the trail writes it; an id that names
    nothing (deleted, or not a number) is left out."""
    found = _NAMES.get(object_type)
    wanted = sorted({int(i) for i in object_ids if i.isdecimal() and len(i) <= 18})
    if found is None or not wanted:
        return {}
    table, key, name = found
    # One JSON array, whatever the number: a year's trail exported can name more objects
    # than SQLite allows bound variables.
    rows = await db.fetchall(
        f"SELECT {key} AS id, {name} AS name FROM {table} "
        f"WHERE {key} IN (SELECT value FROM json_each(?))", (json.dumps(wanted),))
    return {str(r["id"]): str(r["name"]) for r in rows}
