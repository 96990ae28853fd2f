"""End to end: a community that still has open cases, households or workers is retired by
moving them to another community in one step, so nothing is left under a community nobody
can choose; /overdue still filters by a retired community that has households under it."""

from __future__ import annotations

from tests.conftest import BotProcess
from tests.e2e.reporting import label, submit_report
from tests.e2e.test_audit_trail import add_to_area, retire_button, retired
from tests.e2e.test_contact_delete import killed_before_answering
from tests.e2e.test_households import paired_setup
from tests.rig.server import FakeBotApi, FakeUser


def area_of(bot: BotProcess, table: str, where: str, value: object) -> str:
    """The community name a row of `table` is recorded under."""
    with bot.db() as conn:
        return str(conn.execute(f"SELECT a.name FROM {table} t JOIN areas a ON a.id = t.area_id "
                                f"WHERE t.{where} = ?", (value,)).fetchone()[0])


def areas_of(bot: BotProcess, telegram_id: int) -> set[str]:
    with bot.db() as conn:
        return {r[0] for r in conn.execute(
            "SELECT a.name FROM person_areas p JOIN areas a ON a.id = p.area_id "
            "WHERE p.telegram_id = ?", (telegram_id,))}


async def test_retiring_a_community_with_open_work_moves_it_all_to_the_community_chosen(
        bot: BotProcess, api: FakeBotApi, coordinator: FakeUser, resident: FakeUser) -> None:
    await paired_setup(bot, api)  # 东门社区: 张大爷 and 王小明; 翠竹社区: 李阿婆
    add_to_area(bot, 7001, "东门社区")
    ref = await submit_report(resident, area="东门社区")
    await coordinator.send("/areas")
    listing = await coordinator.expect("社区列表")
    await coordinator.press_data(retire_button(listing, "东门社区"), listing)
    confirm = await coordinator.expect("确定停用社区“东门社区”吗")
    assert "没办完的求助 1 件，服务对象 2 户，在岗社工 1 位" in confirm.plain, confirm.plain
    assert "转到另一个社区" in confirm.plain
    # No way to retire it and leave them behind: only where to move them, or not now.
    assert confirm.labels == ["转到 翠竹社区", "先不了"], confirm.labels
    await coordinator.press("转到 翠竹社区", in_message=confirm)
    done = await coordinator.expect("已停用社区“东门社区”")
    assert "都已转到“翠竹社区”" in done.plain, done.plain
    assert retired(bot, "东门社区")
    assert area_of(bot, "households", "name", "张大爷") == "翠竹社区"
    assert area_of(bot, "households", "name", "王小明") == "翠竹社区"
    assert area_of(bot, "reports", "id", int(ref.removeprefix("R-"))) == "翠竹社区"
    assert areas_of(bot, 7001) == {"翠竹社区"}
    # /overdue finds the moved households under the community they went to.
    await coordinator.send("/overdue")
    await coordinator.expect("逾期任务")
    choose = await coordinator.expect("想只看一个社区")
    assert not [label for label in choose.labels if "东门社区" in label], choose.labels
    await coordinator.press("翠竹社区", in_message=choose)
    only = await coordinator.expect("社区：翠竹社区")
    assert "张大爷" in only.plain and "李阿婆" in only.plain, only.plain


async def test_a_household_added_after_the_confirmation_is_not_left_behind(
        bot: BotProcess, api: FakeBotApi, coordinator: FakeUser) -> None:
    await paired_setup(bot, api)
    await coordinator.send("/areas")
    await coordinator.press("➕ 添加社区")
    await coordinator.send("笋岗社区")
    listing = await coordinator.expect("社区列表.*笋岗社区")
    await coordinator.press_data(retire_button(listing, "笋岗社区"), listing)
    confirm = await coordinator.expect("确定停用社区“笋岗社区”吗")
    assert confirm.labels == ["确定停用", "先不了"]  # nothing in it yet
    with bot.db() as conn:  # meanwhile a household is added there
        conn.execute("UPDATE households SET area_id = (SELECT id FROM areas WHERE name = "
                     "'笋岗社区') WHERE name = '王小明'")
        conn.commit()
    answer = await coordinator.press("确定停用", in_message=confirm)
    assert "要先转到另一个社区" in answer, answer
    again = await coordinator.expect("服务对象 1 户")
    assert "转到 东门社区" in again.labels and "确定停用" not in again.labels
    assert not retired(bot, "笋岗社区")
    await coordinator.press("转到 东门社区", in_message=again)
    await coordinator.expect("已停用社区“笋岗社区”")
    assert area_of(bot, "households", "name", "王小明") == "东门社区"


async def test_overdue_still_filters_by_a_retired_community_that_has_households(
        bot: BotProcess, api: FakeBotApi, coordinator: FakeUser) -> None:
    """A community retired by an earlier release with its households left in it."""
    await paired_setup(bot, api)
    with bot.db() as conn:
        conn.execute("UPDATE areas SET retired = 1 WHERE name = '翠竹社区'")
        conn.commit()
    await coordinator.send("/overdue")
    await coordinator.expect("逾期任务")
    choose = await coordinator.expect("想只看一个社区")
    assert "翠竹社区（已停用）" in choose.labels, choose.labels
    await coordinator.press("翠竹社区（已停用）", in_message=choose)
    only = await coordinator.expect("社区：翠竹社区")
    assert "李阿婆" in only.plain and "张大爷" not in only.plain, only.plain


async def test_a_retirement_confirmed_just_before_a_crash_says_where_things_went_after_it(
        bot: BotProcess, api: FakeBotApi, coordinator: FakeUser, resident: FakeUser) -> None:
    """Killed (-9) once the community is retired and its work moved, before the coordinator
    is told: the press handled again at the restart says what the first handling would
    have, where everything went; not "already retired"."""
    await paired_setup(bot, api)  # 东门社区: 张大爷 and 王小明; 翠竹社区: 李阿婆
    add_to_area(bot, 7001, "东门社区")
    await submit_report(resident, area="东门社区")
    await coordinator.send("/areas")
    listing = await coordinator.expect("社区列表")
    await coordinator.press_data(retire_button(listing, "东门社区"), listing)
    confirm = await coordinator.expect("确定停用社区“东门社区”吗")
    told = label("zh", "triage.areas.retired_moved", name="东门社区", into="翠竹社区",
                 reports=1, households=2, workers=1, referrals=0)
    await killed_before_answering(bot, api, coordinator, "转到 翠竹社区", confirm, told)
    assert retired(bot, "东门社区")
    await coordinator.expect("已停用社区“东门社区”")  # the restart's answer
    assert [m.plain for m in coordinator.messages].count(told) == 1
    alerts = [p.get("text") for p in api.calls_to("answerCallbackQuery")]
    assert label("zh", "triage.areas.already_retired", name="东门社区") not in alerts, alerts
    assert area_of(bot, "households", "name", "张大爷") == "翠竹社区"
