"""End to end: a coordinator edits a household's categories in chat; which programmes held it
before today, and so last quarter's figures and /overdue, stay as they were reported, while
this quarter follows the edit.

The known district of tests/figures_data.py (the bot lives on 2026-11-18: this quarter is
2026-Q4), with the one-to-one programme limited to 低保 households since before the pairings
began: 李阿婆家 (visited in Q3, called in Q4) and 王家 (not contacted in Q3, called in Q4).
"""

from __future__ import annotations

from tests import figures_data as data
from tests.conftest import BotProcess
from tests.rig.server import FakeUser

CALLS = "一对一结对帮扶 · 📞 电话（每季度）："
PAIRED_Q3 = "一对一结对帮扶：2 户 7 人，2 名社工"  # 李阿婆家 (3) and 王家 (4)


def seed(bot: BotProcess) -> None:
    """The district, each household carrying its category from the start, and the programme
    limited to 低保 since December 2025."""
    with bot.db() as conn:
        data.seed(conn)
        conn.executemany(
            "INSERT INTO household_categories (household_id, category) VALUES (?, ?)",
            [(1, "elderly_alone"), (2, "dibao"), (3, "dibao"), (4, "unsupported_child"),
             (5, "other")])
        conn.execute("INSERT INTO program_categories (program_id, category, since) "
                     "VALUES (1, 'dibao', '2025-12-01')")
        conn.commit()


async def stats(coordinator: FakeUser, preset: str) -> str:
    """/stats for a period button; the figures as the coordinator reads them."""
    await coordinator.send("/stats")
    ask = await coordinator.expect("想看哪段时间的统计")
    await coordinator.press(preset, in_message=ask)
    shown = await coordinator.expect("服务统计")
    await coordinator.expect("服务内容和服务方式", kind="photo")
    return shown.plain


def line(text: str, start: str) -> str:
    """The one line of the figures that holds `start`."""
    [found] = [row for row in text.splitlines() if start in row]
    return found


async def overdue(coordinator: FakeUser) -> str:
    await coordinator.send("/overdue")
    return (await coordinator.expect("逾期任务")).plain


async def edit_categories(coordinator: FakeUser) -> None:
    """王家 is found to be an orphan, not a 低保 household: changed in its service file."""
    await coordinator.send("/households")
    await coordinator.press("🔍 查找", in_message=await coordinator.expect("服务对象名册"))
    await coordinator.expect("请发服务对象的名字")
    await coordinator.send("王家")
    await coordinator.press("王家", in_message=await coordinator.expect("名字里有“王家”的有 1 户"))
    file = await coordinator.expect("服务档案 · 王家")
    assert "类别：低保" in file.plain
    await coordinator.press("✏️ 修改", in_message=file)
    await coordinator.expect("要改哪一项")
    await coordinator.press("类别")
    await coordinator.expect("属于哪些类别")
    await coordinator.press("孤儿")
    await coordinator.press("✅ 低保")  # a second tap takes it back out
    await coordinator.press("好了 ✔")
    await coordinator.expect("请核对")
    summary = await coordinator.expect("服务档案 · 王家")
    assert "类别：孤儿" in summary.plain
    await coordinator.press("✅ 保存")
    await coordinator.expect("已更新")
    file = await coordinator.expect("服务档案 · 王家")
    assert "类别：孤儿" in file.plain and "低保" not in file.plain


async def test_last_quarter_stays_as_reported_after_a_household_is_recategorised(
        bot: BotProcess, coordinator: FakeUser) -> None:
    seed(bot)
    last = await stats(coordinator, "上季度")
    # Q3: 李阿婆家's visit counts as the quarter's call; 王家's call was missed.
    assert f"{CALLS}1 / 0 / 1" in last and PAIRED_Q3 in last
    now = await stats(coordinator, "本季度")
    assert f"{CALLS}2 / 0 / 0（上期 1 / 0 / 1）" in now
    missed = await overdue(coordinator)
    assert "王家" in missed

    await edit_categories(coordinator)

    # What was reported for Q3 reads the same: 王家 was a 低保 household then. (The half
    # year and the year still run: they follow the edit, as test_category_edit_history says.)
    again = await stats(coordinator, "上季度")
    assert f"{CALLS}1 / 0 / 1" in again and PAIRED_Q3 in again
    assert line(again, CALLS) == line(last, CALLS) and line(again, "结对：") == line(
        last, "结对：")
    assert await overdue(coordinator) == missed
    # From today the programme no longer holds 王家: Q4's call is no longer owed by it.
    assert f"{CALLS}1 / 0 / 0（上期 1 / 0 / 1）" in await stats(coordinator, "本季度")
    with bot.db() as conn:
        rows = [tuple(r) for r in conn.execute(
            "SELECT category, since, until FROM household_categories WHERE household_id = 3 "
            "ORDER BY since")]
    assert rows == [("dibao", "0001-01-01", data.TODAY.isoformat()),
                    ("orphan", data.TODAY.isoformat(), None)]
