"""Micro-projects in a real SQLite file: what they reached counts each household once."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from bot.domain.activities import ActivityKind, counts_as
from bot.domain.households import Category, HouseholdInput
from storage import activities, areas, audit, households, projects
from storage.activities import NewActivity
from storage.clock import to_db
from storage.db import Database
from storage.projects import NewProject

NOW = datetime(2026, 9, 20, 2, 0, tzinfo=UTC)
WORKER = 7001


@pytest.fixture
async def db(tmp_path: Path):  # type: ignore[no-untyped-def]
    database = await Database.open(tmp_path / "z.sqlite3")
    await areas.seed(database, ["东门社区", "翠竹社区"], NOW)
    async with database.transaction() as tx:
        await tx.execute(
            "INSERT INTO people (telegram_id, display_name, role, created_at, updated_at) "
            "VALUES (?, '陈社工', 'worker', ?, ?)", (WORKER, to_db(NOW), to_db(NOW)))
    yield database
    await database.close()


async def test_a_project_counts_its_activities_and_each_household_once(db: Database) -> None:
    ids = {a.name: a.id for a in await areas.active(db)}
    homes = [(await households.create(db, HouseholdInput(
        f"户{n}", ids["东门社区"], "路1号", 1, Category.DIBAO, "", "", None, None), NOW,
        by=9001)).id for n in range(3)]
    made = await projects.add(db, NewProject("长者助餐点", 5_000_000, date(2026, 9, 1),
                                             date(2026, 12, 31), [ids["翠竹社区"], ids["东门社区"]],
                                             WORKER), NOW)
    assert made is not None
    assert await projects.add(db, NewProject("长者助餐点", 1, date(2026, 9, 1),
                                             date(2026, 9, 2), [ids["东门社区"]], WORKER),
                              NOW) is None
    for day, picked in ((date(2026, 9, 10), homes[:2]), (date(2026, 9, 17), homes[1:])):
        await activities.add(db, NewActivity("送餐", ActivityKind.MICRO_PROJECT, day, 2, WORKER,
                                             [ids["东门社区"]], picked, ["daily_care"], made),
                             counts_as(ActivityKind.MICRO_PROJECT), NOW)
    await activities.add(db, NewActivity("别的", ActivityKind.CAMPAIGN, date(2026, 9, 18), 9,
                                         WORKER, [ids["东门社区"]], homes), None, NOW)
    found = await projects.get(db, made)
    assert found is not None
    assert (found.activities, found.households) == (2, 3)
    assert sorted(found.area_names) == sorted(["东门社区", "翠竹社区"])
    assert found.budget_fen == 5_000_000 and not found.retired
    # /stats for a span: only that span's activities, each household once, the campaign apart.
    [week] = await projects.reached_between(db, date(2026, 9, 14), date(2026, 9, 20))
    assert (week.name, week.activities, week.households, week.people) == ("长者助餐点", 1, 2, 2)
    [month] = await projects.reached_between(db, date(2026, 9, 1), date(2026, 9, 30))
    assert (month.activities, month.households, month.people) == (2, 3, 4)
    assert await projects.reached_between(db, date(2026, 10, 1), date(2026, 10, 31)) == []
    assert await projects.retire(db, made, WORKER, NOW)
    assert not await projects.retire(db, made, WORKER, NOW)
    assert await projects.listed(db) == []
    [kept] = await projects.listed(db, include_retired=True)
    assert kept.retired and kept.activities == 2
    assert sorted(e.action for e in await audit.entries(db, object_type="project")) == [
        "project.add", "project.retire"]
