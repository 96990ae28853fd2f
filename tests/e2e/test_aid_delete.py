"""End to end: deleting an aid entry is asked again first, naming the entry (household,
amount, date); keeping it deletes nothing, and nobody else can confirm it."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.conftest import BotProcess
from tests.e2e.reporting import label
from tests.e2e.test_aid import aid_rows, record_aid, setup
from tests.e2e.test_contact_delete import killed_before_answering
from tests.rig.server import FakeBotApi


@pytest.mark.parametrize("lang", ["zh", "en"])
async def test_deleting_an_aid_entry_asks_first_naming_it(bot: BotProcess, api: FakeBotApi,
                                                          lang: str) -> None:
    chen, liu = await setup(bot, api)
    worker, other = (chen, liu) if lang == "zh" else (liu, chen)
    name = "张大爷" if lang == "zh" else "李阿婆"
    fund, purpose = ("街道慈善基金", "临时救助") if lang == "zh" else ("政府救助", "Housing")
    await record_aid(worker, lang, amount="1280.5", fund=fund, purpose=purpose)
    saved = worker.last_message
    assert saved is not None
    day = (bot.today() - timedelta(days=1)).isoformat()

    await worker.press(label(lang, "aid.button.delete"), in_message=saved)
    question = await worker.expect(name)
    assert question.plain == label(lang, "aid.delete_question", name=name, day=day,
                                   amount="1,280.50").replace("<b>", "").replace("</b>", "")
    assert "1,280.50" in question.plain and day in question.plain
    assert question.labels == [label(lang, "aid.button.sure"), label(lang, "aid.button.keep")]
    assert [r[3] for r in aid_rows(bot)] == [0]  # nothing deleted at one tap
    await worker.press(label(lang, "aid.button.keep"), in_message=question)
    await worker.expect(label(lang, "aid.kept"))
    assert [r[3] for r in aid_rows(bot)] == [0]

    # The other worker forging the confirmation deletes nothing.
    await other.send("/start")
    await other.expect("")
    sure = question.buttons[0][0][1]
    assert sure is not None and sure.startswith("ax:sure:")
    answer = await other.press_data(sure)
    assert answer == label("en" if lang == "zh" else "zh", "error.stale_button")
    assert [r[3] for r in aid_rows(bot)] == [0]

    await worker.press(label(lang, "aid.button.delete"), in_message=saved)
    question = await worker.expect(name)
    await worker.press(label(lang, "aid.button.sure"), in_message=question)
    await worker.expect(label(lang, "aid.deleted"))
    assert [r[3] for r in aid_rows(bot)] == [1]
    # The question pressed again, once the entry is gone, deletes nothing more.
    answer = await worker.press_data(sure, question)
    assert answer == label(lang, "error.stale_button")


async def test_an_aid_delete_confirmed_just_before_a_crash_is_answered_as_deleted_after_it(
        bot: BotProcess, api: FakeBotApi) -> None:
    """Killed (-9) once the entry is deleted but before Liu is told: the press handled again
    at the restart says deleted, as the first handling would have; not a stale button."""
    _, liu = await setup(bot, api)
    await record_aid(liu, "en", amount="80", fund="政府救助", purpose="Housing")
    saved = liu.last_message
    assert saved is not None
    await liu.press(label("en", "aid.button.delete"), in_message=saved)
    question = await liu.expect("李阿婆")
    done = label("en", "aid.deleted")
    await killed_before_answering(bot, api, liu, label("en", "aid.button.sure"), question, done)
    assert [r[3] for r in aid_rows(bot)] == [1]
    await liu.expect(done)  # the restart's answer: the first one never went out
    assert [m.plain for m in liu.messages].count(done) == 1
    alerts = [p.get("text") for p in api.calls_to("answerCallbackQuery")]
    assert label("en", "error.stale_button") not in alerts, alerts
    assert [r[3] for r in aid_rows(bot)] == [1]
