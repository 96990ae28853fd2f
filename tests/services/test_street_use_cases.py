"""Use cases over a real SQLite file: every change to streets asks the access table itself, at
the moment it is made, so a worker (or a coordinator taken off the list) changes nothing even
if a screen still showed them the buttons."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.services import streets
from bot.services.context import Services
from storage import areas, people
from storage.db import Database
from storage.streets import Street
from tests.use_cases import services_for

NOW = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)
WORKER, COORDINATOR, FORMER = 7001, 9001, 9002
CONFIGURED = ["东门街道/东门社区", "东门街道/湖贝社区", "桂园街道/桂园社区", "黄贝社区"]


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = await Database.open(tmp_path / "z.sqlite3")
    await areas.seed(database, CONFIGURED, NOW)
    await people.touch(database, COORDINATOR, "王芳", None, NOW, coordinator=True)
    await people.touch(database, FORMER, "李明", None, NOW, coordinator=True)
    await people.touch(database, WORKER, "陈社工", None, NOW, coordinator=False)
    yield database
    await database.close()


def services(db: Database) -> Services:
    """FORMER is no longer in ZHONGFU_COORDINATORS: their role ended."""
    return services_for(db, NOW, coordinators=str(COORDINATOR))


async def _state(use: Services) -> list[tuple[str, tuple[int, ...]]]:
    return [(s.name, s.area_ids) for s in await streets.listed(use)]


async def test_only_a_coordinator_now_changes_streets(db: Database) -> None:
    use = services(db)
    ids = {a.name: a.id for a in await areas.active(db)}
    dongmen = {s.name: s for s in await streets.listed(use)}["东门街道"]
    before = await _state(use)
    for outsider in (WORKER, FORMER):
        assert await streets.create(use, outsider, "黄贝街道", [ids["黄贝社区"]]) \
            is streets.Refusal.NOT_ALLOWED
        assert await streets.toggle_area(use, outsider, dongmen.id, ids["黄贝社区"]) \
            is streets.Refusal.NOT_ALLOWED
        assert await streets.rename(use, outsider, dongmen.id, "东门") \
            is streets.Refusal.NOT_ALLOWED
        assert await streets.remove(use, outsider, dongmen.id) is streets.Refusal.NOT_ALLOWED
    assert await _state(use) == before
    made = await streets.create(use, COORDINATOR, "黄贝街道", [ids["黄贝社区"]])
    assert isinstance(made, Street) and made.area_ids == (ids["黄贝社区"],)
    moved = await streets.toggle_area(use, COORDINATOR, dongmen.id, ids["湖贝社区"])
    assert isinstance(moved, Street) and moved.area_ids == (ids["东门社区"],)


async def test_no_street_is_left_without_a_community(db: Database) -> None:
    use = services(db)
    ids = {a.name: a.id for a in await areas.active(db)}
    by_name = {s.name: s for s in await streets.listed(use)}
    before = await _state(use)
    # 桂园社区 is 桂园街道's only community: moving it into 东门街道 would empty 桂园街道.
    assert await streets.toggle_area(use, COORDINATOR, by_name["东门街道"].id, ids["桂园社区"]) \
        is streets.Refusal.EMPTIES_OTHER
    # So would a new street made of all of 东门街道's communities.
    assert await streets.create(use, COORDINATOR, "新街道", [ids["东门社区"], ids["湖贝社区"]]) \
        is streets.Refusal.EMPTIES_OTHER
    # And taking out a street's last community.
    assert await streets.toggle_area(use, COORDINATOR, by_name["桂园街道"].id, ids["桂园社区"]) \
        is streets.Refusal.LAST_AREA
    assert await _state(use) == before
    # One of two communities may move: 东门街道 keeps the other.
    moved = await streets.toggle_area(use, COORDINATOR, by_name["桂园街道"].id, ids["湖贝社区"])
    assert isinstance(moved, Street)
    assert await _state(use) == [("东门街道", (ids["东门社区"],)),
                                 ("桂园街道", (ids["湖贝社区"], ids["桂园社区"]))]
