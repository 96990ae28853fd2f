"""End to end: the map pin, photos and voice note sent with a case's details leave the chat
with them.

A pin, a photo or a voice note cannot be edited into a line of text: once the case is no
longer the worker's (passed on, taken off duty) the bot deletes them, as Telegram lets it for
48 hours. One older than that cannot be deleted: Telegram refuses, and the bot does not try
again.
"""

from __future__ import annotations

from tests.conftest import BotProcess
from tests.e2e.helpers_triage import add_worker, take_off_duty
from tests.e2e.reporting import label, submit_report
from tests.e2e.test_off_duty_details import all_become, live, started
from tests.rig.objects import BotMessage
from tests.rig.server import FakeBotApi, FakeUser

CHEN, LIN = 7001, 7002
PHONE = "13912345678"
PLACE = (22.5431, 114.0579)
MEDIA = ("location", "photo", "voice")


def with_pin_photo_and_voice(bot: BotProcess, api: FakeBotApi, ref: str) -> None:
    """The report carries a map point, a photo and a voice note (files the resident sent)."""
    photo = api.store(b"\xff\xd8\xff\xe0fake-jpeg", None, "image/jpeg", "photos")
    voice = api.store(b"OggS\x00", None, "audio/ogg", "voice")
    with bot.db() as conn:
        conn.execute("UPDATE reports SET latitude = ?, longitude = ?, photos = ?, "
                     "voice_file_id = ? WHERE id = ?",
                     (*PLACE, f'["{photo.file_id}"]', voice.file_id, int(ref[2:])))
        conn.commit()


async def media_of(user: FakeUser) -> list[BotMessage]:
    """The pin, the photo and the voice note that came with the details, once all there."""
    found = [await user.expect("", kind=kind, timeout=15.0) for kind in MEDIA]
    assert found[0].location == PLACE
    return found


async def all_deleted(bot: BotProcess, user: FakeUser, messages: list[BotMessage]) -> None:
    """Wait until none of the messages is in the user's chat any more."""
    assert await bot.until(lambda: all(live(user, m) is None for m in messages), 15.0), \
        [(m.kind, live(user, m) is not None) for m in messages]


async def test_the_pin_photo_and_voice_note_go_when_the_case_is_passed_on_and_at_off_duty(
        bot: BotProcess, api: FakeBotApi, coordinator: FakeUser, resident: FakeUser) -> None:
    """林社工 takes a case with a map point, a photo and a voice note (sent as the answer to
    his press) and passes it to 陈社工 (sent through the outbox): 林社工's pin, photo and
    voice note are deleted with his text taken back; 陈社工's stay until he is taken off
    duty, then go too."""
    await coordinator.send("/start")
    await coordinator.expect("管理员")
    add_worker(bot, CHEN, "陈社工")
    add_worker(bot, LIN, "林社工")
    chen = api.user(CHEN, "陈社工", language_code="zh-hans")
    lin = api.user(LIN, "林社工", language_code="zh-hans")
    await started(chen, lin)
    ref = await submit_report(resident, phone=PHONE)
    with_pin_photo_and_voice(bot, api, ref)
    await lin.press(label("zh", "triage.button.take"),
                    in_message=await lin.expect(rf"新求助.*{ref}"))
    lins = await lin.expect(rf"{ref} 由您负责了")
    lins_media = await media_of(lin)

    await lin.press(label("zh", "triage.button.ref"), in_message=lins)
    await lin.expect("转给谁")
    await lin.press("转给 陈社工")
    chens = await chen.expect(rf"林社工 把 {ref} 转给了您")
    chens_media = await media_of(chen)
    await all_become(lin, [lins], [label("zh", "triage.detail.passed_on", ref=ref)])
    await all_deleted(bot, lin, lins_media)
    assert all(live(chen, m) is not None for m in chens_media)

    await take_off_duty(coordinator, "陈社工")
    await coordinator.expect("陈社工 已离岗")
    await all_become(chen, [chens], [label("zh", "triage.detail.withdrawn", ref=ref)])
    await all_deleted(bot, chen, chens_media)


async def test_a_pin_older_than_two_days_stays_and_is_not_tried_again(
        bot: BotProcess, api: FakeBotApi, coordinator: FakeUser, resident: FakeUser) -> None:
    """陈社工's pin and photo were sent three days ago when he goes off duty: Telegram does not
    delete them any more; the bot asks once each, is refused, and gives up (nothing left to
    retry), while the text is taken back and the voice note, sent just now, deleted."""
    await coordinator.send("/start")
    await coordinator.expect("管理员")
    add_worker(bot, CHEN, "陈社工")
    chen = api.user(CHEN, "陈社工", language_code="zh-hans")
    await started(chen)
    ref = await submit_report(resident, phone=PHONE)
    with_pin_photo_and_voice(bot, api, ref)
    await chen.press(label("zh", "triage.button.take"),
                     in_message=await chen.expect(rf"新求助.*{ref}"))
    own = await chen.expect(rf"{ref} 由您负责了")
    pin, photo, voice = await media_of(chen)
    for old in (pin, photo):
        shown = live(chen, old)
        assert shown is not None
        shown.date -= 3 * 24 * 3600

    await take_off_duty(coordinator, "陈社工")
    await coordinator.expect("陈社工 已离岗")
    await all_become(chen, [own], [label("zh", "triage.detail.withdrawn", ref=ref)])
    await all_deleted(bot, chen, [voice])

    def given_up() -> list[tuple[str, str]]:
        with bot.db() as conn:
            return [(r[0], r[1]) for r in conn.execute(
                "SELECT state, error FROM outbox WHERE chat_id = ? AND op = 'delete' "
                "ORDER BY id", (CHEN,))]

    assert await bot.until(lambda: [s for s, _ in given_up()] == ["dropped", "dropped", "sent"])
    assert all("can't be deleted" in str(error) for _, error in given_up()[:2])
    assert live(chen, pin) is not None and live(chen, photo) is not None
    tried = [p["message_id"] for p in api.calls_to("deleteMessage")]
    assert sorted(tried) == sorted([pin.message_id, photo.message_id, voice.message_id])
