"""End to end: a voice note or a photo sent where /aid or /activity asks for typed words (the
goods given, a note, an activity's title) is answered with why it cannot be kept and what to
do, as /log's notes are; a photo's caption is taken as the words."""

from __future__ import annotations

from tests.conftest import BotProcess
from tests.e2e.reporting import label
from tests.e2e.test_aid import WORDS
from tests.e2e.test_aid import setup as aid_setup
from tests.e2e.test_households import HEADER, add_worker, import_csv
from tests.e2e.test_log_notes import PNG
from tests.rig.server import FakeBotApi

GOODS = "大米、食用油"


async def test_aid_explains_that_its_goods_and_note_take_words_not_voice_or_photos(
        bot: BotProcess, api: FakeBotApi) -> None:
    chen, _ = await aid_setup(bot, api)
    words = WORDS["zh"]
    await chen.send("/aid")
    await chen.press(words["goods"])
    await chen.expect(words["amount"])
    await chen.send("300")
    await chen.expect(words["what"])
    await chen.send_voice(duration=8)
    told = await chen.expect("语音和照片存不下")
    assert told.plain == label("zh", "flowkit.text_only")
    await chen.send_photo(PNG, caption=GOODS)  # the caption is the goods
    await chen.expect(words["count"])
    await chen.send("20袋")
    await chen.press("社区基金", in_message=await chen.expect(words["fund"]))
    await chen.press("生活", in_message=await chen.expect(words["purpose"]))
    await chen.press(words["yesterday"], in_message=await chen.expect(words["day"]))
    await chen.expect(words["note"])
    await chen.send_photo(PNG)  # no caption: nothing to keep
    told = await chen.expect("语音和照片存不下")
    assert told.plain == label("zh", "flowkit.text_only_skip")
    await chen.press(words["skip"])
    await chen.press(words["confirm"], in_message=await chen.expect(words["summary"]))
    await chen.expect(words["saved"])
    with bot.db() as conn:
        assert conn.execute("SELECT description FROM aid").fetchone()[0] == GOODS


async def test_in_english_aid_and_activity_explain_it_too(bot: BotProcess,
                                                          api: FakeBotApi) -> None:
    _, liu = await aid_setup(bot, api)
    words = WORDS["en"]
    await liu.send("/aid")
    await liu.press(words["cash"])
    await liu.expect(words["amount"])
    await liu.send("200")
    await liu.press("政府救助", in_message=await liu.expect(words["fund"]))
    await liu.press("Housing", in_message=await liu.expect(words["purpose"]))
    await liu.press(words["yesterday"], in_message=await liu.expect(words["day"]))
    await liu.expect(words["note"])
    await liu.send_voice()
    told = await liu.expect("Only text can be kept here")
    assert told.plain == label("en", "flowkit.text_only_skip")
    await liu.send("/cancel")
    await liu.expect("")

    await liu.send("/activity")
    await liu.expect("What is the activity called")
    await liu.send_voice()
    told = await liu.expect("Only text can be kept here")
    assert told.plain == label("en", "flowkit.text_only")
    await liu.send_photo(PNG, caption="Mid-Autumn visits")
    await liu.expect("what kind of activity")


async def test_an_activity_title_sent_as_a_photo_is_asked_in_words(bot: BotProcess,
                                                                   api: FakeBotApi) -> None:
    add_worker(bot, 7001, "陈社工", "zh")
    await import_csv(bot, HEADER + "LH-1,张大爷,东门社区,东门路12号,1,独居老人,7001,2026-10-01\n")
    chen = api.user(7001, "陈社工", language_code="zh-hans")
    await chen.send("/activity")
    await chen.expect("活动叫什么")
    await chen.send_photo(PNG)
    told = await chen.expect("语音和照片存不下")
    assert told.plain == label("zh", "flowkit.text_only")
    await chen.send("中秋节走访慰问")
    await chen.expect("是哪一类活动")
