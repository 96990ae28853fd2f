"""Households, pairings and contacts in a real SQLite file."""

from __future__ import annotations

import sqlite3
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from bot.domain.cadence import ContactKind, Status
from bot.domain.households import Category, HouseholdInput
from bot.services import obligations
from storage import areas, contacts, households, pairings
from storage.clock import to_db
from storage.db import Database
from storage.households import ImportItem

NOW = datetime(2026, 5, 20, 2, 0, tzinfo=UTC)
TODAY = date(2026, 5, 20)


@pytest.fixture
async def db(tmp_path: Path):  # type: ignore[no-untyped-def]
    database = await Database.open(tmp_path / "z.sqlite3")
    await areas.seed(database, ["东门社区"], NOW)
    async with database.transaction() as tx:
        for worker_id, name in ((7001, "陈社工"), (7002, "刘社工")):
            await tx.execute(
                "INSERT INTO people (telegram_id, display_name, role, created_at, updated_at) "
                "VALUES (?, ?, 'worker', ?, ?)", (worker_id, name, to_db(NOW), to_db(NOW)))
    yield database
    await database.close()


def _input(name: str = "张大爷", external_id: str | None = "A1") -> HouseholdInput:
    return HouseholdInput(name, 1, "东门路12号", 1, Category.ELDERLY_ALONE, "腿脚不便", "探望",
                          None, external_id)


async def test_default_program_is_seeded(db: Database) -> None:
    program = await pairings.get_program(db, 1)
    assert program is not None
    assert [(r.kind.value, r.period.value) for r in program.rules] == [
        ("call", "quarter"), ("visit", "half_year"), ("deed", "year")]


async def test_programs_are_data_and_nonsense_is_refused(db: Database) -> None:
    monthly = await pairings.add_program(db, "monthly calls", [{"kind": "call", "period": "month"}],
                                         NOW)
    assert monthly.rules[0].period.value == "month"
    with pytest.raises(ValueError):
        await pairings.add_program(db, "bad", [{"kind": "call", "period": "fortnight"}], NOW)


async def test_create_edit_archive(db: Database) -> None:
    made = await households.create(db, _input(), NOW, by=9001)
    assert made.area_name == "东门社区"
    changed = await households.update(db, made.id, _input("张爷爷", None), NOW, TODAY)
    assert changed is not None and changed.name == "张爷爷" and changed.external_id == "A1"
    await pairings.pair(db, made.id, 7001, 1, TODAY, NOW)
    assert await households.archive(db, made.id, TODAY, NOW)
    assert not await pairings.active_for_household(db, made.id)
    assert (await pairings.history(db, made.id))[0].ended_reason == "archived"
    assert await households.search(db, "张") == []


async def test_one_active_pairing_per_program_and_handover_keeps_history(db: Database) -> None:
    made = await households.create(db, _input(), NOW)
    first = await pairings.pair(db, made.id, 7001, 1, date(2026, 1, 5), NOW)
    same = await pairings.pair(db, made.id, 7001, 1, TODAY, NOW)
    assert not same.changed and same.pairing_id == first.pairing_id
    moved = await pairings.pair(db, made.id, 7002, 1, TODAY, NOW)
    assert moved.replaced == first.pairing_id and moved.previous_worker == 7001
    history = await pairings.history(db, made.id)
    assert [(p.worker_id, p.ended_on, p.ended_reason) for p in history] == [
        (7002, None, None), (7001, TODAY, "handover")]
    with pytest.raises(sqlite3.IntegrityError):
        async with db.transaction() as tx:
            await tx.execute(
                "INSERT INTO pairings (household_id, worker_id, program_id, started_on, "
                "created_at) VALUES (?, 7001, 1, '2026-05-20', 'x')", (made.id,))


async def test_handover_moves_what_is_owed_to_the_new_worker(db: Database) -> None:
    made = await households.create(db, _input(), NOW)
    await pairings.pair(db, made.id, 7001, 1, date(2026, 1, 5), NOW)
    await pairings.pair(db, made.id, 7002, 1, TODAY, NOW)
    assert await obligations.for_worker(db, 7001, TODAY) == {}
    owed = (await obligations.for_worker(db, 7002, TODAY, history_periods=0))[made.id]
    assert {(o.rule.kind.value, o.status) for o in owed} == {
        ("call", Status.DUE), ("visit", Status.DUE), ("deed", Status.DUE)}


async def test_contacts_meet_obligations_and_deleted_ones_do_not(db: Database) -> None:
    made = await households.create(db, _input(), NOW)
    outcome = await pairings.pair(db, made.id, 7001, 1, date(2026, 1, 5), NOW)
    visit = await contacts.add(db, contacts.NewContact(
        made.id, 7001, ContactKind.VISIT, date(2026, 5, 19), ["comfort", "daily_care"], 2,
        "精神不错", 4, "记得带降压药", outcome.pairing_id), NOW)
    assert visit.services[0].value == "comfort"
    owed = await obligations.for_household(db, made.id, TODAY)
    status = {o.rule.kind.value: o.status for _, o in owed}
    assert status == {"call": Status.MET, "visit": Status.MET, "deed": Status.DUE}
    assert await contacts.delete(db, visit.id, 7001, NOW)
    assert not await contacts.delete(db, visit.id, 7002, NOW)
    owed = await obligations.for_household(db, made.id, TODAY)
    assert {o.rule.kind.value: o.status for _, o in owed}["visit"] is Status.DUE
    assert await contacts.for_household(db, made.id) == []


async def test_previous_quarter_missed_shows_for_the_worker(db: Database) -> None:
    made = await households.create(db, _input(), NOW)
    await pairings.pair(db, made.id, 7001, 1, date(2026, 1, 5), NOW)
    owed = (await obligations.for_worker(db, 7001, TODAY))[made.id]
    missed = [o for o in owed if o.status is Status.MISSED]
    assert [(o.rule.kind.value, o.period.key) for o in missed] == [("call", "2026-Q1")]
    ordered = pairings.soonest([(made.id, o) for o in owed])
    assert ordered[0][1].status is Status.MISSED


async def test_import_is_all_in_one_and_updates_by_external_id(db: Database) -> None:
    items = [ImportItem(_input("张", "A1"), 7001, date(2026, 4, 1)),
             ImportItem(_input("李", "A2"))]
    result = await households.import_all(db, items, 1, TODAY, NOW)
    assert (result.created, result.updated, result.paired) == (2, 0, 1)
    again = await households.import_all(db, [ImportItem(_input("张大爷", "A1"), 7002)], 1,
                                        TODAY, NOW)
    assert (again.created, again.updated, again.paired) == (0, 1, 1)
    found = await households.by_external_id(db, "A1")
    assert found is not None and found.name == "张大爷"
    assert [p.worker_id for p in await pairings.active_for_household(db, found.id)] == [7002]
    assert await households.count(db) == (2, 1)


async def test_search_and_worker_lists(db: Database) -> None:
    a = await households.create(db, _input("张大爷", "A1"), NOW)
    await households.create(db, _input("李阿婆", "A2"), NOW)
    await pairings.pair(db, a.id, 7001, 1, TODAY, NOW)
    assert [h.name for h in await households.search(db, "阿婆")] == ["李阿婆"]
    assert [h.name for h in await households.search(db, "A1")] == ["张大爷"]
    assert [h.name for h in await households.search(db, "%")] == []
    assert [h.name for h in await households.search(db, "张", worker_id=7002)] == []
    assert [m.name for m in await pairings.for_worker(db, 7001)] == ["张大爷"]
    assert await pairings.is_paired(db, a.id, 7001)
    assert not await pairings.is_paired(db, a.id, 7002)


async def test_count_matching_counts_what_search_finds_without_a_limit(db: Database) -> None:
    made = [await households.create(db, _input(f"王{n:02d}", f"W{n}"), NOW) for n in range(1, 6)]
    await households.create(db, _input("李阿婆", "A2"), NOW)
    monthly = await pairings.add_program(db, "monthly", [{"kind": "call", "period": "month"}],
                                         NOW)
    for found in made[:3]:
        await pairings.pair(db, found.id, 7001, 1, TODAY, NOW)
    await pairings.pair(db, made[0].id, 7001, monthly.id, TODAY, NOW)  # one household, twice
    assert [h.name for h in await households.search(db, "王", 2)] == ["王01", "王02"]
    assert await households.count_matching(db, "王") == 5
    assert await households.count_matching(db, "W") == 5  # by external id too
    assert [h.name for h in await households.search(db, "王", 10, worker_id=7001)] \
        == ["王01", "王02", "王03"]
    assert await households.count_matching(db, "王", worker_id=7001) == 3
    assert await households.count_matching(db, "W", worker_id=7001) == 0  # a worker: names only
    assert await households.count_matching(db, "王", worker_id=7002) == 0
    assert await households.count_matching(db, "%") == 0


async def test_first_named_finds_archived_households_and_prefers_the_exact_name(
        db: Database) -> None:
    zhang = await households.create(db, _input("张大爷", "A1"), NOW)
    zhangs = await households.create(db, _input("张大爷爷", "A2"), NOW)
    async with db.transaction() as tx:
        await households.archive_in(tx, zhang.id, TODAY, NOW)
    assert await households.search(db, "张大爷") == [await households.get(db, zhangs.id)]
    assert await households.first_named(db, "张大爷") == zhang.id  # archived, exact
    assert await households.first_named(db, "大爷爷") == zhangs.id
    assert await households.first_named(db, "A1") == zhang.id
    assert await households.first_named(db, "%") is None
