"""Several categories per household, streets and communities, and the migration that adds
them, in real SQLite files."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import aiosqlite

from bot.domain.households import Category, HouseholdInput
from storage import areas, households
from storage.db import Database
from storage.households import ImportItem, import_all
from storage.migrate import migrate

NOW = datetime(2026, 11, 29, 2, 0, tzinfo=UTC)
TODAY = date(2026, 11, 29)
STAMP = "2026-01-01T00:00:00.000000+00:00"


def _input(categories: tuple[Category, ...], name: str = "张建国",
           external_id: str | None = None) -> HouseholdInput:
    return HouseholdInput(name, 1, "东门北路12号", 1, categories[0], external_id=external_id,
                          categories=categories)


async def test_migration_keeps_each_households_category_as_its_first(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    async with aiosqlite.connect(path, isolation_level=None) as conn:
        await migrate(conn, target=5)
        await conn.execute("INSERT INTO areas (name, created_at) VALUES ('东门社区', ?)", (STAMP,))
        await conn.execute(
            "INSERT INTO households (name, area_id, category, created_at, updated_at) "
            "VALUES ('老户', 1, 'illness_disability', ?, ?)", (STAMP, STAMP))
    db = await Database.open(path)
    try:
        found = await households.get(db, 1)
        assert found is not None
        assert (found.category, found.categories) == (
            Category.ILLNESS_DISABILITY, (Category.ILLNESS_DISABILITY,))
        assert await areas.street_of(db) == {1: None}
    finally:
        await db.close()


async def test_a_household_keeps_every_category_and_an_edit_replaces_them(
        tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "z.sqlite3")
    try:
        await areas.seed(db, ["东门社区"], NOW)
        made = await households.create(
            db, _input((Category.DIBAO, Category.SEVERE_DISABILITY, Category.ELDERLY_ALONE)), NOW)
        assert made.category is Category.DIBAO
        assert made.categories == (Category.DIBAO, Category.SEVERE_DISABILITY,
                                   Category.ELDERLY_ALONE)
        changed = await households.update(db, made.id, _input((Category.SERIOUS_ILLNESS,)),
                                           NOW, TODAY)
        assert changed is not None
        assert changed.categories == (Category.SERIOUS_ILLNESS,)
        # The edit replaces them from today: one carried now, the three before end today.
        assert await db.fetchval("SELECT COUNT(*) FROM household_categories "
                                 "WHERE until IS NULL") == 1
        ended = await db.fetchall("SELECT category, until FROM household_categories "
                                  "WHERE until IS NOT NULL ORDER BY category")
        assert [tuple(r) for r in ended] == [("dibao", TODAY.isoformat()),
                                             ("elderly_alone", TODAY.isoformat()),
                                             ("severe_disability", TODAY.isoformat())]
    finally:
        await db.close()


async def test_import_updates_the_matched_household_and_puts_a_community_in_its_street(
        tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "z.sqlite3")
    try:
        await areas.seed(db, ["东门社区"], NOW)
        made = await households.create(db, _input((Category.DIBAO,)), NOW)
        items = [ImportItem(_input((Category.DIBIAN, Category.ORPHAN)), household_id=made.id,
                            street="东门街道"),
                 ImportItem(_input((Category.OTHER,), "新户", "N-1"), street="南湖街道")]
        result = await import_all(db, items, 1, TODAY, NOW)
        assert (result.created, result.updated) == (1, 1)
        updated = await households.get(db, made.id)
        assert updated is not None
        assert updated.categories == (Category.DIBIAN, Category.ORPHAN)
        # the first street named wins; a community already in a street keeps it
        assert await areas.street_of(db) == {1: "东门街道"}
    finally:
        await db.close()


async def test_configured_street_and_community_pairs(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "z.sqlite3")
    try:
        await areas.seed(db, ["东门街道/东门社区", "东门街道／湖贝社区", "翠竹社区"], NOW)
        await areas.seed(db, ["翠竹街道/翠竹社区", "南湖街道/东门社区"], NOW)
        listed = await areas.streets_of_areas(db)
        assert [(a.street_name, a.area_name) for a in listed] == [
            ("东门街道", "东门社区"), ("东门街道", "湖贝社区"), ("翠竹街道", "翠竹社区")]
        assert [a.name for a in await areas.active(db)] == ["东门社区", "湖贝社区", "翠竹社区"]
        street_of = await areas.street_of(db)
        assert sorted(street_of.values(), key=str) == ["东门街道", "东门街道", "翠竹街道"]
    finally:
        await db.close()
