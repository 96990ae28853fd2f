"""A household's categories are dated, in a real SQLite file: a category taken or left on a day
changes which programmes hold the household from that day only, in every obligation read
(/due, reminders, the digest, /overdue, the figures), while the registry shows today's."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from bot.domain import figures as fg
from bot.domain.cadence import ContactKind, Obligation
from bot.domain.households import Category, HouseholdInput
from bot.services import obligations
from storage import areas, figures, households, pairings, program_categories
from storage.clock import to_db
from storage.db import Database

WORKER, COORDINATOR = 7001, 9001
CREATED = datetime(2026, 1, 5, 2, 0, tzinfo=UTC)
PAIRED = date(2026, 1, 1)  # the pairings were recorded from before the households were added
EDITED = date(2026, 5, 20)  # in Q2: the edit changes things from this day on
EDITED_AT = datetime(2026, 5, 20, 2, 0, tzinfo=UTC)
TODAY = date(2026, 11, 18)  # in Q4: Q1 and Q3 are finished
Q1 = fg.Span(date(2026, 1, 1), date(2026, 3, 31))
Q3 = fg.Span(date(2026, 7, 1), date(2026, 9, 30))


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = await Database.open(tmp_path / "z.sqlite3")
    await areas.seed(database, ["东门社区"], CREATED)
    async with database.transaction() as tx:
        await tx.execute(
            "INSERT INTO people (telegram_id, display_name, role, created_at, updated_at) "
            "VALUES (?, '陈社工', 'worker', ?, ?)", (WORKER, to_db(CREATED), to_db(CREATED)))
    yield database
    await database.close()


def _input(name: str, *categories: Category) -> HouseholdInput:
    return HouseholdInput(name, 1, "东门路1号", 1, categories[0], categories=categories)


async def _paired(db: Database, name: str, *categories: Category) -> int:
    made = await households.create(db, _input(name, *categories), CREATED)
    await pairings.pair(db, made.id, WORKER, 1, PAIRED, CREATED)
    return made.id


def _calls(owed: Iterable[tuple[int, Obligation]]) -> set[tuple[int, str]]:
    return {(h, o.period.key) for h, o in owed if o.rule.kind is ContactKind.CALL}


async def _owed_calls(db: Database, ids: Iterable[int]) -> list[set[tuple[int, str]]]:
    """The quarters' calls owed, as each obligation read sees them: everyone (reminders, the
    digest's lists, /overdue), a worker's (/due), a household's (its file) and the streamed
    one (the figures, the digest's fold)."""
    everyone = _calls((i.household_id, i.obligation)
                      for i in await obligations.everyone(db, TODAY, None))
    mine = _calls((h, o) for h, found in (await obligations.for_worker(
        db, WORKER, TODAY, 10)).items() for o in found)
    own: set[tuple[int, str]] = set()
    for h in ids:
        own |= _calls((h, o) for _, o in await obligations.for_household(db, h, TODAY, None))
    conn = figures.connect(db.path)
    try:
        counted = _calls((i.household_id, i.obligation)
                         for i in obligations.streamed(conn, TODAY, None))
    finally:
        conn.close()
    return [everyone, mine, own, counted]


async def test_a_category_taken_or_left_counts_from_that_day_only(db: Database) -> None:
    orphan = await _paired(db, "小明", Category.ORPHAN)
    dibao = await _paired(db, "王奶奶", Category.DIBAO)
    # The one-to-one programme holds orphans only, since before the pairings began.
    await program_categories.toggle(db, 1, Category.ORPHAN, COORDINATOR, CREATED,
                                    date(2025, 12, 31))
    before = {(orphan, q) for q in ("2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4")}
    assert await _owed_calls(db, (orphan, dibao)) == [before] * 4

    # On 20 May 小明 is no longer counted an orphan, and 王奶奶 is now one as well.
    assert await households.update(db, orphan, _input("小明", Category.DIBAO), EDITED_AT,
                                   EDITED) is not None
    assert await households.update(db, dibao, _input("王奶奶", Category.DIBAO,
                                                     Category.ORPHAN), EDITED_AT,
                                   EDITED) is not None

    # Q1 is owed as it was (小明, held until 20 May); Q2 by neither (小明 left it before its
    # end, 王奶奶 came in with less than half of it left); Q3 and Q4 by 王奶奶 only.
    after = {(orphan, "2026-Q1"), (dibao, "2026-Q3"), (dibao, "2026-Q4")}
    assert await _owed_calls(db, (orphan, dibao)) == [after] * 4
    conn = figures.connect(db.path)
    try:
        held = {r.household_id: r.held for r in figures.pairings(conn, Q3)}
        in_q1 = {r.household_id: r.held for r in figures.pairings(conn, Q1)}
    finally:
        conn.close()
    assert held == {orphan: ((PAIRED, EDITED),), dibao: ((EDITED, None),)}
    assert in_q1 == held  # a pairing's held days do not depend on the span asked


async def test_the_registry_shows_todays_categories_and_keeps_the_days_before(
        db: Database) -> None:
    made = await _paired(db, "小明", Category.ORPHAN, Category.ELDERLY_ALONE)
    changed = await households.update(db, made, _input("小明", Category.DIBAO, Category.ORPHAN),
                                      EDITED_AT, EDITED)
    assert changed is not None and changed.categories == (Category.DIBAO, Category.ORPHAN)
    assert [h.categories for h in await households.search(db, "小明")] == [
        (Category.DIBAO, Category.ORPHAN)]

    async def spans() -> list[tuple[str, str, str | None]]:
        rows = await db.fetchall("SELECT category, since, until FROM household_categories "
                                 "ORDER BY category, since")
        return [(r["category"], r["since"], r["until"]) for r in rows]

    start, day = "0001-01-01", EDITED.isoformat()
    assert await spans() == [("dibao", day, None), ("elderly_alone", start, day),
                             ("orphan", start, None)]
    # Later the same day: 低保 taken back off (it never counted) and 独居老人 put back (it
    # never left).
    again = await households.update(db, made, _input("小明", Category.ORPHAN,
                                                     Category.ELDERLY_ALONE), EDITED_AT, EDITED)
    assert again is not None and again.categories == (Category.ORPHAN, Category.ELDERLY_ALONE)
    assert await spans() == [("elderly_alone", start, None), ("orphan", start, None)]
    # A day later 独居老人 ends, and the next day it comes back: two spans, one gap.
    later, last = date(2026, 5, 21), date(2026, 5, 22)
    await households.update(db, made, _input("小明", Category.ORPHAN), EDITED_AT, later)
    await households.update(db, made, _input("小明", Category.ORPHAN, Category.ELDERLY_ALONE),
                            EDITED_AT, last)
    assert await spans() == [("elderly_alone", start, later.isoformat()),
                             ("elderly_alone", last.isoformat(), None),
                             ("orphan", start, None)]
    found = await households.get(db, made)
    assert found is not None and found.categories == (Category.ORPHAN, Category.ELDERLY_ALONE)


async def test_importing_a_known_household_again_changes_its_categories_from_that_day(
        db: Database) -> None:
    orphan = await _paired(db, "小明", Category.ORPHAN)
    await program_categories.toggle(db, 1, Category.ORPHAN, COORDINATOR, CREATED,
                                    date(2025, 12, 31))
    # The district's roster of 20 May no longer counts 小明 an orphan; a new household in it
    # is added with its categories from the start.
    result = await households.import_all(db, [
        households.ImportItem(_input("小明", Category.DIBAO), household_id=orphan),
        households.ImportItem(_input("小红", Category.ORPHAN))], 1, EDITED, EDITED_AT)
    assert (result.created, result.updated) == (1, 1)
    rows = await db.fetchall("SELECT household_id, category, since, until "
                             "FROM household_categories ORDER BY household_id, since")
    assert [tuple(r) for r in rows] == [(orphan, "orphan", "0001-01-01", EDITED.isoformat()),
                                        (orphan, "dibao", EDITED.isoformat(), None),
                                        (orphan + 1, "orphan", "0001-01-01", None)]
    assert await _owed_calls(db, (orphan,)) == [{(orphan, "2026-Q1")}] * 4
