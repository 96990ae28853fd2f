"""Progress of multi-step flows, written at every step so it survives a restart."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from storage.clock import from_db, to_db
from storage.db import Database, Row, Tx


@dataclass(frozen=True)
class FlowState:
    """Where one person is in one flow, and what they have answered so far."""

    telegram_id: int
    name: str
    step: str
    data: dict[str, Any]
    started_at: datetime
    updated_at: datetime
    last_update_id: int = 0
    unasked: bool = False  # the current question never reached the person

    def already_handled(self, update_id: int) -> bool:
        """Whether an update is older than the one that last moved this flow (a replay)."""
        return 0 < update_id <= self.last_update_id


_COLUMNS = "telegram_id, name, step, data, started_at, updated_at, last_update_id, unasked"


async def get(db: Database, telegram_id: int) -> FlowState | None:
    """The person's flow in progress, or None."""
    row = await db.fetchone(f"SELECT {_COLUMNS} FROM flows WHERE telegram_id = ?",
                            (telegram_id,))
    return None if row is None else _state(row)


def _state(row: Row) -> FlowState:
    """A flow from its row."""
    return FlowState(
        row["telegram_id"], row["name"], row["step"], json.loads(row["data"]),
        from_db(row["started_at"]), from_db(row["updated_at"]), row["last_update_id"],
        bool(row["unasked"]),
    )


async def put(db: Database, telegram_id: int, name: str, step: str, data: dict[str, Any],
              now: datetime, update_id: int = 0) -> FlowState:
    """Save the person's flow at `step` with `data` (starting it if new, in place of any
    other); one flow per person.

    `update_id` is the update that caused this step, so that the same update replayed after
    a crash is recognised and not applied twice.
    """
    found = await _put(db, telegram_id, name, step, data, now, update_id, replace=True)
    assert found is not None
    return found


async def put_unless_other(db: Database, telegram_id: int, name: str, step: str,
                           data: dict[str, Any], now: datetime,
                           update_id: int = 0) -> FlowState | None:
    """As `put`, but never over another flow in progress: None (and nothing written) when
    the person is half way through a flow of another name."""
    return await _put(db, telegram_id, name, step, data, now, update_id, replace=False)


async def _put(db: Database, telegram_id: int, name: str, step: str, data: dict[str, Any],
               now: datetime, update_id: int, *, replace: bool) -> FlowState | None:
    stamp = to_db(now)
    rows = await db.write(
        "INSERT INTO flows (telegram_id, name, step, data, started_at, updated_at, "
        "last_update_id) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (telegram_id) DO UPDATE SET "
        "started_at = CASE WHEN flows.name = excluded.name THEN flows.started_at "
        "ELSE excluded.started_at END, "
        "name = excluded.name, step = excluded.step, data = excluded.data, "
        "updated_at = excluded.updated_at, unasked = 0, "
        "last_update_id = MAX(flows.last_update_id, excluded.last_update_id) "
        + ("" if replace else "WHERE flows.name = excluded.name ")
        + f"RETURNING {_COLUMNS}",
        (telegram_id, name, step, json.dumps(data, ensure_ascii=False), stamp, stamp,
         update_id),
    )
    return _state(rows[0]) if rows else None


async def set_unasked(db: Database, telegram_id: int, unasked: bool) -> None:
    """Remember whether the person's current question failed to reach them."""
    async with db.transaction() as tx:
        await tx.execute("UPDATE flows SET unasked = ? WHERE telegram_id = ?",
                         (int(unasked), telegram_id))


async def purge(db: Database, before: datetime) -> int:
    """Drop unfinished flows untouched since `before` (their drafts hold personal data)."""
    async with db.transaction() as tx:
        return await tx.rowcount("DELETE FROM flows WHERE updated_at < ?", (to_db(before),))


async def clear(db: Database, telegram_id: int) -> bool:
    """End the person's flow; return whether there was one."""
    async with db.transaction() as tx:
        return await clear_in(tx, telegram_id)


async def clear_named(db: Database, telegram_id: int, name: str) -> bool:
    """End the person's flow if it is `name` (another flow in progress is left alone)."""
    async with db.transaction() as tx:
        return await clear_named_in(tx, telegram_id, name)


async def clear_named_in(tx: Tx, telegram_id: int, name: str) -> bool:
    """clear_named inside the caller's transaction (with what the flow saved)."""
    return await tx.rowcount("DELETE FROM flows WHERE telegram_id = ? AND name = ?",
                             (telegram_id, name)) > 0


async def clear_in(tx: Tx, telegram_id: int) -> bool:
    """End the person's flow inside the caller's transaction (with what the flow saved)."""
    return await tx.rowcount("DELETE FROM flows WHERE telegram_id = ?", (telegram_id,)) > 0
