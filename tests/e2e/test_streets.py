"""End to end: coordinators group communities into streets from /areas with buttons; a street
with no community is refused; /stats then breaks down by street."""

from __future__ import annotations

from tests.conftest import COORDINATOR_ID, BotProcess
from tests.e2e.test_households import HEADER, add_worker, import_csv
from tests.rig.server import FakeBotApi, FakeUser


def street_of(bot: BotProcess) -> dict[str, str | None]:
    with bot.db() as conn:
        return {r[0]: r[1] for r in conn.execute(
            "SELECT a.name, s.name FROM areas a LEFT JOIN streets s ON s.id = a.street_id")}


async def test_a_coordinator_groups_communities_into_a_street(
        bot: BotProcess, api: FakeBotApi, coordinator: FakeUser) -> None:
    add_worker(bot, 7001, "陈社工", "zh")
    worker = api.user(7001, "陈社工", language_code="zh-hans")
    await import_csv(bot, HEADER + "LH-1,张大爷,东门社区,东门路12号,1,独居老人,7001,2025-01-01\n"
                     + "LH-2,李阿婆,翠竹社区,翠竹路8号,2,低保,7001,2025-01-01\n")
    await coordinator.send("/areas")
    await coordinator.expect("社区列表")
    await coordinator.press("🏙 按街道分组")
    listing = await coordinator.expect("街道和社区")
    assert "未分街道：" in listing.plain
    # A worker cannot, even with forged buttons.
    assert "只对管理员开放" in await worker.press_data("sg:add:0", listing)
    await coordinator.press("➕ 新建街道")
    await coordinator.expect("新街道叫什么")
    await coordinator.send("东门/街道")
    await coordinator.expect("不要带“/”")
    await coordinator.send("东门街道")
    await coordinator.expect("东门街道 下面有哪些社区")
    assert "至少选一个社区" in await coordinator.press("好了 ✔")
    await coordinator.press("东门社区")
    await coordinator.press("好了 ✔")
    await coordinator.expect("已新建街道 东门街道")
    assert street_of(bot) == {"东门社区": "东门街道", "翠竹社区": None}

    await coordinator.send("/areas")
    await coordinator.press("🏙 按街道分组")
    listing = await coordinator.expect("街道和社区")
    assert "东门街道：东门社区" in listing.plain and "未分街道：翠竹社区" in listing.plain
    await coordinator.press("调整：东门街道")
    await coordinator.expect("点一下放进来")
    assert "最后一个社区" in await coordinator.press("✅ 东门社区")
    await coordinator.press("翠竹社区")
    await coordinator.press("✅ 东门社区")  # out (翠竹社区 is still in) …
    await coordinator.press("东门社区")  # … and back in
    await coordinator.press("好了 ✔")
    listing = await coordinator.expect("街道和社区")
    assert street_of(bot) == {"东门社区": "东门街道", "翠竹社区": "东门街道"}
    # A second street of the same name is refused.
    await coordinator.press("➕ 新建街道")
    await coordinator.send("东门街道")
    await coordinator.expect("已经有叫“东门街道”的街道了")
    await coordinator.send("/cancel")

    await coordinator.send("/stats 2025-01-01 2026-12-31")
    figures = await coordinator.expect("按街道", timeout=30)
    assert "东门街道" in figures.plain


async def test_in_english_a_coordinator_adds_a_street(bot: BotProcess, api: FakeBotApi) -> None:
    coordinator = api.user(COORDINATOR_ID, "Wang", language_code="en")
    await coordinator.send("/areas")
    await coordinator.press("🏙 Group into streets")
    await coordinator.expect("Streets and communities")
    await coordinator.press("➕ Add a street")
    await coordinator.expect("What is the new street called")
    await coordinator.send("Cuizhu Street")
    await coordinator.expect("Which communities belong to Cuizhu Street")
    assert "at least one community" in await coordinator.press("Done ✔")
    await coordinator.press("翠竹社区")
    await coordinator.press("Done ✔")
    await coordinator.expect("Street Cuizhu Street added")
    assert street_of(bot) == {"东门社区": None, "翠竹社区": "Cuizhu Street"}
