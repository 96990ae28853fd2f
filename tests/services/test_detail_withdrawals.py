"""Need to know at the edges of a role, on a real database: details that reach a worker in the
moment their case changed hands are taken back at once, and referrals of a community with
nobody on duty go to that community's coordinators (to every coordinator when it has none)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from bot.domain.reports import Category, Draft, Report, Urgency
from bot.services import referral_notices, staff, withdrawals
from bot.services.context import Services
from storage import people, reports, triage
from storage import referrals as referral_store
from storage.clock import to_db
from storage.db import Database
from storage.referrals import NewReferral
from tests.use_cases import catalog, services_for

NOW = datetime(2026, 11, 18, 2, 0, tzinfo=UTC)
COORDINATOR, LOCAL_COORDINATOR, WORKER, REPORTER = 9001, 9002, 2001, 1001
EAST, GREEN = 1, 2  # 东门社区 (the worker's), 翠竹社区 (nobody's; 9002 joined with it)


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = await Database.open(tmp_path / "z.sqlite3")
    for who, name in ((COORDINATOR, "王协调"), (LOCAL_COORDINATOR, "李协调"),
                      (WORKER, "陈社工"), (REPORTER, "李阿姨")):
        await people.touch(database, who, name, None, NOW, True, "zh-hans")
    async with database.transaction() as tx:
        for name in ("东门社区", "翠竹社区"):
            await tx.execute("INSERT INTO areas (name, created_at) VALUES (?, ?)",
                             (name, to_db(NOW)))
        await tx.execute("UPDATE people SET role = 'worker' WHERE telegram_id = ?", (WORKER,))
        await tx.executemany("INSERT INTO person_areas (telegram_id, area_id) VALUES (?, ?)",
                             [(WORKER, EAST), (LOCAL_COORDINATOR, GREEN)])
    yield database
    await database.close()


def services(db: Database) -> Services:
    """The bot's services with both coordinators configured."""
    return services_for(db, NOW, coordinators=f"{COORDINATOR},{LOCAL_COORDINATOR}")


async def a_report(db: Database) -> Report:
    """A report of 东门社区 with a phone, confirmed as the report flow confirms it."""
    draft = Draft(category=Category.ELDERLY_ALONE, address="东门小区3栋502", area_id=EAST,
                  urgency=Urgency.SOON, phone="13912345678", anonymous=False)
    draft.description = "楼下张大爷腿肿得厉害"
    async with db.transaction() as tx:
        await tx.execute("INSERT INTO flows (telegram_id, name, step, data, started_at, "
                         "updated_at) VALUES (?, 'report', 'confirm', ?, ?, ?)",
                         (REPORTER, json.dumps(draft.to_data()), to_db(NOW), to_db(NOW)))
    submitted = await reports.submit(db, REPORTER, "report", "confirm", NOW, 10)
    assert submitted.report is not None
    return submitted.report


async def edits_to(db: Database, chat_id: int) -> list[tuple[int, str]]:
    """(message id, text) of the edits queued for the chat."""
    rows = await db.fetchall("SELECT target, text FROM outbox WHERE chat_id = ? AND op = 'edit'",
                             (chat_id,))
    return [(int(json.loads(r[0])["message_id"]), str(r[1])) for r in rows]


async def test_details_that_arrive_after_the_case_left_the_worker_are_taken_back_at_once(
        db: Database) -> None:
    """A case's details delivered to its worker are kept to be withdrawn later; details that
    reach him only after he went off duty (the edit of withdrawal queued before they were
    recorded) are withdrawn as soon as they are recorded."""
    used = services(db)
    report = await a_report(db)
    assert (await triage.take(db, report.id, WORKER, NOW)).won
    await withdrawals.shown_case(used, WORKER, 41, report.id, NOW)
    assert await edits_to(db, WORKER) == []  # his case: nothing to take back yet

    assert await staff.deactivate(used, WORKER, COORDINATOR, NOW) is not None
    line = catalog().t("zh", "triage.detail.withdrawn", ref=report.ref)
    assert await edits_to(db, WORKER) == [(41, line)]
    await withdrawals.shown_case(used, WORKER, 42, report.id, NOW)  # late, in that moment
    assert await edits_to(db, WORKER) == [(41, line), (42, line)]


async def referral_of(db: Database, area_id: int, name: str) -> referral_store.Referral:
    """A new referral of the community, as a list brings it."""
    item = NewReferral(f"T-{name}", name, "1234", "13800000000", area_id, "某路1号", "失业",
                       frozenset(), date(2026, 12, 18))
    async with db.transaction() as tx:
        new_id = await referral_store.insert(tx, 1, item, date(2026, 11, 18), NOW, None)
    assert new_id is not None
    found = await referral_store.get(db, new_id)
    assert found is not None
    return found


async def test_referrals_nobody_of_their_community_may_take_go_to_its_coordinators(
        db: Database) -> None:
    """翠竹社区 has no worker: its referral goes to the coordinator who joined with it (Take
    and Assign), not to 东门社区's worker, who may not take it; a referral of 东门社区 goes to
    its worker only. With its coordinator gone from the configuration, a 翠竹社区 referral
    goes to every coordinator."""
    green, east = await referral_of(db, GREEN, "钱秀英"), await referral_of(db, EAST, "赵建国")
    unstaffed = await referral_notices.route(services(db), [green, east], NOW)
    assert unstaffed == (green.id,)
    rows = await db.fetchall("SELECT chat_id, text, buttons FROM outbox ORDER BY id")
    sent = {(int(r[0]), "钱秀英" in r[1]) for r in rows}
    assert sent == {(LOCAL_COORDINATOR, True), (WORKER, False)}
    to_coordinator = next(r for r in rows if r[0] == LOCAL_COORDINATOR)
    assert "没有在岗社工" in to_coordinator[1] and "13800000000" not in to_coordinator[1]
    assert [b[1].split(":")[1] for b in json.loads(to_coordinator[2])[0]] == ["tk", "as"]

    other = await referral_of(db, GREEN, "孙志强")
    await referral_notices.route(services_for(db, NOW, coordinators=str(COORDINATOR)),
                                 [other], NOW)
    rows = await db.fetchall("SELECT chat_id FROM outbox WHERE text LIKE '%孙志强%'")
    assert [int(r[0]) for r in rows] == [COORDINATOR]
