"""End to end: the date of a contact typed the way people say it (昨天, 15号, yesterday)."""

from __future__ import annotations

from datetime import datetime, timedelta

from tests.conftest import ZONE, BotProcess
from tests.e2e.reporting import label
from tests.e2e.test_households import paired_setup
from tests.rig.server import FakeBotApi


async def test_a_worker_types_zuotian_and_the_contact_is_dated_yesterday(
        bot: BotProcess, api: FakeBotApi) -> None:
    worker, _ = await paired_setup(bot, api)
    await worker.send("/log")
    await worker.press("📞 电话")
    await worker.expect("是哪天的事")
    await worker.send("明天")  # understood, and refused as a day still to come
    await worker.expect("日期不能是以后的日子")
    await worker.send("昨天")
    await worker.expect("提供了哪些服务")
    await worker.press("精神慰藉")
    await worker.press("好了 ✔")
    await worker.press("1")
    for _ in range(3):  # note, wellbeing, note for the next visitor
        await worker.press("跳过")
    yesterday = (bot.today() - timedelta(days=1)).isoformat()
    await worker.expect(f"已保存：张大爷.*{yesterday}")
    with bot.db() as conn:
        assert conn.execute("SELECT day FROM contacts").fetchone()[0] == yesterday


async def test_typed_words_and_month_names_are_taken_in_english(
        bot: BotProcess, api: FakeBotApi) -> None:
    _, worker = await paired_setup(bot, api)
    for typed, days_back in (("yesterday", 1), ("the day before yesterday", 2)):
        await worker.send("/log")
        await worker.press("📞 Call")
        await worker.expect("When was it")
        await worker.send(typed)
        await worker.expect("Which services")
        await worker.press("Done ✔")
        await worker.press("1")
        for _ in range(3):
            await worker.press("Skip")
        day = (bot.today() - timedelta(days=days_back)).isoformat()
        await worker.expect(f"Saved: 李阿婆, 📞 Call on {day}")
    await worker.send("/log")
    await worker.press("🏠 Home visit")
    await worker.expect("When was it")
    day = bot.today() - timedelta(days=3)
    await worker.send(day.strftime("%b %d").replace(" 0", " "))  # Nov 15
    await worker.expect("Which services")
    await worker.send("/cancel")


async def test_a_day_its_month_does_not_have_is_answered_as_such(
        bot: BotProcess, api: FakeBotApi) -> None:
    """On 1 March, 30号 is last month's 30th, and February has none: the worker is told so
    (not that the date was not understood), and the step waits for the right day."""
    bot.set_clock(datetime(2027, 3, 1, 10, 0, tzinfo=ZONE))
    await bot.restart()
    chen, liu = await paired_setup(bot, api)
    await chen.send("/log")
    await chen.press("📞 电话")
    await chen.expect("是哪天的事")
    await chen.send("30号")
    told = await chen.expect("没有30号")
    assert told.plain == label("zh", "flowkit.no_such_day", year=2027, month="2月", day=30,
                               days=28)
    assert told.plain.startswith("2027年2月没有30号，那个月只有28天。"), told.plain
    await chen.send("28号")
    await chen.expect("提供了哪些服务")
    await chen.send("/cancel")

    await liu.send("/log")
    await liu.press("📞 Call")
    await liu.expect("When was it")
    await liu.send("Feb 29")  # 2027 is no leap year
    told = await liu.expect("There is no day")
    assert told.plain.startswith("There is no day 29 in Feb 2027: that month ends on day 28."), \
        told.plain
    await liu.send("Feb 28")
    await liu.expect("Which services")
    await liu.send("/cancel")
