"""Referrals: their sources, the people referred, every screening step, and the Take cards.

Writes take the caller's transaction (`Tx`), so a use case changes a referral and records
it in the audit trail at once; reads take the database or a transaction.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from bot.domain.referrals import (
    Application,
    Eligibility,
    Focus,
    Outcome,
    Stage,
    State,
    reference,
    released,
)
from storage import triage
from storage.clock import from_db, to_db
from storage.db import Database, Row, Tx

Reader = Database | Tx

# The kinds of referral notices: a Take card of one referral, or a summary of a long list.
CARD, SUMMARY = "card", "summary"


# -- sources ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Source:
    """An agency that sends lists of people."""

    id: int
    name: str
    retired: bool


def _source(row: Row) -> Source:
    return Source(row["id"], row["name"], bool(row["retired"]))


async def sources(db: Reader, *, retired: bool = False) -> list[Source]:
    """Sources by name (the retired ones too when asked)."""
    sql = "SELECT id, name, retired FROM referral_sources"
    if not retired:
        sql += " WHERE retired = 0"
    return [_source(r) for r in await db.fetchall(sql + " ORDER BY id")]


async def source(db: Reader, source_id: int) -> Source | None:
    """One source by id."""
    row = await db.fetchone("SELECT id, name, retired FROM referral_sources WHERE id = ?",
                            (source_id,))
    return None if row is None else _source(row)


async def source_named(db: Reader, name: str) -> Source | None:
    """One source by its exact name."""
    row = await db.fetchone("SELECT id, name, retired FROM referral_sources WHERE name = ?",
                            (name,))
    return None if row is None else _source(row)


async def add_source(tx: Tx, name: str, now: datetime) -> int | None:
    """Add a source (or bring back a retired one); None if an active one has the name."""
    row = await tx.fetchone("SELECT id, retired FROM referral_sources WHERE name = ?", (name,))
    if row is not None:
        if not row["retired"]:
            return None
        await tx.execute("UPDATE referral_sources SET retired = 0 WHERE id = ?", (row["id"],))
        return int(row["id"])
    return await tx.execute("INSERT INTO referral_sources (name, created_at) VALUES (?, ?)",
                            (name, to_db(now)))


async def rename_source(tx: Tx, source_id: int, name: str) -> bool:
    """Rename a source; False if the name is taken or the source unknown."""
    taken = await tx.fetchval("SELECT 1 FROM referral_sources WHERE name = ? AND id != ?",
                              (name, source_id))
    if taken:
        return False
    return await tx.rowcount("UPDATE referral_sources SET name = ? WHERE id = ?",
                             (name, source_id)) > 0


async def retire_source(tx: Tx, source_id: int) -> bool:
    """Retire a source (its referrals stay); False if unknown or retired already."""
    return await tx.rowcount("UPDATE referral_sources SET retired = 1 WHERE id = ? AND "
                             "retired = 0", (source_id,)) > 0


# -- referrals ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Referral:
    """One referred person and where their screening stands."""

    id: int
    source_id: int
    source_name: str
    source_ref: str
    name: str
    id_last4: str
    phone: str | None
    area_id: int | None
    area_name: str | None
    address: str
    reason: str
    focus: frozenset[Focus]
    received_on: date
    due_on: date
    stage: Stage
    attempts: int
    eligibility: frozenset[Eligibility]
    application: Application | None
    outcome: Outcome | None
    closed_on: date | None
    worker_id: int | None
    worker_name: str | None
    household_id: int | None

    @property
    def ref(self) -> str:
        """The short reference people use in chat."""
        return reference(self.id)

    @property
    def state(self) -> State:
        """What the domain rules need."""
        return State(self.stage, self.worker_id, self.area_id, self.attempts, self.eligibility,
                     self.application, self.household_id)


_COLUMNS = (
    "r.id, r.source_id, s.name AS source_name, r.source_ref, r.name, r.id_last4, r.phone, "
    "r.area_id, a.name AS area_name, r.address, r.reason, r.focus, r.received_on, r.due_on, "
    "r.stage, r.attempts, r.eligibility, r.application, r.outcome, r.closed_on, r.worker_id, "
    "p.display_name AS worker_name, r.household_id"
)
_FROM = ("FROM referrals r JOIN referral_sources s ON s.id = r.source_id "
         "LEFT JOIN areas a ON a.id = r.area_id LEFT JOIN people p ON p.telegram_id = r.worker_id")
_ORDER = " ORDER BY (r.focus = '[]'), r.due_on, r.id"


def _referral(row: Row) -> Referral:
    return Referral(
        id=row["id"], source_id=row["source_id"], source_name=row["source_name"],
        source_ref=row["source_ref"], name=row["name"], id_last4=row["id_last4"],
        phone=row["phone"], area_id=row["area_id"], area_name=row["area_name"],
        address=row["address"], reason=row["reason"],
        focus=frozenset(Focus(f) for f in json.loads(row["focus"])),
        received_on=date.fromisoformat(row["received_on"]),
        due_on=date.fromisoformat(row["due_on"]), stage=Stage(row["stage"]),
        attempts=row["attempts"],
        eligibility=frozenset(Eligibility(e) for e in json.loads(row["eligibility"])),
        application=Application(row["application"]) if row["application"] else None,
        outcome=Outcome(row["outcome"]) if row["outcome"] else None,
        closed_on=date.fromisoformat(row["closed_on"]) if row["closed_on"] else None,
        worker_id=row["worker_id"], worker_name=row["worker_name"],
        household_id=row["household_id"],
    )


def codes(values: frozenset[Focus] | frozenset[Eligibility]) -> str:
    """A set of codes as stored: a sorted JSON list."""
    return json.dumps(sorted(v.value for v in values))


async def get(db: Reader, referral_id: int) -> Referral | None:
    """One referral by id."""
    row = await db.fetchone(f"SELECT {_COLUMNS} {_FROM} WHERE r.id = ?", (referral_id,))
    return None if row is None else _referral(row)


async def known_refs(db: Reader, refs: Sequence[str]) -> dict[str, list[int]]:
    """For each of `refs` already stored: the ids of the sources it was imported under."""
    found: dict[str, list[int]] = {}
    for start in range(0, len(refs), 500):
        chunk = list(refs[start:start + 500])
        marks = ", ".join("?" for _ in chunk)
        for row in await db.fetchall(
                f"SELECT source_ref, source_id FROM referrals WHERE source_ref IN ({marks})",
                chunk):
            found.setdefault(row["source_ref"], []).append(row["source_id"])
    return found


@dataclass(frozen=True)
class NewReferral:
    """A checked row of a referral list, ready to store."""

    source_ref: str
    name: str
    id_last4: str
    phone: str | None
    area_id: int | None
    address: str
    reason: str
    focus: frozenset[Focus]
    due_on: date


async def insert(tx: Tx, source_id: int, item: NewReferral, today: date, now: datetime,
                 by: int | None) -> int | None:
    """Store one referral; None when (source, source_ref) is already there (idempotent)."""
    stamp = to_db(now)
    exists = await tx.fetchval("SELECT 1 FROM referrals WHERE source_id = ? AND source_ref = ?",
                               (source_id, item.source_ref))
    if exists:
        return None
    referral_id = await tx.execute(
        "INSERT INTO referrals (source_id, source_ref, name, id_last4, phone, area_id, address, "
        "reason, focus, received_on, due_on, imported_by, created_at, updated_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (source_id, item.source_ref, item.name, item.id_last4, item.phone, item.area_id,
         item.address, item.reason, codes(item.focus), today.isoformat(),
         item.due_on.isoformat(), by, stamp, stamp))
    await event(tx, referral_id, now, today, by, "imported")
    return referral_id


async def event(tx: Tx, referral_id: int, now: datetime, day: date, actor: int | None,
                kind: str, detail: str = "") -> None:
    """Add one dated step to a referral's history."""
    await tx.execute(
        "INSERT INTO referral_events (referral_id, at, day, actor_id, kind, detail) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        (referral_id, to_db(now), day.isoformat(), actor, kind, detail))


async def move(tx: Tx, referral: Referral, now: datetime, **changes: object) -> bool:
    """Change a referral only if it is still as read (stage, worker, tries); False if not.

    Two presses of the same button, or a worker and a coordinator at once: one wins.
    """
    allowed = {"stage", "attempts", "eligibility", "application", "outcome", "closed_on",
               "worker_id", "household_id"}
    if not changes or not set(changes) <= allowed:
        raise ValueError(f"unknown referral fields: {sorted(set(changes) - allowed)}")
    sets = ", ".join(f"{name} = ?" for name in changes)
    values = [_db_value(v) for v in changes.values()]
    return await tx.rowcount(
        f"UPDATE referrals SET {sets}, updated_at = ? WHERE id = ? AND stage = ? AND "
        "attempts = ? AND worker_id IS ? AND household_id IS ? AND application IS ?",
        (*values, to_db(now), referral.id, referral.stage.value, referral.attempts,
         referral.worker_id, referral.household_id,
         referral.application.value if referral.application else None)) == 1


def _db_value(value: object) -> object:
    if isinstance(value, frozenset):
        return json.dumps(sorted(str(v) for v in value))
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Stage | Outcome | Application):
        return value.value
    return value


@dataclass(frozen=True)
class Event:
    """One step in a referral's history."""

    at: datetime
    day: date
    actor_id: int | None
    kind: str
    detail: str


async def events(db: Reader, referral_id: int) -> list[Event]:
    """A referral's history, oldest first."""
    rows = await db.fetchall(
        "SELECT at, day, actor_id, kind, detail FROM referral_events WHERE referral_id = ? "
        "ORDER BY id", (referral_id,))
    return [Event(from_db(r["at"]), date.fromisoformat(r["day"]), r["actor_id"], r["kind"],
                  r["detail"]) for r in rows]


async def open_of(db: Reader, worker_id: int, limit: int = 30) -> list[Referral]:
    """A worker's open referrals, focus first, then by deadline."""
    rows = await db.fetchall(
        f"SELECT {_COLUMNS} {_FROM} WHERE r.worker_id = ? AND r.stage != 'closed'"
        f"{_ORDER} LIMIT ?", (worker_id, limit))
    return [_referral(r) for r in rows]


async def untaken(db: Reader, area_ids: tuple[int, ...] | None,
                  limit: int = 30) -> list[Referral]:
    """Open referrals nobody has (new, or handed back): of these communities (all when None)."""
    sql = f"SELECT {_COLUMNS} {_FROM} WHERE r.worker_id IS NULL AND r.stage != 'closed'"
    params: list[object] = []
    if area_ids is not None:
        marks = ", ".join("?" for _ in area_ids) or "NULL"
        sql += f" AND (r.area_id IN ({marks}) OR r.area_id IS NULL)"
        params += list(area_ids)
    rows = await db.fetchall(sql + _ORDER + " LIMIT ?", (*params, limit))
    return [_referral(r) for r in rows]


async def open_all(db: Reader, limit: int = 30) -> list[Referral]:
    """Every open referral that someone has, focus first."""
    rows = await db.fetchall(
        f"SELECT {_COLUMNS} {_FROM} WHERE r.worker_id IS NOT NULL AND r.stage != 'closed'"
        f"{_ORDER} LIMIT ?",
        (limit,))
    return [_referral(r) for r in rows]


async def overdue(db: Reader, today: date) -> list[Referral]:
    """Open referrals past their deadline, by source, focus first."""
    rows = await db.fetchall(
        f"SELECT {_COLUMNS} {_FROM} WHERE r.stage != 'closed' AND r.due_on < ? "
        "ORDER BY s.name, (r.focus = '[]'), r.due_on, r.id", (today.isoformat(),))
    return [_referral(r) for r in rows]


async def received_between(db: Reader, source_id: int, start: date,
                           end: date) -> list[Referral]:
    """A source's referrals received in [start, end), in the order they were imported."""
    rows = await db.fetchall(
        f"SELECT {_COLUMNS} {_FROM} WHERE r.source_id = ? AND r.received_on >= ? AND "
        "r.received_on < ? ORDER BY r.id", (source_id, start.isoformat(), end.isoformat()))
    return [_referral(r) for r in rows]


async def unrouted(db: Reader) -> list[Referral]:
    """Open referrals nobody has, not yet announced to workers: imported from the command
    line, or handed back by a worker taken off duty."""
    rows = await db.fetchall(
        f"SELECT {_COLUMNS} {_FROM} WHERE r.worker_id IS NULL AND r.stage != 'closed' "
        "AND r.routed_at IS NULL "
        "ORDER BY r.id LIMIT 200")
    return [_referral(r) for r in rows]


async def mark_routed(db: Database, referral_id: int, now: datetime) -> None:
    """The Take cards of a referral went out."""
    async with db.transaction() as tx:
        await tx.execute("UPDATE referrals SET routed_at = ? WHERE id = ?",
                         (to_db(now), referral_id))


async def mark_routed_in(tx: Tx, referral_id: int, now: datetime) -> None:
    """The Take cards of a referral are queued (inside the caller's transaction)."""
    await tx.execute("UPDATE referrals SET routed_at = ? WHERE id = ?",
                     (to_db(now), referral_id))


async def release_of_in(tx: Tx, worker_id: int, now: datetime, day: date,
                        actor: int | None) -> tuple[int, ...]:
    """Give every open referral of a worker back to its community: nobody has it, its stage
    as the domain keeps it (`released`), tries, findings and history kept; to be announced
    again (`routed_at` cleared). The ids, in order."""
    rows = await tx.fetchall("SELECT id, stage FROM referrals WHERE worker_id = ? AND "
                             "stage != 'closed' ORDER BY id", (worker_id,))
    for row in rows:
        await tx.execute(
            "UPDATE referrals SET worker_id = NULL, stage = ?, routed_at = NULL, updated_at = ? "
            "WHERE id = ?", (released(Stage(row["stage"])).value, to_db(now), row["id"]))
        await event(tx, row["id"], now, day, actor, "released", "worker_left")
    return tuple(int(r["id"]) for r in rows)


async def record_notice(db: Database, referral_id: int, chat_id: int, message_id: int,
                        kind: str = CARD) -> None:
    """Remember a Take card (`CARD`), to edit it when someone takes the referral, or that a
    summary (`SUMMARY`) names it, to withdraw the summary when its reader goes off duty."""
    async with db.transaction() as tx:
        await tx.execute("INSERT OR IGNORE INTO referral_notices (referral_id, chat_id, "
                         "message_id, kind) VALUES (?, ?, ?, ?)",
                         (referral_id, chat_id, message_id, kind))


async def unsettled_notices(db: Database, referral_id: int) -> list[tuple[int, int]]:
    """(chat, message) of the Take cards not yet edited; marks them settled. (A summary
    naming the referral names others too: it is left as it is.)"""
    async with db.transaction() as tx:
        rows = await tx.fetchall("SELECT chat_id, message_id FROM referral_notices WHERE "
                                 "referral_id = ? AND settled = 0 AND kind = ?",
                                 (referral_id, CARD))
        await tx.execute("UPDATE referral_notices SET settled = 1 WHERE referral_id = ? "
                         "AND kind = ?", (referral_id, CARD))
    return [(r["chat_id"], r["message_id"]) for r in rows]


async def card_holders(db: Reader, referral_ids: Sequence[int]) -> dict[int, set[int]]:
    """The chats that still hold a live Take card of each referral (by referral id)."""
    held: dict[int, set[int]] = {}
    for start in range(0, len(referral_ids), 500):
        chunk = list(referral_ids[start:start + 500])
        marks = ",".join("?" * len(chunk))
        rows = await db.fetchall(
            f"SELECT referral_id, chat_id FROM referral_notices WHERE referral_id IN ({marks}) "
            "AND settled = 0 AND kind = ?", (*chunk, CARD))
        for row in rows:
            held.setdefault(int(row[0]), set()).add(int(row[1]))
    return held


async def withdraw_cards_in(tx: Tx, chat_id: int) -> list[int]:
    """The Take cards and summaries of referrals in a chat not yet edited, marked settled
    (its person takes no referrals any more)."""
    rows = await tx.fetchall("SELECT DISTINCT message_id FROM referral_notices "
                             "WHERE chat_id = ? AND settled = 0 ORDER BY message_id", (chat_id,))
    await tx.execute("UPDATE referral_notices SET settled = 1 WHERE chat_id = ? AND settled = 0",
                     (chat_id,))
    return [int(r[0]) for r in rows]


async def handed_back(db: Reader, referral_ids: Sequence[int]) -> set[int]:
    """Those of the referrals that a worker taken off duty handed back at some time."""
    if not referral_ids:
        return set()
    marks = ",".join("?" * len(referral_ids))
    rows = await db.fetchall(
        f"SELECT DISTINCT referral_id FROM referral_events WHERE referral_id IN ({marks}) "
        "AND kind = 'released'", tuple(referral_ids))
    return {int(r[0]) for r in rows}


async def takers(db: Reader, area_id: int | None) -> list[int]:
    """Who may take a referral of the community and can be told: its workers on duty who
    have not blocked the bot (every such worker for a referral of no community). None
    when its community has nobody on duty: workers of other communities may not take it."""
    if area_id is None:
        return await triage.route_targets(db, None, reachable_only=True)
    rows = await db.fetchall(
        "SELECT p.telegram_id FROM people p JOIN person_areas a ON a.telegram_id = "
        "p.telegram_id WHERE a.area_id = ? AND p.role = 'worker' AND p.active = 1 "
        "AND p.reachable = 1 ORDER BY p.telegram_id", (area_id,))
    return [int(r[0]) for r in rows]


async def route_targets(db: Reader, area_id: int | None) -> list[int]:
    """Active, reachable workers of the community (every one when it has none)."""
    return await triage.route_targets(db, area_id, reachable_only=True)


# -- the registry -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Match:
    """A household already in the registry that may be the referred person."""

    id: int
    name: str
    area_name: str | None


async def registry_matches(db: Reader, name: str, area_id: int | None,
                           phone: str | None) -> list[Match]:
    """Households with the same name in the same community, or the same phone."""
    rows = await db.fetchall(
        "SELECT h.id, h.name, a.name AS area_name FROM households h LEFT JOIN areas a ON "
        "a.id = h.area_id WHERE h.archived = 0 AND ((h.name = ? AND h.area_id IS ?) OR "
        "(? IS NOT NULL AND h.phone = ?)) ORDER BY h.id LIMIT 5",
        (name, area_id, phone, phone))
    return [Match(r["id"], r["name"], r["area_name"]) for r in rows]


# -- figures ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Count:
    """How many referrals of one source are at one stage with one outcome."""

    source: str
    stage: Stage
    outcome: Outcome | None
    count: int


async def counts(db: Reader, start: date, end: date) -> list[Count]:
    """Referrals received in [start, end) counted by source, stage and outcome (for /stats)."""
    rows = await db.fetchall(
        "SELECT s.name AS source, r.stage, r.outcome, COUNT(*) AS n FROM referrals r JOIN "
        "referral_sources s ON s.id = r.source_id WHERE r.received_on >= ? AND "
        "r.received_on < ? GROUP BY s.name, r.stage, r.outcome ORDER BY s.name, r.stage, "
        "r.outcome", (start.isoformat(), end.isoformat()))
    return [Count(r["source"], Stage(r["stage"]), Outcome(r["outcome"]) if r["outcome"]
                  else None, r["n"]) for r in rows]
