"""End to end: a household moves community (its community retired into another, or changed in
its service file); last quarter's /stats by community stays as it was reported, while this
quarter counts the household where it is now.

The known district of tests/figures_data.py (the bot lives on 2026-11-18: this quarter is
2026-Q4). In Q3: 张大爷 (东门) called, 1 person-time; 李阿婆家 (翠竹) visited, 3; 赵小妹 (翠竹)
served, 2; 王家 (东门) not contacted. In Q4: 张大爷 2, 王家 4, 李阿婆家 2.
"""

from __future__ import annotations

from tests import figures_data as data
from tests.conftest import BotProcess
from tests.e2e.test_audit_trail import retire_button, retired
from tests.e2e.test_category_edits import stats
from tests.rig.server import FakeUser

TITLE = "按社区（已服务户 / 在册户，人次）："


def by_community(text: str) -> list[str]:
    """The lines of /stats' breakdown by community, as shown."""
    lines = text.splitlines()
    [start] = [n + 1 for n, line in enumerate(lines) if line.endswith(TITLE)]
    found = []
    for line in lines[start:]:
        if not line.startswith("　"):
            break
        found.append(line.strip())
    return found


def spans(bot: BotProcess, name: str) -> list[tuple[str, str, str | None]]:
    """The household's communities by date, as stored."""
    with bot.db() as conn:
        return [tuple(r) for r in conn.execute(
            "SELECT a.name, ha.since, ha.until FROM household_areas ha "
            "JOIN households h ON h.id = ha.household_id JOIN areas a ON a.id = ha.area_id "
            "WHERE h.name = ? ORDER BY ha.since", (name,))]


Q3_BY_COMMUNITY = ["翠竹社区：2/2 户，5 人次", "东门社区：1/2 户，1 人次"]


async def test_last_quarter_by_community_stays_when_a_community_is_retired_into_another(
        bot: BotProcess, coordinator: FakeUser) -> None:
    with bot.db() as conn:
        data.seed(conn)
    assert by_community(await stats(coordinator, "上季度")) == Q3_BY_COMMUNITY
    assert by_community(await stats(coordinator, "本季度")) == [
        "东门社区：2/2 户，6 人次", "翠竹社区：1/2 户，2 人次"]

    await coordinator.send("/areas")
    listing = await coordinator.expect("社区列表")
    await coordinator.press_data(retire_button(listing, "东门社区"), listing)
    confirm = await coordinator.expect("确定停用社区“东门社区”吗")
    await coordinator.press("转到 翠竹社区", in_message=confirm)
    await coordinator.expect("已停用社区“东门社区”")
    assert retired(bot, "东门社区")

    # Q3 as it was filed: 张大爷 and 王家 were in 东门社区 then.
    assert by_community(await stats(coordinator, "上季度")) == Q3_BY_COMMUNITY
    # This quarter counts them where they are now.
    assert by_community(await stats(coordinator, "本季度")) == ["翠竹社区：3/4 户，8 人次"]
    today = data.TODAY.isoformat()
    assert spans(bot, "张大爷") == [("东门社区", "0001-01-01", today), ("翠竹社区", today, None)]


async def test_last_quarter_by_community_stays_when_a_service_file_changes_the_community(
        bot: BotProcess, coordinator: FakeUser) -> None:
    with bot.db() as conn:
        data.seed(conn)
    assert by_community(await stats(coordinator, "上季度")) == Q3_BY_COMMUNITY

    # 赵小妹 has moved house to 东门社区: changed in its service file.
    await coordinator.send("/households")
    await coordinator.press("🔍 查找", in_message=await coordinator.expect("服务对象名册"))
    await coordinator.expect("请发服务对象的名字")
    await coordinator.send("赵小妹")
    found = await coordinator.expect("名字里有“赵小妹”的有 1 户")
    await coordinator.press("赵小妹", in_message=found)
    file = await coordinator.expect("服务档案 · 赵小妹")
    assert "社区：翠竹社区" in file.plain
    await coordinator.press("✏️ 修改", in_message=file)
    await coordinator.expect("要改哪一项")
    await coordinator.press("社区")
    await coordinator.press("东门社区", in_message=await coordinator.expect("属于哪个社区"))
    await coordinator.expect("请核对")
    await coordinator.expect("服务档案 · 赵小妹")
    await coordinator.press("✅ 保存")
    await coordinator.expect("已更新")
    assert "社区：东门社区" in (await coordinator.expect("服务档案 · 赵小妹")).plain

    assert by_community(await stats(coordinator, "上季度")) == Q3_BY_COMMUNITY
    assert by_community(await stats(coordinator, "本季度")) == [
        "东门社区：2/3 户，6 人次", "翠竹社区：1/1 户，2 人次"]
    today = data.TODAY.isoformat()
    assert spans(bot, "赵小妹") == [("翠竹社区", "0001-01-01", today), ("东门社区", today, None)]
