"""Coordinators' titles (称呼), one row per person who set one."""

from __future__ import annotations

from datetime import datetime

from bot.domain.titles import Preset, Title
from storage.audit import record
from storage.clock import to_db
from storage.db import Database, Row


def _title(row: Row) -> Title:
    return Title(Preset(row["preset"]) if row["preset"] else None, row["custom"])


async def get(db: Database, telegram_id: int) -> Title | None:
    """The title this person set; None: the generic one."""
    row = await db.fetchone("SELECT preset, custom FROM staff_titles WHERE telegram_id = ?",
                            (telegram_id,))
    return None if row is None else _title(row)


async def many(db: Database, telegram_ids: list[int]) -> dict[int, Title]:
    """Titles by Telegram id (people without one are left out)."""
    wanted = sorted(set(telegram_ids))
    found: dict[int, Title] = {}
    for start in range(0, len(wanted), 500):
        chunk = wanted[start:start + 500]
        rows = await db.fetchall(
            "SELECT telegram_id, preset, custom FROM staff_titles WHERE telegram_id IN "
            f"({','.join('?' * len(chunk))})", chunk)
        found.update({int(r["telegram_id"]): _title(r) for r in rows})
    return found


async def put(db: Database, telegram_id: int, title: Title | None, now: datetime) -> None:
    """Set (or, with None, clear) a person's title, audited as title.set in one transaction."""
    async with db.transaction() as tx:
        if title is None:
            await tx.execute("DELETE FROM staff_titles WHERE telegram_id = ?", (telegram_id,))
        else:
            await tx.execute(
                "INSERT INTO staff_titles (telegram_id, preset, custom, set_at) "
                "VALUES (?, ?, ?, ?) ON CONFLICT (telegram_id) DO UPDATE SET "
                "preset = excluded.preset, custom = excluded.custom, set_at = excluded.set_at",
                (telegram_id, title.preset.value if title.preset else None, title.custom,
                 to_db(now)))
        detail: dict[str, object] = (
            {"preset": None, "custom": None} if title is None
            else {"preset": title.preset.value if title.preset else None,
                  "custom": title.custom})
        await record(tx, now, telegram_id, "title.set", "person", telegram_id, detail)
