"""End to end: a worker keeps no phone or address of a case that is no longer theirs.

Passed to a colleague (by the worker, or by a coordinator) or given back for someone else to
take, every message that showed the worker the case's details is edited down to one line
saying so, without buttons; the new holder's details stay.
"""

from __future__ import annotations

from tests.conftest import BotProcess
from tests.e2e.helpers_triage import add_worker
from tests.e2e.reporting import label, submit_report
from tests.e2e.test_off_duty_details import all_become, live, started
from tests.rig.server import FakeBotApi, FakeUser

CHEN, LIN = 7001, 7002
PHONE, ADDRESS = "13912345678", "东门小区3栋502"


async def taken_by(user: FakeUser, ref: str, lang: str = "zh") -> None:
    """The worker presses Take on the report's card."""
    card = await user.expect(ref if lang == "en" else rf"新求助.*{ref}")
    await user.press(label(lang, "triage.button.take"), in_message=card)


async def test_a_case_passed_to_a_colleague_leaves_no_details_with_the_worker(
        bot: BotProcess, api: FakeBotApi, resident: FakeUser) -> None:
    """林社工 takes a case and passes it to 陈社工: his "由您负责了" message reads one line,
    passed on, with no phone, address or button; 陈社工's details are whole."""
    add_worker(bot, CHEN, "陈社工")
    add_worker(bot, LIN, "林社工")
    chen = api.user(CHEN, "陈社工", language_code="zh-hans")
    lin = api.user(LIN, "林社工", language_code="zh-hans")
    await started(chen, lin)
    ref = await submit_report(resident, phone=PHONE, address=ADDRESS)
    await taken_by(lin, ref)
    own = await lin.expect(rf"{ref} 由您负责了")
    assert PHONE in own.plain and ADDRESS in own.plain

    await lin.press(label("zh", "triage.button.ref"), in_message=own)
    await lin.expect("转给谁")
    await lin.press("转给 陈社工")
    passed = await chen.expect(rf"林社工 把 {ref} 转给了您")

    [now] = await all_become(lin, [own], [label("zh", "triage.detail.passed_on", ref=ref)])
    assert PHONE not in now.plain and ADDRESS not in now.plain
    assert now.plain == f"📁 {ref}：已转给同事跟进，电话、地址等详情已收回。有疑问请联系协调员。"
    still = live(chen, passed)
    assert still is not None and PHONE in still.plain and still.buttons


async def test_a_case_given_back_leaves_no_details_with_the_worker(
        bot: BotProcess, api: FakeBotApi, resident: FakeUser) -> None:
    """Chen (who reads English) takes a case and gives it back: his details message reads one
    line in English, given back, with no phone, address or button."""
    add_worker(bot, CHEN, "Chen")
    chen = api.user(CHEN, "Chen", language_code="en")
    await started(chen)
    ref = await submit_report(resident, phone=PHONE, address=ADDRESS)
    await taken_by(chen, ref, "en")
    own = await chen.expect(rf"{ref}.*yours")
    assert PHONE in own.plain

    await chen.press(label("en", "triage.button.rel"), in_message=own)
    await chen.expect(rf"{ref} is released")
    [now] = await all_become(chen, [own], [label("en", "triage.detail.released", ref=ref)])
    assert PHONE not in now.plain and ADDRESS not in now.plain
    assert "given back" in now.plain


async def test_a_case_a_coordinator_passes_on_leaves_no_details_with_its_worker(
        bot: BotProcess, api: FakeBotApi, coordinator: FakeUser, resident: FakeUser) -> None:
    """陈社工 holds a case; a coordinator opens it from /cases and passes it to 林社工: 陈社工's
    details message reads one line, passed on; the coordinator's own view of the case, and
    林社工's details, keep the phone."""
    await coordinator.send("/start")
    await coordinator.expect("管理员")
    add_worker(bot, CHEN, "陈社工")
    add_worker(bot, LIN, "林社工")
    chen = api.user(CHEN, "陈社工", language_code="zh-hans")
    lin = api.user(LIN, "林社工", language_code="zh-hans")
    await started(chen, lin)
    ref = await submit_report(resident, phone=PHONE, address=ADDRESS)
    await taken_by(chen, ref)
    own = await chen.expect(rf"{ref} 由您负责了")

    await coordinator.send("/cases")
    listing = await coordinator.expect(rf"所有正在跟进的个案.*{ref}")
    await coordinator.press(f"📂 {ref}", in_message=listing)
    full = await coordinator.expect(rf"个案 {ref}")
    await coordinator.press(label("zh", "triage.button.ref"), in_message=full)
    await coordinator.expect("转给谁")
    await coordinator.press("转给 林社工")
    given = await lin.expect(rf"把 {ref} 转给了您")

    [now] = await all_become(chen, [own], [label("zh", "triage.detail.passed_on", ref=ref)])
    assert PHONE not in now.plain
    for kept in (live(coordinator, full), live(lin, given)):
        assert kept is not None and PHONE in kept.plain
