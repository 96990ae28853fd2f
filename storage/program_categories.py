"""Programmes limited to household categories: which households a programme holds to its cadence.

Every obligation query filters pairings with HELD (SQL over a pairing aliased `p`), so /due,
reminders, the digest, /overdue and the figures agree on who is held to what.
"""

from __future__ import annotations

from datetime import datetime

from bot.domain.households import Category
from storage.audit import record
from storage.db import Database

# A pairing `p` is held to its programme's cadence when the programme is not limited to any
# category, or the household carries one of the categories it is limited to.
HELD = (
    "(NOT EXISTS (SELECT 1 FROM program_categories pc WHERE pc.program_id = p.program_id) "
    "OR EXISTS (SELECT 1 FROM program_categories pc JOIN household_categories hc "
    "ON hc.category = pc.category WHERE pc.program_id = p.program_id "
    "AND hc.household_id = p.household_id))"
)


def _ordered(codes: set[str]) -> tuple[Category, ...]:
    return tuple(c for c in Category if c.value in codes)


async def of_program(db: Database, program_id: int) -> tuple[Category, ...]:
    """The categories a programme is limited to (none: it holds every household)."""
    rows = await db.fetchall("SELECT category FROM program_categories WHERE program_id = ?",
                             (program_id,))
    return _ordered({str(r["category"]) for r in rows})


async def every_program(db: Database) -> dict[int, tuple[Category, ...]]:
    """Each limited programme's categories, by programme id."""
    rows = await db.fetchall("SELECT program_id, category FROM program_categories")
    found: dict[int, set[str]] = {}
    for r in rows:
        found.setdefault(int(r["program_id"]), set()).add(str(r["category"]))
    return {pid: _ordered(codes) for pid, codes in found.items()}


async def toggle(db: Database, program_id: int, category: Category, actor_id: int,
                 now: datetime) -> tuple[Category, ...]:
    """Add or remove one category of a programme's limit (audited); the limit afterwards."""
    async with db.transaction() as tx:
        removed = await tx.rowcount(
            "DELETE FROM program_categories WHERE program_id = ? AND category = ?",
            (program_id, category.value))
        if not removed:
            await tx.execute("INSERT INTO program_categories (program_id, category) VALUES (?, ?)",
                             (program_id, category.value))
        await record(tx, now, actor_id, "program.limit", "program", program_id,
                     {"category": category.value, "limited": not removed})
    return await of_program(db, program_id)
