"""Migrations on real SQLite files: from empty and from every earlier version."""

from __future__ import annotations

from pathlib import Path

import aiosqlite
import pytest

from storage.db import Database
from storage.migrate import available, current_version, migrate


async def test_empty_file_migrates_to_latest(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "z.sqlite3")
    try:
        assert await db.fetchval("PRAGMA user_version") == len(available())
        assert await db.fetchval("PRAGMA foreign_keys") == 1
        assert await db.fetchval("PRAGMA journal_mode") == "wal"
    finally:
        await db.close()


@pytest.mark.parametrize("start", range(1, len(available())))
async def test_every_earlier_version_migrates(tmp_path: Path, start: int) -> None:
    path = tmp_path / "old.sqlite3"
    async with aiosqlite.connect(path, isolation_level=None) as conn:
        assert await migrate(conn, target=start) == start
        assert await current_version(conn) == start
    db = await Database.open(path)
    try:
        assert await db.fetchval("PRAGMA user_version") == len(available())
    finally:
        await db.close()


async def test_reopening_is_a_no_op(tmp_path: Path) -> None:
    path = tmp_path / "z.sqlite3"
    for _ in range(2):
        db = await Database.open(path)
        await db.close()
    async with aiosqlite.connect(path) as conn:
        assert await current_version(conn) == len(available())


async def test_newer_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "future.sqlite3"
    async with aiosqlite.connect(path) as conn:
        await conn.execute(f"PRAGMA user_version = {len(available()) + 1}")
    with pytest.raises(RuntimeError, match="newer than this program"):
        await Database.open(path)


async def test_failed_transaction_rolls_back(tmp_path: Path) -> None:
    from datetime import UTC, datetime

    db = await Database.open(tmp_path / "z.sqlite3")
    try:
        with pytest.raises(ValueError):
            async with db.transaction() as tx:
                await tx.execute(
                    "INSERT INTO areas (name, created_at) VALUES (?, ?)",
                    ("东门社区", datetime.now(UTC).isoformat()),
                )
                raise ValueError("boom")
        assert await db.fetchval("SELECT COUNT(*) FROM areas") == 0
    finally:
        await db.close()


async def test_a_programmes_limit_keeps_holding_as_before_once_dated(tmp_path: Path) -> None:
    """Limits set before they were dated are in force from a day far in the past (nothing
    they decided changes), and still in force."""
    from datetime import date

    from bot.domain.limits import ALWAYS
    from storage import program_categories

    path = tmp_path / "old.sqlite3"
    async with aiosqlite.connect(path, isolation_level=None) as conn:
        assert await migrate(conn, target=20) == 20
        await conn.execute("INSERT INTO program_categories (program_id, category) "
                           "VALUES (1, 'orphan'), (1, 'tekun')")
    db = await Database.open(path)
    try:
        rows = await db.fetchall("SELECT program_id, category, since, until "
                                 "FROM program_categories ORDER BY category")
        assert [tuple(r) for r in rows] == [(1, "orphan", ALWAYS.isoformat(), None),
                                            (1, "tekun", ALWAYS.isoformat(), None)]
        holding = await program_categories.holding(db)
        assert holding.gaps(1, "dibao") == ((ALWAYS, None),)
        assert holding.gaps(1, "dibao,tekun") == ()
        assert date.fromisoformat(rows[0]["since"]) == ALWAYS
    finally:
        await db.close()
