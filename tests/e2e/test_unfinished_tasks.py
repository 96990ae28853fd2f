"""End to end: a task half done is never dropped by starting another. The person is told which
task is open and how to carry on or leave it (/cancel), and is asked its question again."""

from __future__ import annotations

from tests.conftest import BotProcess
from tests.e2e.helpers_triage import invite_code
from tests.e2e.test_households import HEADER, add_worker, import_csv, paired_setup
from tests.rig.server import FakeBotApi, FakeUser


def flow_of(bot: BotProcess, telegram_id: int) -> tuple[str, str] | None:
    """The person's open task: its flow and step."""
    with bot.db() as conn:
        row = conn.execute("SELECT name, step FROM flows WHERE telegram_id = ?",
                           (telegram_id,)).fetchone()
    return None if row is None else (row[0], row[1])


async def _log_to_the_note(worker: FakeUser) -> None:
    await worker.send("/log")
    await worker.expect("这次做了什么")
    await worker.press("🏠 上门走访")
    await worker.press("昨天")
    await worker.expect("提供了哪些服务")
    await worker.press("精神慰藉")
    await worker.expect("已选：精神慰藉")
    await worker.press("好了 ✔")
    await worker.press("2")
    await worker.expect("简单写几句")


async def test_report_sent_in_the_middle_of_a_log_keeps_the_log(
        bot: BotProcess, api: FakeBotApi) -> None:
    worker, _ = await paired_setup(bot, api)
    await _log_to_the_note(worker)
    await worker.send("/report")  # a neighbour stops the worker in the street
    said = await worker.expect("您还有一件事没办完")
    assert "记一笔服务记录" in said.plain and "/cancel" in said.plain
    await worker.expect("简单写几句")  # the open question, asked again
    assert flow_of(bot, worker.id) == ("log", "note")
    await worker.send("精神不错，腿还肿")  # it answers the question on screen
    await worker.expect("1 很差，5 很好")
    await worker.press("跳过")
    await worker.press("跳过")
    await worker.expect("已保存：张大爷")
    with bot.db() as conn:
        assert conn.execute("SELECT note FROM contacts").fetchone()[0] == "精神不错，腿还肿"
    await worker.send("/report")  # nothing open now: the report begins
    await worker.expect("出了什么事")


async def test_an_invite_link_opened_in_the_middle_of_a_report_keeps_the_report(
        bot: BotProcess, resident: FakeUser, coordinator: FakeUser) -> None:
    await resident.send("/report")
    await resident.press("👵 独居老人")
    await resident.send("楼下张大爷腿肿得厉害，好几天没出门了")
    await resident.expect("需要帮助的是谁")
    code = await invite_code(coordinator)
    await resident.send(f"/start {code}")  # the invite a coordinator sent them
    said = await resident.expect("您还有一件事没办完")
    assert "填写求助" in said.plain and "/cancel" in said.plain
    await resident.expect("需要帮助的是谁")
    assert flow_of(bot, resident.id) == ("report", "subject")
    # The link was not used up: once the report is left, it still works.
    await resident.send("/cancel")
    await resident.expect("这次求助没有提交")
    await resident.send(f"/start {code}")
    await resident.expect("请写下您的姓名")


async def test_the_same_command_again_goes_on_with_the_task_open(
        bot: BotProcess, coordinator: FakeUser) -> None:
    add_worker(bot, 7001, "陈社工", "zh")
    await import_csv(bot, HEADER + "LH-3,王小明,东门社区,东门路20号,2,困境儿童,,\n")
    await coordinator.send("/pair")
    await coordinator.expect("安排结对")
    await coordinator.send("小明")
    await coordinator.expect("王小明 由谁结对")
    await coordinator.send("/pair")
    said = await coordinator.expect("您还有一件事没办完")
    assert "安排结对" in said.plain
    await coordinator.expect("王小明 由谁结对")  # where it was, not the start again
    await coordinator.press("陈社工 (0)")
    await coordinator.expect("确认：陈社工 从今天起结对 王小明")
