"""End to end: a worker's message to the reporter, a case note, the reporter's reply and a
case resolved, referred or closed are done once when the bot is killed (-9) after saving
them but before confirming, and the update is handled again at the restart."""

from __future__ import annotations

import asyncio
import contextlib
import re

import pytest

from storage.db import BUSY_TIMEOUT_MS
from tests.conftest import BotProcess
from tests.e2e.helpers_triage import join, report_row
from tests.e2e.reporting import label, submit_report
from tests.rig.server import FakeBotApi, FakeUser

TAKE = label("zh", "triage.button.take")
MESSAGE = "您好，我是社工小陈，明天上午十点上门。"


async def taken(coordinator: FakeUser, resident: FakeUser, worker: FakeUser) -> str:
    """A report the worker has taken; its reference."""
    await join(coordinator, worker, "陈社工")
    ref = await submit_report(resident, phone="13800001001")
    card = await worker.expect(ref)
    await worker.press(TAKE, in_message=card)
    await worker.expect(rf"{ref} 由您负责了")
    return ref


def entries(bot: BotProcess, kind: str) -> list[str]:
    """The texts of the case history's entries of this kind."""
    with bot.db() as conn:
        return [r[0] for r in conn.execute(
            "SELECT detail FROM report_events WHERE kind = ? ORDER BY id", (kind,))]


async def delivered(bot: BotProcess, chat_id: int) -> None:
    """Wait until the outbox has marked everything for this chat sent (Telegram took it and
    the bot wrote that down), so the kill that follows cannot make it send one again."""
    for _ in range(100):
        with bot.db() as conn:
            waiting = conn.execute("SELECT COUNT(*) FROM outbox WHERE chat_id = ? AND "
                                   "state != 'sent'", (chat_id,)).fetchone()[0]
        if not waiting:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"the outbox still holds messages for {chat_id}")


async def killed_before_confirming(bot: BotProcess, api: FakeBotApi, user: FakeUser, text: str,
                                   confirmation: str, *, passed_to: FakeUser | None = None,
                                   passed: str = "") -> None:
    """`user` sends `text`; once it is saved (and, with `passed_to`, delivered to them as
    `passed`) and the confirmation is on its way, kill -9 the bot; then start it again."""
    hold = api.hold("sendMessage", lambda p: confirmation in str(p.get("text", "")))
    await user.send(text)
    await hold.reached()  # saved and committed; the confirmation waits
    if passed_to is not None:
        await passed_to.expect(passed)
        await delivered(bot, passed_to.chat_id)
    await bot.kill()
    hold.release()
    await bot.start()


async def test_a_message_for_the_reporter_reaches_them_once_after_a_crash(
        bot: BotProcess, api: FakeBotApi, coordinator: FakeUser, resident: FakeUser) -> None:
    worker = api.user(2001, "Chen", language_code="zh-hans")
    ref = await taken(coordinator, resident, worker)
    await worker.press(label("zh", "triage.button.msg"))
    await worker.expect(r"请写下要发给")
    await killed_before_confirming(bot, api, worker, MESSAGE, "已转达给",
                                   passed_to=resident, passed=r"社工给您留言")
    # The message handled again is answered as the first time; the reporter has it once.
    await worker.expect(rf"已转达给 {ref} 的求助人")
    assert "pending" not in await bot.updates_settled()
    await resident.expect_nothing(within=2.0)
    assert len([m for m in resident.messages if MESSAGE in m.plain]) == 1
    assert entries(bot, "message") == [MESSAGE]


async def test_a_case_note_is_kept_once_after_a_crash(
        bot: BotProcess, api: FakeBotApi, coordinator: FakeUser, resident: FakeUser) -> None:
    worker = api.user(2001, "Chen", language_code="zh-hans")
    ref = await taken(coordinator, resident, worker)
    await worker.press(label("zh", "triage.button.note"))
    await worker.expect(r"请写下.*的进展")
    await killed_before_confirming(bot, api, worker, "已电话联系家属", "已记下")
    await worker.expect(rf"已记下 {ref} 的进展")
    assert "pending" not in await bot.updates_settled()
    assert entries(bot, "note") == ["已电话联系家属"]


async def test_a_reporters_reply_reaches_the_worker_once_after_a_crash(
        bot: BotProcess, api: FakeBotApi, coordinator: FakeUser, resident: FakeUser) -> None:
    worker = api.user(2001, "Chen", language_code="zh-hans")
    ref = await taken(coordinator, resident, worker)
    await worker.press(label("zh", "triage.button.msg"))
    await worker.expect(r"请写下要发给")
    await worker.send(MESSAGE)
    await resident.expect(r"社工给您留言")
    await resident.press(label("zh", "triage.button.reply"))
    await resident.expect(r"请写下要回复社工的话")
    await killed_before_confirming(bot, api, resident, "好的，明天我在家", "已转达给社工",
                                   passed_to=worker, passed=r"求助人回复.*好的，明天我在家")
    await resident.expect(rf"已转达给社工（{ref}）")
    assert "pending" not in await bot.updates_settled()
    await worker.expect_nothing(within=2.0)
    assert len([m for m in worker.messages if "好的，明天我在家" in m.plain]) == 1
    assert entries(bot, "reply") == ["好的，明天我在家"]


async def test_a_reporters_thanks_is_kept_once_after_a_crash(
        bot: BotProcess, api: FakeBotApi, coordinator: FakeUser, resident: FakeUser) -> None:
    worker = api.user(2001, "Chen", language_code="zh-hans")
    await taken(coordinator, resident, worker)
    await worker.press(label("zh", "triage.button.res"))
    await worker.expect(r"怎么解决")
    await worker.send("已陪同去医院，费用已解决")
    asked = await resident.expect(r"帮助到了吗")
    hold = api.hold("sendMessage", lambda p: "谢谢您告诉我们" in str(p.get("text", "")))
    press = asyncio.create_task(resident.press(label("zh", "triage.feedback.ok"),
                                               in_message=asked, timeout=30))
    await hold.reached()  # the thanks is saved; its answer waits: kill now
    await bot.kill()
    hold.release()
    await bot.start()
    await press
    await resident.expect(r"谢谢您告诉我们")
    assert "pending" not in await bot.updates_settled()
    assert len(entries(bot, "confirmed")) == 1


async def test_a_message_relayed_as_the_database_locks_is_not_told_failed_nor_sent_twice(
        bot: BotProcess, api: FakeBotApi, coordinator: FakeUser, resident: FakeUser) -> None:
    """The worker's message is saved and their case flow ends in one transaction; a lock
    held past the busy timeout right after (a backup, an import) leaves nothing of the
    update to fail: the worker is not told "没办成" (and so does not send it again), the
    reporter gets it once, and the same words sent again are not a second message."""
    worker = api.user(2001, "陈社工", language_code="zh-hans")
    await taken(coordinator, resident, worker)
    await worker.press(label("zh", "triage.button.msg"))
    await worker.expect(r"请写下要发给")
    hold = api.hold("sendMessage", lambda p: "已转达给" in str(p.get("text")))
    await worker.send(MESSAGE)
    await hold.reached()
    with bot.db() as other:
        other.isolation_level = None
        other.execute("BEGIN IMMEDIATE")  # past BUSY_TIMEOUT_MS for whatever writes next
        hold.release()
        await asyncio.sleep(BUSY_TIMEOUT_MS / 1000 + 1)
        other.execute("ROLLBACK")
    await worker.expect(r"已转达给")
    await resident.expect(MESSAGE, timeout=15)
    await worker.send(MESSAGE)  # as if asked to try again: the flow is over, nothing relayed
    await worker.expect(r"我没太明白")
    await asyncio.sleep(1)
    assert not [m for m in worker.messages if "没办成" in m.plain]
    assert [m.plain for m in resident.messages].count(
        next(m.plain for m in resident.messages if MESSAGE in m.plain)) == 1
    assert entries(bot, "message") == [MESSAGE]


@pytest.mark.env(ZHONGFU_RETRY_SECONDS="3")
async def test_a_take_cut_short_by_a_lock_is_finished_when_tried_again(
        bot: BotProcess, api: FakeBotApi, coordinator: FakeUser, resident: FakeUser) -> None:
    """Take is saved, then a lock held past the busy timeout stops what follows (the cards,
    the details): when the press is tried again the worker gets the details and the cards
    lose their Take button, instead of "已经由您接手了，详细信息在上面" with no details."""
    worker = api.user(2001, "陈社工", language_code="zh-hans")
    await join(coordinator, worker, "陈社工")
    ref = await submit_report(resident)
    card = await worker.expect(ref)
    hold = api.hold("answerCallbackQuery")  # the take is saved by then
    press = asyncio.create_task(worker.press(TAKE, in_message=card, timeout=60))
    await hold.reached()
    with bot.db() as other:
        other.isolation_level = None
        other.execute("BEGIN IMMEDIATE")
        hold.release()
        await asyncio.sleep(BUSY_TIMEOUT_MS / 1000 + 1)
        other.execute("ROLLBACK")
    with contextlib.suppress(AssertionError):
        await press
    details = await worker.expect(rf"{ref} 由您负责了", timeout=30)
    assert "13800001001" in details.plain or "楼下张大爷" in details.plain
    assert report_row(bot, ref)["taken_by"] == 2001

    def settled() -> bool:
        live = worker.server.chats[worker.id].find(card.message_id)
        return live is not None and not live.buttons

    assert await worker.server.wait_until(settled, 10)


@pytest.mark.parametrize(("button", "asked", "words", "done", "kind", "told"), [
    ("res", r"怎么解决", "已陪同去医院，费用已解决", "已标为解决", "resolved", r"帮助到了吗"),
    ("ref", r"转给谁", "已转给街道民政科跟进", "已标为转介", "referred", r"已转给更合适"),
    ("close", r"为什么结束", "家属已接回老家照顾", "已结束，已告诉求助人", "closed",
     r"您的求助 R-\d+ 已结束"),
])
async def test_a_case_concluded_is_answered_as_done_once_after_a_crash(
        bot: BotProcess, api: FakeBotApi, coordinator: FakeUser, resident: FakeUser,
        button: str, asked: str, words: str, done: str, kind: str, told: str) -> None:
    """Resolve, refer or close saved, then kill -9 before the worker hears it is done: the
    same update handled again at the restart answers with the done text (not "已经处理完了"),
    and the case is concluded, and the reporter told, once."""
    worker = api.user(2001, "Chen", language_code="zh-hans")
    ref = await taken(coordinator, resident, worker)
    await worker.press(label("zh", f"triage.button.{button}"))
    await worker.expect(asked)
    await killed_before_confirming(bot, api, worker, words, done,
                                   passed_to=resident, passed=told)
    # The answer Telegram had from the bot that died, then the same words for the update
    # handled again: the worker is never told the case they concluded is "already done".
    for _ in range(2):
        answer = await worker.expect(rf"{ref} {done}")
        assert answer.plain == label("zh", f"triage.done.{button}", ref=ref)
    assert "pending" not in await bot.updates_settled()
    await worker.expect_nothing(within=1.0)
    assert not [m for m in worker.messages if "已经处理完了" in m.plain]
    assert len([m for m in resident.messages if re.search(told, m.plain)]) == 1
    assert entries(bot, kind) == [words]
    assert report_row(bot, ref)["status"] == kind
