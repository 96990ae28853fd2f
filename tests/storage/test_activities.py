"""Group activities in a real SQLite file: one event, many households, contacts where it counts."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from bot.domain.activities import ActivityKind, counts_as
from bot.domain.cadence import Status
from bot.domain.households import Category, HouseholdInput
from bot.services import obligations
from storage import activities, areas, audit, contacts, households, pairings
from storage.activities import NewActivity
from storage.clock import to_db
from storage.db import Database

NOW = datetime(2026, 5, 20, 2, 0, tzinfo=UTC)
TODAY = date(2026, 5, 20)
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


async def _household(db: Database, name: str, area_id: int, paired: bool) -> int:
    made = await households.create(db, HouseholdInput(name, area_id, "路1号", 1, Category.DIBAO,
                                                      "", "", None, None), NOW, by=9001)
    if paired:
        await pairings.pair(db, made.id, WORKER, 1, date(2026, 1, 1), NOW)
    return made.id


async def test_a_holiday_visit_is_each_households_visit_and_a_campaign_is_not(
        db: Database) -> None:
    ids = {a.name: a.id for a in await areas.active(db)}
    east = [await _household(db, f"东{n}", ids["东门社区"], True) for n in range(3)]
    await _household(db, "东未结对", ids["东门社区"], False)
    await _household(db, "翠", ids["翠竹社区"], True)
    assert await activities.households_in(db, [ids["东门社区"]], WORKER) == east
    assert len(await activities.households_in(db, [ids["东门社区"]])) == 4
    assert await activities.households_in(db, []) == []

    campaign = NewActivity("普法宣传进社区", ActivityKind.CAMPAIGN, date(2026, 5, 18), 120,
                           WORKER, [ids["东门社区"]], east)
    saved = await activities.add(db, campaign, counts_as(ActivityKind.CAMPAIGN), NOW)
    assert (saved.households, saved.contacts) == (3, 0)
    owed = await obligations.for_household(db, east[0], TODAY)
    assert {o.rule.kind.value: o.status for _, o in owed}["visit"] is not Status.MET

    visit = NewActivity("中秋节走访慰问", ActivityKind.HOLIDAY_VISIT, date(2026, 5, 19), 3,
                        WORKER, [ids["东门社区"]], east)
    saved = await activities.add(db, visit, counts_as(ActivityKind.HOLIDAY_VISIT), NOW)
    assert (saved.households, saved.contacts) == (3, 3)
    for household_id in east:
        owed = await obligations.for_household(db, household_id, TODAY)
        assert {o.rule.kind.value: o.status for _, o in owed}["visit"] is Status.MET
        [logged] = await contacts.for_household(db, household_id)
        assert logged.note == "中秋节走访慰问" and logged.day == date(2026, 5, 19)
    assert [e.action for e in await audit.entries(db, object_type="activity")] == [
        "activity.add", "activity.add"]
    counted = await activities.count_between(db, date(2026, 1, 1), date(2026, 12, 31))
    assert counted == {"campaign": (1, 120), "holiday_visit": (1, 3)}
