"""The durable intake: updates are stored before they are confirmed to Telegram."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from storage.clock import from_db, to_db
from storage.db import Database


@dataclass(frozen=True)
class StoredUpdate:
    """A fetched update not yet handled."""

    update_id: int
    payload: str
    attempts: int


# Updates are stored with their first attempt already counted: they are handed to their
# chat's worker as soon as they are committed, and a separate write per update just to count
# that attempt cost as much as the rest of the intake (bench/README.md). An update a crash
# caught while it still waited behind its chat's earlier ones is counted once too often;
# MAX_ATTEMPTS (bot/telegram/intake.py) allows for that.
_INSERT = ("INSERT OR IGNORE INTO updates (update_id, payload, received_at, chat_id, attempts) "
           "VALUES (?, ?, ?, ?, 1)")

# A fetched update: its id, its JSON, and the chat whose updates are handled in order with it
# (None when it has none).
Fetched = tuple[int, str] | tuple[int, str, int | None]


async def save(db: Database, updates: Sequence[Fetched], now: datetime) -> None:
    """Commit fetched updates (id, JSON, chat) at once, each counted as attempted once; an id
    seen before is kept as it was."""
    if not updates:
        return
    stamp = to_db(now)
    await db.write_many(_INSERT, [(u[0], u[1], stamp, _chat(u)) for u in updates])


def _chat(update: Fetched) -> int | None:
    return update[2] if len(update) == 3 else None


async def accept(db: Database, update_id: int, payload: str, now: datetime,
                 wait_ms: int | None = None, chat: int | None = None) -> bool:
    """Commit one update posted to the webhook, counted as attempted once; False if it was
    stored before (a repeat)."""
    async with db.transaction(wait_ms=wait_ms) as tx:
        added = await tx.rowcount(_INSERT, (update_id, payload, to_db(now), chat))
    return added > 0


async def summary(db: Database) -> tuple[int, datetime | None]:
    """How many updates wait to be handled, and when the newest was received."""
    row = await db.fetchone(
        "SELECT (SELECT COUNT(*) FROM updates WHERE state = 'pending'), MAX(received_at) "
        "FROM updates"
    )
    if row is None or row[1] is None:
        return (int(row[0]) if row else 0), None
    return int(row[0]), from_db(row[1])


async def next_offset(db: Database) -> int:
    """The getUpdates offset after everything stored: nothing stored is fetched twice."""
    last = await db.fetchval("SELECT MAX(update_id) FROM updates")
    return 0 if last is None else int(last) + 1


async def begin_attempt(db: Database, update_id: int) -> int:
    """Count an attempt to handle an update before handling it; return the attempt number."""
    # One statement (RETURNING), one trip: the intake's cost per update is counted in trips.
    rows = await db.write(
        "UPDATE updates SET attempts = attempts + 1 WHERE update_id = ? RETURNING attempts",
        (update_id,),
    )
    return int(rows[0][0] or 0) if rows else 0


async def finish(db: Database, update_id: int, now: datetime, *, failed: bool = False) -> None:
    """Mark an update handled (or given up on after repeated crashes)."""
    await db.write(
        "UPDATE updates SET state = ?, handled_at = ? WHERE update_id = ?",
        ("failed" if failed else "done", to_db(now), update_id),
    )


async def superseded_by(db: Database, update_id: int) -> int | None:
    """The oldest update of the same chat handled after this one was stored, if any: this one
    must not be handled after it (one chat's updates go in order), so it is set aside."""
    # Only rows newer than this one are read (update_id is the rowid): no index needed.
    value = await db.fetchval(
        "SELECT newer.update_id FROM updates AS old JOIN updates AS newer "
        "ON newer.chat_id = old.chat_id AND newer.update_id > old.update_id "
        "WHERE old.update_id = ? AND newer.state = 'done' ORDER BY newer.update_id LIMIT 1",
        (update_id,),
    )
    return None if value is None else int(value)


async def supersede(db: Database, update_id: int, now: datetime) -> None:
    """Set a pending update aside, unhandled: a newer one of its chat went first."""
    await db.write(
        "UPDATE updates SET state = 'superseded', handled_at = ? "
        "WHERE update_id = ? AND state = 'pending'",
        (to_db(now), update_id),
    )


async def pending(db: Database) -> list[StoredUpdate]:
    """Updates fetched but not handled, oldest first (to replay at start)."""
    rows = await db.fetchall(
        "SELECT update_id, payload, attempts FROM updates WHERE state = 'pending' "
        "ORDER BY update_id"
    )
    return [StoredUpdate(r["update_id"], r["payload"], r["attempts"]) for r in rows]


async def state_of(db: Database, update_id: int) -> str | None:
    """The intake state of one update (for tests and diagnostics)."""
    value = await db.fetchval("SELECT state FROM updates WHERE update_id = ?", (update_id,))
    return None if value is None else str(value)


async def prune(db: Database, before: datetime) -> int:
    """Forget handled updates received before `before`, keeping the newest one for the offset."""
    async with db.transaction() as tx:
        return await tx.rowcount(
            "DELETE FROM updates WHERE state != 'pending' AND received_at < ? "
            "AND update_id < (SELECT MAX(update_id) FROM updates)",
            (to_db(before),),
        )
