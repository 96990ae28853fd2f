"""End to end: coordinators keep micro-projects (民生微实事) with /projects; an activity recorded
under one shows in the project's line, with the households it reached."""

from __future__ import annotations

from tests.conftest import BotProcess
from tests.e2e.test_activity import setup
from tests.rig.server import FakeBotApi, FakeUser


async def add_project(coordinator: FakeUser) -> None:
    """长者助餐点, 50,000 yuan, Sep–Dec, in 东门社区, with every wrong answer on the way."""
    await coordinator.send("/projects")
    await coordinator.expect("还没有民生微实事项目")
    await coordinator.press("➕ 新增项目")
    await coordinator.expect("项目叫什么")
    await coordinator.send("长者助餐点")
    await coordinator.expect("项目预算多少元")
    for typed, answer in (("-5", "不能是负数"), ("12.345", "最多到分"), ("0", "不能是 0"),
                          ("很多", "这不像金额")):
        await coordinator.send(typed)
        await coordinator.expect(answer)
    await coordinator.send("5万")
    await coordinator.expect("项目周期是哪天到哪天")
    await coordinator.send("2026-12-31 至 2026-09-01")
    await coordinator.expect("结束日期早于开始日期")
    await coordinator.send("九月到年底")
    await coordinator.expect("没看懂这个周期")
    await coordinator.send("2026-09-01 至 2026-12-31")
    await coordinator.expect("项目在哪些社区")
    assert "请至少选一个社区" in await coordinator.press("好了 ✔")
    await coordinator.press("东门社区")
    await coordinator.press("好了 ✔")
    summary = await coordinator.expect("请核对一下")
    assert "预算：50,000.00 元" in summary.plain
    assert "周期：2026-09-01 至 2026-12-31" in summary.plain
    await coordinator.press("✅ 保存")
    await coordinator.expect("已新增项目：长者助餐点")


async def test_an_activity_under_a_project_shows_in_projects_and_retiring_keeps_it(
        bot: BotProcess, api: FakeBotApi, coordinator: FakeUser) -> None:
    worker = await setup(bot, api)
    await add_project(coordinator)
    # A second project of the same name is refused.
    await coordinator.send("/projects")
    listing = await coordinator.expect("民生微实事项目")
    assert "已开展活动 0 次，服务 0 户" in listing.plain
    await coordinator.press("➕ 新增项目")
    await coordinator.send("长者助餐点")
    await coordinator.send("1000")
    await coordinator.send("2026-09-01 至 2026-12-31")
    await coordinator.press("东门社区")
    await coordinator.press("好了 ✔")
    await coordinator.press("✅ 保存")
    await coordinator.expect("已经有叫“长者助餐点”的项目了")
    with bot.db() as conn:  # a project of last year, over before today
        conn.execute("INSERT INTO projects (id, name, budget_fen, starts_on, ends_on, created_by, "
                     "created_at) VALUES (2, '去年的项目', 100, '2025-01-01', '2025-12-31', 9001, "
                     "'2025-01-01T00:00:00+00:00')")
        conn.commit()

    await worker.send("/activity")
    await worker.expect("活动叫什么")
    await worker.send("助餐点送餐上门")
    await worker.press("🔧 民生微实事")
    await worker.press("今天")
    await worker.press("东门社区")
    await worker.press("好了 ✔")
    await worker.press("我结对的（3 户）")
    await worker.expect("提供了哪些服务")
    await worker.press("生活照料")
    await worker.press("好了 ✔")
    await worker.press("按户数算（3）")
    ask = await worker.expect("属于哪个民生微实事项目")
    assert ask.labels == ["长者助餐点", "不属于项目"]  # 去年的项目 ended: not offered
    assert "不在这个项目的周期内" in await worker.press_data("ac:pr:2", ask)
    await worker.send("随便")
    await worker.expect("请点上面的项目")
    await worker.press("长者助餐点")
    summary = await worker.expect("请核对一下")
    assert "所属项目：长者助餐点" in summary.plain
    await worker.press("✅ 保存")
    await worker.expect("已为这 3 户各记了一次")

    await coordinator.send("/projects")
    listing = await coordinator.expect("民生微实事项目")
    assert "<b>长者助餐点</b>：预算 50,000.00 元，2026-09-01 至 2026-12-31，东门社区" \
        in listing.text
    assert "已开展活动 1 次，服务 3 户" in listing.plain
    await coordinator.press("停用：长者助餐点")
    await coordinator.expect("确定停用")
    await coordinator.press("确定停用")
    await coordinator.expect("已停用项目")
    await coordinator.send("/projects")
    listing = await coordinator.expect("民生微实事项目")
    assert "长者助餐点（已停用）" in listing.plain and "已开展活动 1 次" in listing.plain
    assert listing.labels == ["➕ 新增项目", "停用：去年的项目"]
    # A retired project is no longer asked for: the activity goes straight to the summary.
    await worker.send("/activity")
    await worker.send("再次送餐")
    await worker.press("🔧 民生微实事")
    await worker.press("今天")
    await worker.press("东门社区")
    await worker.press("好了 ✔")
    await worker.press("我结对的（3 户）")
    await worker.press("好了 ✔")
    await worker.press("按户数算（3）")
    summary = await worker.expect("请核对一下")
    assert "所属项目" not in summary.plain
    with bot.db() as conn:
        rows = conn.execute("SELECT title, project_id FROM activities ORDER BY id").fetchall()
        assert [tuple(r) for r in rows] == [("助餐点送餐上门", 1)]
    # /stats names the project with what its activities reached in the period.
    await coordinator.send("/stats 2026-01-01 2026-12-31")
    figures = await coordinator.expect("民生微实事项目", timeout=30)
    assert "• 长者助餐点：活动 1 次，惠及 3 户，服务 3 人次" in figures.plain


async def test_a_worker_cannot_keep_projects(bot: BotProcess, api: FakeBotApi,
                                             coordinator: FakeUser) -> None:
    worker = await setup(bot, api)
    await add_project(coordinator)
    await worker.send("/projects")
    refused = await worker.expect("管理员")
    assert "长者助餐点" not in refused.plain
    assert "管理员" in await worker.press_data("pj:ret:1", refused)
    assert "管理员" in await worker.press_data("pj:add:0", refused)
    with bot.db() as conn:
        assert conn.execute("SELECT retired FROM projects").fetchone()[0] == 0
