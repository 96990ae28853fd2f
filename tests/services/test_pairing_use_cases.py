"""Use cases over a real SQLite file: a pairing and a new household carry their audit entry
(and, from a case, the creator's pairing) in the same save."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from bot.domain.households import Category, HouseholdInput
from bot.services import household_edits
from bot.services import pairings as pairing_cases
from bot.services.context import Services
from storage import areas, audit, households, pairings
from storage.clock import to_db
from storage.db import Database
from tests.use_cases import services_for

NOW = datetime(2026, 5, 20, 2, 0, tzinfo=UTC)
TODAY = date(2026, 5, 20)
WORKER, OTHER, RESIDENT, COORDINATOR = 7001, 7002, 5001, 9001
HOUSEHOLD = HouseholdInput("张大爷", 1, "东门路12号", 1, Category.ELDERLY_ALONE, "腿脚不便",
                           "探望", None, None)


@pytest.fixture
async def db(tmp_path: Path):  # type: ignore[no-untyped-def]
    database = await Database.open(tmp_path / "z.sqlite3")
    await areas.seed(database, ["东门社区"], NOW)
    async with database.transaction() as tx:
        for who, name, role in ((WORKER, "陈社工", "worker"), (OTHER, "刘社工", "worker"),
                                (RESIDENT, "李阿姨", "resident")):
            await tx.execute(
                "INSERT INTO people (telegram_id, display_name, role, created_at, updated_at) "
                "VALUES (?, ?, ?, ?, ?)", (who, name, role, to_db(NOW), to_db(NOW)))
    yield database
    await database.close()


def services(db: Database) -> Services:
    return services_for(db, NOW, coordinators=str(COORDINATOR))


async def _report_taken_by(db: Database, worker: int) -> int:
    async with db.transaction() as tx:
        return await tx.execute(
            "INSERT INTO reports (reporter_id, category, description, urgency, status, "
            "taken_by, taken_at, created_at, updated_at) "
            "VALUES (?, 'elderly_alone', '楼上老人没人照顾', 'soon', 'acknowledged', ?, ?, ?, ?)",
            (RESIDENT, worker, to_db(NOW), to_db(NOW), to_db(NOW)))


async def test_a_pairing_and_its_handover_are_audited_and_a_repeat_is_not(db: Database) -> None:
    made = await households.create(db, HOUSEHOLD, NOW, by=COORDINATOR)
    first = await pairing_cases.pair(services(db), COORDINATOR, made.id, WORKER, 1, TODAY, NOW)
    assert first.changed and first.previous_worker is None
    same = await pairing_cases.pair(services(db), COORDINATOR, made.id, WORKER, 1, TODAY, NOW)
    assert not same.changed
    handover = await pairing_cases.pair(services(db), COORDINATOR, made.id, OTHER, 1, TODAY,
                                        NOW)
    assert handover.changed and handover.previous_worker == WORKER
    assert [p.worker_id for p in await pairings.active_for_household(db, made.id)] == [OTHER]
    trail = await audit.entries(db, limit=10)
    assert [(e.action, e.detail) for e in reversed(trail)] == [
        ("pairing.create", {"worker": WORKER, "replaced_worker": None}),
        ("pairing.create", {"worker": OTHER, "replaced_worker": WORKER}),
    ]


async def test_a_household_made_from_my_case_is_linked_paired_and_audited(db: Database) -> None:
    report_id = await _report_taken_by(db, WORKER)
    created = await household_edits.create(services(db), WORKER, HOUSEHOLD, TODAY, NOW,
                                           report_id)
    assert created.paired and created.household.name == "张大爷"
    assert [p.worker_id for p in await pairings.active_for_household(
        db, created.household.id)] == [WORKER]
    assert [r.id for r in await households.linked_reports(
        db, created.household.id)] == [report_id]
    assert [e.action for e in await audit.entries(db)] == ["household.create"]


async def test_a_household_made_from_someone_elses_case_is_linked_not_paired(
        db: Database) -> None:
    report_id = await _report_taken_by(db, OTHER)
    created = await household_edits.create(services(db), COORDINATOR, HOUSEHOLD, TODAY, NOW,
                                           report_id)
    assert not created.paired
    assert await pairings.active_for_household(db, created.household.id) == []
    assert [r.id for r in await households.linked_reports(
        db, created.household.id)] == [report_id]


async def test_an_edit_keeps_the_old_values_in_the_trail(db: Database) -> None:
    made = await households.create(db, HOUSEHOLD, NOW, by=COORDINATOR)
    changed = HouseholdInput("张大爷", 1, "东门路14号", 2, Category.ELDERLY_ALONE, "腿脚不便",
                             "探望", None, None)
    updated = await household_edits.edit(services(db), COORDINATOR, made.id, changed, NOW)
    assert updated is not None and updated.address == "东门路14号"
    [entry] = await audit.entries(db)
    assert entry.action == "household.edit" and entry.detail["old"]["address"] == "东门路12号"


async def test_the_pairing_notice_names_only_what_the_new_worker_owes(db: Database) -> None:
    made = await households.create(db, HOUSEHOLD, NOW, by=COORDINATOR)
    monthly = await pairings.add_program(db, "月访", [{"kind": "visit", "period": "month"}], NOW)
    # 刘社工 has held the household under the one-to-one programme since January ...
    await pairing_cases.pair(services(db), COORDINATOR, made.id, OTHER, 1, date(2026, 1, 1), NOW)
    # ... and 陈社工 under the monthly visit only, from the first of this month
    await pairing_cases.pair(services(db), COORDINATOR, made.id, WORKER, monthly.id,
                             date(2026, 5, 1), NOW)
    zh = await pairing_cases.owed_line(services(db), "zh", WORKER, made.id, "张大爷", TODAY)
    assert str(zh) == "• <b>张大爷</b> 本期还要做：🏠 上门走访（本月，截止2026年5月31日）"
    en = await pairing_cases.owed_line(services(db), "en", WORKER, made.id, "张大爷", TODAY)
    assert str(en) == ("• <b>张大爷</b> still needs this period: "
                       "🏠 Home visit (this month, by 31 May 2026)")
    # 刘社工's own notice still names the call, visit and deed of the one-to-one programme
    theirs = await pairing_cases.owed_line(services(db), "zh", OTHER, made.id, "张大爷", TODAY)
    assert "📞 电话" in str(theirs) and "🤲 办实事" in str(theirs), str(theirs)
