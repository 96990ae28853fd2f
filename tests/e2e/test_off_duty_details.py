"""End to end: need to know after a worker's role in a case or a referral ends.

A worker taken off duty keeps no phone or address of the cases and referrals they held in
their chat: every message that carried them is edited down to one line. A list summary is
withdrawn like a Take card; referrals handed back say so, and those whose community has nobody
left on duty go to the coordinators. A worker whose referral a coordinator hands to someone
else is told, and loses its details the same way.
"""

from __future__ import annotations

import re

from tests.conftest import BotProcess
from tests.e2e.helpers_triage import add_worker, take_off_duty
from tests.e2e.reporting import label, submit_report
from tests.e2e.test_referrals import card_of, import_example, referral_id
from tests.rig.objects import BotMessage
from tests.rig.server import FakeBotApi, FakeUser

CHEN, LIN = 7001, 7002
PHONE, ADDRESS = "13912345678", "东门小区3栋502"  # the first report's
OTHER_PHONE, OTHER_ADDRESS = "13787654321", "东门小区9栋101"  # the second report's
ZHAO_PHONE, SUN_PHONE, QIAN_PHONE = "13800138001", "13800138003", "13800138002"


def live(user: FakeUser, message: BotMessage) -> BotMessage | None:
    """The message as the user's chat shows it now (None once deleted)."""
    return user.server.chats[user.id].find(message.message_id)


async def all_become(user: FakeUser, messages: list[BotMessage],
                     lines: list[str]) -> list[BotMessage]:
    """Wait until each message reads exactly its line, with no buttons; the messages now."""
    def done() -> bool:
        now = [live(user, m) for m in messages]
        return all(m is not None and m.plain == line and not m.buttons
                   for m, line in zip(now, lines, strict=True))

    if not await user.server.wait_until(done, 15.0):
        shown = [(m.plain if m else None) for m in (live(user, x) for x in messages)]
        raise AssertionError(f"{user.name}: not withdrawn: {shown}")
    return [m for m in (live(user, x) for x in messages) if m is not None]


async def arrived(user: FakeUser, text: str) -> BotMessage:
    """The newest message to the user containing `text`, once there (in whatever order it
    came with the others)."""
    def found() -> list[BotMessage]:
        return [m for m in user.messages if text in m.plain]

    assert await user.server.wait_until(lambda: bool(found()), 10.0), user.messages
    return found()[-1]


async def started(*users: FakeUser) -> None:
    """Each person has opened the bot (cards reach only who has)."""
    for user in users:
        await user.send("/start")
        await user.expect("")


async def a_list_of(bot: BotProcess, count: int, area: str = "东门社区") -> None:
    """An agency's list of `count` residents of `area` (the first one a priority), imported
    and announced."""
    rows = "".join(f"WG-{n},居民{n},{area},1390000{n:04d},{'受灾' if n == 1 else ''}\n"
                   for n in range(1, count + 1))
    path = bot.workdir / "grid.csv"
    path.write_text("来源编号,姓名,社区,电话,重点关注\n" + rows, "utf-8")
    code, out = await bot.cli("import", "referrals", str(path), "--source", "社区网格员")
    assert code == 0, out
    code, out = await bot.cli("tick", "--at", bot.now().isoformat())
    assert code == 0, out


def pending_edits(bot: BotProcess, chat_id: int) -> int:
    """The edits to this chat still waiting to go out, or to be tried again."""
    with bot.db() as conn:
        return int(conn.execute(
            "SELECT COUNT(*) FROM outbox WHERE chat_id = ? AND op = 'edit' AND state IN "
            "('pending', 'sending', 'failed')", (chat_id,)).fetchone()[0])


async def test_off_duty_takes_back_the_phone_and_address_of_every_case_and_referral_held(
        bot: BotProcess, api: FakeBotApi, coordinator: FakeUser, resident: FakeUser) -> None:
    """陈社工 took a case (its details came as the answer), was passed another by 林社工
    (its details came through the outbox), took a referral and recorded a call (two full
    cards) and was assigned another (a full card through the outbox); he deleted one of
    these messages himself. Taken off duty, each of the others reads one line with the
    reference and no phone, address or button; the deleted one is not tried again and holds
    up none of the others; 林社工's details of the case he passed on were taken back when he
    passed it (saying so), not at 陈社工's off duty."""
    await coordinator.send("/start")
    await coordinator.expect("管理员")
    add_worker(bot, CHEN, "陈社工")
    add_worker(bot, LIN, "林社工")
    chen = api.user(CHEN, "陈社工", language_code="zh-hans")
    lin = api.user(LIN, "林社工", language_code="zh-hans")
    await started(chen, lin)

    first = await submit_report(resident, phone=PHONE, address=ADDRESS)
    await chen.press(label("zh", "triage.button.take"),
                     in_message=await chen.expect(rf"新求助.*{first}"))
    taken = await chen.expect(rf"{first} 由您负责了")
    assert PHONE in taken.plain and ADDRESS in taken.plain

    neighbour = api.user(8002, "李阿姨", language_code="zh-hans")
    second = await submit_report(neighbour, phone=OTHER_PHONE, address=OTHER_ADDRESS)
    await lin.press(label("zh", "triage.button.take"),
                    in_message=await lin.expect(rf"新求助.*{second}"))
    lins_own = await lin.expect(rf"{second} 由您负责了")
    await lin.press(label("zh", "triage.button.ref"), in_message=lins_own)
    await lin.expect("转给谁")
    await lin.press("转给 陈社工")
    passed = await chen.expect(rf"林社工 把 {second} 转给了您")
    assert OTHER_PHONE in passed.plain and OTHER_ADDRESS in passed.plain

    await import_example(bot)
    code, out = await bot.cli("tick", "--at", bot.now().isoformat())  # the cards go out
    assert code == 0, out
    zhao, sun = referral_id(bot, "赵建国"), referral_id(bot, "孙志强")
    await chen.press("我来跟进", in_message=await card_of(chen, "赵建国"))
    followed = await chen.expect("由您跟进了")
    await chen.press("联系上了", in_message=followed)
    called = await chen.expect("已记下")
    assert ZHAO_PHONE in followed.plain and ZHAO_PHONE in called.plain
    await coordinator.send("/referrals")
    await coordinator.expect("待接手")
    await coordinator.press(f"Z-{sun:04d}")
    await coordinator.press("指派社工", in_message=await coordinator.expect("孙志强"))
    await coordinator.expect("本社区的社工排在前面")
    await coordinator.press("陈社工")
    await coordinator.expect(f"Z-{sun:04d} 已指派给 陈社工")
    assigned = await chen.expect("管理员把转介")
    assert SUN_PHONE in assigned.plain

    deleted = live(chen, taken)
    assert deleted is not None
    deleted.deleted = True  # 陈社工 deleted the first case's details himself
    await take_off_duty(coordinator, "陈社工")
    await coordinator.expect("陈社工 已离岗")

    case_gone = label("zh", "triage.detail.withdrawn", ref=second)
    zhao_gone = label("zh", "referrals.withdrawn", ref=f"Z-{zhao:04d}")
    sun_gone = label("zh", "referrals.withdrawn", ref=f"Z-{sun:04d}")
    now = await all_become(chen, [passed, followed, called, assigned],
                           [case_gone, zhao_gone, zhao_gone, sun_gone])
    for message in now:
        assert not re.search(r"1[0-9]{10}", message.plain)
        assert OTHER_ADDRESS not in message.plain and "东门路" not in message.plain
    assert "联系协调员" in case_gone and "\n" not in case_gone
    assert await bot.until(lambda: pending_edits(bot, CHEN) == 0)  # nothing left to retry
    # 林社工 kept no details of the case he passed on: taken back then, in his own words.
    [lins_now] = await all_become(lin, [lins_own], [label("zh", "triage.detail.passed_on",
                                                          ref=second)])
    assert OTHER_PHONE not in lins_now.plain


async def test_the_summary_of_a_long_list_is_withdrawn_at_off_duty(
        bot: BotProcess, api: FakeBotApi, coordinator: FakeUser) -> None:
    """More than 8 new referrals come as one summary with a button to the list; the worker
    taken off duty has it edited down to one line without the button, as his Take cards;
    a colleague's summary stays."""
    add_worker(bot, CHEN, "陈社工")
    add_worker(bot, LIN, "林社工")
    chen = api.user(CHEN, "陈社工", language_code="zh-hans")
    lin = api.user(LIN, "林社工", language_code="zh-hans")
    await started(chen, lin)
    await a_list_of(bot, 10)
    summary = await chen.expect("有 10 位居民需要摸排")
    kept = await lin.expect("有 10 位居民需要摸排")
    assert summary.buttons

    await take_off_duty(coordinator, "陈社工")
    await coordinator.expect("陈社工 已离岗")
    await all_become(chen, [summary], [label("zh", "triage.notice.withdrawn")])
    still = live(lin, kept)
    assert still is not None and "有 10 位居民需要摸排" in still.plain and still.buttons


async def test_many_referrals_handed_back_say_they_are_handed_back(
        bot: BotProcess, api: FakeBotApi, coordinator: FakeUser) -> None:
    """陈社工 took all 9 referrals of a list when he goes off duty: his colleague gets one
    summary that says a colleague went off duty and handed them back (not a new list), with
    the list button; 陈社工's summary of the list is withdrawn."""
    add_worker(bot, CHEN, "陈社工")
    add_worker(bot, LIN, "林社工")
    chen = api.user(CHEN, "陈社工", language_code="zh-hans")
    lin = api.user(LIN, "林社工", language_code="zh-hans")
    await started(chen, lin)
    await a_list_of(bot, 9)
    summary = await chen.expect("有 9 位居民需要摸排")
    await chen.press("看待接手的名单", in_message=summary)
    listing = await chen.expect("待接手（9）")
    for n in range(1, 10):
        await chen.press(f"居民{n}", in_message=listing)
        await chen.press("我来跟进", in_message=await chen.expect(rf"居民{n} "))
        await chen.expect("由您跟进了")
    lin.drain()

    await take_off_duty(coordinator, "陈社工")
    await coordinator.expect("陈社工 已离岗：交还 0 个个案、9 个转介")
    back = await lin.expect("交回")
    assert back.plain == re.sub(r"<[^>]+>", "", label("zh", "referrals.notice.many_back",
                                                      count=9, focus=1))
    assert "新的转介" not in back.plain
    assert back.labels == [label("zh", "referrals.button.open_list")]
    # His own summary, every referral of it taken since, is withdrawn all the same.
    await all_become(chen, [summary], [label("zh", "triage.notice.withdrawn")])


async def test_referrals_of_a_community_left_with_nobody_go_to_the_coordinator(
        bot: BotProcess, api: FakeBotApi, coordinator: FakeUser) -> None:
    """陈社工 is 翠竹社区's only worker and follows 钱秀英 when he goes off duty: nobody of
    翠竹社区 is left to take her, so the coordinator gets her card (Take and Assign) and the
    confirmation says so; 林社工 of 东门社区, who may not take her, gets no card of her.
    The coordinator assigns her to 林社工 from that card."""
    await coordinator.send("/start")
    await coordinator.expect("管理员")
    add_worker(bot, CHEN, "陈社工", "翠竹社区")
    add_worker(bot, LIN, "林社工", "东门社区")
    chen = api.user(CHEN, "陈社工", language_code="zh-hans")
    lin = api.user(LIN, "林社工", language_code="zh-hans")
    await started(chen, lin)
    await import_example(bot)
    code, out = await bot.cli("tick", "--at", bot.now().isoformat())  # the cards go out
    assert code == 0, out
    qian = referral_id(bot, "钱秀英")
    await chen.press("我来跟进", in_message=await card_of(chen, "钱秀英"))
    await chen.expect("由您跟进了")

    await take_off_duty(coordinator, "陈社工")
    done = await arrived(coordinator, "陈社工 已离岗")
    assert "其中 1 个转介所在的社区已经没有在岗社工，卡片已发给管理员" in done.plain
    card = await arrived(coordinator, "转介没人接")
    assert f"Z-{qian:04d}" in card.plain and "钱秀英" in card.plain
    assert QIAN_PHONE not in card.plain
    assert card.labels == [label("zh", "referrals.button.take"),
                           label("zh", "referrals.button.assign")]
    assert not [m for m in lin.messages if "钱秀英" in m.plain]

    await coordinator.press(label("zh", "referrals.button.assign"), in_message=card)
    await coordinator.expect("本社区的社工排在前面")
    await coordinator.press("林社工")
    await coordinator.expect(f"Z-{qian:04d} 已指派给 林社工")
    given = await lin.expect("管理员把转介")
    assert "钱秀英" in given.plain and QIAN_PHONE in given.plain


async def test_a_worker_whose_referral_is_handed_on_is_told_and_loses_its_details(
        bot: BotProcess, api: FakeBotApi, coordinator: FakeUser) -> None:
    """Chen (who reads English) follows 赵建国 and 孙志强; a coordinator hands 赵建国 to
    林社工. Chen, still on duty, is told in one line, and his full cards of 赵建国 lose the
    phone, address and buttons; his card of 孙志强 stays; the audit trail keeps the
    reassignment."""
    add_worker(bot, CHEN, "Chen")
    add_worker(bot, LIN, "林社工")
    chen = api.user(CHEN, "Chen", language_code="en")
    lin = api.user(LIN, "林社工", language_code="zh-hans")
    await started(chen, lin)
    await import_example(bot)
    code, out = await bot.cli("tick", "--at", bot.now().isoformat())  # the cards go out
    assert code == 0, out
    zhao = referral_id(bot, "赵建国")
    take = label("en", "referrals.button.take")

    async def taken(name: str) -> BotMessage:
        await chen.press(take, in_message=await arrived(chen, name))
        return await chen.expect(rf"You now follow referral.*{name}")

    zhaos = await taken("赵建国")
    await chen.press(label("en", "referrals.button.reached"), in_message=zhaos)
    zhaos_next = await chen.expect(r"Recorded.*赵建国")
    suns = await taken("孙志强")
    assert ZHAO_PHONE in zhaos.plain and ZHAO_PHONE in zhaos_next.plain

    await coordinator.send("/referrals")
    await coordinator.expect("跟进中的转介")
    await coordinator.press(f"Z-{zhao:04d}")
    await coordinator.press("改派社工")
    choose = await coordinator.expect("把 .* 指派给谁")
    await coordinator.press("林社工", in_message=choose)
    await coordinator.expect(f"Z-{zhao:04d} 已指派给 林社工")
    await lin.expect("交给您接着跟进")

    told = await chen.expect("handed referral")
    assert told.plain == label("en", "referrals.handed_away", ref=f"Z-{zhao:04d}",
                               by=label("en", "titles.by.generic"), name="林社工")
    assert not told.buttons
    gone = label("en", "referrals.withdrawn", ref=f"Z-{zhao:04d}")
    for message in await all_become(chen, [zhaos, zhaos_next], [gone, gone]):
        assert ZHAO_PHONE not in message.plain and "东门路" not in message.plain
    still = live(chen, suns)
    assert still is not None and SUN_PHONE in still.plain and still.buttons
    with bot.db() as conn:
        trail = conn.execute("SELECT detail FROM audit WHERE action = 'referral.assigned' "
                             "AND object_id = ?", (str(zhao),)).fetchall()
    assert len(trail) == 1 and "林社工" in trail[0][0]
