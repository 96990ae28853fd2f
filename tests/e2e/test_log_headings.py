"""End to end: every question of a log says which household and kind is being logged, also
when the log was begun from a /due button (or a reminder's), which skips both questions."""

from __future__ import annotations

from tests.conftest import BotProcess
from tests.e2e.test_households import paired_setup
from tests.rig.server import FakeBotApi


async def test_a_log_begun_from_due_names_the_household_and_kind_at_each_question(
        bot: BotProcess, api: FakeBotApi) -> None:
    worker, _ = await paired_setup(bot, api)
    await worker.send("/due")
    due = await worker.expect("待办")
    await worker.press("📞 电话 · 张大爷", in_message=due)
    day = await worker.expect("是哪天的事")
    assert "张大爷 · 📞 电话" in day.plain
    await worker.press("今天")
    services = await worker.expect("提供了哪些服务")
    assert "张大爷 · 📞 电话" in services.plain
    await worker.press("精神慰藉")  # the question edited in place keeps its heading
    assert "张大爷 · 📞 电话" in (await worker.expect("已选")).plain
    await worker.press("好了 ✔")
    for question, answer in (("服务了几个人", "1"), ("简单写几句", "跳过"),
                             ("1 很差", "跳过"), ("提醒下次走访的人", "跳过")):
        asked = await worker.expect(question)
        assert "张大爷 · 📞 电话" in asked.plain, asked.plain
        await worker.press(answer)
    await worker.expect("已保存：张大爷")


async def test_the_day_question_of_a_typed_log_names_them_in_english(
        bot: BotProcess, api: FakeBotApi) -> None:
    _, worker = await paired_setup(bot, api)
    await worker.send("/log")
    await worker.press("🏠 Home visit")
    day = await worker.expect("When was it")
    assert "李阿婆 · 🏠 Home visit" in day.plain
