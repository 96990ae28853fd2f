"""No lost question, no lost receipt: replies that survive Telegram's bad moments.

The test server answers 5% of sends with 500 and holds 2% past the bot's timeout (as a
Telegram outage or a poor link looks from the bot). Twelve residents go through the whole
report flow at once; each ends with exactly one report and its receipt, and nobody is left
at a question they never received. Then the same again with the bot killed (-9) midway.
"""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest

from tests.conftest import BotProcess
from tests.e2e.reporting import label, submit_report
from tests.rig.server import FakeBotApi, FakeUser

RESIDENTS = 12
PATIENCE = 60.0  # a person waits this long for each question in these tests


async def everyone_reports(api: FakeBotApi, first_id: int) -> tuple[list[FakeUser], list[str]]:
    """Twelve residents report at once; return them and the references of their receipts."""
    residents = [api.user(first_id + n, f"居民{n}", language_code="zh-hans")
                 for n in range(RESIDENTS)]
    refs = await asyncio.gather(*(
        submit_report(resident, description=f"{n}号楼的老人好几天没出门了，敲门没人应",
                      timeout=PATIENCE)
        for n, resident in enumerate(residents)))
    return residents, list(refs)


def _owed(bot: BotProcess) -> int:
    with bot.db() as conn:
        return int(conn.execute(
            "SELECT COUNT(*) FROM outbox WHERE state != 'sent'").fetchone()[0])


async def _all_sent(bot: BotProcess) -> None:
    """Notices still being retried through the chaos (errors, 3 s delays) go out too."""
    await bot.until(lambda: _owed(bot) == 0, 30)


def check_everyone(bot: BotProcess, residents: list[FakeUser], refs: list[str]) -> None:
    """One report each, its receipt delivered, no flow left waiting for an answer."""
    with bot.db() as conn:
        made = conn.execute(
            "SELECT reporter_id, COUNT(*) FROM reports GROUP BY reporter_id").fetchall()
        waiting = conn.execute("SELECT COUNT(*) FROM flows").fetchone()[0]
        owed = conn.execute("SELECT COUNT(*) FROM outbox WHERE state != 'sent'").fetchone()[0]
    counts = dict(made)
    assert all(counts.get(r.id) == 1 for r in residents), counts
    assert len(set(refs)) == RESIDENTS
    for resident, ref in zip(residents, refs, strict=True):
        receipts = [m for m in resident.messages if re.search(rf"已收到，编号 {ref}", m.plain)]
        assert receipts, f"{resident.name} never got the receipt of {ref}"
    assert waiting == 0
    assert owed == 0


@pytest.mark.env(ZHONGFU_TELEGRAM_TIMEOUT="2")
async def test_twelve_residents_report_while_telegram_fails_now_and_then(
        api: FakeBotApi, bot: BotProcess) -> None:
    api.chaos(errors=0.05, delays=0.02, delay=3.0)
    residents, refs = await everyone_reports(api, 3000)
    assert api.chaos_errors > 0  # the bad moments did happen
    await _all_sent(bot)
    check_everyone(bot, residents, refs)


@pytest.mark.env(ZHONGFU_TELEGRAM_TIMEOUT="2")
async def test_the_same_with_the_bot_killed_midway(api: FakeBotApi, bot: BotProcess) -> None:
    api.chaos(errors=0.05, delays=0.02, delay=3.0, seed=11)

    async def kill_midway() -> None:
        # Once a few residents are past the first questions, kill -9 and start again.
        await api.wait_until(lambda: len(api.calls_to("sendMessage")) >= 40, 60)
        await bot.kill()
        await asyncio.sleep(0.5)
        await bot.start()

    killer = asyncio.create_task(kill_midway())
    residents, refs = await everyone_reports(api, 4000)
    await killer
    assert bot.starts == 2  # the fixture's start, and the start after the kill
    await _all_sent(bot)
    check_everyone(bot, residents, refs)


# The bot tries each reply for 4 s rather than a minute before it gives up (its patience).
@pytest.mark.env(ZHONGFU_TELEGRAM_TIMEOUT="1", ZHONGFU_REPLY_PATIENCE="4")
async def test_a_question_that_never_arrived_is_asked_again(
        api: FakeBotApi, bot: BotProcess, resident: FakeUser, workdir: Path) -> None:
    await resident.send("/report")
    question = await resident.expect(r"出了什么事")
    # Telegram fails every send for longer than the bot's patience: the next question is lost.
    api.fail_next("sendMessage", 500, "Internal Server Error", times=1000)
    # (the press is answered once the bot gives up on the question, after its patience)
    await resident.press(label("zh", "report.category.health"), in_message=question,
                         timeout=30)
    assert "handler failed" in bot.log()
    api._failures.clear()
    # The resident, not having seen "what is wrong?", sends their category again as text.
    await resident.send("生病或受伤")
    again = await resident.expect(r"刚才的问题可能没送到")
    assert again is not None
    await resident.expect(r"请简单说说情况")
    with bot.db() as conn:
        data = conn.execute("SELECT step, data FROM flows").fetchone()
    assert data["step"] == "description" and "生病或受伤" not in data["data"]
    await resident.send("隔壁阿姨发烧三天了，没人照顾")
    await resident.expect(r"需要帮助的是谁")


async def test_a_question_held_back_by_flood_waits_is_asked_at_the_next_message(
        api: FakeBotApi, bot: BotProcess, resident: FakeUser) -> None:
    """Telegram answers the first question's sends with a flood wait (429) three times: the
    bot gives up on it within seconds and, as Telegram asked, sends that chat nothing more
    for now (no "something went wrong"); the resident's next message gets the question."""
    api.fail_chat(resident.id, 429, "Too Many Requests: retry after 1", retry_after=1,
                  times=3)
    await resident.send("/report")
    for _ in range(100):  # the two flood waits of a second each, then the error handler
        if "handler failed" in bot.log():
            break
        await asyncio.sleep(0.1)
    said = bot.log()
    assert "handler failed: Flood control exceeded" in said and "AssertionError" not in said
    await resident.expect_nothing(within=1.0)
    assert len([c for c in api.calls_to("sendMessage") if c["chat_id"] == resident.id]) == 3
    await resident.send("生病或受伤")
    await resident.expect(r"刚才的问题可能没送到")
    await resident.expect(r"出了什么事")


async def fill_and_confirm(resident: FakeUser) -> None:
    """The same need as before (an elderly man in 东门社区), written again and confirmed."""
    await resident.send("/report")
    question = await resident.expect(r"出了什么事")
    await resident.press(label("zh", "report.category.elderly_alone"), in_message=question)
    await resident.expect(r"请简单说说情况")
    await resident.send("楼下张大爷腿肿得厉害")
    await resident.expect(r"需要帮助的是谁")
    await resident.send("张大爷")
    await resident.expect(r"在哪里")
    await resident.send("东门小区3栋502")
    area = await resident.expect(r"哪个社区")
    await resident.press("东门社区", in_message=area)
    urgency = await resident.expect(r"有多着急")
    await resident.press(label("zh", "report.urgency.soon"), in_message=urgency)
    photos = await resident.expect(r"有照片吗")
    await resident.press(label("zh", "report.button.skip"), in_message=photos)
    await resident.expect(r"怎么联系您")
    await resident.press(label("zh", "report.button.anonymous"))
    summary = await resident.expect(r"求助内容")
    await resident.press(label("zh", "report.button.confirm"), in_message=summary)


async def test_the_same_report_twice_is_recognised(bot: BotProcess, resident: FakeUser) -> None:
    first = await submit_report(resident)
    # A resident who did not see the receipt starts again with the same need.
    await fill_and_confirm(resident)
    asked = await resident.expect(rf"刚提交过.*{first}")
    await resident.press(label("zh", "report.repeat.same", ref=first), in_message=asked)
    await resident.expect(rf"不重复提交了。{first}")
    with bot.db() as conn:
        assert conn.execute("SELECT COUNT(*) FROM reports").fetchone()[0] == 1
    # Asked again, the resident says it is something else: a second report is made.
    await fill_and_confirm(resident)
    asked = await resident.expect(rf"刚提交过.*{first}")
    await resident.press(label("zh", "report.repeat.new"), in_message=asked)
    receipt = await resident.expect(r"已收到，编号 R-0002")
    assert first not in receipt.plain
    with bot.db() as conn:
        assert conn.execute("SELECT COUNT(*) FROM reports").fetchone()[0] == 2
