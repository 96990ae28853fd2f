"""End to end: a coordinator defines a program as data, pairs under it, and it is owed."""

from __future__ import annotations

from tests.conftest import BotProcess
from tests.e2e.test_households import add_worker, import_csv
from tests.rig.server import FakeBotApi, FakeUser


async def test_coordinator_defines_a_program_and_pairs_under_it(
        bot: BotProcess, api: FakeBotApi, coordinator: FakeUser) -> None:
    add_worker(bot, 7001, "陈社工", "zh")
    worker = api.user(7001, "陈社工", language_code="zh-hans")
    await import_csv(bot, "编号,姓名,社区,类别\nLH-9,小明,东门社区,困境儿童\n")
    await coordinator.send("/programs")
    listing = await coordinator.expect(r"结对方案：")
    assert "一对一结对帮扶：📞 电话：每季度一次；🏠 上门走访：每半年一次；🤲 办实事：每年一次" \
        in listing.plain
    await coordinator.press("➕ 新建结对方案")
    await coordinator.expect(r"请发新结对方案的名称")
    await coordinator.send("一对一结对帮扶")
    await coordinator.expect(r"已经有叫“一对一结对帮扶”的结对方案了")
    await coordinator.send("长" * 41)
    await coordinator.expect(r"不超过 40 个字")
    await coordinator.send("困境儿童<关爱>")
    await coordinator.expect(r"困境儿童<关爱>：每种服务要多久做一次")
    await coordinator.press("✅ 保存")
    assert "请至少给一种服务选一个频率" in coordinator.answers[-1].text
    # Each press steps that service's frequency and edits the same message.
    await coordinator.press("📞 电话：不要求")
    await coordinator.press("📞 电话：每月一次")
    await coordinator.press("🏠 上门走访：不要求")
    await coordinator.press("✅ 保存")
    saved = await coordinator.expect(r"结对方案已保存")
    assert "困境儿童<关爱>：📞 电话：每季度一次；🏠 上门走访：每月一次" in saved.plain
    with bot.db() as conn:
        rules = conn.execute("SELECT rules FROM programs WHERE name = ?",
                             ("困境儿童<关爱>",)).fetchone()[0]
    assert '"call"' in rules and '"visit"' in rules and '"deed"' not in rules

    await coordinator.send("/pair")
    await coordinator.expect("安排结对")
    await coordinator.send("小明")
    await coordinator.press("陈社工 (0)")
    await coordinator.expect("按哪个结对方案结对")
    await coordinator.press("困境儿童<关爱>")
    await coordinator.expect("确认：陈社工 从今天起结对 小明（困境儿童<关爱>）")
    await coordinator.press("✅ 确认")
    await worker.expect("管理员给您安排了结对：小明")
    # As if the pairing had been made last year (whether a pairing made today owes this
    # period depends on the day: see the cadence tests): this month's visit and this
    # quarter's call are owed under the new program, and no deed.
    with bot.db() as conn:
        conn.execute("UPDATE pairings SET started_on = '2025-01-01'")
        conn.commit()
    await worker.send("/due")
    due = await worker.expect("待办")
    assert "小明" in due.plain and "🏠 上门走访" in due.plain and "📞 电话" in due.plain
    assert "🤲 办实事" not in due.plain


async def test_programs_are_for_coordinators_only(bot: BotProcess, api: FakeBotApi,
                                                  coordinator: FakeUser) -> None:
    add_worker(bot, 7001, "陈社工", "zh")
    worker = api.user(7001, "陈社工", language_code="zh-hans")
    await worker.send("/programs")
    await worker.expect(r"只对管理员开放")
    await coordinator.send("/programs")
    listing = await coordinator.expect(r"结对方案：")
    answer = await worker.press_data("pg:new", message=listing)
    assert "只对管理员开放" in answer
    await worker.send("随便")
    await worker.expect(r"我没太明白")
    with bot.db() as conn:
        assert conn.execute("SELECT COUNT(*) FROM flows").fetchone()[0] == 0
        assert conn.execute("SELECT COUNT(*) FROM programs").fetchone()[0] == 1
