"""End to end: a worker paired with a household (a handover too) is told in the same notice
what that household still needs this period, in /due's words, so nothing waits unseen until
the next reminder."""

from __future__ import annotations

from tests.conftest import BotProcess
from tests.e2e.test_households import STAMP, add_worker, import_csv
from tests.rig.server import FakeBotApi, FakeUser


async def pair(coordinator: FakeUser, name: str, worker: str) -> None:
    """/pair: the household by name, the worker's button, confirmed."""
    await coordinator.send("/pair")
    await coordinator.expect("安排结对")
    await coordinator.send(name)
    await coordinator.expect(f"{name}.*(由谁结对|现在的结对社工)")
    await coordinator.press(worker)
    await coordinator.press("✅ 确认")
    await coordinator.expect("已结对|已交接")


async def test_a_handover_notice_says_what_the_household_still_needs_this_period(
        bot: BotProcess, api: FakeBotApi, coordinator: FakeUser) -> None:
    add_worker(bot, 7001, "陈社工", "zh")
    add_worker(bot, 7002, "刘社工", "zh")
    add_worker(bot, 7003, "Liu", "en")
    second = api.user(7002, "刘社工", language_code="zh-hans")
    third = api.user(7003, "Liu", language_code="en")
    await import_csv(bot, "编号,姓名,社区,类别,结对社工,结对日期\n"
                          "LH-3,王小明,东门社区,困境儿童,,\n"
                          "LH-4,赵奶奶,翠竹社区,独居老人,陈社工,2025-01-01\n")
    with bot.db() as conn:  # this quarter's call was made (Q4 2026; the bot's today 11-18)
        conn.execute("INSERT INTO contacts (household_id, worker_id, kind, day, created_at, "
                     "updated_at) SELECT id, 7001, 'call', '2026-11-02', ?, ? FROM households "
                     "WHERE name = '赵奶奶'", (STAMP, STAMP))
        conn.commit()
    await pair(coordinator, "赵奶奶", "刘社工 (0)")
    notice = await second.expect("给您安排了结对：赵奶奶")
    assert ("赵奶奶 本期还要做：🤲 办实事（今年，截止2026年12月31日）、"
            "🏠 上门走访（本半年度，截止2026年12月31日）") in notice.plain, notice.plain
    assert "电话" not in notice.plain  # met this quarter: not asked again

    # 王小明, paired only from today, owes nothing this period: the notice says so.
    await pair(coordinator, "王小明", "Liu (0)")
    notice = await third.expect("has paired you with 王小明")
    assert "王小明: nothing is due this period." in notice.plain, notice.plain

    # Handed on again, to Liu: the same items, each day written as English readers write it.
    await pair(coordinator, "赵奶奶", "Liu (1)")
    notice = await third.expect("has paired you with 赵奶奶")
    assert ("赵奶奶 still needs this period: 🤲 Practical deed (this year, by 31 Dec 2026), "
            "🏠 Home visit (this half year, by 31 Dec 2026)") in notice.plain, notice.plain


async def test_a_worker_paired_beside_a_colleague_is_told_only_of_their_own_programme(
        bot: BotProcess, api: FakeBotApi, coordinator: FakeUser) -> None:
    add_worker(bot, 7001, "陈社工", "zh")
    add_worker(bot, 7002, "刘社工", "zh")
    second = api.user(7002, "刘社工", language_code="zh-hans")
    # 陈社工 holds 赵奶奶 under the one-to-one programme: this quarter's call, the half
    # year's visit and the year's deed are all still open, and all his
    await import_csv(bot, "编号,姓名,社区,类别,结对社工,结对日期\n"
                          "LH-4,赵奶奶,翠竹社区,独居老人,陈社工,2025-01-01\n")
    with bot.db() as conn:
        conn.execute("INSERT INTO programs (name, rules, created_at) VALUES ('月度探访', "
                     "'[{\"kind\": \"call\", \"period\": \"month\"}]', ?)", (STAMP,))
        conn.commit()
    await coordinator.send("/pair")
    await coordinator.expect("安排结对")
    await coordinator.send("赵奶奶")
    await coordinator.expect("赵奶奶.*(由谁结对|现在的结对社工)")
    await coordinator.press("刘社工 (0)")
    await coordinator.expect("按哪个结对方案结对")
    await coordinator.press("月度探访")
    await coordinator.press("✅ 确认")
    await coordinator.expect("已结对|已交接")
    notice = await second.expect("给您安排了结对：赵奶奶")
    # 刘社工's monthly call starts with next month; none of 陈社工's items is put on him
    assert notice.plain.splitlines()[1] == "• 赵奶奶 本期没有待办。", notice.plain
