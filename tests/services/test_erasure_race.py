"""A reporter erased while their case's details are on their way to the worker: the details
that reach the chat all the same are taken back at once, and the outbox row the erasure
dropped stays dropped. Real SQLite, the outbox sending over real HTTP to the built-in Bot API
server, which holds the send until the erasure is done."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from telegram import Bot

from bot.delivery.outbox import Outbox
from bot.delivery.pacing import Pacer
from bot.domain.reports import Category, Draft, Report, Urgency
from bot.services import erasure, routing, withdrawals
from bot.services.context import Services
from storage import people, reports, triage
from storage.clock import to_db
from storage.db import Database
from tests.rig.server import FakeBotApi
from tests.use_cases import catalog, services_for

NOW = datetime(2026, 11, 18, 2, 0, tzinfo=UTC)
COORDINATOR, WORKER, REPORTER = 9001, 2001, 1001
PHONE = "13912345678"


@pytest.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    async with FakeBotApi() as server:
        yield server


@pytest.fixture
async def bot(api: FakeBotApi) -> AsyncIterator[Bot]:
    async with Bot(api.token, base_url=api.base_url, base_file_url=api.file_url) as b:
        yield b


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = await Database.open(tmp_path / "z.sqlite3")
    for who, name in ((COORDINATOR, "王协调"), (WORKER, "陈社工"), (REPORTER, "李阿姨")):
        await people.touch(database, who, name, None, NOW, True, "zh-hans")
    async with database.transaction() as tx:
        await tx.execute("INSERT INTO areas (name, created_at) VALUES ('东门社区', ?)",
                         (to_db(NOW),))
        await tx.execute("UPDATE people SET role = 'worker' WHERE telegram_id = ?", (WORKER,))
        await tx.execute("INSERT INTO person_areas (telegram_id, area_id) VALUES (?, 1)",
                         (WORKER,))
    yield database
    await database.close()


async def a_taken_report(db: Database) -> Report:
    """A report with a phone, confirmed as the report flow confirms it, taken by the worker."""
    draft = Draft(category=Category.ELDERLY_ALONE, address="东门小区3栋502", area_id=1,
                  urgency=Urgency.SOON, phone=PHONE, anonymous=False)
    draft.description = "楼下张大爷腿肿得厉害"
    async with db.transaction() as tx:
        await tx.execute("INSERT INTO flows (telegram_id, name, step, data, started_at, "
                         "updated_at) VALUES (?, 'report', 'confirm', ?, ?, ?)",
                         (REPORTER, json.dumps(draft.to_data()), to_db(NOW), to_db(NOW)))
    submitted = await reports.submit(db, REPORTER, "report", "confirm", NOW, 10)
    assert submitted.report is not None
    taken = await triage.take(db, submitted.report.id, WORKER, NOW)
    assert taken.won and taken.report is not None
    return taken.report


async def test_details_delivered_while_their_reporter_is_erased_are_taken_back_at_once(
        api: FakeBotApi, bot: Bot, db: Database) -> None:
    """The case's details are claimed and on their way to 陈社工 when the reporter is erased:
    the send succeeds all the same, so the message is edited down to the erasure's line as
    soon as it is known; the row the erasure dropped and blanked is not marked sent."""
    services: Services = services_for(db, NOW, coordinators=str(COORDINATOR))
    chen = api.user(WORKER, "陈社工", language_code="zh-hans")
    await chen.send("/start")
    outbox = Outbox(services, bot, Pacer(per_chat_seconds=0.0))
    report = await a_taken_report(db)
    await routing.send(services, await routing.details_for(
        services, WORKER, report, "triage.refer.heading", name="林社工"), NOW)

    held = api.hold("sendMessage", lambda params: params.get("chat_id") == WORKER)
    sending = asyncio.create_task(outbox.flush())
    await held.reached()  # claimed, and with Telegram
    done = await erasure.erase_person(services, REPORTER, COORDINATOR, NOW)
    assert done.withdrawn == 1 and done.details == 0  # nothing shown yet that it knew of
    held.release()
    await sending
    shown = await chen.expect(PHONE)  # it reached the chat nonetheless

    rows = await db.fetchall("SELECT state, text FROM outbox WHERE op = 'send'")
    assert [(r[0], r[1]) for r in rows] == [("dropped", "")]
    await outbox.flush()
    line = catalog().t("zh", "triage.detail.erased", ref=report.ref)
    now = await chen.expect(r"个人信息已删除")
    assert now.message_id == shown.message_id
    assert now.plain == line and PHONE not in now.plain and not now.buttons
    assert await db.fetchval("SELECT COUNT(*) FROM detail_messages") == 0


async def test_an_erasure_deletes_the_pin_and_photos_shown_with_the_details(
        db: Database) -> None:
    """The worker was shown the text (message 41), a pin (42) and a photo (43) of the case:
    erasing the reporter edits the text down to the erasure's line and deletes the other two,
    which have no text to edit."""
    services: Services = services_for(db, NOW, coordinators=str(COORDINATOR))
    report = await a_taken_report(db)
    await withdrawals.shown_case(services, WORKER, 41, report.id, NOW)
    for media in (42, 43):
        await withdrawals.shown_case(services, WORKER, media, report.id, NOW, withdrawals.MEDIA)
    done = await erasure.erase_person(services, REPORTER, COORDINATOR, NOW)
    assert done.details == 3
    rows = await db.fetchall("SELECT op, target, text FROM outbox WHERE chat_id = ? "
                             "AND op IN ('edit', 'delete') ORDER BY id", (WORKER,))
    line = catalog().t("zh", "triage.detail.erased", ref=report.ref)
    assert [(r[0], json.loads(r[1])["message_id"], r[2]) for r in rows] == [
        ("edit", 41, line), ("delete", 42, ""), ("delete", 43, "")]
