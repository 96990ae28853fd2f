"""End to end: a reporter's reply goes to whoever holds the case when it goes out.

Telegram makes the worker's chat wait (a flood wait) just as the reporter answers, so the
answer waits in the outbox; meanwhile the case changes hands. Once the wait is over the new
holder gets the answer, worded in their language with their buttons, and the worker who
held it gets nothing; if nobody holds the case any more, the reporter hears that their words
were not passed on, as when they answer on an untaken case.
"""

from __future__ import annotations

import asyncio
import re

from tests.conftest import BotProcess
from tests.e2e.helpers_triage import add_worker, events, report_row
from tests.e2e.reporting import label, submit_report
from tests.rig.server import FakeBotApi, FakeUser

CHEN, TOM = 7001, 7002
HELD = 4  # seconds Telegram makes 陈社工's chat wait
ANSWER = "好的，我在家等您"


async def answer_while_held(api: FakeBotApi, resident: FakeUser, chen: FakeUser) -> str:
    """陈社工 takes the resident's report and writes to them; the resident answers while
    Telegram holds 陈社工's chat back. The reference; the answer is waiting for 陈社工."""
    ref = await submit_report(resident)
    card = await chen.expect(rf"新求助.*{ref}")
    await chen.press(label("zh", "triage.button.take"), in_message=card)
    await chen.expect(rf"{ref} 由您负责了")
    await chen.press(label("zh", "triage.button.msg"))
    await chen.expect(r"要发给")
    await chen.send("您好，我明天上午到")
    await resident.expect(r"社工给您留言.*明天上午到")
    api.fail_chat(CHEN, 429, f"Too Many Requests: retry after {HELD}", retry_after=HELD)
    await resident.press(label("zh", "triage.button.reply"))
    await resident.expect(r"回复社工")
    await resident.send(ANSWER)
    await resident.expect(rf"已转达给社工（{ref}）")

    def tried() -> bool:  # the answer went to 陈社工 and Telegram said wait
        return any(p["chat_id"] == CHEN and ANSWER in str(p.get("text"))
                   for p in api.calls_to("sendMessage"))

    assert await api.wait_until(tried, 10)
    return ref


def received(user: FakeUser, text: str) -> list[str]:
    """What of the user's messages carries `text`."""
    return [m.plain for m in user.messages if text in m.plain]


async def test_an_answer_held_back_goes_to_the_colleague_who_has_the_case_now(
        bot: BotProcess, api: FakeBotApi, resident: FakeUser) -> None:
    add_worker(bot, CHEN, "陈社工")
    add_worker(bot, TOM, "Tom")
    chen = api.user(CHEN, "陈社工", language_code="zh-hans")
    tom = api.user(TOM, "Tom", language_code="en")
    await tom.send("/start")  # his Telegram is in English
    await tom.expect(r"")
    ref = await answer_while_held(api, resident, chen)

    # Meanwhile 陈社工 hands the case to Tom (their own answers are not held back).
    await chen.press(label("zh", "triage.button.ref"))
    await chen.expect(r"转给谁")
    await chen.press("转给 Tom")
    await chen.expect(rf"已把 {ref} 转给 Tom")
    await tom.expect(rf"陈社工 referred {ref} to you")

    answer = await tom.expect(re.escape(ANSWER), timeout=HELD + 10)
    who = label("en", "triage.relay.anonymous")
    assert answer.plain == re.sub(r"<[^>]+>", "", label(
        "en", "triage.relay.to_worker", ref=ref, who=who, text=ANSWER))
    assert label("en", "triage.button.note") in answer.labels, answer.labels
    assert report_row(bot, ref)["taken_by"] == TOM
    await asyncio.sleep(1.0)  # the flood wait is over: nothing more is on its way
    assert received(chen, ANSWER) == []
    assert [p["chat_id"] for p in api.calls_to("sendMessage")
            if ANSWER in str(p.get("text"))] == [CHEN, TOM]


async def test_an_answer_held_back_when_nobody_holds_the_case_any_more_tells_the_reporter(
        bot: BotProcess, api: FakeBotApi, resident: FakeUser) -> None:
    add_worker(bot, CHEN, "陈社工")
    chen = api.user(CHEN, "陈社工", language_code="zh-hans")
    ref = await answer_while_held(api, resident, chen)

    # Meanwhile 陈社工 gives the case back: nobody holds it.
    await chen.press(label("zh", "triage.button.rel"))
    await chen.expect(rf"{ref} 已退回")
    told = await resident.expect(rf"{ref} 现在还没有社工负责，您的话暂时没法转达",
                                 timeout=HELD + 10)
    assert "有社工接手时会马上告诉您，到时再回复就好" in told.plain
    await asyncio.sleep(1.0)
    assert received(chen, ANSWER) == []
    # The answer stays on the case's history, for whoever takes it next.
    assert events(bot, ref)[-2:] == ["reply", "released"]
