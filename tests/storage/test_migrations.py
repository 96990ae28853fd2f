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


async def test_reports_and_the_outbox_take_a_voice_note_once_migrated(tmp_path: Path) -> None:
    """Reports made before voice notes keep their text and have no voice; the outbox keeps
    its waiting rows (and their claims) and takes the new "voice" op, which it refused."""
    import sqlite3

    path = tmp_path / "old.sqlite3"
    stamp = "2026-01-01T00:00:00+00:00"
    async with aiosqlite.connect(path, isolation_level=None) as conn:
        assert await migrate(conn, target=21) == 21
        await conn.execute("INSERT INTO people (telegram_id, display_name, created_at, "
                           "updated_at) VALUES (7, 'A', ?, ?)", (stamp, stamp))
        await conn.execute("INSERT INTO reports (reporter_id, category, description, urgency, "
                           "created_at, updated_at) "
                           "VALUES (7, 'other', '邻居摔倒了', 'soon', ?, ?)", (stamp, stamp))
        await conn.execute("INSERT INTO outbox (chat_id, op, target, not_before, created_at, "
                           "claimed_by) VALUES (7, 'photo', '{\"file_id\": \"f\"}', ?, ?, 'p')",
                           (stamp, stamp))
        with pytest.raises(sqlite3.IntegrityError):
            await conn.execute("INSERT INTO outbox (chat_id, op, not_before, created_at) "
                               "VALUES (7, 'voice', ?, ?)", (stamp, stamp))
    db = await Database.open(path)
    try:
        row = await db.fetchone("SELECT description, voice_file_id, voice_seconds FROM reports")
        assert tuple(row) == ("邻居摔倒了", None, None)
        kept = await db.fetchone("SELECT op, target, claimed_by, state FROM outbox")
        assert tuple(kept) == ("photo", '{"file_id": "f"}', "p", "pending")
        async with db.transaction() as tx:
            await tx.execute("INSERT INTO outbox (chat_id, op, not_before, created_at) "
                             "VALUES (7, 'voice', ?, ?)", (stamp, stamp))
        assert await db.fetchval("SELECT COUNT(*) FROM outbox WHERE op = 'voice'") == 1
    finally:
        await db.close()


async def test_a_households_categories_are_carried_from_the_start_once_dated(
        tmp_path: Path) -> None:
    """Categories kept before they were dated are carried from a day far in the past (which
    programmes held the household on any day already reported stays as it was), and still
    carried today."""
    from bot.domain.households import Category
    from bot.domain.limits import ALWAYS
    from storage import households, program_categories

    path = tmp_path / "old.sqlite3"
    stamp = "2026-01-01T00:00:00+00:00"
    async with aiosqlite.connect(path, isolation_level=None) as conn:
        assert await migrate(conn, target=23) == 23
        await conn.execute("INSERT INTO households (name, category, created_at, updated_at) "
                           "VALUES ('小明', 'orphan', ?, ?)", (stamp, stamp))
        await conn.execute("INSERT INTO household_categories (household_id, category) "
                           "VALUES (1, 'orphan'), (1, 'dibao')")
        await conn.execute("INSERT INTO program_categories (program_id, category, since) "
                           "VALUES (1, 'orphan', '2026-04-01')")
    db = await Database.open(path)
    try:
        rows = await db.fetchall("SELECT household_id, category, since, until "
                                 "FROM household_categories ORDER BY category")
        assert [tuple(r) for r in rows] == [(1, "dibao", ALWAYS.isoformat(), None),
                                            (1, "orphan", ALWAYS.isoformat(), None)]
        found = await households.get(db, 1)
        assert found is not None and found.categories == (Category.ORPHAN, Category.DIBAO)
        codes = await db.fetchval(f"SELECT {program_categories.carried('1')}")
        assert set(codes.split(",")) == {"orphan", "dibao"}  # read as before: carried always
        assert (await program_categories.holding(db)).gaps(1, codes) == ()
    finally:
        await db.close()
