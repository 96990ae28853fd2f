"""End to end: a failed call on a referral counts once, whatever the network or the bot does.

Quick repeated taps, a tap on an older copy of the card, a card of the previous release and a
press handled again after a kill -9 are answered without counting a second failed call (the
third closes the referral as unreachable and goes back to the agency)."""

from __future__ import annotations

import asyncio

from tests.conftest import BotProcess
from tests.e2e.helpers_triage import add_worker
from tests.e2e.test_referrals import card_of, import_example, referral_id
from tests.rig.objects import BotMessage
from tests.rig.server import FakeBotApi, FakeUser

NAME = "赵建国"


async def taken(bot: BotProcess, api: FakeBotApi, coordinator: FakeUser) -> tuple[FakeUser,
                                                                                    BotMessage]:
    """陈社工 has taken 赵建国's referral; the card with the call buttons."""
    await coordinator.send("/start")
    await coordinator.expect("")
    add_worker(bot, 7001, "陈社工", "东门社区")
    await import_example(bot)
    chen = api.user(7001, "陈社工", language_code="zh-hans")
    await chen.send("/start")
    await chen.expect("")
    code, out = await bot.cli("tick", "--at", bot.now().isoformat())
    assert code == 0, out
    await chen.press("我来跟进", in_message=await card_of(chen, NAME))
    return chen, await chen.expect("由您跟进了")


def unreachable_data(card: BotMessage) -> str:
    """The data of the card's "📵 没打通" button."""
    return next(b["callback_data"] for row in card.reply_markup["inline_keyboard"]
                for b in row if "没打通" in b["text"])


def state(bot: BotProcess) -> tuple[int, str, str | None]:
    """赵建国's failed calls, stage and outcome, as stored."""
    with bot.db() as conn:
        row = conn.execute("SELECT attempts, stage, outcome FROM referrals WHERE name = ?",
                           (NAME,)).fetchone()
    return row[0], row[1], row[2]


async def test_three_quick_taps_on_unreachable_count_one_failed_call(
        bot: BotProcess, api: FakeBotApi, coordinator: FakeUser) -> None:
    chen, card = await taken(bot, api, coordinator)
    data = unreachable_data(card)
    # A slow network: the same button tapped three times before the screen changes.
    answers = await asyncio.gather(*(chen.callback(card, data) for _ in range(3)))
    await chen.expect("第 1 次没打通")
    assert state(bot) == (1, "assigned", None)
    assert sum("已经记过了" in a for a in answers) == 2, answers


async def test_a_tap_on_an_older_card_is_not_counted_and_shows_the_current_one(
        bot: BotProcess, api: FakeBotApi, coordinator: FakeUser) -> None:
    chen, first = await taken(bot, api, coordinator)
    data = unreachable_data(first)
    await chen.press("没打通", in_message=first)
    await chen.expect("第 1 次没打通")
    for _ in range(2):  # the first card scrolled back to, tapped again (twice)
        answer = await chen.callback(first, data)
        assert "这条已经记过了" in answer
        now = await chen.expect("已经记过了，没有重复记")
        assert "没打通：1 次" in now.plain and "📵 没打通" in now.labels
    assert state(bot) == (1, "assigned", None)
    await chen.press("没打通", in_message=now)  # the current card counts
    await chen.expect("第 2 次没打通")
    assert state(bot) == (2, "assigned", None)


async def test_a_call_button_of_the_previous_release_records_nothing_and_offers_new_ones(
        bot: BotProcess, api: FakeBotApi, coordinator: FakeUser) -> None:
    chen, card = await taken(bot, api, coordinator)
    rid = referral_id(bot, NAME)
    answer = await chen.callback(card, f"rf:c:{rid}:n")  # no count: made before this release
    assert "旧卡片" in answer
    now = await chen.expect("这一下没有记")
    assert "📵 没打通" in now.labels and "13800138001" in now.plain
    assert state(bot) == (0, "assigned", None)
    await chen.press("没打通", in_message=now)
    await chen.expect("第 1 次没打通")


async def test_a_failed_call_handled_again_after_a_crash_counts_once(
        bot: BotProcess, api: FakeBotApi, coordinator: FakeUser) -> None:
    chen, card = await taken(bot, api, coordinator)
    # Killed after the failed call is saved, before the update is marked handled: the
    # restarted bot handles the same press again.
    hold = api.hold("sendMessage", lambda p: "第 1 次没打通" in str(p.get("text", "")))
    await chen.press("没打通", in_message=card)
    await hold.reached()
    await bot.kill()
    hold.release()
    await bot.start()
    await chen.expect("已经记过了，没有重复记")
    assert "pending" not in await bot.updates_settled()
    assert state(bot) == (1, "assigned", None)
