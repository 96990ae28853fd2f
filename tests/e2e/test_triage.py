"""End to end: invite → join → report → notify → take (racing) → case work → follow-up,
escalation through `tick --at`, and the authorization table."""

from __future__ import annotations

import asyncio
import re

import pytest

from tests.conftest import COORDINATOR_ID, BotProcess
from tests.e2e.helpers_triage import (
    add_worker,
    created_plus,
    events,
    invite_code,
    join,
    report_row,
    take_off_duty,
)
from tests.e2e.reporting import label, submit_report
from tests.e2e.test_households import paired_setup
from tests.rig.server import BotMessage, FakeBotApi, FakeUser

TAKE = label("zh", "triage.button.take")


async def no_alert(user: FakeUser, pattern: str = r"已等了|第二次提醒|新求助") -> None:
    """Nothing about waiting reports arrives (other scheduled messages, e.g. digests, may)."""
    await asyncio.sleep(0.7)
    unwanted = [m.plain for m in user.drain() if re.search(pattern, m.plain)]
    assert unwanted == []
ADDRESS = "东门小区3栋502"
PHONE = "13800001001"


@pytest.fixture
def worker_a(api: FakeBotApi) -> FakeUser:
    return api.user(2001, "Chen", language_code="zh-hans")


@pytest.fixture
def worker_b(api: FakeBotApi) -> FakeUser:
    return api.user(2002, "Liu", language_code="zh-hans")


async def test_invite_report_take_race_case_work_and_follow_up(
        bot: BotProcess, coordinator: FakeUser, resident: FakeUser, worker_a: FakeUser,
        worker_b: FakeUser) -> None:
    await join(coordinator, worker_a, "陈社工")
    await join(coordinator, worker_b, "刘社工")
    with bot.db() as conn:
        trail = [tuple(r) for r in conn.execute(
            "SELECT actor_id, action, object_id FROM audit ORDER BY id")]
    # Each invite and each join is in the audit trail (the invite's code, a secret, is not).
    assert trail == [(COORDINATOR_ID, "invite.create", ""), (2001, "role.join", "2001"),
                     (COORDINATOR_ID, "invite.create", ""), (2002, "role.join", "2002")]
    ref = await submit_report(resident, address=ADDRESS, phone=PHONE)

    # Routing: both workers of the area and the coordinator, never address or phone.
    notices = [await u.expect(rf"新求助.*{ref}") for u in (worker_a, worker_b, coordinator)]
    for notice in notices:
        assert ADDRESS not in notice.plain and PHONE not in notice.plain
        assert "李阿姨" not in notice.plain
        assert TAKE in notice.labels

    # Two workers press at the same moment: exactly one wins.
    answers = await asyncio.gather(worker_a.press(TAKE), worker_b.press(TAKE))
    won = [a for a in answers if "您接手了" in a]
    lost = [a for a in answers if "已经由" in a]
    assert len(won) == 1 and len(lost) == 1, answers
    row = report_row(bot, ref)
    assert row["status"] == "acknowledged"
    assert events(bot, ref).count("taken") == 1
    taker, other = (worker_a, worker_b) if row["taken_by"] == 2001 else (worker_b, worker_a)
    taker_name = "陈社工" if taker is worker_a else "刘社工"

    # The taker gets everything privately; the reporter hears; other notices lose the button.
    details = await taker.expect(rf"{ref} 由您负责了")
    assert ADDRESS in details.plain and PHONE in details.plain
    await resident.expect(rf"已经有社工接手了您的求助 {ref}")
    await other.expect(rf"已经由 {taker_name} 接手")
    # (edits of other people's cards go out through the outbox, within moments)
    def settled() -> bool:
        found = [taker.server.chats[n.chat_id].find(n.message_id) for n in notices]
        return all(live is not None and f"已由 {taker_name} 接手" in live.plain
                   and not live.buttons for live in found)

    assert await taker.server.wait_until(settled, 10)

    # A note, with the length limit.
    await taker.press(label("zh", "triage.button.note"))
    await taker.expect(r"请写下.*的进展")
    await taker.send("长" * 1001)
    await taker.expect(r"写得太长了")
    await taker.send("已电话联系，明天上门")
    await taker.expect(rf"已记下 {ref}")

    # Relay both ways.
    await taker.press(label("zh", "triage.button.msg"))
    await taker.expect(r"要发给")
    await taker.send("您好，我明天上午 <10点> 到")
    relayed = await resident.expect(r"社工给您留言.*明天上午 <10点> 到")
    assert taker_name not in relayed.plain
    await resident.press(label("zh", "triage.button.reply"))
    await resident.expect(r"回复社工")
    await resident.send("好的，谢谢 & 辛苦")
    answer = await taker.expect(r"求助人回复.*好的，谢谢 & 辛苦")
    assert "李阿姨" not in answer.plain

    # Resolve → the reporter is asked; "still need help" reopens and tells coordinators.
    await taker.press(label("zh", "triage.button.res"))
    await taker.expect(r"怎么解决的")
    await taker.send("已送医，费用由慈善基金承担")
    await taker.expect(rf"{ref} 已标为解决")
    await resident.expect(r"已送医.*帮助到了吗")
    assert report_row(bot, ref)["status"] == "resolved"
    await resident.press(label("zh", "triage.feedback.more"))
    await resident.expect(rf"{ref} 已重新打开")
    await coordinator.expect(rf"还需要帮助，{ref} 已重新打开")
    await taker.expect(rf"{ref} 的求助人说还需要帮助")
    assert report_row(bot, ref)["status"] == "acknowledged"
    assert events(bot, ref) == ["created", "taken", "note", "message", "reply", "resolved",
                                "reopened"]
    # The taker's view of the case tells its history as staff say it, not as the reporter.
    await taker.send("/cases")
    listing = await taker.expect(ref)
    await taker.press(f"📂 {ref}", in_message=listing)
    history = await taker.expect(r"最近记录")
    assert "求助人提交了求助" in history.plain and "给求助人留了言" in history.plain
    assert "求助人说还没解决" in history.plain and "您提交了" not in history.plain

    # The reporter's history shows the steps in plain words.
    await resident.send("/myreports")
    await resident.expect(ref)


async def test_anonymous_reporter_stays_anonymous_and_blocked_reporter_is_reported(
        bot: BotProcess, coordinator: FakeUser, resident: FakeUser,
        worker_a: FakeUser) -> None:
    await join(coordinator, worker_a, "陈社工")
    ref = await submit_report(resident, address=ADDRESS, phone=None)
    await worker_a.expect(rf"新求助.*{ref}")
    await worker_a.press(TAKE)
    details = await worker_a.expect(rf"{ref} 由您负责了")
    assert "匿名" in details.plain and "+86" not in details.plain
    await worker_a.press(label("zh", "triage.button.msg"))
    await worker_a.expect(r"要发给")
    await worker_a.send("请问具体几楼？")
    await resident.expect(r"请问具体几楼")
    await resident.press(label("zh", "triage.button.reply"))
    await resident.send("五楼")
    answer = await worker_a.expect(r"匿名求助人回复.*五楼")
    assert "李阿姨" not in answer.plain
    resident.block()
    await worker_a.press(label("zh", "triage.button.msg"), in_message=answer)
    await worker_a.expect(r"要发给")
    await worker_a.send("我到了")
    await worker_a.expect(r"已经屏蔽了机器人")


async def test_bad_and_used_invite_codes(bot: BotProcess, coordinator: FakeUser,
                                         worker_a: FakeUser, worker_b: FakeUser) -> None:
    code = await invite_code(coordinator)
    await worker_a.send("/start inv_ZZZZZZZZZZ")
    await worker_a.expect(r"邀请码不对")
    # Junk around the code is fine (pasted with the link's text around it).
    await worker_a.send(f"/start xx{code}!!")
    await worker_a.expect(r"请写下您的姓名")
    await worker_a.send("陈社工")
    await worker_a.expect(r"您负责哪些社区")
    await worker_a.press("东门社区")
    await worker_a.expect(r"您负责哪些社区")
    await worker_a.press(label("zh", "triage.join.done_button"))
    await worker_a.expect(r"您已经是社工了")
    await worker_b.send(f"/start {code}")
    await worker_b.expect(r"已经用过了")
    await worker_b.send(f"我的邀请码是 {code.lower()} 谢谢")
    await worker_b.expect(r"已经用过了")
    await worker_a.send(f"/start {code}")
    await worker_a.expect(r"您已经是社工了")


async def test_expired_invite(bot: BotProcess, coordinator: FakeUser,
                              worker_a: FakeUser) -> None:
    code = await invite_code(coordinator)
    with bot.db() as conn:
        conn.execute("UPDATE invites SET expires_at = '2020-01-01T00:00:00.000000+00:00'")
        conn.commit()
    await worker_a.send(f"/start {code}")
    await worker_a.expect(r"已经过期了")


@pytest.mark.slow
async def test_escalation_two_levels_each_once(bot: BotProcess, coordinator: FakeUser,
                                               resident: FakeUser) -> None:
    await coordinator.send("/start")
    await coordinator.expect(r"管理员")
    ref = await submit_report(resident, urgency="danger")
    await coordinator.expect(rf"新求助.*{ref}")
    status, out = await bot.cli("tick", "--at", created_plus(bot, ref, 20))
    assert status == 0, out
    await no_alert(coordinator)
    status, out = await bot.cli("tick", "--at", created_plus(bot, ref, 31))
    assert status == 0, out
    first = await coordinator.expect(rf"{ref} 已等了 31 分钟")
    assert label("zh", "triage.button.assign") in first.labels
    await bot.cli("tick", "--at", created_plus(bot, ref, 45))
    await no_alert(coordinator)
    await bot.cli("tick", "--at", created_plus(bot, ref, 61))
    await coordinator.expect(rf"第二次提醒：{ref}")
    await bot.cli("tick", "--at", created_plus(bot, ref, 90))
    await no_alert(coordinator)
    assert report_row(bot, ref)["escalation_level"] == 2
    assert events(bot, ref).count("escalated") == 2


async def test_escalation_of_other_urgency_waits_a_day_and_assign_works(
        bot: BotProcess, coordinator: FakeUser, resident: FakeUser, worker_a: FakeUser) -> None:
    await coordinator.send("/start")
    await coordinator.expect(r"管理员")
    add_worker(bot, 2001, "陈社工", area="翠竹社区")
    ref = await submit_report(resident, urgency="soon")
    await coordinator.expect(rf"新求助.*{ref}")
    await bot.cli("tick", "--at", created_plus(bot, ref, 23 * 60))
    await no_alert(coordinator)
    await bot.cli("tick", "--at", created_plus(bot, ref, 24 * 60 + 1))
    alert = await coordinator.expect(rf"{ref} 已等了 24 小时")
    await coordinator.press(label("zh", "triage.button.assign"), in_message=alert)
    await coordinator.expect(rf"把 {ref} 指派给哪位社工")
    await coordinator.press("陈社工")
    await coordinator.expect(rf"已把 {ref} 指派给 陈社工")
    await worker_a.expect(rf"管理员把 {ref} 指派给了您")
    await resident.expect(rf"已经有社工接手了您的求助 {ref}")
    assert report_row(bot, ref)["taken_by"] == 2001
    await coordinator.expect(r"已由 陈社工 接手")  # the alert and the routing notice lose Take
    await coordinator.expect(r"已由 陈社工 接手")
    await bot.cli("tick", "--at", created_plus(bot, ref, 48 * 60 + 1))
    await no_alert(coordinator)


async def test_unrouted_report_is_routed_by_the_tick(bot: BotProcess, coordinator: FakeUser,
                                                     resident: FakeUser) -> None:
    await coordinator.send("/start")
    await coordinator.expect(r"管理员")
    ref = await submit_report(resident)
    await coordinator.expect(rf"新求助.*{ref}")

    def recorded() -> bool:  # the card is on record once delivered, a moment after
        with bot.db() as conn:
            return conn.execute("SELECT COUNT(*) FROM report_notices").fetchone()[0] == 1

    # Cleared only once recorded, else a late record would say a card is still live there.
    assert await bot.until(recorded)
    with bot.db() as conn:  # as if the process had died between commit and routing
        conn.execute("UPDATE reports SET routed_at = NULL")
        conn.execute("DELETE FROM report_notices")
        conn.commit()
    await bot.cli("tick", "--at", created_plus(bot, ref, 5))
    await coordinator.expect(rf"新求助.*{ref}")
    await bot.cli("tick", "--at", created_plus(bot, ref, 6))
    await no_alert(coordinator)


# -- authorization: roles × actions, with forged callback data ---------------------------

RESIDENT_ID, A_ID, B_ID, OFF_ID = 1001, 2001, 2002, 2003

# (who presses, callback data with {id} for the report, the case's state, expected answer)
AUTH_TABLE = [
    ("resident", "cs:take:{id}", "new", r"只对社工开放"),
    ("resident", "cs:res:{id}", "taken", r"只对社工开放"),
    ("resident", "cs:asg:{id}", "new", r"只对社工开放"),
    ("worker_b", "cs:res:{id}", "taken", r"不是您负责的个案"),
    ("worker_b", "cs:rel:{id}", "taken", r"不是您负责的个案"),
    ("worker_b", "cs:note:{id}", "taken", r"不是您负责的个案"),
    ("worker_b", "cs:take:{id}", "taken", r"已经由 陈社工 接手"),
    ("worker_b", "cs:asg:{id}", "new", r"只对管理员开放"),
    ("worker_b", "wk:off:2001", "new", r"只对管理员开放"),
    ("worker_b", "cs:take:{id}", "closed", r"已经处理完了"),
    ("worker_b", "fb:more:{id}", "resolved", r"只有提交这条求助的人"),
    ("deactivated", "cs:take:{id}", "new", r"只对社工开放"),
    ("deactivated", "cs:res:{id}", "taken_by_off", r"只对社工开放"),
    ("worker_a", "cs:res:99999", "taken", r"没有找到这条求助"),
    ("worker_a", "cs:take:abc", "new", r"没有找到这条求助"),
]


@pytest.mark.parametrize(("who", "data", "state", "refusal"), AUTH_TABLE,
                         ids=[f"{w}-{d.split(':')[1]}-{s}" for w, d, _, s in
                              [(w, d, r, s) for w, d, s, r in AUTH_TABLE]])
async def test_authorization_table(bot: BotProcess, api: FakeBotApi, coordinator: FakeUser,
                                   resident: FakeUser, who: str, data: str, state: str,
                                   refusal: str) -> None:
    add_worker(bot, A_ID, "陈社工")
    add_worker(bot, B_ID, "刘社工")
    add_worker(bot, OFF_ID, "停用社工", active=True)
    people = {"resident": resident, "worker_a": api.user(A_ID, "Chen", language_code="zh"),
              "worker_b": api.user(B_ID, "Liu", language_code="zh"),
              "deactivated": api.user(OFF_ID, "Off", language_code="zh")}
    ref = await submit_report(resident)
    report_id = int(ref[2:])
    taker = OFF_ID if state == "taken_by_off" else A_ID
    with bot.db() as conn:
        if state != "new":
            status = {"closed": "closed", "resolved": "resolved"}.get(state, "acknowledged")
            conn.execute("UPDATE reports SET status = ?, taken_by = ? WHERE id = ?",
                         (status, taker, report_id))
        conn.execute("UPDATE people SET active = 0 WHERE telegram_id = ?", (OFF_ID,))
        conn.commit()
        before = (conn.execute("SELECT * FROM reports").fetchall(),
                  conn.execute("SELECT * FROM report_events").fetchall(),
                  conn.execute("SELECT telegram_id, role, active FROM people").fetchall(),
                  conn.execute("SELECT * FROM flows").fetchall())
    presser = people[who]
    if presser is not resident:
        await presser.send("/start")
        await presser.expect(r".")
    presser.drain()
    answer = await presser.press_data(data.format(id=report_id))
    await presser.expect(refusal)
    assert answer, "the press must be answered"
    with bot.db() as conn:
        after = (conn.execute("SELECT * FROM reports").fetchall(),
                 conn.execute("SELECT * FROM report_events").fetchall(),
                 conn.execute("SELECT telegram_id, role, active FROM people").fetchall(),
                 conn.execute("SELECT * FROM flows").fetchall())
    assert [tuple(r) for r in after[0]] == [tuple(r) for r in before[0]]
    assert [tuple(r) for r in after[1]] == [tuple(r) for r in before[1]]
    assert [tuple(r) for r in after[3]] == [tuple(r) for r in before[3]]
    assert sorted(tuple(r) for r in after[2]) == sorted(tuple(r) for r in before[2])


async def test_worker_cannot_use_coordinator_commands(bot: BotProcess, api: FakeBotApi) -> None:
    add_worker(bot, A_ID, "陈社工")
    worker = api.user(A_ID, "Chen", language_code="zh")
    for command in ("/invite", "/workers", "/areas"):
        await worker.send(command)
        await worker.expect(r"只对管理员开放")
    with bot.db() as conn:
        assert conn.execute("SELECT COUNT(*) FROM invites").fetchone()[0] == 0


async def test_deactivate_and_reactivate_worker(bot: BotProcess, coordinator: FakeUser,
                                                worker_a: FakeUser, resident: FakeUser) -> None:
    await join(coordinator, worker_a, "陈社工")
    # The worker holds a case and a pairing when their duty ends.
    ref = await submit_report(resident)
    card = await worker_a.expect(rf"新求助.*{ref}")
    await worker_a.press(label("zh", "triage.button.take"), in_message=card)
    await worker_a.expect(rf"您接手了 {ref}|{ref}")
    stamp = "2026-01-01T00:00:00.000000+00:00"
    with bot.db() as conn:
        conn.execute("INSERT INTO households (id, name, address, people_count, category, "
                     "created_at, updated_at) VALUES (1, '张大爷', '东门路1号', 1, 'other', ?, ?)",
                     (stamp, stamp))
        conn.execute("INSERT INTO pairings (household_id, worker_id, program_id, started_on, "
                     "created_at) VALUES (1, ?, 1, '2026-01-01', ?)", (worker_a.id, stamp))
        conn.commit()
    coordinator.drain()
    await coordinator.send("/workers")
    listing = await coordinator.expect(r"社工名单.*陈社工.*在岗")
    assert "1" in listing.plain
    await coordinator.press("离岗 陈社工", in_message=listing)
    confirm = await coordinator.expect(r"确定让 陈社工 离岗吗")
    await coordinator.press(label("zh", "triage.workers.yes_off"), in_message=confirm)
    await coordinator.expect(r"陈社工 已离岗：交还 1 个个案.*结束 1 个结对")
    # The case is untaken again and its card goes out afresh (coordinators included).
    await coordinator.expect(rf"新求助.*{ref}")
    row = report_row(bot, ref)
    assert row["status"] == "new" and row["taken_by"] is None
    with bot.db() as conn:
        ended = conn.execute("SELECT ended_on, ended_reason FROM pairings").fetchone()
        audited = conn.execute("SELECT action FROM audit WHERE object_id = ?",
                               (str(worker_a.id),)).fetchall()
    assert ended["ended_reason"] == "worker_left" and ended["ended_on"] is not None
    assert [a[0] for a in audited] == ["role.join", "role.deactivate"]
    # Every button on every message the worker ever received is refused and changes nothing.
    pressed = 0
    for message in list(worker_a.messages):
        for row_buttons in (message.reply_markup or {}).get("inline_keyboard") or []:
            for button in row_buttons:
                data = str(button.get("callback_data", ""))
                if not data or data.startswith(("lang:", "cmd:help", "cmd:language")):
                    continue
                await worker_a.callback(worker_a._live(message), data)
                pressed += 1
    for forged in (f"cs:take:{int(ref[2:])}", f"cs:note:{int(ref[2:])}", "lq:1:call",
                   "hf:1", "cx:del:1", "rh:new:1"):
        await worker_a.press_data(forged)
        pressed += 1
    assert pressed >= 6
    row = report_row(bot, ref)
    assert row["status"] == "new" and row["taken_by"] is None
    with bot.db() as conn:
        assert conn.execute("SELECT COUNT(*) FROM contacts").fetchone()[0] == 0
        # Only what anyone may do (the menu's "report someone in need") can have started.
        flows = {r[0] for r in conn.execute("SELECT name FROM flows").fetchall()}
        assert flows <= {"report"}
        assert conn.execute("SELECT COUNT(*) FROM households").fetchone()[0] == 1
    await worker_a.send("/cases")
    await worker_a.expect(r"只对社工开放")
    # Back on duty: the role returns, not the old case or pairing.
    await coordinator.send("/workers")
    listing = await coordinator.expect(r"离岗")
    await coordinator.press("重新上岗 陈社工", in_message=listing)
    await coordinator.expect(r"陈社工 已重新上岗")
    await worker_a.send("/cases")
    waiting = await worker_a.expect(rf"等待接手的求助.*{ref}")
    assert "您手上的个案" not in waiting.plain
    with bot.db() as conn:
        assert conn.execute(
            "SELECT COUNT(*) FROM pairings WHERE ended_on IS NULL").fetchone()[0] == 0
    assert COORDINATOR_ID == 9001


GROUP_ID = -100555


@pytest.fixture
def bot_env(bot_env: dict[str, str], request: pytest.FixtureRequest) -> dict[str, str]:
    if request.node.name.startswith("test_coordinator_group"):
        bot_env["ZHONGFU_COORDINATOR_CHAT"] = str(GROUP_ID)
    return bot_env


async def test_coordinator_group_gets_notices_and_a_coordinator_can_take(
        bot: BotProcess, api: FakeBotApi, coordinator: FakeUser, resident: FakeUser) -> None:
    group = api.group(GROUP_ID, "协调员群")
    ref = await submit_report(resident, address=ADDRESS, phone=PHONE)
    notice = await group.expect(rf"新求助.*{ref}")
    assert ADDRESS not in notice.plain and PHONE not in notice.plain
    await no_alert(coordinator, r"新求助")  # the group stands in for private notices
    answer = await group.press(coordinator, TAKE)
    assert "您接手了" in answer
    details = await coordinator.expect(rf"{ref} 由您负责了")
    assert ADDRESS in details.plain and PHONE in details.plain
    edited = await group.expect(r"已由 王协调 接手")
    assert not edited.buttons
    await resident.expect(rf"已经有社工接手了您的求助 {ref}")


async def test_release_close_as_duplicate_refer_and_location(
        bot: BotProcess, coordinator: FakeUser, resident: FakeUser, worker_a: FakeUser) -> None:
    add_worker(bot, A_ID, "陈社工")
    first = await submit_report(resident)
    # Written again under another heading, so it is not caught as a repeat when submitted.
    second = await submit_report(resident, category="health",
                                 description="张大爷腿肿，好几天没出门（重复）")
    await worker_a.expect(rf"新求助.*{first}")
    second_notice = await worker_a.expect(rf"新求助.*{second}")
    sent = await resident.send_photo(b"\xff\xd8\xff\xe0fake-jpeg")
    await resident.expect(r"我没太明白")
    file_id = sent["photo"][-1]["file_id"]
    with bot.db() as conn:
        conn.execute("UPDATE reports SET latitude = 22.54, longitude = 114.12, photos = ? "
                     "WHERE id = ?", (f'["{file_id}"]', int(second[2:])))
        conn.commit()

    # Take the second, see the pin, close it as a duplicate of the first.
    await worker_a.press(TAKE, in_message=second_notice)
    await worker_a.expect(rf"{second} 由您负责了")
    pin = await worker_a.expect("", kind="location")
    assert pin.location == (22.54, 114.12)
    await worker_a.expect("", kind="photo")
    await resident.expect(rf"已经有社工接手了您的求助 {second}")
    await worker_a.press(label("zh", "triage.button.close"))
    await worker_a.expect(r"为什么结束")
    await worker_a.send(second)
    await worker_a.expect(r"没有找到这个编号")
    await worker_a.send(first)
    await worker_a.expect(rf"{second} 已结束")
    await resident.expect(rf"{second}.*和 {first} 是同一件事")
    assert report_row(bot, second)["status"] == "closed"

    # Take the first, release it (it is offered again), take it again and refer it.
    await worker_a.press(TAKE)
    await worker_a.expect(rf"{first} 由您负责了")
    await worker_a.press(label("zh", "triage.button.rel"))
    await worker_a.expect(rf"{first} 已退回")
    again = await worker_a.expect(rf"新求助.*{first}")
    assert report_row(bot, first)["status"] == "new"
    await worker_a.press(TAKE, in_message=again)
    await worker_a.expect(rf"{first} 由您负责了")
    await worker_a.press(label("zh", "triage.button.ref"))
    await worker_a.expect(r"转给谁")
    await worker_a.send("转给街道残联，需要上门评估")
    await worker_a.expect(rf"{first} 已标为转介")
    await resident.expect(rf"{first}.*已转给更合适的人员或机构")
    assert report_row(bot, first)["status"] == "referred"
    assert events(bot, first) == ["created", "taken", "released", "taken", "referred"]

    # Coordinators see every open case; a worker's finished cases leave /cases.
    await worker_a.send("/cases")
    await worker_a.expect(r"现在没有您的个案")


async def test_routing_survives_blocked_and_flooded_recipients(
        bot: BotProcess, api: FakeBotApi, coordinator: FakeUser, resident: FakeUser,
        worker_a: FakeUser, worker_b: FakeUser) -> None:
    add_worker(bot, A_ID, "陈社工")
    add_worker(bot, B_ID, "刘社工")
    await coordinator.send("/start")
    await coordinator.expect(r"管理员")
    worker_a.block()
    ref = await submit_report(resident)
    api.fail_next("sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1)
    api.fail_next("sendMessage", 502, "Bad Gateway")
    await worker_b.expect(rf"新求助.*{ref}", timeout=15)
    await coordinator.expect(rf"新求助.*{ref}", timeout=15)
    with bot.db() as conn:
        reachable = conn.execute("SELECT reachable FROM people WHERE telegram_id = ?",
                                 (A_ID,)).fetchone()[0]
        routed = conn.execute("SELECT routed_at FROM reports").fetchone()[0]
    assert reachable == 0 and routed is not None


async def test_refer_to_another_worker_and_coordinator_sees_every_case(
        bot: BotProcess, api: FakeBotApi, coordinator: FakeUser, resident: FakeUser,
        worker_a: FakeUser) -> None:
    add_worker(bot, A_ID, "陈社工")
    add_worker(bot, B_ID, "Liu Worker", area="翠竹社区")
    worker_en = api.user(B_ID, "Liu", language_code="en")
    await worker_en.send("/language")
    await worker_en.expect(r"choose")
    await worker_en.press("English")
    await worker_en.expect(r"English")
    ref = await submit_report(resident, address=ADDRESS, phone=PHONE)
    await worker_a.expect(rf"新求助.*{ref}")
    await worker_a.press(TAKE)
    await worker_a.expect(rf"{ref} 由您负责了")
    await worker_a.press(label("zh", "triage.button.ref"))
    await worker_a.expect(r"转给谁")
    await worker_a.press("转给 Liu Worker")
    await worker_a.expect(rf"已把 {ref} 转给 Liu Worker")
    details = await worker_en.expect(rf"陈社工 referred {ref} to you")
    assert ADDRESS in details.plain and PHONE in details.plain
    assert "Take case" not in details.labels and "✅ Resolve" in details.labels
    await resident.expect(rf"{ref}.*换了一位社工")
    row = report_row(bot, ref)
    assert row["taken_by"] == B_ID and row["status"] == "acknowledged"
    # The former worker can no longer act on it; the coordinator sees it in /cases.
    answer = await worker_a.press(label("zh", "triage.button.note"))
    assert "不是您负责的个案" in answer
    await coordinator.send("/cases")
    listing = await coordinator.expect(rf"所有正在跟进的个案.*{ref}")
    await coordinator.press(f"📂 {ref}", in_message=listing)
    full = await coordinator.expect(rf"个案 {ref}")
    assert ADDRESS in full.plain
    await coordinator.expect(r"最近记录")


async def test_coordinator_manages_areas(bot: BotProcess, coordinator: FakeUser,
                                         resident: FakeUser) -> None:
    await coordinator.send("/areas")
    await coordinator.expect(r"社区列表.*东门社区.*翠竹社区")
    await coordinator.press(label("zh", "triage.areas.add"))
    await coordinator.expect(r"请写下社区名称")
    await coordinator.send("东门社区")
    await coordinator.expect(r"已经有叫“东门社区”的社区了")
    await coordinator.send("笋岗社区")
    await coordinator.expect(r"已保存：笋岗社区")
    listing = await coordinator.expect(r"社区列表")
    await coordinator.press("改名：笋岗社区", in_message=listing)
    await coordinator.expect(r"新名称")
    await coordinator.send("笋岗")
    await coordinator.expect(r"已保存：笋岗")
    listing = await coordinator.expect(r"社区列表.*笋岗")
    rows = [row for row in listing.buttons if row[0][0] == "改名：翠竹社区"]
    assert rows, listing.labels
    await coordinator.press_data(rows[0][1][1] or "", listing)
    await coordinator.expect(r"确定停用社区“翠竹社区”吗")
    await coordinator.press(label("zh", "triage.areas.yes_retire"))
    await coordinator.expect(r"已停用社区“翠竹社区”")
    await resident.send("/report")
    await resident.press(label("zh", "report.category.other"))
    await resident.send("邻居家的孩子一直没人管")
    await resident.press(label("zh", "report.button.skip"))
    await resident.send(ADDRESS)
    area_question = await resident.expect(r"属于哪个社区")
    assert "笋岗" in area_question.labels and "翠竹社区" not in area_question.labels


async def test_english_speaking_worker_joins_and_gets_reports_in_english(
        bot: BotProcess, api: FakeBotApi, coordinator: FakeUser, resident: FakeUser) -> None:
    worker = api.user(2101, "Sam", language_code="en")
    code = await invite_code(coordinator)
    await worker.send(f"/start {code}")
    await worker.expect(r"Welcome to the Zhongfu social workers")
    await worker.expect(r"Step 1: your name")
    await worker.send("Sam Li")
    await worker.expect(r"Step 2: which communities")
    answer = await worker.press("Done ✔")
    assert "Please choose at least one community" in answer
    await worker.press("翠竹社区")
    await worker.press("Done ✔")
    welcome = await worker.expect(r"Sam Li, you are now a social worker")
    assert label("en", "button.cases") in welcome.labels
    await coordinator.expect(r"新社工 Sam Li")
    ref = await submit_report(resident, area="翠竹社区")
    # Written in English although the worker never chose a language: Telegram's setting.
    notice = await worker.expect(rf"New report: can you take it\?.*{ref}")
    assert "✋ Take case" in notice.labels


async def test_a_take_whose_answer_fails_still_hands_the_case_over(
        bot: BotProcess, api: FakeBotApi, resident: FakeUser) -> None:
    """The take is saved before the press is answered: when Telegram fails the answer (a
    timeout on a field network), the taker still gets the details and the others' cards
    still lose their button."""
    add_worker(bot, 2001, "陈社工")
    add_worker(bot, 2002, "刘社工")
    taker = api.user(2001, "陈社工", language_code="zh-hans")
    other = api.user(2002, "刘社工", language_code="zh-hans")
    ref = await submit_report(resident, address=ADDRESS, phone=PHONE)
    card = await taker.expect(rf"新求助.*{ref}")
    await other.expect(rf"新求助.*{ref}")
    api.fail_next("answerCallbackQuery", 500, "Internal Server Error")
    pressing = asyncio.create_task(taker.press(TAKE, in_message=card, timeout=3))
    details = await taker.expect(rf"{ref} 由您负责了")
    assert ADDRESS in details.plain and PHONE in details.plain
    card = await other.expect(r"已由 陈社工 接手")
    assert not card.buttons
    await asyncio.gather(pressing, return_exceptions=True)
    assert report_row(bot, ref)["taken_by"] == 2001


async def test_cases_lists_an_untaken_report_masked_as_its_card(
        bot: BotProcess, api: FakeBotApi, resident: FakeUser) -> None:
    """/cases shows every worker of the community the reports waiting there: masked as on
    the card; once a worker takes one, their own list shows it in full."""
    add_worker(bot, 2001, "陈社工")
    worker = api.user(2001, "陈社工", language_code="zh-hans")
    ref = await submit_report(resident, description="张大爷电话13912345678，腿肿得厉害",
                              phone=None)
    card = await worker.expect(rf"新求助.*{ref}")
    await worker.send("/cases")
    listing = await worker.expect(ref)
    assert "13912345678" not in listing.plain and "•••" in listing.plain
    await worker.press(TAKE, in_message=card)
    await worker.expect(rf"{ref} 由您负责了")
    await worker.send("/cases")
    assert "13912345678" in (await worker.expect(ref)).plain


async def test_details_held_back_by_telegram_never_reach_a_worker_taken_off_duty(
        bot: BotProcess, coordinator: FakeUser, resident: FakeUser, worker_a: FakeUser) -> None:
    """A case's details are checked again when they go out: a worker taken off duty while
    Telegram held them back (a flood wait) never gets the reporter's phone or address."""
    await coordinator.send("/start")
    await coordinator.expect(r"管理员")
    add_worker(bot, 2001, "陈社工", area="翠竹社区")
    ref = await submit_report(resident, address=ADDRESS, phone=PHONE)
    card = await coordinator.expect(rf"新求助.*{ref}")
    await coordinator.press(label("zh", "triage.button.assign"), in_message=card)
    menu = await coordinator.expect(rf"把 {ref} 指派给哪位社工")
    api = worker_a.server
    api.fail_chat(worker_a.id, 429, "Too Many Requests: retry after 4", retry_after=4)
    await coordinator.press("陈社工", in_message=menu)
    await coordinator.expect(rf"已把 {ref} 指派给 陈社工")
    await take_off_duty(coordinator, "陈社工")
    await coordinator.expect(r"陈社工 已离岗：交还 1 个个案")
    assert report_row(bot, ref)["taken_by"] is None
    await asyncio.sleep(5)  # the flood wait is over: whatever was waiting has gone out
    said = [m.plain for m in worker_a.messages]
    assert not [text for text in said if PHONE in text or ADDRESS in text], said


async def test_a_coordinator_opening_an_untaken_report_is_in_the_audit_trail(
        bot: BotProcess, coordinator: FakeUser, resident: FakeUser) -> None:
    """A coordinator sees an untaken report's phone and address: that look is audited as a
    look at a taken case is."""
    await coordinator.send("/start")
    await coordinator.expect(r"管理员")
    ref = await submit_report(resident, address=ADDRESS, phone=PHONE)
    await coordinator.expect(rf"新求助.*{ref}")
    await coordinator.send("/cases")
    listing = await coordinator.expect(ref)
    await coordinator.press(f"🆕 {ref}", in_message=listing)
    details = await coordinator.expect(PHONE)
    assert ADDRESS in details.plain
    with bot.db() as conn:
        looks = conn.execute("SELECT actor_id, object_id FROM audit WHERE action = 'view.case'"
                             ).fetchall()
    assert [tuple(r) for r in looks] == [(COORDINATOR_ID, str(int(ref[2:])))]


# -- a case button while another conversation is open ---------------------------------------------


async def _log_to_the_note(worker: FakeUser) -> None:
    """A worker's /log of their one household, answered up to its note."""
    await worker.send("/log")
    await worker.expect(r"这次做了什么")
    await worker.press("🏠 上门走访")
    await worker.press("昨天")
    await worker.expect(r"提供了哪些服务")
    await worker.press("精神慰藉")
    await worker.expect(r"已选：精神慰藉")
    await worker.press("好了 ✔")
    await worker.press("2")
    await worker.expect(r"简单写几句")


def flow_of(bot: BotProcess, telegram_id: int) -> tuple[str, str] | None:
    """The person's open conversation: its name and step."""
    with bot.db() as conn:
        row = conn.execute("SELECT name, step FROM flows WHERE telegram_id = ?",
                           (telegram_id,)).fetchone()
    return None if row is None else (row[0], row[1])


async def test_a_case_button_pressed_in_the_middle_of_a_log_says_which_task_is_open(
        bot: BotProcess, api: FakeBotApi, resident: FakeUser) -> None:
    worker, _ = await paired_setup(bot, api)  # 陈社工 (7001), paired with 张大爷
    add_worker(bot, 7001, "陈社工")  # and serving 东门社区, where the report comes from
    await worker.send("/start")
    await worker.expect(r"欢迎回到")
    await _log_to_the_note(worker)
    ref = await submit_report(resident)
    card = await worker.expect(ref)
    await worker.press(TAKE, in_message=card)
    taken = await worker.expect(rf"{ref} 由您负责了")
    await worker.press(label("zh", "triage.button.note"), in_message=taken)
    said = await worker.expect(r"您还有一件事没办完")
    assert "记一笔服务记录" in said.plain and "/cancel" in said.plain
    await worker.expect(r"简单写几句")  # the open question, asked again: the next text is its
    assert flow_of(bot, 7001) == ("log", "note")

    await worker.send("/cancel")
    await worker.expect(r"这条记录没有保存")
    await worker.press(label("zh", "triage.button.note"), in_message=taken)
    await worker.expect(rf"请写下 {ref} 的进展")
    await worker.send("已电话联系张大爷的女儿，明天带他去医院")
    await worker.expect(rf"已记下 {ref}")
    with bot.db() as conn:
        notes = [r[0] for r in conn.execute("SELECT detail FROM report_events WHERE kind='note'")]
        assert conn.execute("SELECT COUNT(*) FROM contacts").fetchone()[0] == 0
    assert notes == ["已电话联系张大爷的女儿，明天带他去医院"]


async def test_reply_pressed_in_the_middle_of_a_new_report_keeps_the_draft_and_says_so(
        bot: BotProcess, api: FakeBotApi, coordinator: FakeUser, resident: FakeUser) -> None:
    worker = api.user(2001, "陈社工", language_code="zh-hans")
    await join(coordinator, worker, "陈社工")
    ref = await submit_report(resident)
    await worker.press(TAKE, in_message=await worker.expect(ref))
    await worker.expect(rf"{ref} 由您负责了")
    await resident.send("/report")  # something else to report
    await resident.press("🍚 缺钱或缺吃的")
    await resident.expect(r"请简单说说情况")
    await worker.press(label("zh", "triage.button.msg"))
    await worker.expect(r"要发给")
    await worker.send("张大爷住几楼？门牌号多少？")
    asked = await resident.expect(r"给您留言")
    await resident.press(label("zh", "triage.button.reply"), in_message=asked)
    said = await resident.expect(r"您还有一件事没办完")
    assert "填写求助" in said.plain and "/cancel" in said.plain
    await resident.expect(r"请简单说说情况")  # the draft's question, asked again
    assert flow_of(bot, resident.id) == ("report", "description")

    await resident.send("/cancel")
    await resident.expect(r"这次求助没有提交")
    await resident.press(label("zh", "triage.button.reply"), in_message=asked)
    await resident.expect(r"请写下要回复社工的话")
    await resident.send("他住5楼502室，门口有辆自行车")
    await worker.expect(r"求助人回复.*5楼502室")
    assert events(bot, ref)[-1] == "reply"


# -- a reporter answering the worker without the reply button -------------------------------------


async def _worker_asks(coordinator: FakeUser, worker: FakeUser,
                       resident: FakeUser) -> tuple[str, BotMessage]:
    """A report taken by 陈社工, who asks the reporter something; the reporter's copy."""
    await join(coordinator, worker, "陈社工")
    ref = await submit_report(resident)
    await worker.press(TAKE, in_message=await worker.expect(ref))
    await worker.expect(rf"{ref} 由您负责了")
    await worker.press(label("zh", "triage.button.msg"))
    await worker.expect(r"要发给")
    await worker.send("张大爷住几楼？")
    return ref, await resident.expect(r"给您留言.*张大爷住几楼")


async def test_a_reporter_answering_with_telegrams_reply_reaches_the_worker(
        bot: BotProcess, api: FakeBotApi, coordinator: FakeUser, resident: FakeUser) -> None:
    worker = api.user(2001, "陈社工", language_code="zh-hans")
    ref, asked = await _worker_asks(coordinator, worker, resident)
    await resident.send("5楼502，门口有辆自行车", reply_to=asked)  # a swipe on the message
    await resident.expect(rf"已转达给社工（{ref}）")
    answer = await worker.expect(r"求助人回复.*5楼502，门口有辆自行车")
    assert "李阿姨" not in answer.plain
    assert events(bot, ref)[-1] == "reply"


async def test_a_reporters_telegram_reply_reaches_the_worker_while_a_new_report_is_open(
        bot: BotProcess, api: FakeBotApi, coordinator: FakeUser, resident: FakeUser) -> None:
    """Halfway through a second report, the reporter answers the worker's message with
    Telegram's reply: the answer goes to the worker, not into the new report, whose question
    is asked again with what was filled in kept."""
    worker = api.user(2001, "陈社工", language_code="zh-hans")
    ref, asked = await _worker_asks(coordinator, worker, resident)
    await resident.send("/report")
    question = await resident.expect(r"出了什么事")
    await resident.press(label("zh", "report.category.health"), in_message=question)
    await resident.expect(r"请简单说说情况")
    await resident.send("有人，我明天一直在家", reply_to=asked)
    await resident.expect(rf"已转达给社工（{ref}）")
    await resident.expect(r"请简单说说情况")  # where they were in the new report
    await worker.expect(r"求助人回复.*有人，我明天一直在家")
    with bot.db() as conn:
        name, step, data = conn.execute("SELECT name, step, data FROM flows WHERE "
                                        "telegram_id = ?", (resident.id,)).fetchone()
    assert (name, step) == ("report", "description") and "我明天" not in data
    await resident.send("老人摔倒了，起不来")  # the report goes on from there
    await resident.expect(r"需要帮助的是谁")


async def test_a_reporter_typing_to_the_worker_is_shown_the_reply_button(
        bot: BotProcess, api: FakeBotApi, coordinator: FakeUser, resident: FakeUser) -> None:
    worker = api.user(2001, "陈社工", language_code="zh-hans")
    ref, _ = await _worker_asks(coordinator, worker, resident)
    worker.drain()
    await resident.send("好的，谢谢，他住502")
    hint = await resident.expect(r"想回复社工")
    assert ref in hint.plain and hint.labels == ["💬 回复社工"]
    await worker.expect_nothing(within=0.5)  # where free text goes is not guessed
    assert events(bot, ref)[-1] == "message"
    await resident.press("💬 回复社工", in_message=hint)
    await resident.expect(r"请写下要回复社工的话")
    await resident.send("他住502")
    await worker.expect(r"求助人回复.*他住502")


async def test_a_reply_to_the_worker_of_a_case_now_closed_reaches_nobody(
        bot: BotProcess, api: FakeBotApi, coordinator: FakeUser, resident: FakeUser) -> None:
    worker = api.user(2001, "陈社工", language_code="zh-hans")
    ref, asked = await _worker_asks(coordinator, worker, resident)
    await worker.press(label("zh", "triage.button.res"))
    await worker.expect(r"怎么解决的")
    await worker.send("已送医")
    await resident.expect(r"帮助到了吗")
    worker.drain()
    resident.drain()
    await resident.send("谢谢你们", reply_to=asked)
    await resident.expect(rf"{ref} 已经处理完了")  # told why it is not passed on
    await worker.expect_nothing(within=0.5)
    assert "reply" not in events(bot, ref)
