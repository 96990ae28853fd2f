"""Aid from a case, over a real SQLite file: who may record it is read when they record it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.services import aid as ledger
from storage import people
from storage import triage as store
from storage.clock import to_db
from storage.db import Database
from tests.use_cases import services_for

NOW = datetime(2026, 5, 20, 2, 0, tzinfo=UTC)
REPORTER, WORKER, OTHER, COORDINATOR = 1001, 7001, 7002, 9005


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = await Database.open(tmp_path / "z.sqlite3")
    await people.touch(database, REPORTER, "李阿姨", None, NOW, False)
    await people.touch(database, COORDINATOR, "二号协调", None, NOW, False)
    async with database.transaction() as tx:
        await tx.execute("INSERT INTO areas (name, created_at) VALUES ('东门社区', ?)",
                         (to_db(NOW),))
        for worker_id in (WORKER, OTHER):
            await tx.execute(
                "INSERT INTO people (telegram_id, display_name, role, created_at, updated_at) "
                "VALUES (?, '社工', 'worker', ?, ?)", (worker_id, to_db(NOW), to_db(NOW)))
    yield database
    await database.close()


async def taken_report(db: Database, by: int) -> int:
    async with db.transaction() as tx:
        report_id: int = await tx.execute(
            "INSERT INTO reports (reporter_id, category, description, address, area_id, "
            "urgency, created_at, updated_at) VALUES (?, 'health', '腿肿了好几天', '3栋502', 1, "
            "'soon', ?, ?)", (REPORTER, to_db(NOW), to_db(NOW)))
    await store.take(db, report_id, by, NOW)
    return report_id


async def test_aid_from_a_case_is_for_its_holder_or_a_coordinator_as_of_now(
        db: Database) -> None:
    held = await taken_report(db, WORKER)
    by_coordinator = await taken_report(db, COORDINATOR)
    configured = services_for(db, NOW, coordinators=f"9001,{COORDINATOR}")
    assert await ledger.may_record_case(configured, WORKER, False, held) is not None
    assert await ledger.may_record_case(configured, OTHER, False, held) is None
    assert await ledger.may_record_case(configured, COORDINATOR, True, held) is not None
    assert await ledger.may_record_case(configured, COORDINATOR, True, by_coordinator)
    # Removed from ZHONGFU_COORDINATORS: not even the case they hold.
    removed = services_for(db, NOW, coordinators="9001")
    assert await ledger.may_record_case(removed, COORDINATOR, True, by_coordinator) is None
    # A worker taken off duty keeps nothing either.
    async with db.transaction() as tx:
        await tx.execute("UPDATE people SET active = 0 WHERE telegram_id = ?", (WORKER,))
    assert await ledger.may_record_case(configured, WORKER, False, held) is None
