"""A programme limited to categories, in a real SQLite file: every obligation query agrees."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from bot.domain.households import Category, HouseholdInput
from bot.services import obligations
from storage import areas, figures, households, pairings, program_categories
from storage.clock import to_db
from storage.db import Database

NOW = datetime(2026, 5, 20, 2, 0, tzinfo=UTC)
TODAY = date(2026, 5, 20)
WORKER = 7001
# The limits below are set before the pairings began: held or not on every day they cover.
BEFORE = date(2025, 12, 31)


@pytest.fixture
async def db(tmp_path: Path):  # type: ignore[no-untyped-def]
    database = await Database.open(tmp_path / "z.sqlite3")
    await areas.seed(database, ["东门社区"], NOW)
    async with database.transaction() as tx:
        await tx.execute(
            "INSERT INTO people (telegram_id, display_name, role, created_at, updated_at) "
            "VALUES (?, '陈社工', 'worker', ?, ?)", (WORKER, to_db(NOW), to_db(NOW)))
    yield database
    await database.close()


async def _paired(db: Database, name: str, *categories: Category) -> int:
    [area] = await areas.active(db)
    made = await households.create(db, HouseholdInput(
        name, area.id, "路1号", 1, categories[0], categories=categories), NOW)
    await pairings.pair(db, made.id, WORKER, 1, date(2026, 1, 1), NOW)
    return made.id


async def test_only_households_of_the_categories_are_held(db: Database) -> None:
    orphan = await _paired(db, "小明", Category.ORPHAN)
    child = await _paired(db, "小红", Category.CHILD_DIFFICULTY, Category.UNSUPPORTED_CHILD)
    dibao = await _paired(db, "王奶奶", Category.DIBAO)

    async def held() -> list[set[int]]:
        everyone = {i.household_id for i in await obligations.everyone(db, TODAY)}
        mine = set(await obligations.for_worker(db, WORKER, TODAY))
        own = {h for h in (orphan, child, dibao)
               if await obligations.for_household(db, h, TODAY)}
        conn = figures.connect(db.path)
        try:
            counted = {i.household_id for i in obligations.streamed(conn, TODAY, 0)}
        finally:
            conn.close()
        return [everyone, mine, own, counted]

    assert await held() == [{orphan, child, dibao}] * 4
    for category in (Category.ORPHAN, Category.UNSUPPORTED_CHILD):
        await program_categories.toggle(db, 1, category, 9001, NOW, BEFORE)
    assert await program_categories.of_program(db, 1) == (Category.ORPHAN,
                                                          Category.UNSUPPORTED_CHILD)
    assert await held() == [{orphan, child}] * 4
    await program_categories.toggle(db, 1, Category.ORPHAN, 9001, NOW, BEFORE)
    assert await held() == [{child}] * 4
    await program_categories.toggle(db, 1, Category.UNSUPPORTED_CHILD, 9001, NOW, BEFORE)
    assert await program_categories.every_program(db) == {}
    assert await held() == [{orphan, child, dibao}] * 4
