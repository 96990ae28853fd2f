"""A household's community is dated, in a real SQLite file: a change on a day ends the old
community and begins the new one on that day, whichever path makes it (a service-file edit,
an imported roster, a retired community's move), and the figures of a finished period read
the community on its last day while the registry shows today's."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from pathlib import Path

import aiosqlite
import pytest

from bot.domain import figures as fg
from bot.domain.households import Category, HouseholdInput
from storage import areas, households
from storage import figures as store
from storage.clock import to_db
from storage.db import Database
from storage.households import ImportItem
from storage.migrate import migrate

CREATED = datetime(2026, 1, 5, 2, 0, tzinfo=UTC)
MOVED = date(2026, 11, 18)  # in Q4
MOVED_AT = datetime(2026, 11, 18, 2, 0, tzinfo=UTC)
Q3 = fg.Span(date(2026, 7, 1), date(2026, 9, 30))
Q4 = fg.Span(date(2026, 10, 1), date(2026, 12, 31))
EAST, GREEN, LAKE = 1, 2, 3  # 东门社区, 翠竹社区, 湖贝社区
ALWAYS = "0001-01-01"

Span = tuple[int | None, str, str | None]


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = await Database.open(tmp_path / "z.sqlite3")
    await areas.seed(database, ["东门街道/东门社区", "桂园街道/翠竹社区", "湖贝社区"], CREATED)
    yield database
    await database.close()


def _input(name: str, area_id: int | None, external_id: str | None = None) -> HouseholdInput:
    return HouseholdInput(name, area_id, "东门路1号", 2, Category.DIBAO, "", "", None,
                          external_id)


async def _spans(db: Database, household_id: int) -> list[Span]:
    rows = await db.fetchall("SELECT area_id, since, until FROM household_areas "
                             "WHERE household_id = ? ORDER BY since", (household_id,))
    return [(r[0], r[1], r[2]) for r in rows]


async def _move(db: Database, household_id: int, area_id: int | None, day: date) -> None:
    """A service-file edit of the household's community on `day`."""
    found = await households.update(db, household_id, _input("张大爷", area_id), MOVED_AT, day)
    assert found is not None and found.area_id == area_id


def _groups(db: Database, span: fg.Span) -> dict[int, dict[str, str]]:
    """Each household's community and street in the span's figures."""
    conn = store.connect(db.path)
    try:
        return {h.id: dict(h.groups) for h in store.households(conn, span)}
    finally:
        conn.close()


async def test_a_new_household_is_in_its_community_from_the_start(db: Database) -> None:
    made = await households.create(db, _input("张大爷", EAST), CREATED)
    assert await _spans(db, made.id) == [(EAST, ALWAYS, None)]
    assert _groups(db, Q3)[made.id] == {"category": "dibao", "street": "东门街道",
                                        "area": "东门社区"}


async def test_an_edit_moves_the_household_from_that_day_only(db: Database) -> None:
    made = await households.create(db, _input("张大爷", EAST), CREATED)
    await _move(db, made.id, GREEN, MOVED)
    assert await _spans(db, made.id) == [(EAST, ALWAYS, "2026-11-18"),
                                         (GREEN, "2026-11-18", None)]
    assert _groups(db, Q3)[made.id]["area"] == "东门社区"
    assert _groups(db, Q3)[made.id]["street"] == "东门街道"
    assert _groups(db, Q4)[made.id]["area"] == "翠竹社区"  # running: where it is now
    assert _groups(db, Q4)[made.id]["street"] == "桂园街道"
    # The day before the move is still 东门社区; the move's day is 翠竹社区.
    assert _groups(db, fg.Span(date(2026, 11, 1), date(2026, 11, 17)))[made.id]["area"] == (
        "东门社区")
    assert _groups(db, fg.Span(date(2026, 11, 1), MOVED))[made.id]["area"] == "翠竹社区"
    # An edit that keeps the community changes nothing.
    await _move(db, made.id, GREEN, date(2026, 11, 20))
    assert len(await _spans(db, made.id)) == 2
    found = await households.get(db, made.id)
    assert found is not None and found.area_name == "翠竹社区"  # the registry: today's


async def test_moves_on_one_day_leave_one_change(db: Database) -> None:
    made = await households.create(db, _input("张大爷", EAST), CREATED)
    await _move(db, made.id, GREEN, MOVED)
    await _move(db, made.id, LAKE, MOVED)  # a slip corrected the same day
    assert await _spans(db, made.id) == [(EAST, ALWAYS, "2026-11-18"),
                                         (LAKE, "2026-11-18", None)]
    await _move(db, made.id, EAST, MOVED)  # and put back: it never moved
    assert await _spans(db, made.id) == [(EAST, ALWAYS, None)]
    await _move(db, made.id, GREEN, date(2026, 11, 19))
    await _move(db, made.id, LAKE, date(2026, 11, 25))
    assert await _spans(db, made.id) == [(EAST, ALWAYS, "2026-11-19"),
                                         (GREEN, "2026-11-19", "2026-11-25"),
                                         (LAKE, "2026-11-25", None)]


async def test_a_household_in_no_community_is_dated_too(db: Database) -> None:
    made = await households.create(db, _input("张大爷", None), CREATED)
    await _move(db, made.id, EAST, MOVED)
    assert await _spans(db, made.id) == [(None, ALWAYS, "2026-11-18"), (EAST, "2026-11-18", None)]
    assert _groups(db, Q3)[made.id]["area"] == ""  # counted under "no community"
    assert _groups(db, Q4)[made.id]["area"] == "东门社区"


async def test_a_household_written_without_dates_keeps_its_past_when_moved(
        db: Database) -> None:
    """Written by hand (a tool, an old copy): read as in its community always, and moved
    from the day of the change like any other."""
    async with db.transaction() as tx:
        household_id = await tx.execute(
            "INSERT INTO households (name, area_id, category, created_at, updated_at) "
            "VALUES ('王家', ?, 'dibao', ?, ?)", (EAST, to_db(CREATED), to_db(CREATED)))
    assert await _spans(db, household_id) == []
    assert _groups(db, Q3)[household_id]["area"] == "东门社区"
    await _move(db, household_id, GREEN, MOVED)
    assert await _spans(db, household_id) == [(EAST, ALWAYS, "2026-11-18"),
                                              (GREEN, "2026-11-18", None)]
    assert _groups(db, Q3)[household_id]["area"] == "东门社区"


async def test_an_imported_roster_moves_a_known_household_from_the_import_day(
        db: Database) -> None:
    await households.import_all(db, [ImportItem(_input("张大爷", EAST, "A1")),
                                     ImportItem(_input("李阿婆", EAST, "A2"))], 1,
                                date(2026, 1, 5), CREATED)
    result = await households.import_all(db, [ImportItem(_input("张大爷", GREEN, "A1")),
                                              ImportItem(_input("李阿婆", EAST, "A2"))], 1,
                                         MOVED, MOVED_AT)
    assert result.updated == 2
    moved = await households.by_external_id(db, "A1")
    stayed = await households.by_external_id(db, "A2")
    assert moved is not None and stayed is not None and moved.area_name == "翠竹社区"
    assert await _spans(db, moved.id) == [(EAST, ALWAYS, "2026-11-18"),
                                          (GREEN, "2026-11-18", None)]
    assert await _spans(db, stayed.id) == [(EAST, ALWAYS, None)]
    assert _groups(db, Q3)[moved.id]["area"] == "东门社区"
    assert _groups(db, Q4)[moved.id]["area"] == "翠竹社区"


async def test_retiring_moves_active_households_from_that_day_and_archived_ones_stay(
        db: Database) -> None:
    active = await households.create(db, _input("张大爷", EAST), CREATED)
    archived = await households.create(db, _input("旧户", EAST), CREATED)
    elsewhere = await households.create(db, _input("李阿婆", LAKE), CREATED)
    assert await households.archive(db, archived.id, date(2026, 6, 1), CREATED)
    async with db.transaction() as tx:
        await areas.move_in(tx, EAST, GREEN, MOVED)
    assert await _spans(db, active.id) == [(EAST, ALWAYS, "2026-11-18"),
                                           (GREEN, "2026-11-18", None)]
    assert await _spans(db, archived.id) == [(EAST, ALWAYS, None)]  # kept, as area_id is
    assert await _spans(db, elsewhere.id) == [(LAKE, ALWAYS, None)]
    q3, q4 = _groups(db, Q3), _groups(db, Q4)
    assert (q3[active.id]["area"], q4[active.id]["area"]) == ("东门社区", "翠竹社区")
    assert q4[archived.id]["area"] == "东门社区"


async def test_households_of_an_older_file_are_in_their_community_always(
        tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    stamp = "2026-01-01T00:00:00+00:00"
    async with aiosqlite.connect(path, isolation_level=None) as conn:
        assert await migrate(conn, target=31) == 31
        await conn.execute("INSERT INTO areas (name, created_at) VALUES ('东门社区', ?)",
                           (stamp,))
        await conn.execute("INSERT INTO households (name, area_id, category, created_at, "
                           "updated_at) VALUES ('小明', 1, 'orphan', ?, ?), "
                           "('小红', NULL, 'orphan', ?, ?)", (stamp,) * 4)
    db = await Database.open(path)
    try:
        rows = await db.fetchall("SELECT household_id, area_id, since, until "
                                 "FROM household_areas ORDER BY household_id")
        assert [tuple(r) for r in rows] == [(1, 1, ALWAYS, None), (2, None, ALWAYS, None)]
    finally:
        await db.close()
