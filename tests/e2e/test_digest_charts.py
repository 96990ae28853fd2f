"""End to end: the digest's pictures, from seeded data, in Chinese and English.

Two coordinators (one reads Chinese, one English), three workers, six households in two
communities, calls logged over three quarters. The weekly digest (`tick --at` a Monday) and
`/digest` send one picture per rule by community and the trend, each captioned with the
share met; early in a quarter the call picture shows the quarter just ended.
"""

from __future__ import annotations

import struct
from datetime import date, datetime, time

import pytest

from tests.conftest import COORDINATOR_ID, ZONE, BotProcess
from tests.rig.objects import BotMessage
from tests.rig.server import FakeBotApi, FakeUser

STAMP = "2024-01-01T00:00:00.000000+00:00"
ENGLISH_COORDINATOR = 9002
WORKERS = {7001: "陈社工", 7002: "刘社工", 7003: "周社工"}
HOUSEHOLDS = [  # external id, name, community, worker
    ("LH-1", "张大爷", "东门社区", 7001), ("LH-2", "李阿婆", "东门社区", 7001),
    ("LH-3", "王奶奶", "东门社区", 7002), ("LH-4", "赵伯伯", "翠竹社区", 7002),
    ("LH-5", "孙阿姨", "翠竹社区", 7003), ("LH-6", "吴爷爷", "翠竹社区", 7003)]
CONTACTS = [  # household, kind, day
    ("LH-1", "call", "2026-04-10"), ("LH-2", "call", "2026-05-10"),
    ("LH-1", "call", "2026-07-10"), ("LH-2", "call", "2026-08-10"),
    ("LH-3", "call", "2026-08-11"), ("LH-4", "call", "2026-09-01"),
    ("LH-1", "call", "2026-10-12"), ("LH-2", "call", "2026-11-02"),
    ("LH-4", "visit", "2026-11-03")]


@pytest.fixture
def bot_env(bot_env: dict[str, str]) -> dict[str, str]:
    """Two coordinators; the digest's messages to one chat 50 ms apart, not a second (what the
    pictures show is tested here, not Telegram's pace)."""
    bot_env["ZHONGFU_COORDINATORS"] = f"{COORDINATOR_ID},{ENGLISH_COORDINATOR}"
    bot_env["ZHONGFU_PACE_CHAT_SECONDS"] = "0.05"
    return bot_env


async def seed(bot: BotProcess) -> None:
    """Workers, households paired since 2025, contacts, and the English coordinator."""
    with bot.db() as conn:
        for telegram_id, name in WORKERS.items():
            conn.execute(
                "INSERT INTO people (telegram_id, display_name, language, role, active,"
                " created_at, updated_at) VALUES (?, ?, 'zh', 'worker', 1, ?, ?)",
                (telegram_id, name, STAMP, STAMP))
        # Both coordinators have opened the bot (nothing reaches anyone who never has).
        conn.execute(
            "INSERT INTO people (telegram_id, display_name, language, role, active, created_at,"
            " updated_at) VALUES (?, 'Ann', 'en', 'coordinator', 1, ?, ?)",
            (ENGLISH_COORDINATOR, STAMP, STAMP))
        conn.execute(
            "INSERT OR IGNORE INTO people (telegram_id, display_name, role, active, created_at,"
            " updated_at) VALUES (?, '王协调', 'coordinator', 1, ?, ?)",
            (COORDINATOR_ID, STAMP, STAMP))
        conn.commit()
    path = bot.workdir / "h.csv"
    rows = [f"{ext},{name},{area},路1号,1,低保,{worker},2025-01-01"
            for ext, name, area, worker in HOUSEHOLDS]
    path.write_text("编号,姓名,社区,地址,人数,类别,结对社工,结对日期\n" + "\n".join(rows) + "\n",
                    "utf-8")
    code, out = await bot.cli("import", "households", str(path))
    assert code == 0, out
    workers = {ext: worker for ext, _, _, worker in HOUSEHOLDS}
    with bot.db() as conn:
        for ext, kind, day in CONTACTS:
            (household,) = conn.execute("SELECT id FROM households WHERE external_id = ?",
                                        (ext,)).fetchone()
            conn.execute(
                "INSERT INTO contacts (household_id, worker_id, kind, day, created_at,"
                " updated_at) VALUES (?, ?, ?, ?, ?, ?)",
                (household, workers[ext], kind, day, STAMP, STAMP))
        conn.commit()


async def tick(bot: BotProcess, day: date) -> None:
    code, out = await bot.cli("tick", "--at", datetime.combine(day, time(9, 0), ZONE).isoformat())
    assert code == 0, out


def width(message: BotMessage) -> int:
    assert message.data is not None and message.data.startswith(b"\x89PNG")
    return int(struct.unpack(">I", message.data[16:20])[0])


async def pictures(user: FakeUser, count: int = 4) -> list[BotMessage]:
    """The next `count` pictures the user gets, each 1080 px wide."""
    found = [await user.expect(kind="photo", timeout=60) for _ in range(count)]
    assert [width(m) for m in found] == [1080] * count
    return found


@pytest.mark.slow
@pytest.mark.stopped
async def test_weekly_digest_pictures_in_both_languages(
        bot: BotProcess, api: FakeBotApi, coordinator: FakeUser) -> None:
    english = api.user(ENGLISH_COORDINATOR, "Ann", language_code="en")
    await seed(bot)

    # Monday 16 November: Q4 more than half gone, so each rule's running period is shown.
    await tick(bot, date(2026, 11, 16))
    await coordinator.expect("每周简报")
    call, visit, deed, trend = await pictures(coordinator)
    assert "2026年第4季度 · 电话（每季度）：3/6 已完成（50%）" in call.plain
    assert "1 位社工这个季度还没打过一次电话：/overdue" in call.plain
    assert "2026年下半年 · 上门走访（每半年）：1/6 已完成（17%）" in visit.plain
    assert "2 位社工这半年还没上门走访过" in visit.plain
    assert "2026年 · 办实事（每年）：0/6 已完成（0%）" in deed.plain
    assert "近几期的完成率" in trend.plain
    assert "图中编号" not in call.plain or "东门社区" in call.plain  # names, drawn or listed

    await english.expect("Weekly digest")
    call_en, _, _, trend_en = await pictures(english)
    assert "Q4 2026 · Call (quarterly): 3/6 done (50%)" in call_en.plain
    assert "1 worker has not logged a call this quarter yet: /overdue" in call_en.plain
    assert "Share done over the last periods" in trend_en.plain

    # Monday 5 October: Q4 four days old, so the call picture is Q3's, against Q2.
    await tick(bot, date(2026, 10, 5))
    await coordinator.expect("每周简报")
    call, visit, _, _ = await pictures(coordinator)
    assert "2026年第3季度 · 电话（每季度）（已结束）：4/6 完成了（67%）" in call.plain
    assert "2026年第2季度是 33%，多了 34 个百分点" in call.plain
    assert "1 位社工上个季度一次电话都没打：/overdue" in call.plain
    assert "2026年下半年 · 上门走访" in visit.plain  # H2 is past a quarter: still running
    await english.expect("Weekly digest")
    call_en, *_ = await pictures(english)
    assert "Q3 2026 · Call (quarterly) (ended): 4/6 done (67%)" in call_en.plain
    assert "Q2 2026: 33%, up 34 points" in call_en.plain


@pytest.mark.stopped
async def test_digest_command_sends_the_pictures(
        bot: BotProcess, api: FakeBotApi, coordinator: FakeUser) -> None:
    english = api.user(ENGLISH_COORDINATOR, "Ann", language_code="en")
    await seed(bot)
    await bot.start()
    # Telegram's first two answers to the first picture are a flood wait and a bad gateway:
    # it is tried again, and comes once.
    api.fail_next("sendPhoto", 429, "Too Many Requests: retry after 1", retry_after=1)
    api.fail_next("sendPhoto", 502, "Bad Gateway")
    await english.send("/digest")
    # matplotlib builds its font list on first use in the bot's fresh HOME: seconds
    await english.expect("Weekly digest", timeout=60)
    call, *_ = await pictures(english)
    assert "Q4 2026 · Call (quarterly): 3/6 done (50%)" in call.plain  # the bot's today
    assert len([m for m in english.messages if m.kind == "photo"]) == 4
    # A picture Telegram refuses: its figures still come, as text, and the others after it.
    api.fail_next("sendPhoto", 400, "Bad Request: PHOTO_INVALID_DIMENSIONS")
    await coordinator.send("/digest")
    await coordinator.expect("每周简报")
    call = await coordinator.expect("2026年第4季度 · 电话（每季度）：3/6 已完成（50%）",
                                    kind="text")
    *_, trend = await pictures(coordinator, 3)
    assert "近几期的完成率" in trend.plain
