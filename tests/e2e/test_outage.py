"""Telegram unreachable for two hours of the bot's clock, then back: nothing is lost.

A danger-now report's card to the coordinators' group, the weekly digest and a worker's
reminders all fail (502 Bad Gateway, as through a failing proxy) while cron runs
`zhongfu tick` every ten minutes. Each tick says, by its exit status and one line, that
messages wait; doctor counts them. When Telegram is back the next tick delivers each of them
exactly once, and a later tick sends nothing more. (With a coordinators' group configured,
the card and the digest go to the group.)
"""

from __future__ import annotations

import asyncio
import re
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tests.conftest import COORDINATOR_ID, BotProcess, bot_environment
from tests.e2e.reporting import submit_report
from tests.e2e.test_reminders import WORKER, arrange
from tests.rig.server import FakeBotApi

ZONE = ZoneInfo("Asia/Shanghai")
GROUP = -1001999000111
# Tuesday 1 December 2026: the quarter's last month begins (the first reminder of the
# quarter's calls), and the week's digest is due (caught up after Monday).
DAY = datetime(2026, 12, 1, 8, 50, tzinfo=ZONE)


def _states(bot: BotProcess, table: str) -> list[str]:
    with bot.db() as conn:
        return [r[0] for r in conn.execute(f"SELECT state FROM {table} ORDER BY id")]


@pytest.mark.slow
async def test_two_hours_without_telegram_lose_nothing(api: FakeBotApi, tmp_path: Path) -> None:
    group = api.group(GROUP, "协调员群")
    # Messages to one chat 50 ms apart, not a second: the group's digest and card come in
    # one tick without seconds of pacing (Telegram's pace is not what this test is about).
    env = bot_environment(api, tmp_path, ZHONGFU_COORDINATOR_CHAT=str(GROUP),
                          ZHONGFU_LOG_LEVEL="INFO", ZHONGFU_PACE_CHAT_SECONDS="0.05")
    bot = BotProcess(api, env, tmp_path)
    bot.set_clock(DAY)
    await bot.start()
    try:
        coordinator = api.user(COORDINATOR_ID, "王协调", language_code="zh-hans")
        worker = api.user(WORKER, "陈社工", language_code="zh-hans")
        await coordinator.send("/start")
        await coordinator.expect("您好")
        await arrange(bot)
        # Every send fails until Telegram is back: far more failures than two hours of ticks
        # ask for (a million took seconds to make).
        for chat in (GROUP, COORDINATOR_ID, WORKER):
            api.fail_chat(chat, 502, "Bad Gateway", times=10_000)
        resident = api.user(1001, "李阿姨", language_code="zh-hans")
        ref = await submit_report(resident, urgency="danger")
        assert await bot.until(lambda: "failed" in _states(bot, "outbox"), 15)
    finally:
        await bot.stop()
    coordinator.drain()
    worker.drain()

    # Two hours of ticks every ten minutes, Telegram failing throughout.
    start = DAY + timedelta(minutes=10)
    for minutes in range(0, 121, 10):
        at = start + timedelta(minutes=minutes)
        bot.set_clock(at)
        code, out = await bot.cli("tick", "--at", at.isoformat())
        assert code == 1, out
        assert "wait for the next tick" in out, out
    assert "dropped" not in _states(bot, "outbox") + _states(bot, "digests") + _states(
        bot, "reminders")
    assert group.messages == [] and coordinator.drain() == [] and worker.drain() == []
    code, out = await bot.cli("doctor")
    line = next(x for x in out.splitlines() if "outbox:" in x)
    assert line.startswith("✗") and "after a failed send" in line, out

    # Telegram is back.
    api.chat_recovers()
    at = start + timedelta(minutes=130)
    bot.set_clock(at)
    code, out = await bot.cli("tick", "--at", at.isoformat())
    assert code == 0, out
    await asyncio.sleep(0)
    cards = [m for m in group.messages if "新求助" in m.plain and ref in m.plain]
    assert len(cards) == 1, [m.plain for m in group.messages]
    # With a coordinators' group configured, the digest goes there.
    digests = [m for m in group.messages if "每周简报" in m.plain]
    assert len(digests) == 1, [m.plain for m in group.messages]
    reminders = [m for m in worker.messages if "您结对的服务对象" in m.plain]
    assert len(reminders) == 1, [m.plain for m in worker.messages]
    assert "张大爷" in reminders[0].plain and "李阿婆" in reminders[0].plain

    # A later tick sends nothing more.
    counts = len(group.messages), len(coordinator.messages), len(worker.messages)
    at += timedelta(minutes=10)
    bot.set_clock(at)
    code, out = await bot.cli("tick", "--at", at.isoformat())
    assert code == 0, out
    assert (len(group.messages), len(coordinator.messages), len(worker.messages)) == counts
    code, out = await bot.cli("doctor")
    line = next(x for x in out.splitlines() if "outbox:" in x)
    assert line.startswith("✓ outbox: every message to others has gone out"), out


@pytest.mark.stopped
async def test_a_tick_after_telegram_is_back_says_messages_wait_not_that_it_is_down(
        bot: BotProcess, api: FakeBotApi) -> None:
    """One reminder fails (502) and waits five minutes for its next try. A tick meanwhile,
    Telegram answering again, exits 1 as documented (something waits after a failed send)
    but says so, not that Telegram is down; the tick after the wait sends it and exits 0."""
    coordinator = api.user(COORDINATOR_ID, "王协调", language_code="zh-hans")
    worker = api.user(WORKER, "陈社工", language_code="zh-hans")
    await arrange(bot)
    api.fail_chat(WORKER, 502, "Bad Gateway", times=1)
    at = DAY + timedelta(minutes=10)
    bot.set_clock(at)
    code, out = await bot.cli("tick", "--at", at.isoformat())
    assert code == 1, out
    assert "Telegram not reachable or failing" in out and "wait for the next tick" in out, out
    assert not any("您结对的服务对象" in m.plain for m in worker.drain())
    coordinator.drain()

    at += timedelta(minutes=1)  # the reminder's next try is four minutes away
    bot.set_clock(at)
    code, out = await bot.cli("tick", "--at", at.isoformat())
    assert code == 1, out
    assert "not reachable" not in out and "Telegram answered" in out, out
    assert re.search(r"\d+ message\(s\) wait to be tried again at a later tick", out), out
    assert worker.drain() == []

    at += timedelta(minutes=5)
    bot.set_clock(at)
    code, out = await bot.cli("tick", "--at", at.isoformat())
    assert code == 0, out
    assert [m for m in worker.drain() if "您结对的服务对象" in m.plain], "sent once it was due"
