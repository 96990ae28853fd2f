"""The aid ledger in a real SQLite file: funds, entries, corrections and totals."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from bot.domain.aid import AidKind, Purpose
from bot.domain.households import Category, HouseholdInput
from storage import aid, areas, audit, households
from storage.aid import NewAid
from storage.clock import to_db
from storage.db import Database

NOW = datetime(2026, 5, 20, 2, 0, tzinfo=UTC)
WORKER = 7001


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


async def _household(db: Database, name: str) -> int:
    made = await households.create(db, HouseholdInput(name, 1, "东门路1号", 1, Category.DIBAO,
                                                      "", "", None, None), NOW, by=9001)
    return made.id


def _new(household_id: int, fen: int, fund_id: int = 1, day: date = date(2026, 5, 19),
         purpose: Purpose = Purpose.MEDICAL, kind: AidKind = AidKind.CASH) -> NewAid:
    return NewAid(household_id, WORKER, kind, fen, fund_id, purpose, day)


async def test_the_districts_funds_are_seeded(db: Database) -> None:
    names = [f.name for f in await aid.funds(db)]
    assert names == ["区慈善会（大爱罗湖）", "街道慈善基金", "社区基金", "爱心企业捐赠", "政府救助"]


async def test_funds_are_added_once_and_retired_without_losing_history(db: Database) -> None:
    added = await aid.add_fund(db, "某公司爱心捐赠", 9001, NOW)
    assert added is not None and await aid.add_fund(db, "某公司爱心捐赠", 9001, NOW) is None
    hid = await _household(db, "张大爷")
    assert await aid.add(db, _new(hid, 10000, added.id), NOW) is not None
    assert await aid.retire_fund(db, added.id, 9001, NOW)
    assert not await aid.retire_fund(db, added.id, 9001, NOW)
    assert added.id not in {f.id for f in await aid.funds(db)}
    assert added.id in {f.id for f in await aid.funds(db, include_retired=True)}
    # A retired fund takes no new aid, and nothing is half-saved.
    assert await aid.add(db, _new(hid, 500, added.id), NOW) is None
    assert (await aid.household_total(db, hid)).entries == 1
    actions = [e.action for e in await audit.entries(db, object_type="fund")]
    assert set(actions) == {"fund.add", "fund.retire"}


async def test_entries_are_exact_audited_and_corrected(db: Database) -> None:
    hid = await _household(db, "张大爷")
    first = await aid.add(db, _new(hid, 10), NOW)
    second = await aid.add(db, _new(hid, 20), NOW)
    assert first is not None and second is not None
    assert (await aid.household_total(db, hid)).amount_fen == 30
    redone = await aid.add(db, _new(hid, 25), NOW, replaces=first.id)
    assert redone is not None
    assert [a.amount_fen for a in await aid.for_household(db, hid)] == [25, 20]
    assert not await aid.delete(db, second.id, WORKER + 1, NOW)  # not one's own
    assert await aid.delete(db, second.id, WORKER, NOW)
    assert (await aid.household_total(db, hid)).amount_fen == 25
    trail = [e.action for e in await audit.entries(db, object_type="household")]
    assert trail.count("aid.add") == 3 and "aid.delete" in trail


async def test_totals_by_fund_and_purpose_for_a_date_range(db: Database) -> None:
    a, b = await _household(db, "张大爷"), await _household(db, "李阿姨")
    await aid.add(db, _new(a, 100_00, 1, date(2026, 1, 5)), NOW)
    await aid.add(db, _new(a, 50_50, 1, date(2026, 3, 1), Purpose.EDUCATION), NOW)
    await aid.add(db, _new(b, 20_00, 2, date(2026, 3, 2), Purpose.LIVING, AidKind.IN_KIND), NOW)
    await aid.add(db, _new(b, 999_00, 1, date(2025, 12, 31)), NOW)  # last year
    gone = await aid.add(db, _new(b, 7_00, 3, date(2026, 2, 2)), NOW)
    assert gone is not None and await aid.delete(db, gone.id, WORKER, NOW)
    by_fund = await aid.totals_by_fund(db, date(2026, 1, 1), date(2026, 12, 31))
    assert [(t.name, t.amount_fen, t.entries, t.households) for t in by_fund] == [
        ("区慈善会（大爱罗湖）", 150_50, 2, 1), ("街道慈善基金", 20_00, 1, 1),
        ("社区基金", 0, 0, 0), ("爱心企业捐赠", 0, 0, 0), ("政府救助", 0, 0, 0)]
    by_purpose = await aid.totals_by_purpose(db, date(2026, 1, 1), date(2026, 12, 31))
    assert [(t.key, t.amount_fen, t.households) for t in by_purpose] == [
        ("medical", 100_00, 1), ("education", 50_50, 1), ("living", 20_00, 1)]
    overall = await aid.reached(db, date(2026, 1, 1), date(2026, 12, 31))
    assert (overall.amount_fen, overall.entries, overall.households) == (170_50, 3, 2)
