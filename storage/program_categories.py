"""Programmes limited to household categories, by date: which households a programme holds to
its cadence, and from when (bot/domain/limits.py).

Every obligation read (/due, reminders, the digest, /overdue, the figures) cuts each pairing's
tenure to the days its programme holds the household, with a Holding read once per run and
the household's dated categories read with the pairing (`categories`, SQL over a pairing
aliased `p`, inside the same query), so they all agree on who is held to what, and a finished
period keeps what it owed: neither a limit nor a household's categories changed today reach
back before today.
"""

from __future__ import annotations

import sqlite3
from datetime import date, datetime

from bot.domain.cadence import Tenure
from bot.domain.households import Category
from bot.domain.limits import ALWAYS, Carried, Gap, Limit, gaps, held_spans, held_tenures
from storage.audit import record
from storage.db import Database

_LIMITS = "SELECT program_id, category, since, until FROM program_categories"
_CURRENT = " WHERE until IS NULL"


# One category a household carries, as `codes` holds it: the bare code when carried always
# (every row from before categories were dated, so most households read exactly as they did
# and share one entry of the gaps cache), else code:since:until (until empty while open).
_CODE = (f"CASE WHEN hc.since = '{ALWAYS.isoformat()}' AND hc.until IS NULL THEN hc.category "
         "ELSE hc.category || ':' || hc.since || ':' || COALESCE(hc.until, '') END")


def carried(household: str) -> str:
    """SQL: every category the household `household` (an SQL expression) ever carried, with
    its days, comma-separated (see `dated`); NULL when none."""
    return (f"(SELECT group_concat({_CODE}) FROM household_categories hc "
            f"WHERE hc.household_id = {household})")


def categories(limited: set[int]) -> str:
    """SQL over a pairing `p`: its household's dated categories (`carried`) when its programme
    is one of `limited`, otherwise NULL (nothing to read: the programme holds everyone)."""
    if not limited:
        return "NULL"
    ids = ",".join(str(int(pid)) for pid in sorted(limited))
    return f"CASE WHEN p.program_id IN ({ids}) THEN {carried('p.household_id')} END"


def dated(codes: str | None) -> set[str] | list[Carried]:
    """The categories `carried` read: bare codes when all are carried always, else spans."""
    if not codes:
        return set()
    if ":" not in codes:
        return set(codes.split(","))
    found: list[Carried] = []
    for item in codes.split(","):
        category, _, days = item.partition(":")
        since, _, until = days.partition(":")
        found.append(Carried(category, date.fromisoformat(since) if since else ALWAYS,
                             date.fromisoformat(until) if until else None))
    return found


class Holding:
    """Every programme's dated limits: the days it holds a household with given categories."""

    def __init__(self, rows: list[tuple[int, str, str, str | None]]) -> None:
        self._limits: dict[int, list[Limit]] = {}
        for program_id, category, since, until in rows:
            self._limits.setdefault(int(program_id), []).append(Limit(
                str(category), date.fromisoformat(since),
                date.fromisoformat(until) if until else None))
        self._gaps: dict[tuple[int, str | None], tuple[Gap, ...]] = {}

    @property
    def limited(self) -> set[int]:
        """The programmes ever limited (the others hold every household on every day)."""
        return set(self._limits)

    def categories(self) -> str:
        """SQL over a pairing `p` for its household's categories (see `categories`)."""
        return categories(self.limited)

    def gaps(self, program_id: int, codes: str | None) -> tuple[Gap, ...]:
        """When the programme does not hold a household with these dated categories (as
        `categories` reads them)."""
        limits = self._limits.get(program_id)
        if limits is None:
            return ()
        key = (program_id, codes)
        found = self._gaps.get(key)
        if found is None:
            found = self._gaps[key] = gaps(limits, dated(codes))
        return found

    def tenures(self, program_id: int, codes: str | None, tenure: Tenure) -> list[Tenure]:
        """The tenure cut to the days its programme holds the household."""
        return held_tenures(tenure, self.gaps(program_id, codes))

    def spans(self, program_id: int, codes: str | None, started_on: date,
              ended_on: date | None) -> list[tuple[date, date | None]]:
        """A pairing's days cut the same way, as [start, end) spans."""
        return held_spans(started_on, ended_on, self.gaps(program_id, codes))


async def holding(db: Database) -> Holding:
    """Every programme's dated limits."""
    return Holding([tuple(r) for r in await db.fetchall(_LIMITS)])


def holding_of(conn: sqlite3.Connection) -> Holding:
    """The same from a plain (read-only) connection."""
    return Holding([tuple(r) for r in conn.execute(_LIMITS).fetchall()])


def _ordered(codes: set[str]) -> tuple[Category, ...]:
    return tuple(c for c in Category if c.value in codes)


async def of_program(db: Database, program_id: int) -> tuple[Category, ...]:
    """The categories a programme is limited to now (none: it holds every household)."""
    rows = await db.fetchall(
        f"SELECT category FROM program_categories{_CURRENT} AND program_id = ?", (program_id,))
    return _ordered({str(r["category"]) for r in rows})


async def every_program(db: Database) -> dict[int, tuple[Category, ...]]:
    """Each programme limited now and its categories, by programme id."""
    rows = await db.fetchall(f"SELECT program_id, category FROM program_categories{_CURRENT}")
    found: dict[int, set[str]] = {}
    for r in rows:
        found.setdefault(int(r["program_id"]), set()).add(str(r["category"]))
    return {pid: _ordered(codes) for pid, codes in found.items()}


async def toggle(db: Database, program_id: int, category: Category, actor_id: int,
                 now: datetime, today: date) -> tuple[Category, ...]:
    """Add or remove one category of a programme's limit from today (the deployment's local
    date), keeping what it was before (audited); the limit afterwards."""
    day = today.isoformat()
    async with db.transaction() as tx:
        # In the limit today: it leaves it from today (a row begun today never held: gone).
        removed = await tx.rowcount(
            "DELETE FROM program_categories WHERE program_id = ? AND category = ? "
            "AND until IS NULL AND since >= ?", (program_id, category.value, day))
        removed += await tx.rowcount(
            "UPDATE program_categories SET until = ? WHERE program_id = ? AND category = ? "
            "AND until IS NULL", (day, program_id, category.value))
        if not removed:
            # Taken out today and put back: it never left.
            back = await tx.rowcount(
                "UPDATE program_categories SET until = NULL WHERE program_id = ? "
                "AND category = ? AND until = ?", (program_id, category.value, day))
            if not back:
                await tx.execute(
                    "INSERT INTO program_categories (program_id, category, since) "
                    "VALUES (?, ?, ?)", (program_id, category.value, day))
        await record(tx, now, actor_id, "program.limit", "program", program_id,
                     {"category": category.value, "limited": not removed, "since": day})
    return await of_program(db, program_id)
