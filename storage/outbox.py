"""The durable outbox: messages to other people, written with the change that causes them.

Use cases `put` rows inside their own transaction; one sender task `claim`s what is due,
sends it and marks it `sent` or `failed`. Each claim names its process: a restarted bot takes
back at once what a dead process had claimed (`claimers`, `take_back`); any claim older than
the lease (another host's, one that cannot be checked) is taken over too.

One chat's rows go out in the order they were queued: a row that may not go out yet (it waits
out a flood wait or a retry, or a live claim is sending it) holds back its chat's later rows,
in the table, so the order outlives the process that knew of the wait.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from storage.clock import from_db, to_db
from storage.db import Database, Row, Tx

# A 'sending' claim older than this was left by a process that died. The sender claims only
# what it sends within seconds (a few messages per chat), so a live claim never gets this old.
LEASE = timedelta(seconds=30)

Buttons = tuple[tuple[tuple[str, str], ...], ...]

# The error of a row dropped unsent because a check at delivery said no (a card of a report
# taken meanwhile, a message to someone whose role has ended): not a failure to deliver.
NOT_WANTED = "not wanted"
ERASED = "erased"  # dropped by an erasure of the data it carried, or of its addressee


def buttons_of(rows: Sequence[Sequence[Sequence[str]]]) -> Buttons:
    """Button rows as stored in JSON, back to (label, data) tuples."""
    return tuple(tuple((str(b[0]), str(b[1])) for b in row) for row in rows)


def _buttons(rows: Sequence[Sequence[tuple[str, str]]]) -> Buttons:
    return tuple(tuple((str(label), str(data)) for label, data in row) for row in rows)


@dataclass(frozen=True)
class Outgoing:
    """A message a use case wants delivered to someone other than the person it answers."""

    chat_id: int
    text: str = ""
    buttons: Buttons = ()
    lang: str = "zh"
    op: str = "send"  # send, edit, delete, location, photo, voice
    group: str | None = None  # waiting messages of one chat and group are merged into one
    item: dict[str, Any] = field(default_factory=dict)  # this message's line when merged
    # edit, delete: message_id; location: latitude, longitude; photo, voice: file_id
    target: dict[str, Any] = field(default_factory=dict)
    after: dict[str, Any] = field(default_factory=dict)  # bookkeeping once sent
    # Whose words or data it carries (a reporter's reply, a report's card or details): an
    # erasure of that person withdraws it while it waits (storage/erasure.py).
    origin: int | None = None


@dataclass(frozen=True)
class Queued:
    """A claimed outbox row."""

    id: int
    chat_id: int
    op: str
    lang: str
    text: str
    buttons: Buttons
    group: str | None
    item: dict[str, Any]
    target: dict[str, Any]
    after: dict[str, Any]
    attempts: int
    created_at: datetime


_COLUMNS = ("id, chat_id, op, lang, text, buttons, grp, item, target, after, attempts, "
            "created_at")


def _queued(row: Row) -> Queued:
    return Queued(row["id"], row["chat_id"], row["op"], row["lang"], row["text"],
                  _buttons(json.loads(row["buttons"])), row["grp"], json.loads(row["item"]),
                  json.loads(row["target"]), json.loads(row["after"]), row["attempts"],
                  from_db(row["created_at"]))


def _dumps(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)


async def put(tx: Tx, messages: Sequence[Outgoing], now: datetime) -> None:
    """Queue messages inside the caller's transaction (they go out only if it commits)."""
    stamp = to_db(now)
    await tx.executemany(
        "INSERT INTO outbox (chat_id, op, lang, text, buttons, grp, item, target, after, "
        "origin, not_before, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [(m.chat_id, m.op, m.lang, m.text, _dumps([list(map(list, r)) for r in m.buttons]),
          m.group, _dumps(m.item), _dumps(m.target), _dumps(m.after), m.origin, stamp, stamp)
         for m in messages])


async def enqueue(db: Database, messages: Sequence[Outgoing], now: datetime) -> None:
    """Queue messages in a transaction of their own."""
    if messages:
        async with db.transaction() as tx:
            await put(tx, messages, now)


def _behind(unordered: Sequence[str]) -> tuple[str, dict[str, str]]:
    """SQL true for a row `o` that an earlier row of its chat holds back, and its parameters
    (with :now and :stale to bind): that row is unfinished and may not go out now. Rows of
    the `unordered` groups (or `group:…`) are held back on purpose, to be merged, and hold
    back nobody."""
    names = {f"u{n}": group for n, group in enumerate(unordered)}
    loose = " OR ".join(f"e.grp = :{name} OR e.grp LIKE :{name} || ':%'" for name in names)
    # grp IS NOT NULL first: a comparison with NULL is NULL, and NOT NULL would exempt
    # every row without a group.
    exempt = f" AND NOT (e.op = 'send' AND e.grp IS NOT NULL AND ({loose}))" if loose else ""
    return ("EXISTS (SELECT 1 FROM outbox e WHERE e.chat_id = o.chat_id AND e.id < o.id "
            "AND e.state IN ('pending', 'sending', 'failed') "
            "AND ((e.state = 'sending' AND e.claimed_at >= :stale) "
            f"OR (e.state != 'sending' AND e.not_before > :now)){exempt})", names)


async def claim(db: Database, now: datetime, limit: int = 500,
                held: Sequence[int] = (), claimer: str | None = None,
                unordered: Sequence[str] = ()) -> list[Queued]:
    """Claim what is due, oldest first, skipping chats in `held` (waiting out a flood limit)
    and rows an earlier row of their chat holds back (`unordered` groups excepted, see
    `_behind`); `claimer` names the process (see `claimers` and `take_back`)."""
    skip = ",".join(str(int(c)) for c in held)
    extra = f" AND o.chat_id NOT IN ({skip})" if skip else ""
    behind, names = _behind(unordered)
    async with db.transaction() as tx:
        rows = await tx.fetchall(
            f"SELECT {_COLUMNS} FROM outbox o WHERE ((o.state IN ('pending', 'failed') "
            "AND o.not_before <= :now) OR (o.state = 'sending' AND o.claimed_at < :stale))"
            f"{extra} AND NOT {behind} ORDER BY o.id LIMIT :limit",
            {"now": to_db(now), "stale": to_db(now - LEASE), "limit": limit, **names})
        if rows:
            ids = [r["id"] for r in rows]
            await tx.execute(
                f"UPDATE outbox SET state = 'sending', claimed_at = ?, claimed_by = ? "
                f"WHERE id IN ({','.join('?' * len(ids))})", (to_db(now), claimer, *ids))
    return [_queued(r) for r in rows]


async def claimers(db: Database) -> list[str]:
    """The processes holding claims on rows being sent (rows claimed unnamed left out)."""
    rows = await db.fetchall(
        "SELECT DISTINCT claimed_by FROM outbox WHERE state = 'sending' "
        "AND claimed_by IS NOT NULL")
    return [str(r[0]) for r in rows]


async def take_back(db: Database, claimers: Sequence[str]) -> int:
    """Put the rows these (dead) processes had claimed back in the queue; how many."""
    if not claimers:
        return 0
    async with db.transaction() as tx:
        return await tx.rowcount(
            "UPDATE outbox SET state = 'pending', claimed_at = NULL, claimed_by = NULL "
            f"WHERE state = 'sending' AND claimed_by IN ({','.join('?' * len(claimers))})",
            tuple(claimers))


# Only a row still claimed is marked as its send ended: one an erasure dropped (and blanked)
# while it was on its way stays dropped, never brought back to be sent again or to look sent.
_CLAIMED = "state = 'sending'"


async def mark_sent(db: Database, ids: Sequence[int], message_id: int | None,
                    now: datetime) -> dict[int, str | None]:
    """Telegram accepted the message (one message may carry several merged rows). The rows
    dropped while it was on its way (an erasure of what it carried) stay dropped: returned,
    with their error, since the message reached the chat all the same."""
    marks = ','.join('?' * len(ids))
    async with db.transaction() as tx:
        gone = await tx.fetchall(
            f"SELECT id, error FROM outbox WHERE id IN ({marks}) AND NOT {_CLAIMED}", tuple(ids))
        await tx.execute(
            f"UPDATE outbox SET state = 'sent', message_id = ?, sent_at = ?, error = NULL "
            f"WHERE id IN ({marks}) AND {_CLAIMED}", (message_id, to_db(now), *ids))
    return {int(r[0]): None if r[1] is None else str(r[1]) for r in gone}


async def mark_failed(db: Database, ids: Sequence[int], error: str, retry_at: datetime, *,
                      drop: bool = False) -> None:
    """Not sent: try again at `retry_at`, or give up (`drop`); a row dropped meanwhile stays
    as it is."""
    async with db.transaction() as tx:
        await tx.execute(
            f"UPDATE outbox SET state = ?, attempts = attempts + 1, error = ?, not_before = ?, "
            f"claimed_at = NULL WHERE id IN ({','.join('?' * len(ids))}) AND {_CLAIMED}",
            ("dropped" if drop else "failed", error[:500], to_db(retry_at), *ids))


async def drop(db: Database, ids: Sequence[int], now: datetime,
               instead: Sequence[Outgoing] = ()) -> None:
    """Claimed rows nobody should get any more: dropped unsent, not retried, and not counted
    as undelivered (`depth`, `undelivered_chats`); what is owed `instead` (a reply for the
    case's new holder) is queued in the same transaction, so it is never lost between."""
    if not ids:
        return
    async with db.transaction() as tx:
        await tx.execute(
            f"UPDATE outbox SET state = 'dropped', error = ?, sent_at = NULL, claimed_at = NULL "
            f"WHERE id IN ({','.join('?' * len(ids))})", (NOT_WANTED, *ids))
        await put(tx, instead, now)


async def release(db: Database, ids: Sequence[int], retry_at: datetime) -> None:
    """Give back claimed rows unsent and unblamed (the chat is waiting out a flood limit); a
    row dropped meanwhile stays as it is."""
    if not ids:
        return
    async with db.transaction() as tx:
        await tx.execute(
            f"UPDATE outbox SET state = 'pending', claimed_at = NULL, not_before = ? "
            f"WHERE id IN ({','.join('?' * len(ids))}) AND {_CLAIMED}", (to_db(retry_at), *ids))


async def next_due(db: Database, now: datetime,
                   unordered: Sequence[str] = ()) -> datetime | None:
    """When the earliest waiting row may go out (None when nothing waits); a row held back
    by an earlier one of its chat is left out: it goes with or after that one."""
    behind, names = _behind(unordered)
    value = await db.fetchval(
        "SELECT MIN(o.not_before) FROM outbox o WHERE o.state IN ('pending', 'failed') "
        f"AND NOT {behind}", {"now": to_db(now), "stale": to_db(now - LEASE), **names})
    return None if value is None else from_db(str(value))


@dataclass(frozen=True)
class Depth:
    """How much is waiting, and since when."""

    waiting: int
    oldest: datetime | None
    dropped: int


# Dropped rows that were given up on (blocked, refused, too old), not those nobody should get
# any more (the role ended, the data was erased).
_NOT_GIVEN_UP = (NOT_WANTED, ERASED)
_GIVEN_UP = "(error IS NULL OR error NOT IN (?, ?))"


async def depth(db: Database) -> Depth:
    """The outbox's backlog (for doctor, /workers and the digest)."""
    row = await db.fetchone(
        "SELECT COUNT(*), MIN(created_at) FROM outbox "
        "WHERE state IN ('pending', 'sending', 'failed')")
    dropped = await db.fetchval(
        f"SELECT COUNT(*) FROM outbox WHERE state = 'dropped' AND {_GIVEN_UP}", _NOT_GIVEN_UP)
    assert row is not None
    return Depth(int(row[0]), from_db(row[1]) if row[1] else None, int(dropped or 0))


async def retrying(db: Database) -> int:
    """Messages waiting to be tried again after a transient failure (network, timeout, 5xx):
    a permanent refusal is dropped, so every 'failed' row is one of these."""
    return int(await db.fetchval("SELECT COUNT(*) FROM outbox WHERE state = 'failed'") or 0)


async def undelivered_chats(db: Database, since: datetime) -> list[int]:
    """Chats whose messages were given up on since `since` (blocked the bot, refused)."""
    rows = await db.fetchall(
        "SELECT DISTINCT chat_id FROM outbox WHERE state = 'dropped' AND created_at >= ? "
        f"AND {_GIVEN_UP} ORDER BY chat_id", (to_db(since), *_NOT_GIVEN_UP))
    return [int(r[0]) for r in rows]


async def prune(db: Database, before: datetime) -> int:
    """Forget delivered or dropped rows created before `before`."""
    async with db.transaction() as tx:
        return await tx.rowcount(
            "DELETE FROM outbox WHERE state IN ('sent', 'dropped') AND created_at < ?",
            (to_db(before),))
