"""Aid from a case in a real SQLite file: the rebuilt aid table keeps every earlier entry, and an
entry names a household or a case (or both), never neither."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import aiosqlite
import pytest

from storage.db import Database
from storage.migrate import available, migrate

STAMP = "2026-01-01T00:00:00.000000+00:00"
REBUILD = next(m.version for m in available() if m.name.endswith("_aid_cases.sql"))


async def test_earlier_aid_survives_the_rebuild(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    async with aiosqlite.connect(path, isolation_level=None) as conn:
        await migrate(conn, target=REBUILD - 1)
        await conn.executescript(
            "INSERT INTO people (telegram_id, display_name, role, created_at, updated_at) "
            f"VALUES (7001, '陈社工', 'worker', '{STAMP}', '{STAMP}');"
            "INSERT INTO households (id, name, address, people_count, category, created_at, "
            f"updated_at) VALUES (5, '张大爷', '', 1, 'dibao', '{STAMP}', '{STAMP}');"
            "INSERT INTO aid (id, household_id, worker_id, kind, amount_fen, description, "
            "quantity, fund_id, purpose, day, note, created_at, deleted) VALUES "
            f"(41, 5, 7001, 'in_kind', 12050, '米', 2, 1, 'living', '2026-03-01', '', "
            f"'{STAMP}', 0), (42, 5, 7001, 'cash', 30000, '', NULL, 2, 'medical', '2026-03-02', "
            f"'x', '{STAMP}', 1);")
    db = await Database.open(path)
    try:
        rows = await db.fetchall("SELECT id, household_id, report_id, kind, amount_fen, quantity, "
                                 "deleted FROM aid ORDER BY id")
        assert [tuple(r) for r in rows] == [(41, 5, None, "in_kind", 12050, 2, 0),
                                           (42, 5, None, "cash", 30000, None, 1)]
        with pytest.raises(sqlite3.IntegrityError):
            async with db.transaction() as tx:
                await tx.execute(
                    "INSERT INTO aid (household_id, report_id, worker_id, kind, amount_fen, "
                    "fund_id, purpose, day, created_at) VALUES (NULL, NULL, 7001, 'cash', 100, "
                    "1, 'living', '2026-03-03', ?)", (STAMP,))
    finally:
        await db.close()
