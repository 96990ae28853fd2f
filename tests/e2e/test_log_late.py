"""End to end: a contact logged late, dated in a period already ended, is saved with a plain
word on which period it counted for (the missed item it meets leaves /due and /overdue), and
one of the running period says nothing of the kind."""

from __future__ import annotations

from tests.conftest import BotProcess
from tests.e2e.test_households import paired_setup
from tests.rig.server import BotMessage, FakeBotApi, FakeUser


async def log_on(worker: FakeUser, kind: str, day: str, words: dict[str, str]) -> BotMessage:
    """/log a contact of `kind` on a typed day, every optional step skipped: the answer."""
    await worker.send("/log")
    await worker.press(kind)
    await worker.expect(words["ask_day"])
    await worker.send(day)
    await worker.expect(words["ask_services"])
    await worker.press(words["done"])
    await worker.press("1")
    for _ in range(3):  # note, wellbeing, note for the next visitor
        await worker.press(words["skip"])
    return await worker.expect(words["saved"])


ZH = {"ask_day": "是哪天的事", "ask_services": "提供了哪些服务", "done": "好了 ✔", "skip": "跳过",
      "saved": "已保存"}
EN = {"ask_day": "When was it", "ask_services": "Which services", "done": "Done ✔",
      "skip": "Skip", "saved": "Saved"}


async def test_a_call_logged_late_says_it_counts_for_the_quarter_it_was_made_in(
        bot: BotProcess, api: FakeBotApi) -> None:
    worker, _ = await paired_setup(bot, api)
    # The bot's today is 2026-11-18: 9月28日 is in the third quarter, which was missed.
    await worker.send("/due")
    assert "📞 电话（2026年第3季度）" in (await worker.expect("待办")).plain
    saved = await log_on(worker, "📞 电话", "2026-09-28", ZH)
    assert "↩️ 这次记在 2026年第3季度，那一期的电话算完成了。" in saved.plain, saved.plain
    assert "走访算完成" not in saved.plain  # a call meets no visit
    await worker.send("/due")
    assert "📞 电话（2026年第3季度）" not in (await worker.expect("待办")).plain
    # A call of this quarter counts for this quarter: nothing said about another period.
    saved = await log_on(worker, "📞 电话", "昨天", ZH)
    assert "↩️" not in saved.plain and "这次记在" not in saved.plain, saved.plain


async def test_a_visit_logged_late_names_each_period_it_met_in_english(
        bot: BotProcess, api: FakeBotApi) -> None:
    _, worker = await paired_setup(bot, api)
    saved = await log_on(worker, "🏠 Home visit", "2026-06-20", EN)
    # A home visit is also that quarter's call: both missed items are met, each named.
    assert "This counts for first half of 2026: that period's visit is now done." \
        in saved.plain, saved.plain
    assert "This counts for Q2 2026: that period's call is now done." in saved.plain, \
        saved.plain
