"""End to end: texts at their length limits, written in characters Telegram counts twice.

Telegram measures a message (4,096) and a caption (1,024) in UTF-16 code units, in which
"𠀀" (CJK Extension B, found in real Chinese names) and most emoji take two. A report at
its limits in such characters still reaches its summary, its receipt and its taker.
"""

from __future__ import annotations

from bot.botapi.html import utf16_len
from bot.domain.reports import ADDRESS_MAX, DESCRIPTION_MAX, SUBJECT_MAX
from tests.conftest import BotProcess
from tests.e2e.helpers_triage import add_worker, report_row
from tests.e2e.reporting import label, submit_report
from tests.rig.server import FakeBotApi, FakeUser

WIDE = "𠀀"  # one character, two UTF-16 code units
WORKER_ID = 2001


async def test_a_report_at_its_limits_in_wide_characters_is_summed_up_sent_and_taken(
        bot: BotProcess, api: FakeBotApi, resident: FakeUser) -> None:
    add_worker(bot, WORKER_ID, "陈社工")
    worker = api.user(WORKER_ID, "Chen", language_code="zh")
    description = "腿肿" + WIDE * (DESCRIPTION_MAX - 4) + "没人"
    subject = WIDE * SUBJECT_MAX
    address = WIDE * ADDRESS_MAX
    assert utf16_len(description + subject + address) > 4096  # the whole cannot fit

    ref = await submit_report(resident, description=description, subject=subject,
                              address=address, phone="13800001001")
    summary = next(m for m in resident.messages if "求助内容" in m.plain)
    assert utf16_len(summary.plain) <= 4096
    # Nothing the resident typed is lost from the summary but the middle of the description.
    assert subject in summary.plain and address in summary.plain
    assert "腿肿" + WIDE * 100 in summary.plain and "…" in summary.plain
    # What is stored is what was typed, whole.
    row = report_row(bot, ref)
    assert (row["description"], row["subject"], row["address"]) == (description, subject,
                                                                     address)

    card = await worker.expect(rf"新求助.*{ref}")
    await worker.press(label("zh", "triage.button.take"), in_message=card)
    details = await worker.expect(rf"{ref} 由您负责了")
    assert utf16_len(details.plain) <= 4096
    assert subject in details.plain and address in details.plain
    assert "13800001001" in details.plain and "腿肿" + WIDE * 100 in details.plain
