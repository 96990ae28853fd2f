"""Programs (as data), pairings of workers with households, and the cadence they owe."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from bot.domain.cadence import (
    ContactKind,
    ContactRecord,
    Obligation,
    Program,
    Tenure,
    program_from_data,
    program_to_data,
)
from storage.clock import to_db
from storage.db import Database, Row, Tx
from storage.program_categories import carried, holding

DEFAULT_PROGRAM_ID = 1


# -- programs ---------------------------------------------------------------------------------


def _program(row: Row) -> Program:
    return program_from_data(int(row["id"]), str(row["name"]), str(row["rules"]))


async def programs(db: Database) -> list[Program]:
    """Programs in use, the default one first."""
    rows = await db.fetchall("SELECT id, name, rules FROM programs WHERE active = 1 ORDER BY id")
    return [_program(r) for r in rows]


async def get_program(db: Database, program_id: int) -> Program | None:
    """One program by id."""
    row = await db.fetchone("SELECT id, name, rules FROM programs WHERE id = ?", (program_id,))
    return None if row is None else _program(row)


async def add_program_in(tx: Tx, name: str, rules: str | list[dict[str, str]],
                         now: datetime) -> int:
    """Define a program from data in the caller's transaction, its id (ValueError if its
    rules are nonsense)."""
    checked = program_from_data(0, name, rules if isinstance(rules, str) else json.dumps(rules))
    return await tx.execute("INSERT INTO programs (name, rules, created_at) VALUES (?, ?, ?)",
                            (name, json.dumps(program_to_data(checked)), to_db(now)))


async def add_program(db: Database, name: str, rules: str | list[dict[str, str]],
                      now: datetime) -> Program:
    """Define a program from data (ValueError if its rules are nonsense)."""
    async with db.transaction() as tx:
        new_id = await add_program_in(tx, name, rules, now)
    found = await get_program(db, new_id)
    assert found is not None
    return found


# -- pairings ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Pairing:
    """One worker with one household under one program; ended_on is exclusive."""

    id: int
    household_id: int
    worker_id: int
    worker_name: str
    worker_active: bool
    program_id: int
    started_on: date
    ended_on: date | None
    ended_reason: str | None

    @property
    def active(self) -> bool:
        """Whether the pairing is still running."""
        return self.ended_on is None

    def tenure(self) -> Tenure:
        """The pairing as the cadence engine sees it."""
        return Tenure(self.id, self.worker_id, self.started_on, self.ended_on)


_PAIRING = (
    "SELECT p.id, p.household_id, p.worker_id, COALESCE(w.display_name, '') AS worker_name, "
    "COALESCE(w.active, 0) AS worker_active, p.program_id, p.started_on, p.ended_on, "
    "p.ended_reason FROM pairings p LEFT JOIN people w ON w.telegram_id = p.worker_id"
)


def _pairing(row: Row) -> Pairing:
    return Pairing(
        id=row["id"], household_id=row["household_id"], worker_id=row["worker_id"],
        worker_name=row["worker_name"], worker_active=bool(row["worker_active"]),
        program_id=row["program_id"], started_on=date.fromisoformat(row["started_on"]),
        ended_on=date.fromisoformat(row["ended_on"]) if row["ended_on"] else None,
        ended_reason=row["ended_reason"],
    )


@dataclass(frozen=True)
class PairOutcome:
    """What pairing did: the active pairing, the one it replaced (a handover), if changed."""

    pairing_id: int
    replaced: int | None
    changed: bool
    previous_worker: int | None = None


async def pair_in(tx: Tx, household_id: int, worker_id: int, program_id: int, started: date,
                  now: datetime, by: int | None) -> PairOutcome:
    """Pair inside a transaction. Pairing the worker already paired changes nothing; another
    worker's active pairing is ended the same day (a handover: what is owed this period moves
    to the new worker, see cadence.obligations)."""
    row = await tx.fetchone(
        "SELECT id, worker_id, started_on FROM pairings "
        "WHERE household_id = ? AND program_id = ? AND ended_on IS NULL",
        (household_id, program_id),
    )
    replaced: int | None = None
    previous: int | None = None
    if row is not None:
        if int(row["worker_id"]) == worker_id:
            return PairOutcome(int(row["id"]), None, False)
        day = max(started, date.fromisoformat(row["started_on"]))
        await tx.execute(
            "UPDATE pairings SET ended_on = ?, ended_reason = 'handover' WHERE id = ?",
            (day.isoformat(), row["id"]),
        )
        started = day
        replaced, previous = int(row["id"]), int(row["worker_id"])
    new_id = await tx.execute(
        "INSERT INTO pairings (household_id, worker_id, program_id, started_on, created_by, "
        "created_at) VALUES (?, ?, ?, ?, ?, ?)",
        (household_id, worker_id, program_id, started.isoformat(), by, to_db(now)),
    )
    return PairOutcome(new_id, replaced, True, previous)


async def pair(db: Database, household_id: int, worker_id: int, program_id: int, today: date,
               now: datetime, by: int | None = None) -> PairOutcome:
    """Pair a worker with a household under a program from today (a handover if paired)."""
    async with db.transaction() as tx:
        return await pair_in(tx, household_id, worker_id, program_id, today, now, by)


async def end(db: Database, pairing_id: int, today: date, reason: str = "ended") -> bool:
    """End an active pairing today; its history stays."""
    async with db.transaction() as tx:
        return await end_in(tx, pairing_id, today, reason)


async def end_in(tx: Tx, pairing_id: int, today: date, reason: str = "ended") -> bool:
    """End an active pairing today, inside the caller's transaction."""
    return await tx.rowcount(
        "UPDATE pairings SET ended_on = MAX(started_on, ?), ended_reason = ? "
        "WHERE id = ? AND ended_on IS NULL",
        (today.isoformat(), reason, pairing_id),
    ) > 0


async def get(db: Database, pairing_id: int) -> Pairing | None:
    """One pairing by id."""
    row = await db.fetchone(f"{_PAIRING} WHERE p.id = ?", (pairing_id,))
    return None if row is None else _pairing(row)


async def history(db: Database, household_id: int) -> list[Pairing]:
    """Every pairing of the household, the active ones first, then newest first."""
    rows = await db.fetchall(
        f"{_PAIRING} WHERE p.household_id = ? "
        "ORDER BY p.ended_on IS NOT NULL, p.started_on DESC, p.id DESC", (household_id,))
    return [_pairing(r) for r in rows]


async def active_for_household(db: Database, household_id: int) -> list[Pairing]:
    """The household's active pairings (one per program)."""
    rows = await db.fetchall(
        f"{_PAIRING} WHERE p.household_id = ? AND p.ended_on IS NULL ORDER BY p.program_id",
        (household_id,))
    return [_pairing(r) for r in rows]


async def is_paired(db: Database, household_id: int, worker_id: int) -> bool:
    """Whether the worker has an active pairing with the household."""
    found = await db.fetchval(
        "SELECT 1 FROM pairings WHERE household_id = ? AND worker_id = ? AND ended_on IS NULL",
        (household_id, worker_id))
    return found is not None


@dataclass(frozen=True)
class MyHousehold:
    """A household in a worker's list, with its active pairing."""

    household_id: int
    name: str
    area_name: str | None
    pairing_id: int
    program_id: int


async def for_worker(db: Database, worker_id: int, limit: int | None = None,
                     offset: int = 0) -> list[MyHousehold]:
    """The worker's households (active pairings, not archived), by name."""
    rows = await db.fetchall(
        "SELECT h.id, h.name, a.name AS area_name, p.id AS pairing_id, p.program_id "
        "FROM pairings p JOIN households h ON h.id = p.household_id "
        "LEFT JOIN areas a ON a.id = h.area_id "
        "WHERE p.worker_id = ? AND p.ended_on IS NULL AND h.archived = 0 "
        "ORDER BY h.name, h.id, p.program_id LIMIT ? OFFSET ?",
        (worker_id, -1 if limit is None else limit, offset))
    return [MyHousehold(r["id"], r["name"], r["area_name"], r["pairing_id"], r["program_id"])
            for r in rows]


@dataclass(frozen=True)
class WorkerChoice:
    """An active worker (or coordinator) who can be paired, with how many households they have."""

    telegram_id: int
    name: str
    households: int
    areas: tuple[str, ...] = ()  # the communities they serve, by name
    area_ids: tuple[int, ...] = ()  # the same communities' ids, in the same order


async def workers(db: Database) -> list[WorkerChoice]:
    """Active workers and coordinators, by name, with the communities each serves."""
    rows = await db.fetchall(
        "SELECT w.telegram_id, w.display_name, (SELECT COUNT(DISTINCT p.household_id) FROM "
        "pairings p WHERE p.worker_id = w.telegram_id AND p.ended_on IS NULL) AS n FROM people w "
        "WHERE w.active = 1 AND w.role IN ('worker', 'coordinator') "
        "ORDER BY w.display_name, w.telegram_id")
    served: dict[int, list[tuple[int, str]]] = {}
    for r in await db.fetchall(
            "SELECT p.telegram_id, a.id, a.name FROM person_areas p JOIN areas a ON "
            "a.id = p.area_id JOIN people w ON w.telegram_id = p.telegram_id "
            "WHERE w.active = 1 AND w.role IN ('worker', 'coordinator') ORDER BY a.name"):
        served.setdefault(int(r[0]), []).append((int(r[1]), str(r[2])))
    return [WorkerChoice(r["telegram_id"], r["display_name"], int(r["n"]),
                         tuple(name for _, name in served.get(r["telegram_id"], ())),
                         tuple(i for i, _ in served.get(r["telegram_id"], ())))
            for r in rows]


# -- cadence ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cadence:
    """What the cadence engine needs for one household under one programme (rows only: the
    obligations themselves are computed by bot/services/obligations.py)."""

    household_id: int
    program: Program
    tenures: list[Tenure]
    records: Sequence[ContactRecord]


async def household_cadence(db: Database, household_id: int) -> list[Cadence]:
    """The household's pairings and contacts, per programme; each pairing cut to the days its
    programme holds the household (storage.program_categories; none: left out)."""
    holds = await holding(db)
    codes = await db.fetchval(f"SELECT {carried('?')}", (household_id,))
    tenures: dict[int, list[Tenure]] = {}
    for p in await history(db, household_id):
        parts = holds.tenures(p.program_id, codes, p.tenure())
        if parts:
            tenures.setdefault(p.program_id, []).extend(parts)
    if not tenures:
        return []
    rows = await db.fetchall(
        "SELECT day, kind FROM contacts WHERE household_id = ? AND deleted = 0",
        (household_id,))
    records = [ContactRecord(date.fromisoformat(r["day"]), ContactKind(r["kind"])) for r in rows]
    result: list[Cadence] = []
    for program_id in sorted(tenures):
        program = await get_program(db, program_id)
        if program is not None:
            result.append(Cadence(household_id, program, tenures[program_id], records))
    return result


async def worker_cadence(db: Database, worker_id: int,
                         household_ids: Iterable[int] | None = None) -> list[Cadence]:
    """The same for each of the worker's households (all pairings of those households, so a
    handover is seen), in three queries."""
    mine = await for_worker(db, worker_id)
    wanted = set(household_ids) if household_ids is not None else None
    ids = sorted({m.household_id for m in mine
                  if wanted is None or m.household_id in wanted})
    if not ids:
        return []
    marks = ",".join("?" * len(ids))
    holds = await holding(db)
    pairing_rows = await db.fetchall(
        "SELECT id, household_id, worker_id, program_id, started_on, ended_on, "
        f"{holds.categories()} AS codes FROM pairings p WHERE household_id IN ({marks})", ids)
    contact_rows = await db.fetchall(
        f"SELECT household_id, day, kind FROM contacts WHERE household_id IN ({marks}) "
        "AND deleted = 0", ids)
    program_cache: dict[int, Program | None] = {}
    tenures: dict[tuple[int, int], list[Tenure]] = {}
    for r in pairing_rows:
        ended = date.fromisoformat(r["ended_on"]) if r["ended_on"] else None
        # Cut to the days the programme holds the household (none: left out).
        parts = holds.tenures(r["program_id"], r["codes"], Tenure(
            r["id"], r["worker_id"], date.fromisoformat(r["started_on"]), ended))
        if parts:
            tenures.setdefault((r["household_id"], r["program_id"]), []).extend(parts)
    records: dict[int, list[ContactRecord]] = {}
    for r in contact_rows:
        records.setdefault(r["household_id"], []).append(
            ContactRecord(date.fromisoformat(r["day"]), ContactKind(r["kind"])))
    result: list[Cadence] = []
    for (household_id, program_id), spans in sorted(tenures.items()):
        if program_id not in program_cache:
            program_cache[program_id] = await get_program(db, program_id)
        program = program_cache[program_id]
        if program is not None:
            result.append(Cadence(household_id, program, spans, records.get(household_id, [])))
    return result


def soonest(items: Sequence[tuple[int, Obligation]]) -> list[tuple[int, Obligation]]:
    """Obligations by urgency: missed first (oldest first), then due by the nearest date."""
    return sorted(items, key=lambda pair: (pair[1].status.value != "missed",
                                           pair[1].due_by, pair[0]))
