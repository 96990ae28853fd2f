"""Triage storage on real SQLite files: invites, racing takes, changes, escalations, notices."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiosqlite
import pytest

from bot.domain.reports import Category, Draft, Status, Urgency
from bot.domain.triage import InviteProblem
from storage import flows, outbox, people, reports
from storage import triage as store
from storage.clock import to_db
from storage.db import Database
from storage.migrate import migrate
from storage.outbox import Outgoing

NOW = datetime(2026, 11, 28, 4, 0, tzinfo=UTC)
REPORTER, A, B = 1001, 2001, 2002


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = await Database.open(tmp_path / "z.sqlite3")
    for who in (REPORTER, A, B):
        await people.touch(database, who, f"p{who}", None, NOW, False)
    async with database.transaction() as tx:
        await tx.execute("INSERT INTO areas (name, created_at) VALUES ('东门社区', ?)",
                         (to_db(NOW),))
    yield database
    await database.close()


async def new_report(db: Database, *, urgency: str = "danger", area_id: int | None = 1) -> int:
    async with db.transaction() as tx:
        return await tx.execute(
            "INSERT INTO reports (reporter_id, category, description, address, area_id, "
            "urgency, created_at, updated_at) VALUES (?, 'health', '腿肿了好几天', '3栋502', ?, ?, "
            "?, ?)", (REPORTER, area_id, urgency, to_db(NOW), to_db(NOW)))


async def make_worker(db: Database, who: int, code: str) -> None:
    await store.create_invite(db, code, 9001, NOW, NOW + timedelta(days=7))
    assert await store.claim_invite(db, code, who, NOW) is None
    assert await store.join(db, code, who, f"社工{who}", [1], NOW) is None


async def test_invite_is_single_use_and_expires(db: Database) -> None:
    await store.create_invite(db, "inv_AAAAAAAAAA", 9001, NOW, NOW + timedelta(days=7))
    assert await store.claim_invite(db, "inv_BBBBBBBBBB", A, NOW) is InviteProblem.UNKNOWN
    assert await store.claim_invite(db, "inv_AAAAAAAAAA", A, NOW) is None
    assert await store.claim_invite(db, "inv_AAAAAAAAAA", B, NOW) is InviteProblem.USED
    assert await store.join(db, "inv_AAAAAAAAAA", A, "陈社工", [1], NOW) is None
    person = await people.get(db, A)
    assert person is not None and person.role == "worker" and person.area_ids == (1,)
    assert person.display_name == "陈社工"
    await store.create_invite(db, "inv_CCCCCCCCCC", 9001, NOW, NOW + timedelta(days=7))
    late = NOW + timedelta(days=7)
    assert await store.claim_invite(db, "inv_CCCCCCCCCC", B, late) is InviteProblem.EXPIRED


async def test_exactly_one_of_many_racing_takes_wins(db: Database, tmp_path: Path) -> None:
    report_id = await new_report(db)
    for i in range(10):
        await people.touch(db, 3000 + i, f"w{i}", None, NOW, False)
    other = await Database.open(tmp_path / "z.sqlite3")  # a second process, e.g. a tick
    try:
        outcomes = await asyncio.gather(*[
            store.take(db if i % 2 else other, report_id, 3000 + i, NOW) for i in range(10)
        ])
    finally:
        await other.close()
    winners = [o for o in outcomes if o.won]
    assert len(winners) == 1
    report = await reports.get(db, report_id)
    assert report is not None and report.status is Status.ACKNOWLEDGED
    assert report.taken_by == 3000 + outcomes.index(winners[0])
    kinds = [e.kind for e in await reports.events(db, report_id)]
    assert kinds.count("taken") == 1
    assert all(o.report is not None and o.report.taken_by == report.taken_by for o in outcomes)


async def test_change_only_applies_to_the_state_the_caller_saw(db: Database) -> None:
    report_id = await new_report(db)
    await store.take(db, report_id, A, NOW)
    wrong = await store.change(db, report_id, actor=B, now=NOW, kind="resolved",
                               expect=Status.ACKNOWLEDGED, to=Status.RESOLVED, expect_taker=B)
    assert wrong is None
    done = await store.change(db, report_id, actor=A, now=NOW, kind="resolved",
                              expect=Status.ACKNOWLEDGED, to=Status.RESOLVED, detail="ok",
                              expect_taker=A)
    assert done is not None and done.status is Status.RESOLVED
    again = await store.change(db, report_id, actor=A, now=NOW, kind="resolved",
                               expect=Status.ACKNOWLEDGED, to=Status.RESOLVED)
    assert again is None
    released = await store.take(db, report_id, B, NOW)
    assert not released.won


async def test_release_clears_the_taker(db: Database) -> None:
    report_id = await new_report(db)
    await store.take(db, report_id, A, NOW)
    back = await store.change(db, report_id, actor=A, now=NOW, kind="released",
                              expect=Status.ACKNOWLEDGED, to=Status.NEW, keep_taker=False)
    assert back is not None and back.status is Status.NEW and back.taken_by is None
    assert (await store.take(db, report_id, B, NOW)).won


async def test_escalation_levels_are_claimed_once(db: Database) -> None:
    report_id = await new_report(db)
    assert await store.claim_escalation(db, report_id, 1, NOW)
    assert not await store.claim_escalation(db, report_id, 1, NOW)
    assert await store.claim_escalation(db, report_id, 2, NOW)
    assert [r.id for r in await store.waiting(db)] == []
    taken = await new_report(db)
    await store.take(db, taken, A, NOW)
    assert not await store.claim_escalation(db, taken, 1, NOW)


async def test_an_escalation_and_its_alerts_commit_together(db: Database) -> None:
    report_id = await new_report(db)
    alert = Outgoing(9001, "R waited", lang="zh")
    # A failure after the claim inside the transaction leaves neither claim nor alert.
    with pytest.raises(RuntimeError):
        async with db.transaction() as tx:
            assert await store.claim_escalation_in(tx, report_id, 1, NOW)
            await outbox.put(tx, [alert], NOW)
            raise RuntimeError("the process died here")
    assert await db.fetchval("SELECT COUNT(*) FROM outbox") == 0
    async with db.transaction() as tx:
        assert await store.claim_escalation_in(tx, report_id, 1, NOW)
        await outbox.put(tx, [alert], NOW)
    assert [q.text for q in await outbox.claim(db, NOW)] == ["R waited"]
    assert not await store.claim_escalation(db, report_id, 1, NOW)


async def test_routing_targets_and_notices(db: Database) -> None:
    await make_worker(db, A, "inv_AAAAAAAAAA")
    await make_worker(db, B, "inv_BBBBBBBBBB")
    assert await store.route_targets(db, 1) == [A, B]
    assert await store.set_active(db, B, False, NOW)
    assert await store.route_targets(db, 1) == [A]
    assert await store.route_targets(db, None) == [A]
    report_id = await new_report(db)
    assert [r.id for r in await store.unrouted(db, NOW)] == [report_id]
    await store.record_notice(db, report_id, A, 5, "route", NOW)
    assert await store.notified_chats(db, report_id, "route") == {A}
    await store.mark_routed(db, report_id, NOW)
    assert await store.unrouted(db, NOW) == []
    await store.settle_notices(db, report_id)
    assert await store.notices(db, report_id) == []
    assert len(await store.notices(db, report_id, unsettled_only=False)) == 1
    rows = await store.workers(db)
    assert [(w.person.telegram_id, w.person.active) for w in rows] == [(A, True), (B, False)]


async def test_areas_add_rename_retire(db: Database) -> None:
    async with db.transaction() as tx:
        assert await store.add_area_in(tx, "东门社区", NOW) is None
        cuizhu = await store.add_area_in(tx, "翠竹社区", NOW)
        assert cuizhu is not None and cuizhu[1] is False
        assert await store.rename_area_in(tx, 1, "翠竹社区") is None
        assert await store.rename_area_in(tx, 1, "东门") == "东门社区"
        assert await store.rename_area_in(tx, 99, "笋岗") is None
        assert await store.retire_area_in(tx, 1)
        assert not await store.retire_area_in(tx, 1)
        assert await store.add_area_in(tx, "东门", NOW) == (1, True)  # the retired one back


async def test_migration_from_version_2_keeps_reports(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    conn = await aiosqlite.connect(str(path), isolation_level=None)
    try:
        await migrate(conn, target=2)
        stamp = to_db(NOW)
        await conn.execute("INSERT INTO people (telegram_id, created_at, updated_at) "
                           "VALUES (1, ?, ?)", (stamp, stamp))
        await conn.execute("INSERT INTO reports (reporter_id, category, description, urgency, "
                           "created_at, updated_at) VALUES (1, 'other', 'xxxxx', 'soon', ?, ?)",
                           (stamp, stamp))
    finally:
        await conn.close()
    db = await Database.open(path)
    try:
        assert await db.fetchval("PRAGMA user_version") >= 3
        assert await db.fetchval("SELECT routed_at FROM reports") is None
        assert await db.fetchval("SELECT COUNT(*) FROM invites") == 0
    finally:
        await db.close()


async def test_a_report_is_found_by_the_summary_confirmed_on_and_by_its_reporter_only(
        db: Database) -> None:
    await flows.put(db, REPORTER, "report", "confirm", Draft(
        category=Category.HEALTH, description="腿肿了好几天", address="3栋502", area_id=1,
        urgency=Urgency.SOON, anonymous=True).to_data(), NOW)
    made = (await reports.submit(db, REPORTER, "report", "confirm", NOW, 5,
                                 summary_message_id=41)).report
    assert made is not None
    found = await reports.from_summary(db, REPORTER, 41)
    assert found is not None and found.id == made.id
    assert await reports.from_summary(db, REPORTER, 40) is None  # a summary never confirmed
    assert await reports.from_summary(db, A, 41) is None  # message ids are per chat


async def test_the_buttons_of_a_message_sent_are_read_back_in_its_own_chat_only(
        db: Database) -> None:
    reply_button = (("💬 回复社工", "cs:reply:7"),)
    await outbox.enqueue(db, [Outgoing(REPORTER, "留言", (reply_button,))], NOW)
    [row] = await outbox.claim(db, NOW)
    assert await store.sent_button_data(db, REPORTER, 55) == []  # not sent yet
    await outbox.mark_sent(db, [row.id], 55, NOW)
    assert await store.sent_button_data(db, REPORTER, 55) == ["cs:reply:7"]
    assert await store.sent_button_data(db, A, 55) == []  # message ids are per chat
    assert await store.sent_button_data(db, REPORTER, 54) == []
