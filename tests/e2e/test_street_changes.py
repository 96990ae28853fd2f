"""End to end: coordinators rename a street and remove one from /areas; its communities are
then in no street, in the list and in the figures, and stay so after a restart."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import COORDINATOR_ID, BotProcess, bot_environment
from tests.e2e.test_audit_trail import retire_button
from tests.e2e.test_households import HEADER, add_worker, import_csv
from tests.e2e.test_streets import street_of
from tests.rig.server import FakeBotApi, FakeUser


@pytest.fixture
def bot_env(api: FakeBotApi, workdir: Path) -> dict[str, str]:
    """Two streets from the configuration."""
    return bot_environment(api, workdir,
                           ZHONGFU_AREAS="东门街道/东门社区,东门街道/湖贝社区,桂园街道/翠竹社区")


def street_id(bot: BotProcess, name: str) -> int:
    with bot.db() as conn:
        return int(conn.execute("SELECT id FROM streets WHERE name = ? AND removed_at IS NULL",
                                (name,)).fetchone()[0])


async def test_a_coordinator_renames_then_removes_a_street(
        bot: BotProcess, api: FakeBotApi, coordinator: FakeUser) -> None:
    add_worker(bot, 7001, "陈社工", "zh")
    worker = api.user(7001, "陈社工", language_code="zh-hans")
    await worker.send("/start")
    await worker.expect("欢迎回到")
    await import_csv(bot, HEADER + "LH-1,张大爷,东门社区,东门路12号,1,独居老人,7001,2025-01-01\n"
                     + "LH-2,李阿婆,翠竹社区,翠竹路8号,2,低保,7001,2025-01-01\n"
                     + "LH-3,刘大姐,湖贝社区,湖贝路3号,3,低边,7001,2025-01-01\n")
    dongmen = street_id(bot, "东门街道")
    assert "只对管理员开放" in await worker.press_data(f"sg:ren:{dongmen}")
    assert "只对管理员开放" in await worker.press_data(f"sg:rmy:{dongmen}")

    await coordinator.send("/areas")
    await coordinator.press("🏙 按街道分组")
    await coordinator.expect("街道和社区")
    await coordinator.press("调整：东门街道")
    await coordinator.expect("点一下放进来")
    await coordinator.press("✏️ 改名")
    await coordinator.expect("东门街道 改叫什么")
    await coordinator.send("东门/街道")
    await coordinator.expect("不要带“/”")
    await coordinator.send("桂园街道")
    await coordinator.expect("已经有叫“桂园街道”的街道了")
    await coordinator.send("东门街道办")
    await coordinator.expect("街道 东门街道 已改名为 东门街道办")
    assert street_of(bot) == {"东门社区": "东门街道办", "湖贝社区": "东门街道办",
                              "翠竹社区": "桂园街道"}

    await coordinator.send("/areas")
    await coordinator.press("🏙 按街道分组")
    listing = await coordinator.expect("街道和社区")
    assert "东门街道办：东门社区、湖贝社区" in listing.plain
    await coordinator.press("调整：东门街道办")
    await coordinator.press("🗑 删除街道")
    await coordinator.expect("确定删除街道 东门街道办 吗？它下面的社区不会删除")
    await coordinator.press("先不了")
    await coordinator.expect("街道 东门街道办 保留不变")
    assert street_of(bot)["东门社区"] == "东门街道办"
    await coordinator.press("🗑 删除街道")
    confirm = await coordinator.expect("确定删除街道 东门街道办 吗")
    await coordinator.press("确定删除")
    await coordinator.expect("已删除街道 东门街道办")
    listing = await coordinator.expect("街道和社区")
    assert "未分街道：东门社区、湖贝社区" in listing.plain
    assert "东门街道办" not in listing.plain
    assert street_of(bot) == {"东门社区": None, "湖贝社区": None, "翠竹社区": "桂园街道"}
    # The old confirmation, and the old street's buttons, are stale now.
    assert "按钮已经失效" in await coordinator.press_data(f"sg:rmy:{dongmen}", confirm)
    assert "按钮已经失效" in await coordinator.press_data(f"sg:ren:{dongmen}", confirm)

    await coordinator.send("/stats 2025-01-01 2026-12-31")
    figures = await coordinator.expect("按街道", timeout=30)
    by_street = figures.plain.split("按街道", 1)[1]
    assert "桂园街道：" in by_street and "未分街道：" in by_street

    await coordinator.send(f"/audit {COORDINATOR_ID}")
    trail = await coordinator.expect("审计记录")
    assert "王协调：删除了街道" in trail.plain and "王协调：改了街道名称" in trail.plain

    # The configuration still names 东门街道: a restart brings neither name back.
    await bot.restart()
    await coordinator.send("/areas")
    await coordinator.press("🏙 按街道分组")
    listing = await coordinator.expect("街道和社区")
    assert "未分街道：东门社区、湖贝社区" in listing.plain and "东门街道" not in listing.plain


async def test_in_english_a_street_is_renamed_and_removed(bot: BotProcess,
                                                         api: FakeBotApi) -> None:
    coordinator = api.user(COORDINATOR_ID, "Wang", language_code="en")
    await coordinator.send("/areas")
    await coordinator.press("🏙 Group into streets")
    await coordinator.expect("Streets and communities")
    await coordinator.press("Change: 东门街道")
    await coordinator.expect("Which communities belong to 东门街道")
    assert "the last one of another street" in await coordinator.press("翠竹社区")
    await coordinator.press("Done ✔")
    await coordinator.expect("Streets and communities")
    assert street_of(bot)["翠竹社区"] == "桂园街道"
    await coordinator.press("Change: 桂园街道")
    await coordinator.press("✏️ Rename")
    await coordinator.expect("What should 桂园街道 be called")
    await coordinator.send("东门街道")
    await coordinator.expect("There is already a street called “东门街道”")
    await coordinator.send("Guiyuan Street")
    await coordinator.expect("Street 桂园街道 is now called Guiyuan Street")
    assert street_of(bot)["翠竹社区"] == "Guiyuan Street"

    await coordinator.send("/areas")
    await coordinator.press("🏙 Group into streets")
    await coordinator.press("Change: Guiyuan Street")
    await coordinator.press("🗑 Remove street")
    await coordinator.expect("Remove the street Guiyuan Street")
    await coordinator.press("Yes, remove")
    await coordinator.expect("Street Guiyuan Street removed")
    listing = await coordinator.expect("Streets and communities")
    assert "Not in a street: 翠竹社区" in listing.plain
    assert street_of(bot) == {"东门社区": "东门街道", "湖贝社区": "东门街道", "翠竹社区": None}


async def test_no_street_is_left_without_its_last_community(
        bot: BotProcess, api: FakeBotApi, coordinator: FakeUser) -> None:
    await coordinator.send("/areas")
    await coordinator.press("🏙 按街道分组")
    await coordinator.expect("街道和社区")
    await coordinator.press("调整：东门街道")
    await coordinator.expect("点一下放进来")
    # 翠竹社区 is 桂园街道's only community: moving it here would leave 桂园街道 empty.
    assert "另一个街道仅剩的社区" in await coordinator.press("翠竹社区")
    await coordinator.press("好了 ✔")
    await coordinator.expect("街道和社区")
    # A new street of all of 东门街道's communities would leave 东门街道 empty: choose again.
    await coordinator.press("➕ 新建街道")
    await coordinator.expect("新街道叫什么")
    await coordinator.send("湖贝街道")
    await coordinator.expect("湖贝街道 下面有哪些社区")
    await coordinator.press("东门社区")
    await coordinator.press("湖贝社区")
    assert "另一个街道仅剩的社区" in await coordinator.press("好了 ✔")
    await coordinator.press("✅ 东门社区")
    await coordinator.press("好了 ✔")
    await coordinator.expect("已新建街道 湖贝街道")
    assert street_of(bot) == {"东门社区": "东门街道", "湖贝社区": "湖贝街道",
                              "翠竹社区": "桂园街道"}


async def test_rename_asked_midway_through_another_task_keeps_that_task(
        bot: BotProcess, coordinator: FakeUser) -> None:
    await coordinator.send("/workers")
    listing = await coordinator.expect("还没有社工")
    await coordinator.press("🏷 我的称呼", in_message=listing)
    choices = await coordinator.expect("您现在的称呼")
    await coordinator.press("✏️ 自己填写", in_message=choices)
    await coordinator.expect("请发您的称呼")
    # The street's buttons, pressed before the title is typed: nothing is thrown away.
    await coordinator.send("/areas")
    await coordinator.press("🏙 按街道分组")
    await coordinator.expect("街道和社区")
    await coordinator.press("调整：东门街道")
    await coordinator.expect("点一下放进来")
    await coordinator.press("✏️ 改名")
    await coordinator.expect("请先做完或者发 /cancel 退出，再来改街道名称")
    with bot.db() as conn:
        assert conn.execute("SELECT name FROM flows").fetchone()[0] == "title"
    await coordinator.send("街道民政专干")
    await coordinator.expect("您的称呼现在是 街道民政专干")
    assert street_id(bot, "东门街道")  # not renamed


async def test_a_retired_communitys_households_count_under_its_street_in_past_figures(
        bot: BotProcess, api: FakeBotApi, coordinator: FakeUser) -> None:
    """刘大姐 of 湖贝社区 (东门街道) was served in 2025 Q3 and archived since; 湖贝社区 is
    retired with her recorded under it. The figures of 2025 Q3 by street still count her
    under 东门街道, with 张大爷 of 东门社区, not under no street (the figures join each
    household's community and street as recorded, retired ones too)."""
    add_worker(bot, 7001, "陈社工", "zh")
    await import_csv(bot, HEADER + "LH-1,张大爷,东门社区,东门路12号,1,独居老人,7001,2025-01-01\n"
                     + "LH-2,李阿婆,翠竹社区,翠竹路8号,2,低保,7001,2025-01-01\n"
                     + "LH-3,刘大姐,湖贝社区,湖贝路3号,3,低边,7001,2025-01-01\n")
    stamp = "2025-08-01T02:00:00.000000+00:00"
    with bot.db() as conn:
        for name in ("张大爷", "刘大姐"):
            conn.execute("INSERT INTO contacts (household_id, worker_id, kind, day, created_at, "
                         "updated_at) SELECT id, 7001, 'call', '2025-08-01', ?, ? "
                         "FROM households WHERE name = ?", (stamp, stamp, name))
        conn.execute("UPDATE pairings SET ended_on = '2025-12-31', ended_reason = 'archived' "
                      "WHERE household_id = (SELECT id FROM households WHERE name = '刘大姐')")
        conn.execute("UPDATE households SET archived = 1 WHERE name = '刘大姐'")
        conn.commit()
    await coordinator.send("/areas")
    listing = await coordinator.expect("社区列表")
    await coordinator.press_data(retire_button(listing, "湖贝社区"), listing)
    confirm = await coordinator.expect("确定停用社区“湖贝社区”")
    await coordinator.press("确定停用", in_message=confirm)
    await coordinator.expect("已停用社区“湖贝社区”")

    await coordinator.send("/stats 2025-07-01 2025-09-30")
    figures = await coordinator.expect("按街道", timeout=30)
    by_street = figures.plain.split("按街道", 1)[1]
    # Both served in the quarter; 刘大姐, archived, is no longer on the register.
    assert "东门街道：2/1 户，2 人次" in by_street, by_street
    assert "未分街道" not in by_street, by_street
