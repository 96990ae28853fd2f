"""End to end: access ends the moment a role ends, for what was queued before it ended too.

Each test holds a worker's messages back (Telegram answers a flood wait for their chat), takes
the worker off duty through /workers meanwhile, waits the flood wait out and looks at what
reached them; a control shows that a worker still on duty gets the same message after the
wait.
"""

from __future__ import annotations

import asyncio

from tests.conftest import BotProcess
from tests.e2e.helpers_triage import add_worker, report_row, take_off_duty
from tests.e2e.reporting import label, submit_report
from tests.e2e.test_referrals import import_example
from tests.rig.server import FakeBotApi, FakeUser

WORKER, COLLEAGUE = 7001, 7002
HELD = 4  # seconds Telegram makes the worker's chat wait
PAIRED = "给您安排了结对"


def hold_back(api: FakeBotApi, user: FakeUser) -> None:
    """The next message to the user is refused with a flood wait of HELD seconds."""
    api.fail_chat(user.id, 429, f"Too Many Requests: retry after {HELD}", retry_after=HELD)


async def waited_out() -> None:
    """The flood wait is over: whatever was waiting has gone out."""
    await asyncio.sleep(HELD + 1)


async def pair_with_chen(bot: BotProcess, api: FakeBotApi, coordinator: FakeUser,
                         held: FakeUser) -> None:
    """The coordinator pairs 陈社工 with 王小明 while Telegram holds `held`'s chat back."""
    path = bot.workdir / "h.csv"
    path.write_text("编号,姓名,社区,类别\nLH-3,王小明,东门社区,困境儿童\n", "utf-8")
    code, out = await bot.cli("import", "households", str(path))
    assert code == 0, out
    await coordinator.send("/pair")
    await coordinator.expect("安排结对")
    await coordinator.send("小明")
    await coordinator.expect("王小明 由谁结对")
    await coordinator.press("陈社工 · 东门社区 (0)")  # the community served, households paired
    await coordinator.expect("确认：陈社工 从今天起结对 王小明")
    hold_back(api, held)
    await coordinator.press("✅ 确认")
    await coordinator.expect("已结对：陈社工 ↔ 王小明")


async def test_a_pairing_notice_held_back_never_reaches_a_worker_taken_off_duty(
        bot: BotProcess, api: FakeBotApi, coordinator: FakeUser) -> None:
    add_worker(bot, WORKER, "陈社工")
    worker = api.user(WORKER, "陈社工", language_code="zh-hans")
    await pair_with_chen(bot, api, coordinator, worker)
    await take_off_duty(coordinator, "陈社工")
    await coordinator.expect("陈社工 已离岗")
    await waited_out()
    assert not [m.plain for m in worker.messages if "王小明" in m.plain]
    with bot.db() as conn:
        state, error = conn.execute("SELECT state, error FROM outbox WHERE chat_id = ?",
                                    (WORKER,)).fetchone()
    assert (state, error) == ("dropped", "not wanted")


async def test_a_pairing_notice_held_back_reaches_a_worker_still_on_duty(
        bot: BotProcess, api: FakeBotApi, coordinator: FakeUser) -> None:
    add_worker(bot, WORKER, "陈社工")
    worker = api.user(WORKER, "陈社工", language_code="zh-hans")
    await pair_with_chen(bot, api, coordinator, worker)
    told = await worker.expect(PAIRED, timeout=HELD + 5)
    assert "王小明" in told.plain


async def test_referral_take_cards_held_back_never_reach_a_worker_taken_off_duty(
        bot: BotProcess, api: FakeBotApi, coordinator: FakeUser) -> None:
    """The Take cards of a new list (names, community, reason) go to its community's
    workers: one taken off duty while they waited gets none; a colleague still on duty
    gets theirs."""
    add_worker(bot, WORKER, "陈社工")
    add_worker(bot, COLLEAGUE, "刘社工")
    worker = api.user(WORKER, "陈社工", language_code="zh-hans")
    colleague = api.user(COLLEAGUE, "刘社工", language_code="zh-hans")
    await import_example(bot)
    hold_back(api, worker)
    code, out = await bot.cli("tick", "--at", bot.now().isoformat())  # the cards go out
    assert code == 0, out
    await colleague.expect("新的转介")
    assert [p for p in api.calls_to("sendMessage") if str(p.get("chat_id")) == str(WORKER)]
    await take_off_duty(coordinator, "陈社工")
    await coordinator.expect("陈社工 已离岗")
    await waited_out()
    assert not [m.plain for m in worker.messages if "新的转介" in m.plain]


async def test_a_new_report_card_held_back_never_reaches_a_worker_taken_off_duty(
        bot: BotProcess, api: FakeBotApi, coordinator: FakeUser, resident: FakeUser) -> None:
    """A new report's card (the community, what is wrong) waits for a worker taken off duty
    meanwhile: it never reaches them; their colleague of the community gets it."""
    await coordinator.send("/start")
    await coordinator.expect("管理员")
    add_worker(bot, WORKER, "陈社工")
    add_worker(bot, COLLEAGUE, "刘社工")
    worker = api.user(WORKER, "陈社工", language_code="zh-hans")
    colleague = api.user(COLLEAGUE, "刘社工", language_code="zh-hans")
    hold_back(api, worker)
    ref = await submit_report(resident)
    await colleague.expect(rf"新求助.*{ref}")
    await coordinator.expect(rf"新求助.*{ref}")
    await take_off_duty(coordinator, "陈社工")
    await coordinator.expect("陈社工 已离岗")
    await waited_out()
    assert not [m.plain for m in worker.messages if ref in m.plain]
    assert report_row(bot, ref)["status"] == "new"


async def test_a_case_referred_by_a_colleague_held_back_never_reaches_them_off_duty(
        bot: BotProcess, api: FakeBotApi, resident: FakeUser, coordinator: FakeUser) -> None:
    """A worker passes a case to a colleague whose chat Telegram holds back; the colleague
    is taken off duty meanwhile and gets nothing of it (the case goes back to the
    community). This held before the role checks too: the details carry routing.CASE_VIEW,
    which asks access.case as they go out; kept as a guard of that path."""
    add_worker(bot, WORKER, "陈社工")
    add_worker(bot, COLLEAGUE, "刘社工", "翠竹社区")
    worker = api.user(WORKER, "陈社工", language_code="zh-hans")
    colleague = api.user(COLLEAGUE, "刘社工", language_code="zh-hans")
    ref = await submit_report(resident)
    await worker.expect(rf"新求助.*{ref}")
    await worker.press(label("zh", "triage.button.take"))
    await worker.expect(rf"{ref} 由您负责了")
    await worker.press(label("zh", "triage.button.ref"))
    await worker.expect("转给谁")
    hold_back(api, colleague)
    await worker.press("转给 刘社工")
    await worker.expect(rf"已把 {ref} 转给 刘社工")
    await take_off_duty(coordinator, "刘社工")
    await coordinator.expect("刘社工 已离岗")
    await waited_out()
    assert not [m.plain for m in colleague.messages if ref in m.plain]


async def test_the_take_cards_of_a_worker_taken_off_duty_lose_their_buttons(
        bot: BotProcess, api: FakeBotApi, coordinator: FakeUser, resident: FakeUser) -> None:
    """A worker's cards of a new report and of a referral list (a summary and a Take button)
    are edited down to one line once they are taken off duty; a colleague's stay as they
    were."""
    await coordinator.send("/start")
    await coordinator.expect("管理员")
    add_worker(bot, WORKER, "陈社工")
    add_worker(bot, COLLEAGUE, "刘社工")
    worker = api.user(WORKER, "陈社工", language_code="zh-hans")
    colleague = api.user(COLLEAGUE, "刘社工", language_code="zh-hans")
    ref = await submit_report(resident)
    cards = [await worker.expect(rf"新求助.*{ref}")]
    kept = await colleague.expect(rf"新求助.*{ref}")
    await import_example(bot)
    code, out = await bot.cli("tick", "--at", bot.now().isoformat())  # the list's cards
    assert code == 0, out
    cards.append(await worker.expect("新的转介"))
    assert all(card.buttons for card in cards)
    await take_off_duty(coordinator, "陈社工")
    await coordinator.expect("陈社工 已离岗")
    gone = label("zh", "triage.notice.withdrawn")

    def withdrawn() -> bool:
        found = [worker.server.chats[WORKER].find(card.message_id) for card in cards]
        return all(live is not None and live.plain == gone and not live.buttons
                   for live in found)

    assert await worker.server.wait_until(withdrawn, 10)
    still = colleague.server.chats[COLLEAGUE].find(kept.message_id)
    assert still is not None and ref in still.plain and still.buttons
