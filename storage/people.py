"""Queries about people, their roles, languages and areas."""

from __future__ import annotations

from datetime import datetime

from bot.domain.people import Person, Role
from storage.clock import from_db, to_db
from storage.db import Database, Row, Tx

_COLUMNS = (
    "telegram_id, display_name, username, language, role, active, reachable, "
    "created_at, updated_at, language_code"
)


def _person(row: Row, area_ids: tuple[int, ...] = ()) -> Person:
    return Person(
        telegram_id=row["telegram_id"],
        display_name=row["display_name"],
        username=row["username"],
        language=row["language"],
        role=Role(row["role"]),
        active=bool(row["active"]),
        reachable=bool(row["reachable"]),
        created_at=from_db(row["created_at"]),
        updated_at=from_db(row["updated_at"]),
        area_ids=area_ids,
        language_code=row["language_code"],
    )


async def _areas_of(tx: Tx | Database, telegram_id: int) -> tuple[int, ...]:
    rows = await tx.fetchall(
        "SELECT area_id FROM person_areas WHERE telegram_id = ? ORDER BY area_id", (telegram_id,)
    )
    return tuple(r[0] for r in rows)


async def get(db: Database, telegram_id: int) -> Person | None:
    """The person with this Telegram id, or None."""
    # With their areas in the same statement: one trip to the database thread, not two, for
    # the read every update starts with (bench/README.md, issue 16).
    row = await db.fetchone(
        f"SELECT {_COLUMNS}, (SELECT group_concat(area_id) FROM person_areas AS pa "
        "WHERE pa.telegram_id = people.telegram_id) AS areas FROM people WHERE telegram_id = ?",
        (telegram_id,))
    if row is None:
        return None
    areas = row["areas"]
    return _person(row, tuple(sorted(int(a) for a in areas.split(","))) if areas else ())


async def many(db: Database, telegram_ids: list[int]) -> dict[int, Person]:
    """People by Telegram id, read together (unknown ids are left out)."""
    found: dict[int, Person] = {}
    wanted = sorted(set(telegram_ids))
    for start in range(0, len(wanted), 500):
        chunk = wanted[start:start + 500]
        marks = ",".join("?" * len(chunk))
        rows = await db.fetchall(
            f"SELECT {_COLUMNS} FROM people WHERE telegram_id IN ({marks})", chunk)
        areas = await db.fetchall(
            f"SELECT telegram_id, area_id FROM person_areas WHERE telegram_id IN ({marks}) "
            "ORDER BY area_id", chunk)
        by_person: dict[int, list[int]] = {}
        for row in areas:
            by_person.setdefault(int(row[0]), []).append(int(row[1]))
        for row in rows:
            who = int(row["telegram_id"])
            found[who] = _person(row, tuple(by_person.get(who, ())))
    return found


async def touch(db: Database, telegram_id: int, display_name: str, username: str | None,
                now: datetime, coordinator: bool, language_code: str | None = None, *,
                private: bool = True) -> Person:
    """Create or refresh a person seen in an update; keep the stored role in step with config.

    Only an update from their private chat (`private`) shows the bot can write to them
    again: a press in the coordinators' group says nothing about a private chat they
    blocked."""
    # Most updates come from someone whose row already says all this: a read, not a write
    # transaction, per message (bench/README.md, issue 16).
    known = await get(db, telegram_id)
    if known is not None and _up_to_date(known, display_name, username, coordinator,
                                         language_code, private):
        return known
    stamp = to_db(now)
    async with db.transaction() as tx:
        await tx.execute(
            "INSERT INTO people (telegram_id, display_name, username, language_code, created_at, "
            "updated_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (telegram_id) DO UPDATE SET "
            "username = excluded.username, "
            "reachable = CASE WHEN ? THEN 1 ELSE people.reachable END, "
            "language_code = COALESCE(excluded.language_code, people.language_code), "
            "display_name = CASE WHEN people.role = 'resident' THEN excluded.display_name "
            "ELSE people.display_name END, updated_at = excluded.updated_at",
            (telegram_id, display_name[:128], username, language_code, stamp, stamp, private),
        )
        if coordinator:
            await tx.execute(
                "UPDATE people SET role = 'coordinator' WHERE telegram_id = ?", (telegram_id,)
            )
        else:
            # Someone removed from ZHONGFU_COORDINATORS is no longer a coordinator.
            await tx.execute(
                "UPDATE people SET role = 'resident' "
                "WHERE telegram_id = ? AND role = 'coordinator'",
                (telegram_id,),
            )
        row = await tx.fetchone(
            f"SELECT {_COLUMNS} FROM people WHERE telegram_id = ?", (telegram_id,)
        )
        assert row is not None
        return _person(row, await _areas_of(tx, telegram_id))


def _up_to_date(known: Person, display_name: str, username: str | None, coordinator: bool,
                language_code: str | None, private: bool) -> bool:
    """Whether `touch` would change nothing in the row it found."""
    # Only a resident's name follows Telegram; staff keep the name they were given.
    name_kept = known.role is not Role.RESIDENT or known.display_name == display_name[:128]
    role_kept = (known.role is Role.COORDINATOR) == coordinator
    return (name_kept and role_kept and (known.reachable or not private)
            and known.username == username
            and (language_code is None or known.language_code == language_code))


async def set_language(db: Database, telegram_id: int, language: str, now: datetime) -> None:
    """Remember the person's chosen language."""
    async with db.transaction() as tx:
        await tx.execute(
            "UPDATE people SET language = ?, updated_at = ? WHERE telegram_id = ?",
            (language, to_db(now), telegram_id),
        )


async def set_reachable(db: Database, telegram_id: int, reachable: bool, now: datetime) -> None:
    """Record whether Telegram lets us message the person (False after Forbidden)."""
    async with db.transaction() as tx:
        await tx.execute(
            "UPDATE people SET reachable = ?, updated_at = ? WHERE telegram_id = ?",
            (int(reachable), to_db(now), telegram_id),
        )


async def staff(db: Database) -> list[Person]:
    """Workers and coordinators known to the bot, for publishing their command menus."""
    rows = await db.fetchall(
        f"SELECT {_COLUMNS} FROM people WHERE role IN ('worker', 'coordinator') "
        "ORDER BY telegram_id"
    )
    return [_person(r) for r in rows]
