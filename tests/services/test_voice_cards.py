"""New-report cards merged into one message (several waited for one chat) word a voice for
their reader: a worker hears it once they take the case, a coordinator may open it now; the
merged card redrawn when one report is taken keeps that. Real SQLite, the outbox sending
over real HTTP to the built-in Bot API server."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from telegram import Bot

from bot.delivery.outbox import Outbox
from bot.delivery.pacing import Pacer
from bot.domain.reports import Category, Draft, Report, Urgency
from bot.services import cases, routing
from bot.services.context import Services
from storage import people, reports
from storage.clock import to_db
from storage.db import Database
from tests.rig.server import FakeBotApi, FakeUser
from tests.use_cases import services_for

NOW = datetime(2026, 11, 18, 2, 0, tzinfo=UTC)
COORDINATOR, WORKER = 9001, 2001
FOR_WORKER = "🎤 语音留言（42 秒，接手后可以听）"
FOR_COORDINATOR = "🎤 语音留言（42 秒，发 /cases 打开就能听）"


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
    await people.touch(database, COORDINATOR, "王协调", None, NOW, True, "zh-hans")
    await people.touch(database, WORKER, "陈社工", None, NOW, False, "zh-hans")
    async with database.transaction() as tx:
        await tx.execute("INSERT INTO areas (name, created_at) VALUES ('东门社区', ?)",
                         (to_db(NOW),))
        await tx.execute("UPDATE people SET role = 'worker' WHERE telegram_id = ?", (WORKER,))
        await tx.execute("INSERT INTO person_areas (telegram_id, area_id) VALUES (?, 1)",
                         (WORKER,))
    yield database
    await database.close()


async def voice_report(db: Database, reporter: int) -> Report:
    """A report said in a voice note of 42 s, confirmed as the report flow confirms it."""
    await people.touch(db, reporter, f"居民{reporter}", None, NOW, False, "zh-hans")
    draft = Draft(category=Category.ELDERLY_ALONE, address="东门小区3栋", area_id=1,
                  urgency=Urgency.SOON, anonymous=True)
    draft.say_voice(f"voice-of-{reporter}", 42)
    async with db.transaction() as tx:
        await tx.execute("INSERT INTO flows (telegram_id, name, step, data, started_at, "
                         "updated_at) VALUES (?, 'report', 'confirm', ?, ?, ?)",
                         (reporter, json.dumps(draft.to_data()), to_db(NOW), to_db(NOW)))
    submitted = await reports.submit(db, reporter, "report", "confirm", NOW, 10)
    assert submitted.report is not None
    return submitted.report


async def started(api: FakeBotApi, who: int) -> FakeUser:
    """A person who has opened the bot (Telegram lets it write to them)."""
    user = api.user(who, str(who), language_code="zh-hans")
    await user.send("/start")
    return user


async def test_merged_cards_word_a_voice_for_workers_and_for_coordinators(
        api: FakeBotApi, bot: Bot, db: Database) -> None:
    services: Services = services_for(db, NOW, coordinators=str(COORDINATOR))
    boss, chen = await started(api, COORDINATOR), await started(api, WORKER)
    outbox = Outbox(services, bot, Pacer(per_chat_seconds=0.0))
    first, second = await voice_report(db, 1001), await voice_report(db, 1002)
    for report in (first, second):  # both cards wait: one message each chat
        await routing.route(services, report, NOW)
    await outbox.flush()

    merged = await boss.expect(r"2 条新求助")
    assert merged.plain.count(FOR_COORDINATOR) == 2 and FOR_WORKER not in merged.plain
    theirs = await chen.expect(r"2 条新求助")
    assert theirs.plain.count(FOR_WORKER) == 2 and FOR_COORDINATOR not in theirs.plain

    taken = await cases.take(services, first, WORKER, NOW)
    assert taken.won and taken.report is not None
    taker = await people.get(db, WORKER)
    await routing.settle(services, taken.report, taker, NOW)
    await outbox.flush()
    redrawn = await boss.expect(r"已有人接手")
    assert redrawn.message_id == merged.message_id
    assert redrawn.plain.count(FOR_COORDINATOR) == 1 and FOR_WORKER not in redrawn.plain
    theirs = await chen.expect(r"已有人接手")
    assert theirs.plain.count(FOR_WORKER) == 1 and FOR_COORDINATOR not in theirs.plain
