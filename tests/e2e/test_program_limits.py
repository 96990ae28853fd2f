"""End to end: a programme limited to household categories (the one-to-one promise for orphans
and de facto unsupported children only) holds only those households in /due and the digest."""

from __future__ import annotations

from tests.conftest import COORDINATOR_ID, BotProcess
from tests.e2e.test_activity import open_visits, visits_met
from tests.e2e.test_households import HEADER, add_worker, import_csv
from tests.rig.server import FakeBotApi, FakeUser


async def setup(bot: BotProcess, api: FakeBotApi) -> FakeUser:
    """陈社工 paired with an orphan, an unsupported child and a 低保 household."""
    add_worker(bot, 7001, "陈社工", "zh")
    await import_csv(bot, HEADER
                     + "LH-1,小明,东门社区,东门路12号,1,孤儿,7001,2026-10-01\n"
                     + "LH-2,王奶奶,东门社区,东门路14号,1,低保,7001,2026-10-01\n"
                     + "LH-3,小红,东门社区,东门路16号,2,事实无人抚养儿童、困境儿童,7001,"
                       "2026-10-01\n")
    return api.user(7001, "陈社工", language_code="zh-hans")


async def test_a_programme_limited_to_orphans_holds_only_them(
        bot: BotProcess, api: FakeBotApi, coordinator: FakeUser) -> None:
    worker = await setup(bot, api)
    assert await open_visits(worker) == {"小明", "王奶奶", "小红"}
    assert await visits_met(coordinator) == "0/3"

    await coordinator.send("/programs")
    listing = await coordinator.expect("结对方案：")
    assert "适用：所有结对的服务对象" in listing.plain
    # Workers cannot change it, even with forged buttons.
    assert "只对管理员开放" in await worker.press_data("pc:t:1:dibao", listing)
    await coordinator.press("🏷 适用对象：一对一结对帮扶")
    await coordinator.expect("只对哪些类别的服务对象适用")
    await coordinator.press("孤儿")
    await coordinator.press("事实无人抚养儿童")
    await coordinator.press("低保")
    await coordinator.press("✅ 低保")  # a second tap takes it back out
    await coordinator.press("好了 ✔")
    saved = await coordinator.expect("已保存")
    assert "只适用于：孤儿、事实无人抚养儿童" in saved.plain

    assert await open_visits(worker) == {"小明", "小红"}
    assert await visits_met(coordinator) == "0/2"
    await coordinator.send("/programs")
    listing = await coordinator.expect("结对方案：")
    assert "只适用于：孤儿、事实无人抚养儿童" in listing.plain
    with bot.db() as conn:
        assert {r[0] for r in conn.execute("SELECT category FROM program_categories")} == {
            "orphan", "unsupported_child"}
        assert conn.execute("SELECT COUNT(*) FROM audit WHERE action = 'program.limit'"
                            ).fetchone()[0] == 4


async def test_in_english_a_coordinator_limits_a_programme(bot: BotProcess,
                                                           api: FakeBotApi) -> None:
    worker = await setup(bot, api)
    coordinator = api.user(COORDINATOR_ID, "Wang", language_code="en")
    await coordinator.send("/programs")
    listing = await coordinator.expect("Programs:")
    assert "Applies to: every paired household" in listing.plain
    await coordinator.press("🏷 Applies to: one-to-one pairing")
    await coordinator.expect("Which categories of households")
    await coordinator.press("Orphan")
    await coordinator.press("Done ✔")
    saved = await coordinator.expect("Saved who")
    assert "Applies only to: Orphan" in saved.plain
    assert await open_visits(worker) == {"小明"}
