"""End to end: a voice note or a photo sent at a log's note question is answered, not dropped
with "send some text": a photo's caption is the note, and without words the worker is told to
type a few."""

from __future__ import annotations

from tests.conftest import BotProcess
from tests.e2e.test_households import paired_setup
from tests.rig.server import FakeBotApi, FakeUser

PNG = b"\x89PNG\r\n\x1a\n" + b"0" * 100


async def at_the_note(worker: FakeUser, kind: str, today: str, done: str, note: str) -> None:
    """/log a contact of `kind` today, up to the note question."""
    await worker.send("/log")
    await worker.press(kind)
    await worker.press(today)
    await worker.press(done)
    await worker.press("1")
    await worker.expect(note)


async def test_a_photo_caption_is_the_note_and_a_voice_note_is_asked_in_words(
        bot: BotProcess, api: FakeBotApi) -> None:
    worker, _ = await paired_setup(bot, api)
    await at_the_note(worker, "🏠 上门走访", "今天", "好了 ✔", "简单写几句")
    await worker.send_voice(duration=20)
    told = await worker.expect("语音和照片存不下")
    assert "打几个字" in told.plain and "跳过" in told.plain
    await worker.send_photo(PNG)  # no caption: the same answer
    await worker.expect("语音和照片存不下")
    await worker.send_photo(PNG, caption="腿肿了，已约好周三去医院")
    await worker.expect("1 很差")  # the caption taken: on to the next question
    await worker.press("跳过")
    await worker.send_voice()  # the next visitor's note too
    await worker.expect("语音和照片存不下")
    await worker.press("跳过")
    await worker.expect("已保存：张大爷")
    with bot.db() as conn:
        assert conn.execute("SELECT note FROM contacts").fetchone()[0] == "腿肿了，已约好周三去医院"


async def test_a_voice_note_is_asked_in_words_in_english(bot: BotProcess,
                                                          api: FakeBotApi) -> None:
    _, worker = await paired_setup(bot, api)
    await at_the_note(worker, "📞 Call", "Today", "Done ✔", "A few words")
    await worker.send_voice()
    await worker.expect("Please type a few words")
