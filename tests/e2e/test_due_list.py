"""End to end: /due for a worker with many households (what can still be done first, every
item a page away) and its buttons (one log button per household and kind still open; a missed
period logged after the fact only with a day inside it, which meets it)."""

from __future__ import annotations

import re

import pytest

from tests.conftest import BotProcess
from tests.e2e.reporting import label
from tests.e2e.test_households import HEADER, add_worker, import_csv, paired_setup
from tests.rig.server import BotMessage, FakeBotApi, FakeUser

NEXT = "下一页 ▶"


async def forty_households(bot: BotProcess, api: FakeBotApi) -> FakeUser:
    """陈社工, paired since 2025 with 40 households: today (18 Nov 2026) each owes this
    quarter's call, this half-year's visit and this year's deed, and missed the period before
    of each (Q3's call, H1's visit, 2025's deed)."""
    add_worker(bot, 7001, "陈社工", "zh")
    await import_csv(bot, HEADER + "".join(
        f"LH-{i},住户{i:02d},东门社区,东门路{i}号,1,低保,7001,2025-01-01\n" for i in range(1, 41)))
    return api.user(7001, "陈社工", language_code="zh-hans")


def items_of(message: BotMessage) -> list[str]:
    """The obligation lines of a /due page."""
    return [line for line in message.plain.splitlines() if line.startswith(("⏳", "❌"))]


async def test_due_with_forty_households_lists_what_can_still_be_done_first_and_pages_all(
        bot: BotProcess, api: FakeBotApi) -> None:
    worker = await forty_households(bot, api)
    await worker.send("/due")
    page = await worker.expect("待办")
    assert "本期还要做 120 项，之前漏了 120 项" in page.plain
    first = items_of(page)
    # Still doable this period comes first, the nearest deadline (this quarter's call) first.
    assert first and all(line.startswith("⏳ 待完成") for line in first), first
    assert "📞 电话（本季度），截止 2026-12-31" in first[0]
    assert "第 1/24 页" in page.plain and NEXT in page.labels
    seen = list(first)
    for number in range(2, 25):
        await worker.press(NEXT, in_message=page)
        page = await worker.expect(rf"第 {number}/24 页")
        assert len(page.plain) <= 4096 and len(page.labels) <= 100
        seen += items_of(page)
    # Every item is reachable, each once: the open ones, then the missed ones.
    assert len(seen) == len(set(seen)) == 240
    assert [line[0] for line in seen] == ["⏳"] * 120 + ["❌"] * 120
    assert any("住户40" in line and "🤲 办实事（2025年）" in line for line in seen)
    assert NEXT not in page.labels and "◀ 上一页" in page.labels


async def test_due_in_english_counts_both_and_pages(bot: BotProcess, api: FakeBotApi) -> None:
    add_worker(bot, 7002, "Liu", "en")
    await import_csv(bot, HEADER + "".join(
        f"LH-{i},住户{i:02d},东门社区,东门路{i}号,1,低保,7002,2025-01-01\n" for i in range(1, 5)))
    liu = api.user(7002, "Liu", language_code="en")
    await liu.send("/due")
    page = await liu.expect("Due")
    assert "12 still to do this period, 12 missed earlier" in page.plain
    assert all(line.startswith("⏳") for line in items_of(page))
    assert "Page 1 of 3" in page.plain and "Next ▶" in page.labels


async def test_due_buttons_log_what_is_open_once_and_a_missed_period_only_inside_it(
        bot: BotProcess, api: FakeBotApi) -> None:
    worker, _ = await paired_setup(bot, api)
    await worker.send("/due")
    due = await worker.expect("待办")
    assert "本期还要做 3 项，之前漏了 3 项" in due.plain
    # One button for this quarter's call; last quarter's is logged after the fact, by name.
    assert due.labels.count("📞 电话 · 张大爷") == 1, due.labels
    assert "补记 📞 电话 · 张大爷 · 2026年第3季度" in due.labels, due.labels
    assert "漏了的已经过了期限" in due.plain
    await worker.press("补记 📞 电话 · 张大爷 · 2026年第3季度", in_message=due)
    ask = await worker.expect("之间")
    # the period's days as people write them, not as 2026-07-01
    assert ask.plain.splitlines()[-1] == label("zh", "log.ask_day_within", first="2026年7月1日",
                                               last="2026年9月30日"), ask.plain
    assert "2026年7月1日到2026年9月30日之间" in ask.plain
    assert "今天" not in ask.labels  # today cannot meet last quarter
    await worker.send("2026-11-18")  # today: it cannot meet last quarter
    outside = await worker.expect("这个日期不在那一期里")
    assert outside.plain == label("zh", "log.problem.outside", first="2026年7月1日",
                                  last="2026年9月30日")
    await worker.send("2026-09-28")
    await worker.expect("提供了哪些服务")
    await worker.press("好了 ✔")
    await worker.expect("服务了几个人")
    await worker.press("1")
    for question in ("简单写几句", "状况怎么样", "提醒下次走访"):
        await worker.expect(question)
        await worker.press("跳过")
    saved = await worker.expect("已保存")
    assert "2026-09-28" in saved.plain
    await worker.send("/due")
    due = await worker.expect("待办")
    # The missed call is met now; this quarter's call is still to do.
    assert "本期还要做 3 项，之前漏了 2 项" in due.plain
    assert not re.search(r"❌ 已逾期 张大爷：📞 电话", due.plain)
    assert "⏳ 待完成 张大爷：📞 电话（本季度）" in due.plain
    assert "补记 📞 电话 · 张大爷 · 2026年第3季度" not in due.labels


@pytest.mark.parametrize("lang", ["zh", "en"])
async def test_a_missed_periods_day_that_is_no_date_is_hinted_within_that_period(
        bot: BotProcess, api: FakeBotApi, lang: str) -> None:
    """Logging last quarter's call after the fact, words that are no date are answered with
    that quarter's first and last day, not with the Today and Yesterday buttons it lacks."""
    chen, liu = await paired_setup(bot, api)
    worker = chen if lang == "zh" else liu
    await worker.send("/due")
    due = await worker.expect("待办" if lang == "zh" else "Due")
    past = [b for b in due.labels if b.startswith("补记 📞" if lang == "zh" else "Log past 📞")
            and ("2026年第3季度" in b or "Q3 2026" in b)]
    assert len(past) == 1, due.labels
    await worker.press(past[0], in_message=due)
    # the period's days as people write them, not as 2026-07-01
    first, last = ("2026年7月1日", "2026年9月30日") if lang == "zh" else ("1 Jul 2026",
                                                                       "30 Sep 2026")
    await worker.expect(first)
    await worker.send("很多" if lang == "zh" else "lots")
    hint = await worker.expect(last)
    assert hint.plain == label(lang, "log.expect.day_within", first=first, last=last)
    for button in ("log.button.today", "log.button.yesterday"):
        assert label(lang, button) not in hint.plain  # not shown in this mode
    # the example is a day as the hint writes it, and typed back it is taken
    await worker.send("2026年9月28日" if lang == "zh" else "28 Sep 2026")
    await worker.expect("提供了哪些服务" if lang == "zh" else "Which services")
