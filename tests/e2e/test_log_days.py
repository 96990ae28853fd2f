"""End to end: the date of a contact typed the way people say it (昨天, 15号, yesterday)."""

from __future__ import annotations

from datetime import timedelta

from tests.conftest import BotProcess
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
