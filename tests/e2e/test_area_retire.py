"""End to end: a community that still has open cases, households or workers is retired by
moving them to another community in one step, so nothing is left under a community nobody
can choose; /overdue still filters by a retired community that has households under it."""

from __future__ import annotations

import re

from tests.conftest import BotProcess
from tests.e2e.helpers_triage import add_worker, created_plus
from tests.e2e.reporting import label, submit_report
from tests.e2e.test_audit_trail import add_to_area, retire_button, retired
from tests.e2e.test_contact_delete import killed_before_answering
from tests.e2e.test_households import paired_setup
from tests.e2e.test_off_duty_details import a_list_of, started
from tests.e2e.test_referrals import card_of
from tests.rig.server import BotMessage, FakeBotApi, FakeUser

TAKE = label("zh", "triage.button.take")


def plain(text: str) -> str:
    """A catalog text as a chat shows it (tags removed)."""
    return re.sub(r"<[^>]+>", "", text)


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


CHEN, LIN = 7001, 7002


def waiting_out(bot: BotProcess) -> int:
    """Messages to others still waiting in the outbox (or to be tried again)."""
    with bot.db() as conn:
        return int(conn.execute("SELECT COUNT(*) FROM outbox WHERE state IN "
                                "('pending', 'sending', 'failed')").fetchone()[0])


def about(user: FakeUser, text: str) -> list[BotMessage]:
    """The messages in the user's chat, as they are now, that mention `text`."""
    return [m for m in user.server.chats[user.id].messages if text in m.plain]


async def retire_into(coordinator: FakeUser, community: str, into: str) -> None:
    """/areas → retire `community`, moving what it has to `into`."""
    await coordinator.send("/areas")
    listing = await coordinator.expect(f"社区列表.*{community}")
    await coordinator.press_data(retire_button(listing, community), listing)
    confirm = await coordinator.expect(f"确定停用社区“{community}”吗")
    await coordinator.press(f"转到 {into}", in_message=confirm)
    await coordinator.expect(f"已停用社区“{community}”")


async def two_workers(bot: BotProcess, api: FakeBotApi, coordinator: FakeUser, *,
                      lin_language: str = "zh-hans") -> tuple[FakeUser, FakeUser]:
    """陈社工 serves 东门社区, 林社工 翠竹社区; both (and the coordinator) opened the bot."""
    add_worker(bot, CHEN, "陈社工", "东门社区")
    add_worker(bot, LIN, "林社工", "翠竹社区")
    chen = api.user(CHEN, "陈社工", language_code="zh-hans")
    lin = api.user(LIN, "林社工", language_code=lin_language)
    await started(coordinator, chen, lin)
    return chen, lin


async def test_an_untaken_report_moved_is_offered_to_the_workers_of_the_community_it_went_to(
        bot: BotProcess, api: FakeBotApi, coordinator: FakeUser, resident: FakeUser) -> None:
    """Nobody had taken R-… of 东门社区 when it was retired into 翠竹社区: 林社工 of 翠竹社区
    is offered it there and then; 陈社工 (who moved along) and the coordinator keep the card
    they have, and get no second one; once 林社工 takes it, 陈社工's card says so."""
    chen, lin = await two_workers(bot, api, coordinator)
    ref = await submit_report(resident, area="东门社区")
    old = await chen.expect(rf"新求助.*{ref}")
    await coordinator.expect(rf"新求助.*{ref}")
    assert not about(lin, ref)  # not his community's, yet
    await retire_into(coordinator, "东门社区", "翠竹社区")
    offered = await lin.expect(ref)
    assert plain(label("zh", "triage.notice.moved")) in offered.plain, offered.plain
    assert "社区：翠竹社区" in offered.plain, offered.plain
    assert offered.labels == [TAKE], offered.labels
    assert await bot.until(lambda: waiting_out(bot) == 0)
    assert len(about(chen, ref)) == 1 and len(about(coordinator, ref)) == 1
    await lin.press(TAKE, in_message=offered)
    await lin.expect(rf"{ref} 由您负责了")

    def settled() -> bool:
        card = chen.server.chats[CHEN].find(old.message_id)
        return card is not None and "已由 林社工 接手" in card.plain and not card.buttons

    assert await bot.until(settled)


async def test_a_moved_report_leaves_the_workers_not_of_its_new_community(
        bot: BotProcess, api: FakeBotApi, coordinator: FakeUser, resident: FakeUser) -> None:
    """笋岗社区 had nobody on duty, so its report went to every worker; retired into 东门社区,
    the report is 陈社工's community's: 林社工 (of 翠竹社区, in English) sees his card
    say where it went, without its button; 陈社工 keeps his and gets no second one."""
    chen, lin = await two_workers(bot, api, coordinator, lin_language="en")
    await coordinator.send("/areas")
    await coordinator.press("➕ 添加社区")
    await coordinator.send("笋岗社区")
    await coordinator.expect("社区列表.*笋岗社区")
    ref = await submit_report(resident, area="笋岗社区")
    await chen.expect(rf"新求助.*{ref}")
    lins = await lin.expect(rf"New report.*{ref}")
    await retire_into(coordinator, "笋岗社区", "东门社区")
    gone = plain(label("en", "triage.notice.moved_away", area="东门社区"))

    def withdrawn() -> bool:
        card = lin.server.chats[LIN].find(lins.message_id)
        return card is not None and gone in card.plain and not card.buttons

    assert await bot.until(withdrawn), [m.plain for m in about(lin, ref)]
    assert await bot.until(lambda: waiting_out(bot) == 0)
    mine = about(chen, ref)
    assert len(mine) == 1 and mine[0].labels == [TAKE], [m.plain for m in mine]
    assert len(about(lin, ref)) == 1


async def test_an_untaken_referral_moved_is_offered_to_the_workers_of_the_community_it_went_to(
        bot: BotProcess, api: FakeBotApi, coordinator: FakeUser) -> None:
    """居民1 of 东门社区's list, not yet taken, goes with 东门社区 to 翠竹社区: 林社工 gets its
    Take card and may take it; 陈社工 keeps his one card."""
    chen, lin = await two_workers(bot, api, coordinator)
    await a_list_of(bot, 1)
    await card_of(chen, "居民1")
    await retire_into(coordinator, "东门社区", "翠竹社区")
    card = await card_of(lin, "居民1")
    assert "翠竹社区" in card.plain, card.plain
    assert await bot.until(lambda: waiting_out(bot) == 0)
    assert len([m for m in about(chen, "居民1") if "新的转介" in m.plain]) == 1
    await lin.press("我来跟进", in_message=card)
    await lin.expect("由您跟进了")


async def test_a_move_cut_short_before_its_offers_is_finished_by_the_next_tick(
        bot: BotProcess, api: FakeBotApi, coordinator: FakeUser, resident: FakeUser) -> None:
    """The move was committed, then the process died before it offered what it took along:
    the next tick offers the report and the referral where they went, as it routes a report
    whose routing was cut short, and nobody who has a card of them gets a second one."""
    chen, lin = await two_workers(bot, api, coordinator)
    ref = await submit_report(resident, area="东门社区")
    await chen.expect(rf"新求助.*{ref}")
    await a_list_of(bot, 1)
    await card_of(chen, "居民1")
    with bot.db() as conn:  # what the move's transaction wrote
        into = "(SELECT id FROM areas WHERE name = '翠竹社区')"
        conn.execute(f"UPDATE reports SET area_id = {into}, routed_at = NULL")
        conn.execute(f"UPDATE referrals SET area_id = {into}, routed_at = NULL")
        conn.execute(f"UPDATE person_areas SET area_id = {into} WHERE telegram_id = ?", (CHEN,))
        conn.execute("UPDATE areas SET retired = 1 WHERE name = '东门社区'")
        conn.commit()
    code, out = await bot.cli("tick", "--at", created_plus(bot, ref, 5))
    assert code == 0, out
    offered = await lin.expect(ref)
    assert "社区：翠竹社区" in offered.plain and offered.labels == [TAKE], offered.plain
    await card_of(lin, "居民1")
    assert await bot.until(lambda: waiting_out(bot) == 0)
    assert len(about(chen, ref)) == 1 and len(about(coordinator, ref)) == 1
    assert len([m for m in about(chen, "居民1") if "新的转介" in m.plain]) == 1


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
