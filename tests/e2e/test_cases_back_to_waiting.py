"""End to end: a case whose worker is gone goes back to waiting, and everyone hears the truth.

A resolved case the reporter reopens after its worker left is nobody's: it is offered again
to the community's workers and the coordinators, escalated like a new report (counted from
the reopening), and the reporter is told a worker is being found rather than that theirs
will call.
"""

from __future__ import annotations

import asyncio
import re
from datetime import datetime, timedelta

from tests.conftest import BotProcess
from tests.e2e.helpers_triage import join, report_row, take_off_duty
from tests.e2e.reporting import label, submit_report
from tests.rig.server import FakeBotApi, FakeUser

TAKE = label("zh", "triage.button.take")
ALERT = r"已等了|第二次提醒"  # an escalation (a weekly digest may come too)


def moved_back(bot: BotProcess, ref: str, days: int) -> None:
    """As if the report had been made `days` days ago."""
    with bot.db() as conn:
        made = datetime.fromisoformat(report_row(bot, ref)["created_at"])
        conn.execute("UPDATE reports SET created_at = ? WHERE id = ?",
                     ((made - timedelta(days=days)).isoformat(timespec="microseconds"),
                      int(ref[2:])))
        conn.commit()


def reopened_at(bot: BotProcess, ref: str) -> datetime:
    """When the reporter reopened the case."""
    with bot.db() as conn:
        at = conn.execute("SELECT at FROM report_events WHERE report_id = ? AND "
                          "kind = 'reopened'", (int(ref[2:]),)).fetchone()[0]
    return datetime.fromisoformat(at)


async def resolved_by_a_worker_who_then_leaves(
        bot: BotProcess, coordinator: FakeUser, resident: FakeUser, chen: FakeUser,
        liu: FakeUser) -> tuple[str, object]:
    """Chen takes and resolves a report, then is taken off duty; the reporter's question
    "did help arrive?" is returned."""
    await join(coordinator, chen, "陈社工")
    await join(coordinator, liu, "刘社工")
    ref = await submit_report(resident)
    card = await chen.expect(ref)
    await chen.press(TAKE, in_message=card)
    await chen.expect(rf"{ref} 由您负责了")
    await chen.press(label("zh", "triage.button.res"))
    await chen.expect(r"怎么解决")
    await chen.send("已联系家属，家属说会带去医院")
    asked = await resident.expect(r"帮助到了吗")
    await take_off_duty(coordinator, "陈社工")
    await coordinator.expect(r"陈社工 已离岗")
    return ref, asked


async def test_a_reporter_still_in_need_after_their_worker_left_gets_another_worker(
        bot: BotProcess, api: FakeBotApi, coordinator: FakeUser, resident: FakeUser) -> None:
    chen = api.user(2001, "Chen", language_code="zh-hans")
    liu = api.user(2002, "Liu", language_code="zh-hans")
    ref, asked = await resolved_by_a_worker_who_then_leaves(bot, coordinator, resident, chen,
                                                            liu)
    moved_back(bot, ref, 3)  # the family never came: three days later the reporter says so
    liu.drain()
    coordinator.drain()
    await resident.press(label("zh", "triage.feedback.more"), in_message=asked)  # type: ignore[arg-type]

    # The reporter hears the truth: a worker is being found (not "your worker will call").
    told = await resident.expect(rf"{ref} 已重新打开")
    assert "正在请其他社工接手" in told.plain
    assert "社工会再和您联系" not in told.plain
    # Nobody holds it: the workers on duty in its community and the coordinators are asked.
    offered = await liu.expect(rf"求助人说还需要帮助.*{ref}")
    assert TAKE in offered.labels
    alert = await coordinator.expect(rf"求助人说还需要帮助.*{ref}")
    assert label("zh", "triage.button.assign") in alert.labels
    row = report_row(bot, ref)
    assert row["status"] == "new" and row["taken_by"] is None
    await liu.send("/cases")
    listing = await liu.expect(r"等待接手的求助")
    assert ref in listing.plain
    # Chen, off duty, is asked nothing.
    assert not [m.plain for m in chen.drain() if re.search("还需要帮助", m.plain)]

    # Nobody takes it: the coordinators are alerted as for a new report, a day after the
    # reopening (not at once for the three days since it was made).
    since = reopened_at(bot, ref)
    status, out = await bot.cli("tick", "--at", (since + timedelta(minutes=1)).isoformat())
    assert status == 0, out
    status, out = await bot.cli("tick", "--at", (since + timedelta(hours=23)).isoformat())
    assert status == 0, out
    await asyncio.sleep(1.0)
    assert not [m.plain for m in coordinator.drain() if re.search(ALERT, m.plain)]
    status, out = await bot.cli("tick", "--at",
                                (since + timedelta(hours=24, minutes=1)).isoformat())
    assert status == 0, out
    await coordinator.expect(rf"{ref} 已等了 24 小时")

    # Liu takes it and the reporter hears that it has a worker again.
    await liu.press(TAKE, in_message=offered)
    await liu.expect(rf"{ref} 由您负责了")
    await resident.expect(rf"您的求助 {ref} 又有社工接手了")
    assert report_row(bot, ref)["taken_by"] == 2002


def said(resident: FakeUser, pattern: str) -> list[str]:
    """Every message the resident got that matches."""
    return [m.plain for m in resident.messages if re.search(pattern, m.plain)]


async def test_the_reporter_hears_when_their_case_waits_again_and_when_it_is_taken_again(
        bot: BotProcess, api: FakeBotApi, coordinator: FakeUser, resident: FakeUser) -> None:
    chen = api.user(2001, "Chen", language_code="zh-hans")
    liu = api.user(2002, "Liu", language_code="zh-hans")
    await join(coordinator, chen, "陈社工")
    await join(coordinator, liu, "刘社工")
    ref = await submit_report(resident)
    card = await chen.expect(ref)
    first = await liu.expect(rf"新求助.*{ref}")  # Liu's card of the first time it waited
    await chen.press(TAKE, in_message=card)
    await chen.expect(rf"{ref} 由您负责了")
    await resident.expect(rf"好消息：已经有社工接手了您的求助 {ref}")

    # Chen gives it back: the reporter is told, plainly and without the worker's name.
    await chen.press(label("zh", "triage.button.rel"))
    await chen.expect(rf"{ref} 已退回")
    back = await resident.expect(rf"{ref}.*正在请其他社工接手")
    assert "陈社工" not in back.plain and "Chen" not in back.plain
    offered = await liu.expect(rf"新求助.*{ref}")
    # The new card, not a change to the first (settled when the case was offered again).
    while offered.message_id == first.message_id:
        offered = await liu.expect(rf"新求助.*{ref}")

    # Liu takes it: the reporter hears it has a worker again (not the first good news twice).
    await liu.press(TAKE, in_message=offered)
    await liu.expect(rf"{ref} 由您负责了")
    await resident.expect(rf"您的求助 {ref} 又有社工接手了")

    # Liu is taken off duty: the reporter is told once more, once.
    chen.drain()  # the card of the first time it waited
    await take_off_duty(coordinator, "刘社工")
    await coordinator.expect(r"刘社工 已离岗")
    again = await resident.expect(rf"{ref}.*正在请其他社工接手")
    assert "刘社工" not in again.plain
    offered = await chen.expect(rf"新求助.*{ref}")
    await chen.press(TAKE, in_message=offered)
    await chen.expect(rf"{ref} 由您负责了")
    await resident.expect(rf"您的求助 {ref} 又有社工接手了")
    await resident.expect_nothing(within=1.0)
    assert len(said(resident, r"好消息")) == 1
    assert len(said(resident, r"正在请其他社工接手")) == 2
    assert len(said(resident, r"又有社工接手了")) == 2


async def test_cases_held_by_someone_who_may_no_longer_hold_them_are_offered_again(
        bot: BotProcess, api: FakeBotApi, coordinator: FakeUser, resident: FakeUser) -> None:
    chen = api.user(2001, "Chen", language_code="zh-hans")
    liu = api.user(2002, "Liu", language_code="zh-hans")
    await join(coordinator, chen, "陈社工")
    await join(coordinator, liu, "刘社工")
    # The coordinator takes one report himself; Chen takes another.
    first = await submit_report(resident)
    card = await coordinator.expect(rf"新求助.*{first}")
    await coordinator.press(TAKE, in_message=card)
    await coordinator.expect(rf"{first} 由您负责了")
    await resident.expect(rf"已经有社工接手了您的求助 {first}")
    second = await submit_report(resident, category="health",
                                 description="隔壁王奶奶摔了一跤，一个人起不来")
    card = await chen.expect(rf"新求助.*{second}")
    await chen.press(TAKE, in_message=card)
    await chen.expect(rf"{second} 由您负责了")
    # Chen is off duty but still holds the case, as a reopening before this release left
    # such cases; and the coordinator is no longer one once the bot restarts without him.
    with bot.db() as conn:
        conn.execute("UPDATE people SET active = 0 WHERE telegram_id = 2001")
        conn.commit()
    await bot.stop()
    bot.env["ZHONGFU_COORDINATORS"] = "9002"
    await bot.start()
    resident.drain()
    liu.drain()

    status, out = await bot.cli("tick", "--at", (bot.now() + timedelta(minutes=1)).isoformat())
    assert status == 0, out
    # Both are offered to the workers on duty (in one card when they arrive together).
    offered = await liu.expect(r"新求助")
    for ref in (first, second):
        if ref not in offered.plain:
            offered = await liu.expect(rf"新求助.*{ref}")
        assert report_row(bot, ref)["status"] == "new"
        assert report_row(bot, ref)["taken_by"] is None
    await resident.expect(rf"{first}.*正在请其他社工接手")
    await resident.expect(rf"{second}.*正在请其他社工接手")
    # A second tick finds nothing more to do.
    status, out = await bot.cli("tick", "--at", (bot.now() + timedelta(minutes=2)).isoformat())
    assert status == 0, out
    await resident.expect_nothing(within=1.0)


async def test_a_reporter_answering_while_their_case_waits_is_told_it_has_no_worker_yet(
        bot: BotProcess, api: FakeBotApi, coordinator: FakeUser, resident: FakeUser) -> None:
    chen = api.user(2001, "Chen", language_code="zh-hans")
    await join(coordinator, chen, "陈社工")
    ref = await submit_report(resident)
    card = await chen.expect(ref)
    await chen.press(TAKE, in_message=card)
    await chen.expect(rf"{ref} 由您负责了")
    await chen.press(label("zh", "triage.button.msg"))
    await chen.expect(r"请写下要发给")
    await chen.send("您好，我明天上午过来。")
    relayed = await resident.expect(r"社工给您留言")
    await chen.press(label("zh", "triage.button.rel"))
    await chen.expect(rf"{ref} 已退回")
    await resident.expect(rf"{ref}.*正在请其他社工接手")
    # The reporter answers the worker who gave it back: told plainly there is nobody yet.
    await resident.press(label("zh", "triage.button.reply"), in_message=relayed)
    told = await resident.expect(rf"{ref}")
    assert "还没有社工负责" in told.plain and "已经处理完了" not in told.plain


async def test_a_case_given_back_after_its_alerts_is_escalated_again_from_then(
        bot: BotProcess, api: FakeBotApi, coordinator: FakeUser, resident: FakeUser) -> None:
    chen = api.user(2001, "Chen", language_code="zh-hans")
    await join(coordinator, chen, "陈社工")
    ref = await submit_report(resident)
    card = await chen.expect(ref)
    made = datetime.fromisoformat(report_row(bot, ref)["created_at"])
    # Nobody took it for two days: both alerts went out.
    for hours in (24, 48):
        status, out = await bot.cli("tick", "--at", (made + timedelta(hours=hours, minutes=1))
                                    .isoformat())
        assert status == 0, out
    await coordinator.expect(rf"第二次提醒：{ref}")
    # Chen takes it, then gives it back: it waits again, and is escalated again a day later.
    await chen.press(TAKE, in_message=card)
    await chen.expect(rf"{ref} 由您负责了")
    await chen.press(label("zh", "triage.button.rel"))
    await chen.expect(rf"{ref} 已退回")
    with bot.db() as conn:
        given_back = datetime.fromisoformat(conn.execute(
            "SELECT at FROM report_events WHERE kind = 'released'").fetchone()[0])
    coordinator.drain()
    status, out = await bot.cli("tick", "--at", (given_back + timedelta(hours=23)).isoformat())
    assert status == 0, out
    await asyncio.sleep(1.0)
    assert not [m.plain for m in coordinator.drain() if re.search(ALERT, m.plain)]
    status, out = await bot.cli("tick", "--at", (given_back + timedelta(hours=24, minutes=1))
                                .isoformat())
    assert status == 0, out
    await coordinator.expect(rf"{ref} 已等了 24 小时")
