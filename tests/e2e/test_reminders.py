"""End to end: a quarter of reminders and the weekly digest, driven only by `tick --at`.

The scenario's quarter is the one before the bot's current quarter, so that a call can be
logged from the reminder's button with a date in the past (the log flow refuses future dates
and dates more than a year back). The ticks run with the bot stopped; the bot is started only
to press the button (it does no scheduled work of its own in these tests).
"""

from __future__ import annotations

import asyncio
import re
import sys
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.domain.cadence import Stage, stage_start
from bot.domain.periods import PeriodKind, period_containing
from tests.conftest import BotProcess
from tests.e2e.helpers_triage import take_off_duty
from tests.rig.server import FakeBotApi, FakeUser
from tests.use_cases import catalog

CATALOG = catalog()
ZONE = ZoneInfo("Asia/Shanghai")
STAMP = "2024-01-01T00:00:00.000000+00:00"
WORKER = 7001


def t(key: str, **values: object) -> str:
    """A Chinese text as the fake user reads it (tags removed)."""
    return re.sub(r"<[^>]+>", "", CATALOG.t("zh", key, **values))


def local_iso(day: date, clock: time = time(9, 0)) -> str:
    """An instant at a local wall time, as `tick --at` takes it."""
    return datetime.combine(day, clock, tzinfo=ZONE).isoformat()


async def tick(bot: BotProcess, day: date, clock: time = time(9, 0)) -> None:
    code, out = await bot.cli("tick", "--at", local_iso(day, clock))
    assert code == 0, out


def to_worker(api: FakeBotApi) -> list[object]:
    """Every message sent (or tried) to the worker."""
    return [p for p in api.calls_to("sendMessage") if str(p.get("chat_id")) == str(WORKER)]


def sends(api: FakeBotApi) -> int:
    return len(api.calls_to("sendMessage")) + len(api.calls_to("sendPhoto"))


async def arrange(bot: BotProcess) -> None:
    """One worker paired, for two years already, with two households; nothing logged."""
    with bot.db() as conn:
        conn.execute(
            "INSERT INTO people (telegram_id, display_name, language, role, active, created_at,"
            " updated_at) VALUES (?, '陈社工', 'zh', 'worker', 1, ?, ?)",
            (WORKER, STAMP, STAMP))
        # The coordinator has opened the bot before (nothing reaches anyone who never has).
        conn.execute(
            "INSERT OR IGNORE INTO people (telegram_id, display_name, role, created_at, "
            "updated_at) VALUES (9001, '王协调', 'coordinator', ?, ?)", (STAMP, STAMP))
        conn.commit()
    path = bot.workdir / "h.csv"
    path.write_text("编号,姓名,社区,地址,人数,类别,结对社工,结对日期\n"
                    f"LH-1,张大爷,东门社区,东门路12号,1,独居老人,{WORKER},2024-01-01\n"
                    f"LH-2,李阿婆,翠竹社区,翠竹路8号,2,低保,{WORKER},2024-01-01\n", "utf-8")
    code, out = await bot.cli("import", "households", str(path))
    assert code == 0, out


# The digest's text and four pictures 50 ms apart, not a second (Telegram's pace in one
# chat is not what this test is about).
@pytest.mark.slow
@pytest.mark.stopped
@pytest.mark.env(ZHONGFU_PACE_CHAT_SECONDS="0.05")
async def test_a_quarter_of_reminders_and_the_digest(
        bot: BotProcess, api: FakeBotApi, coordinator: FakeUser) -> None:
    worker = api.user(WORKER, "陈社工", language_code="zh-hans")
    await arrange(bot)
    quarter = period_containing(PeriodKind.QUARTER, bot.today()).previous()
    first_day = stage_start(quarter, Stage.FIRST)
    final_day = stage_start(quarter, Stage.FINAL)
    call = t("kind.call")

    # A day before the last month begins: nothing for the quarter's calls yet.
    before = sends(api)
    await tick(bot, first_day - timedelta(days=1), time(10, 0))
    assert not any(call in m.plain for m in worker.drain())

    # First reminder: both calls, with one-tap buttons to log each.
    await tick(bot, first_day)
    first = await worker.expect("您结对的服务对象")
    assert "张大爷" in first.plain and "李阿婆" in first.plain
    assert f"张大爷：{call}" in first.plain and "前完成就好" in first.plain
    assert f"{call} · 张大爷" in first.labels
    worker.drain()

    # A second tick at the same instant sends nothing.
    before = sends(api)
    await tick(bot, first_day)
    assert sends(api) == before
    await worker.expect_nothing(0.2)

    # The worker logs the call to 张大爷 from the reminder's button (the bot running now).
    await bot.start()
    await worker.press(f"{call} · 张大爷", in_message=first)
    await worker.expect("是哪天的事")
    await worker.send(first_day.isoformat())
    await worker.expect("提供了哪些服务")
    await worker.press(t("log.button.done"))
    await worker.expect("服务了几个人")
    await worker.press("1")
    await worker.expect("简单写几句")
    await worker.press(t("log.button.skip"))
    await worker.expect("状况怎么样")
    await worker.press(t("log.button.skip"))
    await worker.expect("提醒下次走访的人")
    await worker.press(t("log.button.skip"))
    await worker.expect("已保存")
    await bot.stop()
    worker.drain()

    # Final reminder, 7 days before the end: only 李阿婆's call is still open.
    await tick(bot, final_day)
    final = await worker.expect("您结对的服务对象")
    assert "李阿婆" in final.plain and "还剩 7 天" in final.plain
    assert f"张大爷：{call}" not in final.plain  # the call was logged: silenced
    assert not any(label.startswith(call) and "张大爷" in label for label in final.labels)
    before = sends(api)
    await tick(bot, final_day)
    await tick(bot, final_day, time(15, 0))
    assert sends(api) == before

    # The weekly digest on the first Monday after the quarter: the missed call of 李阿婆
    # and the missed home visits, by worker, with a chart; 张大爷's call is not missed.
    monday = quarter.end + timedelta(days=(7 - quarter.end.weekday()) % 7)
    coordinator.drain()
    await tick(bot, monday)
    digest = await coordinator.expect("每周简报")
    quarter_label = t("when.quarter", year=quarter.start.year,
                      n=(quarter.start.month - 1) // 3 + 1)
    assert f"没完成的任务：上季度（{quarter_label}）的电话" in digest.plain
    assert "陈社工" in digest.plain
    assert f"李阿婆（翠竹社区）：{call}，{quarter_label}" in digest.plain
    assert f"张大爷（东门社区）：{call}，{quarter_label}" not in digest.plain
    assert f"张大爷（东门社区）：{t('kind.visit')}" in digest.plain
    chart = await coordinator.expect(kind="photo")
    assert chart.data is not None and chart.data.startswith(b"\x89PNG")
    before = sends(api)
    await tick(bot, monday)
    await tick(bot, monday + timedelta(days=1))
    assert sends(api) == before


@pytest.mark.stopped
async def test_overdue_and_digest_commands_for_coordinators_only(
        bot: BotProcess, api: FakeBotApi, coordinator: FakeUser) -> None:
    worker = api.user(WORKER, "陈社工", language_code="zh-hans")
    await arrange(bot)
    await bot.start()
    await coordinator.send("/overdue")
    listing = await coordinator.expect("逾期任务")
    assert "陈社工" in listing.plain and "张大爷" in listing.plain and "李阿婆" in listing.plain
    await coordinator.press("翠竹社区")
    only = await coordinator.expect("社区：翠竹社区")
    assert "李阿婆" in only.plain and "张大爷" not in only.plain
    await coordinator.send("/overdue 陈社工")
    mine = await coordinator.expect("社工：陈社工")
    assert "张大爷" in mine.plain
    await coordinator.send("/overdue 没有这个人")
    await coordinator.expect("没有找到")
    await coordinator.send("/digest")
    # the pictures are drawn before the text goes out; matplotlib's first use takes seconds
    await coordinator.expect("每周简报", timeout=60)
    await coordinator.expect(kind="photo")
    await worker.send("/overdue")
    await worker.expect("只对管理员开放")
    await worker.send("/digest")
    await worker.expect("只对管理员开放")


@pytest.mark.stopped
async def test_reminders_a_killed_tick_was_sending_go_out_at_the_next_tick(
        bot: BotProcess, api: FakeBotApi) -> None:
    worker = api.user(WORKER, "陈社工", language_code="zh-hans")
    await arrange(bot)
    quarter = period_containing(PeriodKind.QUARTER, bot.today()).previous()
    first_day = stage_start(quarter, Stage.FIRST)
    # A tick (cron's `zhongfu tick`) is killed while it sends the worker's reminder.
    # Only that first send is held (and never answered: its process is gone).
    hold = api.hold("sendMessage", lambda params: str(params.get("chat_id")) == str(WORKER)
                    and not hold.held)
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "tick", "--at", local_iso(first_day), cwd=bot.workdir,
        env=bot.env, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL)
    await hold.reached(timeout=30)
    proc.kill()
    await proc.wait()
    with bot.db() as conn:
        claims = conn.execute("SELECT DISTINCT state, claimed_by FROM reminders").fetchall()
    assert len(claims) == 1 and claims[0][0] == "sending"
    assert claims[0][1].split(":")[1] == str(proc.pid)
    assert not any("您结对的服务对象" in m.plain for m in worker.drain())

    # The next tick, a minute later, sends it at once, not after the ten-minute lease.
    code, out = await bot.cli("tick", "--at", local_iso(first_day, time(9, 1)))
    assert code == 0, out
    assert "took back 2 reminder(s) and digest(s) a stopped process had claimed" in out
    reminder = await worker.expect("您结对的服务对象")
    assert "张大爷" in reminder.plain and "李阿婆" in reminder.plain
    with bot.db() as conn:
        assert [tuple(r) for r in conn.execute("SELECT DISTINCT state FROM reminders")] == [
            ("sent",)]
    # And only once: later ticks send the worker nothing more.
    before = len(to_worker(api))
    await tick(bot, first_day, time(9, 30))
    assert len(to_worker(api)) == before


async def test_reminders_held_back_never_reach_a_worker_taken_off_duty_during_the_run(
        bot: BotProcess, api: FakeBotApi, coordinator: FakeUser) -> None:
    """A tick claims the worker's reminder and Telegram makes their chat wait; the worker is
    taken off duty meanwhile: the reminder (their households by name) is not sent after the
    wait but cancelled, and later ticks send nothing either."""
    worker = api.user(WORKER, "陈社工", language_code="zh-hans")
    await arrange(bot)
    quarter = period_containing(PeriodKind.QUARTER, bot.today()).previous()
    first_day = stage_start(quarter, Stage.FIRST)
    api.fail_chat(WORKER, 429, "Too Many Requests: retry after 6", retry_after=6)
    ticking = asyncio.create_task(tick(bot, first_day))
    assert await api.wait_until(lambda: bool(to_worker(api)), 30)  # held back
    await take_off_duty(coordinator, "陈社工")
    await coordinator.expect("陈社工 已离岗")
    await ticking
    assert not [m.plain for m in worker.messages if "张大爷" in m.plain]
    with bot.db() as conn:
        assert [tuple(r) for r in conn.execute("SELECT DISTINCT state FROM reminders")] == [
            ("cancelled",)]
    await tick(bot, first_day, time(9, 30))
    assert not [m.plain for m in worker.messages if "张大爷" in m.plain]
