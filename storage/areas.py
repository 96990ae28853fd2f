"""Areas (communities) that route reports to workers."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from storage.clock import to_db
from storage.db import Database


@dataclass(frozen=True)
class Area:
    """A community inside a street."""

    id: int
    name: str
    retired: bool


async def seed(db: Database, names: Iterable[str], now: datetime | None = None) -> None:
    """Add the areas named in configuration that are not known yet (never renames or retires)."""
    stamp = to_db(now or datetime.now(UTC))
    rows = [(name[:64], stamp) for name in names if name.strip()]
    if not rows:
        return
    async with db.transaction() as tx:
        await tx.executemany(
            "INSERT OR IGNORE INTO areas (name, created_at) VALUES (?, ?)", rows
        )


async def active(db: Database) -> list[Area]:
    """Areas in use, by name."""
    rows = await db.fetchall("SELECT id, name, retired FROM areas WHERE retired = 0 ORDER BY name")
    return [Area(r["id"], r["name"], bool(r["retired"])) for r in rows]


async def get(db: Database, area_id: int) -> Area | None:
    """One area by id (retired ones too)."""
    row = await db.fetchone("SELECT id, name, retired FROM areas WHERE id = ?", (area_id,))
    return None if row is None else Area(row["id"], row["name"], bool(row["retired"]))
