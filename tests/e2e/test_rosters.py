"""End to end: a coordinator sends the rosters districts keep; the bot finds the sheet, shows
what it would import (a dry run) and imports only on Confirm; /areas groups communities by
street."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import COORDINATOR_ID, BotProcess, bot_environment
from tests.rig.server import FakeBotApi, FakeUser

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "rosters"


@pytest.fixture
def bot_env(api: FakeBotApi, workdir: Path) -> dict[str, str]:
    """Communities inside streets, and one without its street yet."""
    return bot_environment(api, workdir,
                           ZHONGFU_AREAS="东门街道/东门社区,东门街道/湖贝社区,翠竹社区")


def households(bot: BotProcess) -> list[tuple[object, ...]]:
    with bot.db() as conn:
        return [tuple(r) for r in conn.execute(
            "SELECT external_id, name, people_count, category FROM households ORDER BY id")]


async def send_roster(user: FakeUser, name: str) -> None:
    await user.send("/import")
    await user.expect("花名册|roster")
    await user.send_document(name, (EXAMPLES / name).read_bytes())


async def test_data_on_a_second_sheet_is_offered_by_name_and_nothing_stored_until_confirmed(
        bot: BotProcess, coordinator: FakeUser) -> None:
    await send_roster(coordinator, "04_second_sheet.xlsx")
    await coordinator.expect("有好几个工作表（填表说明、结对名单），第一个里没有花名册")
    choose = await coordinator.expect("请点一下花名册所在的工作表")
    assert choose.labels == ["填表说明", "结对名单"]
    await coordinator.press("结对名单")
    await coordinator.expect("读取工作表“结对名单”")
    summary = await coordinator.expect("检查完了，还没有导入")
    assert summary.plain.splitlines() == [
        "📋 检查完了，还没有导入。读的是工作表“结对名单”，表头在第 1 行。",
        "确认后：新增 2 户，更新 0 户，结对 0 户。",
    ]
    ask = await coordinator.expect("确认导入")
    assert ask.labels == ["✅ 确认导入", "✖️ 不导入了"]
    await coordinator.press("✖️ 不导入了")
    await coordinator.expect("好的，不导入了")
    assert households(bot) == []

    await send_roster(coordinator, "04_second_sheet.xlsx")
    await coordinator.expect("请点一下花名册所在的工作表")
    await coordinator.press("结对名单")
    await coordinator.expect("确认导入")
    await coordinator.press("✅ 确认导入")
    await coordinator.expect("导入完成：新增 2 户，更新 0 户，结对 0 户")
    assert households(bot) == [("DM-2026-101", "郑大爷", 1, "elderly_alone"),
                               ("DM-2026-102", "何阿姨", 2, "child_difficulty")]


async def test_a_roster_with_titles_and_totals_in_english(bot: BotProcess,
                                                          api: FakeBotApi) -> None:
    coordinator = api.user(COORDINATOR_ID, "Wang", language_code="en")
    await send_roster(coordinator, "01_dongmen_titles_merged_totals.xlsx")
    summary = await coordinator.expect("Checked; nothing imported yet")
    assert summary.plain.splitlines() == [
        "📋 Checked; nothing imported yet. Reading the sheet “2026Q4”; the header is row 3.",
        "On confirming: 3 new, 0 updated, 0 paired.",
        "Rows 1–2 skipped: titles, reporting unit and dates above the header.",
        "Row 7 skipped: totals.",
        "Columns not imported: 序号, 备注.",
    ]
    await coordinator.expect("If this looks right")
    await coordinator.press("✅ Import")
    await coordinator.expect("Imported: 3 new, 0 updated, 0 paired")
    with bot.db() as conn:
        rows = [tuple(r) for r in conn.execute(
            "SELECT h.name, group_concat(c.category) FROM households h JOIN "
            "household_categories c ON c.household_id = h.id GROUP BY h.id ORDER BY h.id")]
    assert [(name, set(codes.split(","))) for name, codes in rows] == [
        ("张建国", {"dibao", "severe_disability"}), ("李秀英", {"dibian"}),
        ("王小红", {"unsupported_child"})]


async def test_a_change_before_confirming_is_shown_again_not_stored_blindly(
        bot: BotProcess, coordinator: FakeUser) -> None:
    name = "02_cuizhu_no_id_long_categories.xlsx"
    await send_roster(coordinator, name)
    summary = await coordinator.expect("检查完了")
    assert "确认后：新增 3 户，更新 0 户，结对 0 户。" in summary.plain
    await coordinator.expect("确认导入")
    code, out = await bot.cli("import", "households", str(EXAMPLES / name))
    assert code == 0, out
    await coordinator.press("✅ 确认导入")
    await coordinator.expect("文件在确认之前有变化")
    summary = await coordinator.expect("检查完了")
    assert "确认后：新增 0 户，更新 3 户，结对 0 户。" in summary.plain
    await coordinator.expect("确认导入")
    await coordinator.press("✅ 确认导入")
    await coordinator.expect("导入完成：新增 0 户，更新 3 户，结对 0 户")
    assert len(households(bot)) == 3


async def test_areas_are_listed_by_street(bot: BotProcess, coordinator: FakeUser) -> None:
    await coordinator.send("/areas")
    listing = await coordinator.expect("社区列表")
    assert listing.plain.splitlines() == [
        "社区列表：", "东门街道", "• 东门社区", "• 湖贝社区", "未分街道", "• 翠竹社区"]
    code, out = await bot.cli("import", "households",
                              str(EXAMPLES / "02_cuizhu_no_id_long_categories.xlsx"))
    assert code == 0, out
    await coordinator.send("/areas")
    listing = await coordinator.expect("社区列表")
    assert listing.plain.splitlines() == [
        "社区列表：", "东门街道", "• 东门社区", "• 湖贝社区", "翠竹街道", "• 翠竹社区"]
