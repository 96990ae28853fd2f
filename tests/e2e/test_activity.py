"""End to end: /activity records a group activity once for many households; a holiday visit
counts as each household's visit in /due, a publicity campaign does not."""

from __future__ import annotations

import re

from tests.conftest import BotProcess
from tests.e2e.test_households import HEADER, add_worker, household_id, import_csv
from tests.rig.server import FakeBotApi, FakeUser

VISIT = "🏠 上门走访"


async def setup(bot: BotProcess, api: FakeBotApi) -> FakeUser:
    """陈社工 paired (this quarter, so /due lists only this period) with three households of
    东门社区 and one of 翠竹社区; one unpaired."""
    add_worker(bot, 7001, "陈社工", "zh")
    await import_csv(bot, HEADER
                     + "LH-1,张大爷,东门社区,东门路12号,1,独居老人,7001,2026-10-01\n"
                     + "LH-2,王奶奶,东门社区,东门路14号,1,低保,7001,2026-10-01\n"
                     + "LH-3,赵小明,东门社区,东门路16号,2,困境儿童,7001,2026-10-01\n"
                     + "LH-4,李阿婆,翠竹社区,翠竹路8号,2,低保,7001,2026-10-01\n"
                     + "LH-5,钱叔,东门社区,东门路18号,1,低保,,\n")
    return api.user(7001, "陈社工", language_code="zh-hans")


async def open_visits(worker: FakeUser) -> set[str]:
    """The households whose home visit of this half-year /due still lists."""
    await worker.send("/due")
    due = await worker.expect("待办")
    return {line.split("：")[0].split(" ", 2)[-1] for line in due.plain.splitlines()
            if f"{VISIT}（本半年度）" in line}


async def record(user: FakeUser, title: str, kind: str, scope: str, people: str | None) -> str:
    """/activity in 东门社区, dated yesterday; the summary's text."""
    await user.send("/activity")
    await user.expect("活动叫什么")
    await user.send(title)
    await user.expect("是哪一类活动")
    await user.press(kind)
    await user.expect("是哪天的活动")
    await user.press("昨天")
    await user.expect("在哪些社区")
    assert "请至少选一个社区" in await user.press("好了 ✔")
    await user.press("东门社区")
    await user.expect("已选：东门社区")
    await user.press("好了 ✔")
    await user.expect("哪些服务对象参加了")
    await user.press(scope)
    await user.expect("提供了哪些服务")
    await user.press("好了 ✔")
    await user.expect("一共服务了多少人")
    if people is None:
        await user.press("按户数算（3）" if "3" in scope else "按户数算（4）")
    else:
        await user.send("很多")
        await user.expect("请发 1 到")
        await user.send(people)
    summary = await user.expect("请核对一下")
    await user.press("✅ 保存")
    await user.expect("已保存活动")
    return summary.plain


async def visits_met(coordinator: FakeUser) -> str:
    """The digest's count of this period's home visits done, e.g. '3/4'."""
    await coordinator.send("/digest")
    # the pictures are drawn before the text goes out; matplotlib's first use takes seconds
    digest = await coordinator.expect("每周简报", timeout=60)
    found = re.search(rf"{VISIT}（[^）]*）：(\d+/\d+)", digest.plain)
    assert found is not None, digest.plain
    return found.group(1)


async def test_a_holiday_visit_counts_for_three_households_and_a_campaign_does_not(
        bot: BotProcess, api: FakeBotApi, coordinator: FakeUser) -> None:
    worker = await setup(bot, api)
    assert await open_visits(worker) == {"张大爷", "王奶奶", "赵小明", "李阿婆"}

    summary = await record(worker, "普法宣传进社区", "📣 宣传活动", "我结对的（3 户）", "120")
    assert "参加的服务对象：3 户" in summary and "服务人数：120" in summary
    assert "不算作上门走访" in summary
    assert await open_visits(worker) == {"张大爷", "王奶奶", "赵小明", "李阿婆"}
    assert await visits_met(coordinator) == "0/4"

    summary = await record(worker, "中秋节走访慰问", "🥮 节日走访慰问", "我结对的（3 户）", None)
    assert "会算作这 3 户本期的一次" in summary
    saved = worker.last_message
    assert saved is not None and "已为这 3 户各记了一次" in saved.plain
    assert await open_visits(worker) == {"李阿婆"}
    # /stats counts the group activities by kind.
    await coordinator.send("/stats 2026-01-01 2026-12-31")
    figures = await coordinator.expect("集体活动", timeout=30)
    assert "🥮 节日走访慰问：1 次，服务 3 人次" in figures.plain
    assert "📣 宣传活动：1 次，服务 120 人次" in figures.plain
    assert await visits_met(coordinator) == "3/4"

    await worker.press_data(f"hf:{household_id(bot, 'LH-2')}")
    file = await worker.expect("服务档案 · 王奶奶")
    assert f"{VISIT} · 陈社工：中秋节走访慰问" in file.plain
    with bot.db() as conn:
        rows = conn.execute("SELECT kind, people_reached FROM activities ORDER BY id").fetchall()
        assert [tuple(r) for r in rows] == [("campaign", 120), ("holiday_visit", 3)]
        assert conn.execute("SELECT COUNT(*) FROM contacts WHERE activity_id IS NOT NULL"
                            ).fetchone()[0] == 3


async def test_all_households_of_a_community_is_for_coordinators_only(
        bot: BotProcess, api: FakeBotApi, coordinator: FakeUser) -> None:
    worker = await setup(bot, api)
    await worker.send("/activity")
    await worker.expect("活动叫什么")
    await worker.send("政策核查")
    await worker.press("📋 政策核查")
    await worker.press("今天")
    await worker.press("东门社区")
    await worker.press("好了 ✔")
    scope = await worker.expect("哪些服务对象参加了")
    assert scope.labels == ["我结对的（3 户）", "挑选部分户"]
    assert "只有管理员" in await worker.press_data("ac:sc:all")
    await worker.send("/cancel")
    await worker.expect("这次活动没有保存")

    summary = await record(coordinator, "政策核查入户", "📋 政策核查",
                           "这些社区的全部服务对象（4 户）", None)
    assert "参加的服务对象：4 户" in summary
    with bot.db() as conn:
        assert conn.execute("SELECT COUNT(*) FROM contacts WHERE activity_id IS NOT NULL"
                            ).fetchone()[0] == 4
    assert await open_visits(worker) == {"李阿婆"}


async def test_picked_households_with_services_count_only_for_those_picked(
        bot: BotProcess, api: FakeBotApi) -> None:
    worker = await setup(bot, api)
    await worker.send("/activity")
    await worker.expect("活动叫什么")
    await worker.send("重阳节走访慰问")
    await worker.press("🥮 节日走访慰问")
    await worker.press("今天")
    await worker.press("东门社区")
    await worker.press("好了 ✔")
    await worker.expect("哪些服务对象参加了")
    await worker.press("挑选部分户")
    pick = await worker.expect("请点选参加的服务对象")
    assert pick.labels == ["张大爷", "王奶奶", "赵小明", "好了 ✔"]  # mine in 东门社区 only
    assert "请至少选一户" in await worker.press("好了 ✔")
    await worker.press("张大爷")
    await worker.press("王奶奶")
    await worker.press("赵小明")
    await worker.press("✅ 赵小明")  # a second tap takes it back out
    chosen = await worker.expect("已选 2 户")
    assert "张大爷、王奶奶" in chosen.plain
    # Someone else's household, or one of another community, by forged buttons: refused.
    for other in ("LH-5", "LH-4"):
        answer = await worker.press_data(f"ac:h:{household_id(bot, other)}")
        assert "不在可选的服务对象里" in answer
    await worker.press("好了 ✔")
    await worker.expect("提供了哪些服务")
    await worker.press("精神慰藉")
    await worker.press("节日慰问")
    await worker.expect("已选：精神慰藉、节日慰问")
    await worker.press("好了 ✔")
    await worker.expect("一共服务了多少人")
    await worker.press("按户数算（2）")
    summary = await worker.expect("请核对一下")
    assert "参加的服务对象：2 户" in summary.plain
    assert "服务内容：精神慰藉、节日慰问" in summary.plain
    await worker.press("✅ 保存")
    await worker.expect("已为这 2 户各记了一次")
    assert await open_visits(worker) == {"赵小明", "李阿婆"}
    with bot.db() as conn:
        rows = conn.execute("SELECT c.household_id, c.services FROM contacts c "
                            "WHERE c.activity_id IS NOT NULL ORDER BY c.household_id").fetchall()
        assert [tuple(r) for r in rows] == [
            (household_id(bot, "LH-1"), '["comfort", "holiday_visit"]'),
            (household_id(bot, "LH-2"), '["comfort", "holiday_visit"]')]
        assert conn.execute("SELECT services FROM activities").fetchone()[0] == \
            '["comfort", "holiday_visit"]'


async def test_in_english_a_holiday_visit_counts_for_my_households(
        bot: BotProcess, api: FakeBotApi) -> None:
    add_worker(bot, 7002, "Liu", "en")
    await import_csv(bot, HEADER
                     + "LH-1,张大爷,东门社区,东门路12号,1,独居老人,7002,2026-10-01\n"
                     + "LH-2,王奶奶,东门社区,东门路14号,1,低保,7002,2026-10-01\n")
    worker = api.user(7002, "Liu", language_code="en")
    await worker.send("/activity")
    await worker.expect("What is the activity called")
    await worker.send("x" * 41)
    await worker.expect("within 40 characters")
    await worker.send("Mid-Autumn visits")
    await worker.expect("what kind of activity")
    await worker.press("🥮 Holiday visit")
    await worker.expect("Which day")
    await worker.send("2099-01-01")
    await worker.expect("cannot be in the future")
    await worker.press("Yesterday")
    await worker.expect("In which communities")
    assert "at least one community" in await worker.press("Done ✔")
    await worker.press("东门社区")
    await worker.press("Done ✔")
    scope = await worker.expect("Which households took part")
    assert scope.labels == ["My paired households (2)", "Pick households"]
    await worker.press("Pick households")
    await worker.expect("Tap the households that took part")
    assert "at least one household" in await worker.press("Done ✔")
    await worker.press("王奶奶")
    await worker.press("Done ✔")
    await worker.expect("Which services did the activity give")
    await worker.press("Emotional comfort")
    await worker.press("Done ✔")
    await worker.expect("How many people were reached")
    await worker.send("0")
    await worker.expect("Send a number from 1 to")
    await worker.send("2")
    summary = await worker.expect("Please check")
    assert "Households taking part: 1" in summary.plain
    assert "People reached: 2" in summary.plain
    assert "Services: Emotional comfort" in summary.plain
    await worker.press("✅ Save")
    saved = await worker.expect("Activity saved")
    assert "Mid-Autumn visits" in saved.plain and "1 household took part" in saved.plain
    await worker.send("/due")
    due = await worker.expect("Due")
    visits = [line for line in due.plain.splitlines() if "Home visit" in line]
    assert any("张大爷" in line for line in visits)
    assert not any("王奶奶" in line for line in visits)
