"""End to end: a resident who cannot type says what is wrong in a voice note; the worker who
takes the case hears it, the other workers of the community only read that there is one."""

from __future__ import annotations

import asyncio
import re
import zipfile
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import COORDINATOR_ID, BotProcess
from tests.e2e.helpers_triage import add_worker, report_row, take_off_duty
from tests.e2e.reporting import label
from tests.rig.server import BotMessage, FakeBotApi, FakeUser

TAKE = label("zh", "triage.button.take")


def start(lang: str, key: str, **values: object) -> str:
    """A regex for the start of a catalog text as the person reads it (tags removed)."""
    return re.escape(re.sub(r"<[^>]+>", "", label(lang, key, **values)).split("\n")[0][:14])


def voice_of(sent: dict[str, Any]) -> str:
    """The file id of a voice note (or an audio file) the fake user sent."""
    return str((sent.get("voice") or sent["audio"])["file_id"])


async def to_the_summary(user: FakeUser, seconds: int, lang: str = "zh", *,
                         audio: bool = False) -> tuple[str, BotMessage]:
    """A report whose description is a voice note of `seconds` (an audio file when `audio`),
    up to its summary; the voice's file id and the summary."""
    await user.send("/report")
    question = await user.expect(start(lang, "report.ask.category"))
    await user.press(label(lang, "report.category.elderly_alone"), in_message=question)
    ask = await user.expect(start(lang, "report.ask.description", minutes=5))
    # The question says a voice message will do, in the resident's language.
    assert re.sub(r"<[^>]+>", "", label(lang, "report.ask.description", minutes=5)
                  ).split("\n")[2] in ask.plain
    if audio:
        sent = await user.send_audio(b"ID3\x04recording-of-the-reporter", duration=seconds)
    else:
        sent = await user.send_voice(b"OggS\x00voice-of-the-reporter", duration=seconds)
    await user.expect(start(lang, "report.voice_received", seconds=seconds))
    question = await user.expect(start(lang, "report.ask.subject"))
    await user.press(label(lang, "report.button.skip"), in_message=question)
    await user.expect(start(lang, "report.ask.place"))
    await user.send("东门小区3栋502")
    question = await user.expect(start(lang, "report.ask.area"))
    await user.press("东门社区", in_message=question)
    question = await user.expect(start(lang, "report.ask.urgency"))
    await user.press(label(lang, "report.urgency.soon"), in_message=question)
    question = await user.expect(start(lang, "report.ask.photos", max=3, count=0))
    await user.press(label(lang, "report.button.skip"), in_message=question)
    await user.expect(start(lang, "report.ask.contact"))
    await user.send("13800001001")
    summary = await user.expect(start(lang, "report.summary.title"))
    return voice_of(sent), summary


async def test_a_voice_report_reaches_the_taker_alone_and_reads_as_one_everywhere(
        bot: BotProcess, api: FakeBotApi, resident: FakeUser, coordinator: FakeUser) -> None:
    add_worker(bot, 2001, "陈社工")
    add_worker(bot, 2002, "刘社工")
    chen = api.user(2001, "陈社工", language_code="zh-hans")
    liu = api.user(2002, "刘社工", language_code="zh-hans")
    file_id, summary = await to_the_summary(resident, 42)
    assert "情况：🎤 语音留言（42 秒）" in summary.plain
    await resident.press(label("zh", "report.button.confirm"), in_message=summary)
    receipt = await resident.expect(r"已收到，编号 R-0001")
    assert "/myreports" in receipt.plain
    row = report_row(bot, "R-0001")
    assert row["voice_file_id"] == file_id and row["voice_seconds"] == 42
    assert row["description"] == ""  # worded from the catalogs wherever it is shown

    # Every worker of the community reads that there is a voice message, not the voice.
    cards = [await w.expect(r"新求助.*R-0001") for w in (chen, liu)]
    for card in cards:
        assert "🎤 语音留言（42 秒，接手后可以听）" in card.plain
        assert "13800001001" not in card.plain and "3栋502" not in card.plain
    await liu.send("/cases")
    waiting = await liu.expect(r"R-0001")
    assert "语音留言（42 秒，接手后可以听）" in waiting.plain

    # The worker who takes it gets the details, then the voice itself.
    await chen.press(TAKE, in_message=cards[0])
    details = await chen.expect(r"R-0001 由您负责了")
    assert "情况：🎤 语音留言（42 秒）" in details.plain and "13800001001" in details.plain
    voice = await chen.expect("", kind="voice")
    assert voice.file_id == file_id
    taken = await liu.expect(r"已由 陈社工 接手")
    assert "🎤 语音留言（42 秒）" in taken.plain and "接手后可以听" not in taken.plain
    await asyncio.sleep(1.0)
    assert [m for m in liu.messages if m.kind == "voice"] == []
    assert [m for m in coordinator.messages if m.kind == "voice"] == []
    assert [p["chat_id"] for p in api.calls_to("sendVoice")] == [2001]

    # The taker's /cases, the reporter's /myreports and the export all word it.
    await chen.send("/cases")
    mine = await chen.expect(r"R-0001")
    assert "🎤 语音留言（42 秒）" in mine.plain
    await resident.send("/myreports")
    listing = await resident.expect(r"您提交的求助")
    assert "R-0001" in listing.plain and "🎤 语音留言（42 秒）" in listing.plain
    out = bot.workdir / "voice.zip"
    today = bot.now().date()
    code, said = await bot.cli("export", "--from", str(today - timedelta(days=1)), "--to",
                               str(today + timedelta(days=1)), "--format", "csv", str(out))
    assert code == 0, said
    with zipfile.ZipFile(out) as zipped:
        name = next(n for n in zipped.namelist() if label("zh", "export.sheet.reports") in n)
        sheet = zipped.read(name).decode("utf-8-sig")
    assert "语音留言 42 秒" in sheet and file_id not in sheet


async def test_an_audio_file_for_the_description_reaches_the_taker_as_an_audio_file(
        bot: BotProcess, api: FakeBotApi, resident: FakeUser, coordinator: FakeUser) -> None:
    """A recording sent as a file (the phone's recorder app) is taken as a voice note, and
    goes on as the audio file it is: Telegram refuses an audio file's id to sendVoice."""
    add_worker(bot, 2001, "陈社工")
    chen = api.user(2001, "陈社工", language_code="zh-hans")
    await coordinator.send("/start")
    await coordinator.expect(r"管理员")
    file_id, summary = await to_the_summary(resident, 42, audio=True)
    assert "情况：🎤 语音留言（42 秒）" in summary.plain
    await resident.press(label("zh", "report.button.confirm"), in_message=summary)
    await resident.expect(r"已收到，编号 R-0001")
    row = report_row(bot, "R-0001")
    assert (row["voice_file_id"], row["voice_seconds"], row["description"]) == (file_id, 42, "")
    card = await chen.expect(r"新求助.*R-0001")
    assert "🎤 语音留言（42 秒" in card.plain

    await chen.press(TAKE, in_message=card)
    details = await chen.expect(r"R-0001 由您负责了")
    assert "情况：🎤 语音留言（42 秒）" in details.plain
    heard = await chen.expect("", kind="audio")
    assert heard.file_id == file_id and heard.data == b"ID3\x04recording-of-the-reporter"
    # The coordinator opening the case hears it too, as the same file.
    await coordinator.send("/cases")
    await coordinator.expect(r"R-0001")
    await coordinator.press("📂 R-0001")
    await coordinator.expect(r"13800001001")
    assert (await coordinator.expect("", kind="audio")).file_id == file_id
    assert api.calls_to("sendVoice") == []
    assert [p["chat_id"] for p in api.calls_to("sendAudio")] == [2001, coordinator.id]


async def test_a_coordinator_hears_the_voice_of_an_untaken_report_with_its_details(
        bot: BotProcess, api: FakeBotApi, resident: FakeUser, coordinator: FakeUser) -> None:
    add_worker(bot, 2001, "陈社工")
    chen = api.user(2001, "陈社工", language_code="zh-hans")
    await coordinator.send("/start")  # coordinators hear of reports once they opened the bot
    await coordinator.expect(r"")
    file_id, summary = await to_the_summary(resident, 9)
    await resident.press(label("zh", "report.button.confirm"), in_message=summary)
    await resident.expect(r"R-0001")
    await chen.expect(r"新求助.*R-0001")
    await coordinator.expect(r"新求助.*R-0001")
    await coordinator.send("/cases")
    await coordinator.expect(r"R-0001")
    await coordinator.press("🆕 R-0001")
    details = await coordinator.expect(r"13800001001")
    assert "🎤 语音留言（9 秒）" in details.plain
    voice = await coordinator.expect("", kind="voice")
    assert voice.file_id == file_id
    # A worker who only may see the card, looking at it, reads it without the voice.
    await chen.send("/cases")
    await chen.expect(r"R-0001")
    await chen.press("🆕 R-0001")
    card = await chen.expect(r"语音留言（9 秒，接手后可以听）")
    assert "13800001001" not in card.plain
    await asyncio.sleep(1.0)
    assert [m for m in chen.messages if m.kind == "voice"] == []


# How an untaken card words a voice for each reader: a worker hears it once they take the
# case; a coordinator may open the details (and hear it) at once.
CARD_WORDS = {
    "zh": ("🎤 语音留言（42 秒，接手后可以听）", "🎤 语音留言（42 秒，发 /cases 打开就能听）",
           "🎤 语音留言（42 秒）"),
    "en": ("🎤 Voice message (42 s, to hear once taken)",
           "🎤 Voice message (42 s, open it from /cases to hear it)",
           "🎤 Voice message (42 s)"),
}


@pytest.mark.parametrize("lang", ["zh", "en"])
async def test_an_untaken_voice_card_tells_workers_and_coordinators_how_each_hears_it(
        bot: BotProcess, api: FakeBotApi, resident: FakeUser, lang: str) -> None:
    code = "zh-hans" if lang == "zh" else "en"
    boss = api.user(COORDINATOR_ID, "王协调", language_code=code)
    add_worker(bot, 2001, "陈社工")
    chen = api.user(2001, "陈社工", language_code=code)
    for person in (boss, chen):
        await person.send("/start")
        await person.expect(r"")
    for_worker, for_coordinator, named = CARD_WORDS[lang]
    file_id, summary = await to_the_summary(resident, 42)
    await resident.press(label("zh", "report.button.confirm"), in_message=summary)
    await resident.expect(r"R-0001")

    worker_card = await chen.expect(r"R-0001")
    assert for_worker in worker_card.plain and for_coordinator not in worker_card.plain
    coordinator_card = await boss.expect(r"R-0001")
    assert for_coordinator in coordinator_card.plain, coordinator_card.plain
    assert for_worker not in coordinator_card.plain
    # Still untaken a day later: the coordinators' alert words it for them too.
    code_, out = await bot.cli("tick", "--at", (bot.now() + timedelta(hours=25)).isoformat())
    assert code_ == 0, out
    alert = await boss.expect(r"⏰.*R-0001")
    assert for_coordinator in alert.plain and for_worker not in alert.plain

    # The coordinator does as it says: /cases names the voice, opening it plays it.
    await boss.send("/cases")
    listing = await boss.expect(r"R-0001")
    assert named in listing.plain
    assert for_worker not in listing.plain and for_coordinator not in listing.plain
    await boss.press("🆕 R-0001")
    await boss.expect(r"13800001001")
    assert (await boss.expect("", kind="voice")).file_id == file_id
    # The worker's own /cases still says they hear it once they take it.
    await chen.send("/cases")
    assert for_worker in (await chen.expect(r"R-0001")).plain


async def test_an_assigned_worker_gets_the_voice_and_one_taken_off_duty_meanwhile_does_not(
        bot: BotProcess, api: FakeBotApi, resident: FakeUser, resident_en: FakeUser,
        coordinator: FakeUser) -> None:
    """The voice goes with the details to whoever gets the case from someone else, checked
    again as it goes out: a worker taken off duty while Telegram held it back never hears it."""
    await coordinator.send("/start")
    await coordinator.expect(r"管理员")
    add_worker(bot, 2001, "陈社工")
    add_worker(bot, 2002, "刘社工")
    chen = api.user(2001, "陈社工", language_code="zh-hans")
    liu = api.user(2002, "刘社工", language_code="zh-hans")
    file_id, summary = await to_the_summary(resident, 42)
    await resident.press(label("zh", "report.button.confirm"), in_message=summary)
    card = await coordinator.expect(r"新求助.*R-0001")
    await coordinator.press(label("zh", "triage.button.assign"), in_message=card)
    menu = await coordinator.expect(r"把 R-0001 指派给哪位社工")
    await coordinator.press("陈社工", in_message=menu)
    details = await chen.expect(r"管理员把 R-0001 指派给了您")
    assert "🎤 语音留言（42 秒）" in details.plain
    voice = await chen.expect("", kind="voice")
    assert voice.file_id == file_id

    _, summary = await to_the_summary(resident_en, 7, "en")
    await resident_en.press(label("en", "report.button.confirm"), in_message=summary)
    card = await coordinator.expect(r"新求助.*R-0002")
    await coordinator.press(label("zh", "triage.button.assign"), in_message=card)
    menu = await coordinator.expect(r"把 R-0002 指派给哪位社工")
    api.fail_chat(liu.id, 429, "Too Many Requests: retry after 4", retry_after=4)
    await coordinator.press("刘社工", in_message=menu)
    await coordinator.expect(r"已把 R-0002 指派给 刘社工")
    await take_off_duty(coordinator, "刘社工")
    await coordinator.expect(r"刘社工 已离岗")
    await asyncio.sleep(5)  # the flood wait is over: whatever was waiting has gone out
    assert [m for m in liu.messages if m.kind == "voice"] == []
    assert [p["chat_id"] for p in api.calls_to("sendVoice")] == [2001]


@pytest.mark.parametrize("lang", ["zh", "en"])
async def test_a_voice_over_five_minutes_is_refused_with_a_clear_message(
        bot: BotProcess, api: FakeBotApi, lang: str) -> None:
    user = api.user(3001 if lang == "zh" else 3002, "Wang",
                    language_code="zh-hans" if lang == "zh" else "en")
    await user.send("/report")
    question = await user.expect(start(lang, "report.ask.category"))
    await user.press(label(lang, "report.category.health"), in_message=question)
    await user.expect(start(lang, "report.ask.description", minutes=5))
    await user.send_voice(duration=301)
    refused = await user.expect(start(lang, "report.problem.voice_too_long", seconds=301,
                                      minutes=5))
    assert "301" in refused.plain and "5" in refused.plain
    with bot.db() as conn:
        assert conn.execute("SELECT step FROM flows").fetchone()[0] == "description"
    await user.send_voice(duration=300)
    await user.expect(start(lang, "report.voice_received", seconds=300))
    await user.expect(start(lang, "report.ask.subject"))


async def test_the_reporter_changes_the_voice_to_text_and_back_from_the_summary(
        bot: BotProcess, resident: FakeUser) -> None:
    _, summary = await to_the_summary(resident, 42)

    async def edit_description() -> None:
        await resident.press(label("zh", "report.button.edit"))
        await resident.expect(r"要改哪一项")
        await resident.press(label("zh", "report.field.description"))
        await resident.expect(r"请简单说说情况")

    await edit_description()
    await resident.send("楼下张大爷腿肿得厉害，好几天没出门了")
    summary = await resident.expect(r"求助内容")
    assert "楼下张大爷腿肿得厉害" in summary.plain and "语音留言" not in summary.plain
    await edit_description()
    sent = await resident.send_voice(duration=15)
    await resident.expect(r"语音收到了（15 秒）")
    summary = await resident.expect(r"求助内容")
    assert "🎤 语音留言（15 秒）" in summary.plain and "张大爷腿肿" not in summary.plain
    await resident.press(label("zh", "report.button.confirm"), in_message=summary)
    await resident.expect(r"R-0001")
    row = report_row(bot, "R-0001")
    assert (row["description"], row["voice_file_id"], row["voice_seconds"]) == (
        "", voice_of(sent), 15)


def file_bytes(workdir: Path) -> bytes:
    """Every byte the database keeps on disk: the file and its WAL."""
    return b"".join(p.read_bytes() for p in workdir.glob("zhongfu.sqlite3*")
                    if p.is_file() and not p.name.endswith(".bak"))


async def test_erasure_and_retention_clear_the_voice(
        bot: BotProcess, api: FakeBotApi, resident: FakeUser, resident_en: FakeUser,
        workdir: Path) -> None:
    add_worker(bot, 2001, "陈社工")
    chen = api.user(2001, "陈社工", language_code="zh-hans")
    file_id, summary = await to_the_summary(resident, 42)
    await resident.press(label("zh", "report.button.confirm"), in_message=summary)
    await resident.expect(r"R-0001")
    card = await chen.expect(r"新求助.*R-0001")
    await chen.press(TAKE, in_message=card)
    await chen.expect("", kind="voice")
    other_id, summary = await to_the_summary(resident_en, 7, "en")
    await resident_en.press(label("en", "report.button.confirm"), in_message=summary)
    await resident_en.expect(r"R-0002")
    await chen.expect(r"新求助.*R-0002")
    await bot.stop()
    assert file_id.encode() in file_bytes(workdir)

    status, out = await bot.cli("erase", "person", str(resident.id))
    assert status == 0, out
    row = report_row(bot, "R-0001")
    assert row["voice_file_id"] is None and row["voice_seconds"] == 42  # its length stays
    assert file_id.encode() not in file_bytes(workdir)
    assert report_row(bot, "R-0002")["voice_file_id"] == other_id  # another's is kept

    # Closed long ago: anonymised by the retention, the voice with the rest.
    with bot.db() as conn:
        closed = (bot.now() - timedelta(days=366)).isoformat()
        conn.execute("UPDATE reports SET status = 'closed', updated_at = ? WHERE id = 2",
                     (closed,))
        conn.commit()
    status, out = await bot.cli("tick", "--at", bot.now().isoformat())
    assert status == 0, out
    row = report_row(bot, "R-0002")
    assert row["voice_file_id"] is None and row["voice_seconds"] == 7

    # The taker looks at the erased case again: it says the voice is gone, and none comes.
    await bot.start()
    sent_before = len(api.calls_to("sendVoice"))
    await chen.send("/cases")
    await chen.expect(r"R-0001")
    await chen.press("📂 R-0001")
    details = await chen.expect(r"R-0001")
    assert "🎤 语音留言（42 秒，已删除）" in details.plain
    await asyncio.sleep(1.5)
    assert len(api.calls_to("sendVoice")) == sent_before
