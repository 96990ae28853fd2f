"""The fake Bot API server, driven by python-telegram-bot's real Bot and HTTP client."""

from __future__ import annotations

import asyncio
import warnings
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta
from typing import Any

import aiohttp
import pytest
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeChat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputMediaPhoto,
    KeyboardButton,
    MessageEntity,
    ReplyKeyboardMarkup,
)
from telegram.error import (
    BadRequest,
    Conflict,
    EndPointNotFound,
    Forbidden,
    InvalidToken,
    RetryAfter,
    TelegramError,
)

from tests.rig.html import HtmlError, parse_html
from tests.rig.server import FakeBotApi, FakeUser

ALICE = 1001
pytestmark = pytest.mark.filterwarnings("ignore:.*retry_after.*:DeprecationWarning")


class Clock:
    """A hand-driven monotonic clock for the flood limits."""

    def __init__(self) -> None:
        """Start at zero."""
        self.now = 0.0

    def __call__(self) -> float:
        """Current time."""
        return self.now


@pytest.fixture
async def server() -> AsyncIterator[FakeBotApi]:
    """A running server."""
    async with FakeBotApi() as api:
        yield api


@pytest.fixture
async def bot(server: FakeBotApi) -> AsyncIterator[Bot]:
    """PTB's Bot pointed at the server (initialize() calls getMe)."""
    async with Bot(server.token, base_url=server.base_url, base_file_url=server.file_url) as b:
        yield b


@pytest.fixture
def alice(server: FakeBotApi) -> FakeUser:
    """A resident with a phone number."""
    return server.user(ALICE, "Alice", language_code="zh", phone="+8613800000000")


def keyboard(*labels: str) -> InlineKeyboardMarkup:
    """One row of callback buttons whose data is the label lowercased."""
    row = [InlineKeyboardButton(label, callback_data=label.lower()) for label in labels]
    return InlineKeyboardMarkup([row])


def seconds(exc: RetryAfter) -> float:
    """RetryAfter.retry_after in seconds, whatever PTB_TIMEDELTA says."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


# ----- HTML ---------------------------------------------------------------------------------


def test_html_plain_text_and_entities() -> None:
    """Nested tags, all entity forms and UTF-16 offsets."""
    parsed = parse_html(
        '  <b>bold <i>both</i></b> &lt;x&gt; &quot;q&quot; &#39;s &#x4E2D; 😀'
        '<a href="https://e.com/?a=1&amp;b=2">link</a> <tg-spoiler>s</tg-spoiler>'
        '<span class="tg-spoiler">t</span><pre><code class="language-python">x = 1</code></pre>'
        "<blockquote expandable>q</blockquote><STRONG>c</strong>\n"
    )
    assert parsed.text == "bold both <x> \"q\" 's 中 😀link stx = 1qc"
    by_type: dict[str, dict[str, Any]] = {}
    for entity in parsed.entities:
        by_type.setdefault(entity["type"], entity)
    assert by_type["bold"] == {"type": "bold", "offset": 0, "length": 9}
    assert by_type["italic"] == {"type": "italic", "offset": 5, "length": 4}
    assert by_type["text_link"]["url"] == "https://e.com/?a=1&b=2"
    assert by_type["text_link"]["offset"] == 25  # the emoji counts as two UTF-16 units
    assert by_type["pre"]["language"] == "python"
    assert "code" not in by_type
    assert "expandable_blockquote" in by_type


@pytest.mark.parametrize(
    ("source", "wording"),
    [
        ("<b>x", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<b>x</i>", 'Unmatched end tag at byte offset 4, expected "</b>", found "</i>"'),
        ("<b><i>x</b></i>", "Unmatched end tag"),
        ("x</b>", "Unexpected end tag at byte offset 1"),
        ("a < b", 'Unsupported start tag "" at byte offset 2'),
        ("1 <br> 2", 'Unsupported start tag "br"'),
        ("<span>x</span>", 'Tag "span" must have class "tg-spoiler"'),
        ("AT&T", 'Character "&" at byte offset 2'),
        ("&nbsp;", 'Character "&"'),
        ("&lt", 'Character "&"'),
        ("<b", "Unclosed start tag"),
        ('<a href="x>y', "Unclosed start tag"),
    ],
)
def test_html_rejections(source: str, wording: str) -> None:
    """Malformed HTML raises with Telegram's wording."""
    with pytest.raises(HtmlError) as caught:
        parse_html(source)
    assert wording in str(caught.value)


# ----- basic calls --------------------------------------------------------------------------


async def test_get_me(bot: Bot, server: FakeBotApi) -> None:
    """getMe describes the bot from the token and constructor."""
    me = await bot.get_me()
    assert (me.id, me.username, me.first_name, me.is_bot) == (
        123456,
        "zhongfu_test_bot",
        "Zhongfu Test",
        True,
    )
    assert server.calls[0][0] == "getMe"


async def test_wrong_token_and_unknown_method(server: FakeBotApi, bot: Bot) -> None:
    """401 for a wrong token, 404 for an unknown method."""
    with pytest.raises(InvalidToken, match="rejected by the server"):
        async with Bot("999:wrong-token", base_url=server.base_url):
            pass
    with pytest.raises(EndPointNotFound):
        await bot.do_api_request("sendTelepathy", api_kwargs={"chat_id": ALICE})


async def test_json_body_and_get_query(server: FakeBotApi, alice: FakeUser) -> None:
    """Besides PTB's form bodies, JSON bodies and GET query strings work."""
    url = f"{server.base_url}{server.token}"
    async with aiohttp.ClientSession() as session:
        markup = {"inline_keyboard": [[{"text": "Go", "callback_data": "go"}]]}
        body = {"chat_id": ALICE, "text": "json", "reply_markup": markup}
        async with session.post(f"{url}/sendmessage", json=body) as response:
            assert (await response.json())["result"]["reply_markup"] == markup
        async with session.get(f"{url}/sendMessage", params={"chat_id": "1001", "text": "q"}) as r:
            assert (await r.json())["result"]["text"] == "q"
    assert [m.plain for m in alice.messages] == ["json", "q"]


async def test_send_and_receive(bot: Bot, alice: FakeUser) -> None:
    """A sent message reaches the user with its buttons; Telegram returns plain text."""
    sent = await bot.send_message(
        ALICE, "<b>Hi</b> Alice &amp; welcome", parse_mode="HTML", reply_markup=keyboard("Take")
    )
    assert sent.text == "Hi Alice & welcome"
    assert sent.entities == (MessageEntity("bold", 0, 2),)
    assert sent.text_html == "<b>Hi</b> Alice &amp; welcome"
    assert sent.reply_markup == keyboard("Take")
    got = await alice.expect(r"alice & WELCOME")
    assert (got.message_id, got.parse_mode, got.buttons) == (1, "HTML", [[("Take", "take")]])
    assert alice.last_message is not None and alice.last_message.text.startswith("<b>Hi")


# ----- updates ------------------------------------------------------------------------------


async def test_long_poll_returns_when_user_sends(
    bot: Bot, server: FakeBotApi, alice: FakeUser
) -> None:
    """A waiting getUpdates answers as soon as a user writes."""
    poll = asyncio.create_task(bot.get_updates(timeout=5))
    await server.wait_for_call("getUpdates")
    loop = asyncio.get_running_loop()
    started = loop.time()
    await alice.send("/start@zhongfu_test_bot hello")
    (update,) = await poll
    # Well before the poll's 5 s timeout (with room for a busy machine): the message woke it.
    assert loop.time() - started < 3.0
    assert update.update_id == 1
    message = update.message
    assert message is not None and message.from_user is not None
    assert (message.chat.id, message.chat.type, message.from_user.language_code) == (
        ALICE,
        "private",
        "zh",
    )
    assert message.entities == (MessageEntity("bot_command", 0, 23),)
    assert message.text == "/start@zhongfu_test_bot hello"


async def test_offset_confirms_updates(bot: Bot, server: FakeBotApi, alice: FakeUser) -> None:
    """Fetched updates stay until a later offset confirms them, as on Telegram."""
    await alice.send("one")
    await alice.send("two")
    first = await bot.get_updates()
    assert [u.message.text for u in first if u.message] == ["one", "two"]
    assert [u.update_id for u in await bot.get_updates()] == [1, 2]
    assert [u.update_id for u in await bot.get_updates(offset=2)] == [2]
    assert await bot.get_updates(offset=3, timeout=0) == ()
    assert server.pending_updates == [] and server.confirmed_update_id == 2
    await alice.send("three")
    await alice.send("four")
    assert [u.update_id for u in await bot.get_updates(offset=3, limit=1)] == [3]
    assert server.fetched_update_id == 3
    with pytest.raises(AssertionError, match="update 4 was not fetched"):
        await server.wait_fetched(timeout=0.05)


async def test_user_media_and_contacts(bot: Bot, alice: FakeUser) -> None:
    """Every kind of user message parses in PTB; the photo can be downloaded."""
    await alice.send_photo(b"\xff\xd8jpeg", caption="my door")
    await alice.send_document("households.csv", b"a,b\n1,2\n", "text/csv")
    await alice.send_location(22.54, 114.12)
    await alice.send_contact()
    await alice.send_contact(phone="+8613900000000", first_name="Bob")
    await alice.send_sticker()
    await alice.send_voice()
    messages = [u.message for u in await bot.get_updates() if u.message]
    photo, document, location, own, other, sticker, voice = messages
    assert photo.caption == "my door"
    photo_file = await bot.get_file(photo.photo[-1].file_id)
    assert bytes(await photo_file.download_as_bytearray()) == b"\xff\xd8jpeg"
    assert document.document is not None and document.document.file_name == "households.csv"
    assert location.location is not None and location.location.longitude == 114.12
    assert own.contact is not None and own.contact.user_id == ALICE
    assert other.contact is not None and other.contact.user_id is None
    assert sticker.sticker is not None and voice.voice is not None


# ----- buttons ------------------------------------------------------------------------------


async def test_press_sends_callback_and_returns_answer(bot: Bot, alice: FakeUser) -> None:
    """press() sends a callback query and returns the bot's answer; a second answer fails."""
    sent = await bot.send_message(ALICE, "Case 7", reply_markup=keyboard("Take case", "Skip"))
    press = asyncio.create_task(alice.press("take"))
    (update,) = await bot.get_updates(timeout=5)
    query = update.callback_query
    assert query is not None and query.message is not None
    assert (query.data, query.from_user.id, query.message.message_id) == (
        "take case",
        ALICE,
        sent.message_id,
    )
    await query.answer("Taken!", show_alert=True)
    assert await press == "Taken!"
    assert alice.last_answer is not None and alice.last_answer.show_alert
    with pytest.raises(BadRequest, match=r"(?i)query is too old"):
        await query.answer("again")
    with pytest.raises(BadRequest, match=r"(?i)query is too old"):
        await bot.answer_callback_query("12345")


async def test_press_data_and_missing_button(bot: Bot, alice: FakeUser) -> None:
    """Forged data reaches the bot; pressing a label that is not shown fails readably."""
    sent = await bot.send_message(ALICE, "Case 8", reply_markup=keyboard("Confirm"))
    msg = await alice.expect("Case 8")
    press = asyncio.create_task(alice.press_data("forged:data", message=msg))
    (update,) = await bot.get_updates(timeout=5)
    assert update.callback_query is not None and update.callback_query.data == "forged:data"
    await update.callback_query.answer()
    assert await press == ""
    with pytest.raises(AssertionError, match=r"no button 'Cancel'.*Confirm"):
        await alice.press("Cancel", in_message=msg)
    assert sent.message_id == msg.message_id


async def test_reply_keyboard_press_shares_contact(bot: Bot, alice: FakeUser) -> None:
    """A request_contact reply button sends the user's own contact; plain ones send text."""
    markup = ReplyKeyboardMarkup(
        [[KeyboardButton("Share phone", request_contact=True)], ["Later"]], one_time_keyboard=True
    )
    await bot.send_message(ALICE, "Your phone?", reply_markup=markup)
    assert await alice.press("Share phone") == ""
    with pytest.raises(AssertionError, match="no button 'Later'"):
        await alice.press("Later")  # a one-time keyboard hides after use
    (update,) = await bot.get_updates()
    assert update.message is not None and update.message.contact is not None
    assert (update.message.contact.phone_number, update.message.contact.user_id) == (
        "+8613800000000",
        ALICE,
    )


# ----- edits --------------------------------------------------------------------------------


async def test_edits_are_events(bot: Bot, alice: FakeUser) -> None:
    """Edits reach expect(); an edit without reply_markup drops the inline keyboard."""
    sent = await bot.send_message(ALICE, "Case 9 open", reply_markup=keyboard("Take"))
    await bot.edit_message_text("Case 9 <b>taken</b>", ALICE, sent.message_id, parse_mode="HTML")
    assert (await alice.expect("open")).buttons == [[("Take", "take")]]
    edited = await alice.expect("taken")
    assert (edited.edits, edited.is_edit, edited.buttons) == (1, True, [])
    await bot.edit_message_reply_markup(ALICE, sent.message_id, reply_markup=keyboard("Undo"))
    assert (await alice.expect("taken")).buttons == [[("Undo", "undo")]]
    assert [m.plain for m in alice.messages] == ["Case 9 taken"]


async def test_a_message_is_deleted_only_within_48_hours(bot: Bot, server: FakeBotApi,
                                                        alice: FakeUser) -> None:
    """deleteMessage takes a bot's message sent less than 48 hours ago, as Telegram; an older
    one, or one already gone, is refused in Telegram's words."""
    fresh = await bot.send_location(ALICE, 22.5, 114.0)
    old = await bot.send_message(ALICE, "Case 9: 13912345678")
    shown = server.chats[ALICE].find(old.message_id)
    assert shown is not None
    shown.date -= 48 * 3600
    assert await bot.delete_message(ALICE, fresh.message_id) is True
    assert server.chats[ALICE].find(fresh.message_id) is None
    with pytest.raises(BadRequest, match=r"(?i)message can't be deleted for everyone"):
        await bot.delete_message(ALICE, old.message_id)
    assert server.chats[ALICE].find(old.message_id) is not None
    with pytest.raises(BadRequest, match=r"(?i)message to delete not found"):
        await bot.delete_message(ALICE, fresh.message_id)


async def test_expect_timeout_is_readable(bot: Bot, alice: FakeUser) -> None:
    """A failed expect lists what the user did receive."""
    await bot.send_message(ALICE, "Hello there", reply_markup=keyboard("Help"))
    with pytest.raises(AssertionError) as caught:
        await alice.expect("Goodbye", timeout=0.2)
    text = str(caught.value)
    assert "Alice expected a message matching 'Goodbye'" in text
    assert "'Hello there'" in text and "['Help']" in text
    await alice.expect("hello")
    await alice.expect_nothing(within=0.1)
    await bot.send_message(ALICE, "Surprise")
    with pytest.raises(AssertionError, match="Surprise"):
        await alice.expect_nothing(within=0.1)


# ----- rejections ---------------------------------------------------------------------------

Call = Callable[[Bot, FakeBotApi], Awaitable[Any]]


async def _edit_same(bot: Bot, server: FakeBotApi) -> None:
    """Edit a message to exactly what it already is."""
    markup = keyboard("A")
    sent = await bot.send_message(ALICE, "<i>same</i>", parse_mode="HTML", reply_markup=markup)
    await bot.edit_message_text(
        "<em>same</em>", ALICE, sent.message_id, parse_mode="HTML", reply_markup=markup
    )


async def _answer_twice(bot: Bot, server: FakeBotApi) -> None:
    """Answer one callback query twice."""
    await bot.send_message(ALICE, "Pick", reply_markup=keyboard("A"))
    press = asyncio.create_task(server.users[ALICE].press("A"))
    (update,) = await bot.get_updates(timeout=5)
    assert update.callback_query is not None
    await bot.answer_callback_query(update.callback_query.id)
    await press
    await bot.answer_callback_query(update.callback_query.id)


async def _send_blocked(bot: Bot, server: FakeBotApi) -> None:
    """Write to a user who blocked the bot."""
    server.users[ALICE].block()
    await bot.send_message(ALICE, "hi")


async def _injected(bot: Bot, server: FakeBotApi) -> None:
    """An injected failure."""
    server.fail_next("sendMessage", 403, "Forbidden: user is deactivated")
    await bot.send_message(ALICE, "x")


def _button(text: str, data: str) -> InlineKeyboardMarkup:
    """A keyboard with one callback button."""
    return InlineKeyboardMarkup([[InlineKeyboardButton(text, callback_data=data)]])


REJECTIONS: list[tuple[str, Call, type[TelegramError], str]] = [
    ("unknown chat", lambda b, s: b.send_message(999, "x"), BadRequest, "chat not found"),
    ("blocked", _send_blocked, Forbidden, "bot was blocked by the user"),
    ("empty", lambda b, s: b.send_message(ALICE, "  "), BadRequest, "message text is empty"),
    ("empty html", lambda b, s: b.send_message(ALICE, "<b></b>", parse_mode="HTML"),
     BadRequest, "message text is empty"),
    ("long", lambda b, s: b.send_message(ALICE, "x" * 4097), BadRequest, "message is too long"),
    ("long utf16", lambda b, s: b.send_message(ALICE, "😀" * 2049), BadRequest,
     "message is too long"),
    ("caption", lambda b, s: b.send_photo(ALICE, b"jpg", caption="c" * 1025), BadRequest,
     "message caption is too long"),
    ("data 65 bytes", lambda b, s: b.send_message(ALICE, "x", reply_markup=_button("a", "é" * 33)),
     BadRequest, "BUTTON_DATA_INVALID"),
    ("data empty", lambda b, s: b.send_message(ALICE, "x", reply_markup=_button("a", "")),
     BadRequest, "BUTTON_DATA_INVALID"),
    ("button text", lambda b, s: b.send_message(ALICE, "x", reply_markup=_button("", "d")),
     BadRequest, "BUTTON_TEXT_EMPTY"),
    ("html", lambda b, s: b.send_message(ALICE, "<b>x</i>", parse_mode="HTML"), BadRequest,
     "can't parse entities: Unmatched end tag"),
    ("html amp", lambda b, s: b.send_message(ALICE, "R&D", parse_mode="HTML"), BadRequest,
     "can't parse entities"),
    ("html caption", lambda b, s: b.send_photo(ALICE, b"p", caption="a<b", parse_mode="HTML"),
     BadRequest, "can't parse entities"),
    ("not modified", _edit_same, BadRequest, "message is not modified"),
    ("edit unknown", lambda b, s: b.edit_message_text("x", ALICE, 42), BadRequest,
     "message to edit not found"),
    ("answer twice", _answer_twice, BadRequest, "query is too old"),
    ("injected", _injected, Forbidden, "user is deactivated"),
]


@pytest.mark.parametrize(
    ("call", "error", "wording"),
    [case[1:] for case in REJECTIONS],
    ids=[case[0] for case in REJECTIONS],
)
async def test_rejections(
    bot: Bot,
    server: FakeBotApi,
    alice: FakeUser,
    call: Call,
    error: type[TelegramError],
    wording: str,
) -> None:
    """Each refusal raises the PTB exception Telegram's answer would."""
    with pytest.raises(error) as caught:
        await call(bot, server)
    assert wording.lower() in str(caught.value).lower()


async def test_limits_are_inclusive(bot: Bot, alice: FakeUser) -> None:
    """Exactly 4096 characters of text and 64 bytes of callback data are fine."""
    await bot.send_message(ALICE, f"<b>{'x' * 4096}</b>", parse_mode="HTML")
    await bot.send_message(ALICE, "x", reply_markup=_button("a", "é" * 32))
    assert len(alice.messages) == 2


async def test_injected_retry_after(bot: Bot, server: FakeBotApi, alice: FakeUser) -> None:
    """fail_next injects one failure; the call after it succeeds."""
    server.fail_next("sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1)
    with pytest.raises(RetryAfter) as caught:
        await bot.send_message(ALICE, "x")
    assert seconds(caught.value) == 1
    await bot.send_message(ALICE, "x")
    assert server.flood_429s == 0


# ----- flood control ------------------------------------------------------------------------


async def test_flood_limit_overall_and_group() -> None:
    """The 31st message within a second and the 21st into a group within a minute get 429."""
    clock = Clock()
    async with FakeBotApi(clock=clock) as server:
        server.user(ALICE, "Alice")
        group = server.group(-100123, "Coordinators")
        async with Bot(server.token, base_url=server.base_url) as bot:
            for number in range(30):
                await bot.send_message(ALICE, f"m{number}")
            with pytest.raises(RetryAfter) as caught:
                await bot.send_message(ALICE, "m30")
            assert seconds(caught.value) == 1
            assert server.peak_per_second == 31  # the one refused was tried within the second
            clock.now = 1.0
            for number in range(20):
                await bot.send_message(group.chat_id, f"g{number}")
                clock.now += 0.1
            with pytest.raises(RetryAfter) as caught:
                await bot.send_message(group.chat_id, "g20")
            assert seconds(caught.value) == 58  # the first of the 20 was at 1.0, now is 3.0
            await bot.send_message(ALICE, "private chats are not limited per minute")
            assert server.flood_429s == 2


# ----- files --------------------------------------------------------------------------------


async def test_file_round_trip(bot: Bot, server: FakeBotApi, alice: FakeUser) -> None:
    """An uploaded document gets ids, downloads intact and can be re-sent by file_id."""
    data = b"household,members\nLi,3\n"
    sent = await bot.send_document(ALICE, data, filename="households.csv", caption="export")
    assert sent.document is not None and sent.document.file_name == "households.csv"
    file = await bot.get_file(sent.document.file_id)
    assert bytes(await file.download_as_bytearray()) == data
    assert server.download(sent.document.file_id) == data
    again = await bot.send_document(ALICE, sent.document.file_id)
    assert again.document is not None and again.document.file_id == sent.document.file_id
    got = await alice.expect("export", kind="document")
    assert (got.file_name, got.data) == ("households.csv", data)
    with pytest.raises(BadRequest, match=r"(?i)wrong file identifier"):
        await bot.send_document(ALICE, "no-such-file-id")


async def test_a_voice_note_a_user_sent_is_sent_on_by_file_id(bot: Bot,
                                                             alice: FakeUser) -> None:
    """sendVoice with the file id of a user's voice note delivers that voice, as long as it
    was; an unknown file id is refused as Telegram refuses it."""
    said = await alice.send_voice(b"OggS\x00hello", duration=42)
    file_id = said["voice"]["file_id"]
    sent = await bot.send_voice(ALICE, file_id)
    assert sent.voice is not None and sent.voice.file_id == file_id
    assert sent.voice.to_dict()["duration"] == 42
    got = await alice.expect("", kind="voice")
    assert (got.file_id, got.data) == (file_id, b"OggS\x00hello")
    with pytest.raises(BadRequest, match=r"(?i)wrong file identifier"):
        await bot.send_voice(ALICE, "no-such-file-id")


async def test_an_audio_file_goes_on_only_as_audio_and_a_voice_only_as_voice(
        bot: Bot, alice: FakeUser) -> None:
    """sendAudio with the file id of a user's audio file delivers it; as on Telegram, a
    voice note's id is refused to sendAudio and an audio file's to sendVoice."""
    sent_audio = await alice.send_audio(b"ID3\x04song", duration=42, file_name="录音.m4a",
                                        mime_type="audio/mp4")
    audio_id = sent_audio["audio"]["file_id"]
    sent = await bot.send_audio(ALICE, audio_id)
    assert sent.audio is not None and sent.audio.file_id == audio_id
    assert sent.audio.to_dict()["duration"] == 42 and sent.audio.file_name == "录音.m4a"
    got = await alice.expect("", kind="audio")
    assert (got.file_id, got.data) == (audio_id, b"ID3\x04song")
    voice_id = (await alice.send_voice(b"OggS\x00hello"))["voice"]["file_id"]
    with pytest.raises(BadRequest, match=r"(?i)type of file mismatch"):
        await bot.send_voice(ALICE, audio_id)
    with pytest.raises(BadRequest, match=r"(?i)type of file mismatch"):
        await bot.send_audio(ALICE, voice_id)


async def test_media_group_location_and_actions(bot: Bot, alice: FakeUser) -> None:
    """sendMediaGroup makes one message per item; location and chat actions work."""
    album = await bot.send_media_group(
        ALICE, [InputMediaPhoto(b"one", caption="first"), InputMediaPhoto(b"two")]
    )
    assert len(album) == 2 and album[0].media_group_id == album[1].media_group_id
    await bot.send_location(ALICE, 22.54, 114.12)
    assert await bot.send_chat_action(ALICE, "typing")
    assert [m.kind for m in alice.messages] == ["photo", "photo", "location"]
    assert alice.messages[2].location == (22.54, 114.12)


# ----- holds, groups, commands, webhook -----------------------------------------------------


async def test_hold_and_release(bot: Bot, server: FakeBotApi, alice: FakeUser) -> None:
    """Held requests wait for release(); others pass."""
    hold = server.hold("sendmessage", lambda p: "slow" in p.get("text", ""))
    slow = asyncio.create_task(bot.send_message(ALICE, "slow one"))
    params = await hold.reached()
    assert params["chat_id"] == ALICE and not slow.done()
    await bot.send_message(ALICE, "fast one")
    await alice.expect("fast one")
    hold.release()
    assert (await slow).text == "slow one"
    await alice.expect("slow one")


async def test_group_privacy_mode(bot: Bot, server: FakeBotApi, alice: FakeUser) -> None:
    """In a group only commands, mentions and replies to the bot reach it."""
    group = server.group(-100123, "Coordinators")
    assert await group.send(alice, "chatting among ourselves") is None
    await group.send(alice, "/report")
    await group.send(alice, "@zhongfu_test_bot status?")
    texts = [u.message.text for u in await bot.get_updates() if u.message]
    assert texts == ["/report", "@zhongfu_test_bot status?"]
    await bot.send_message(group.chat_id, "Noted")
    assert (await group.expect("noted")).chat_id == -100123


async def test_commands_per_scope_and_language(
    bot: Bot, server: FakeBotApi, alice: FakeUser
) -> None:
    """setMyCommands stores per (scope, language); bad names are refused."""
    commands = [BotCommand("start", "开始"), BotCommand("help", "帮助")]
    await bot.set_my_commands(commands, scope=BotCommandScopeChat(ALICE), language_code="zh")
    assert [c["command"] for c in server.commands_for({"type": "chat", "chat_id": ALICE}, "zh")] \
        == ["start", "help"]
    assert await bot.get_my_commands(scope=BotCommandScopeChat(ALICE), language_code="zh") \
        == tuple(commands)
    assert await bot.get_my_commands() == ()
    with pytest.raises(BadRequest, match=r"(?i)BOT_COMMAND_INVALID"):
        await bot.set_my_commands([BotCommand("Start", "x")])
    await bot.delete_my_commands(scope=BotCommandScopeChat(ALICE), language_code="zh")
    assert server.commands == {}


async def test_webhook_blocks_polling(bot: Bot, server: FakeBotApi) -> None:
    """getUpdates conflicts with an active webhook, as on Telegram."""
    await bot.set_webhook("https://example.org/hook")
    assert (await bot.get_webhook_info()).url == "https://example.org/hook"
    with pytest.raises(Conflict, match="webhook is active"):
        await bot.get_updates()
    await bot.delete_webhook()
    assert await bot.get_updates() == ()


# ----- waiting ------------------------------------------------------------------------------


async def test_a_person_waiting_is_woken_by_their_own_chat_only(bot: Bot, server: FakeBotApi,
                                                                alice: FakeUser) -> None:
    """Traffic to other chats does not wake Alice's wait (200 people waiting each woke on
    every call: the harness's own CPU); her message still ends it, and so does stopping."""
    others = [server.user(2000 + n, f"P{n}") for n in range(3)]
    checks = 0

    def arrived() -> bool:
        nonlocal checks
        checks += 1
        return len(alice.chat.events) > 0

    waiting = asyncio.ensure_future(server.wait_until(arrived, 10.0, chat_id=ALICE))
    for number in range(20):
        await bot.send_message(others[number % 3].id, f"m{number}")
    assert not waiting.done()
    assert checks == 1  # checked once on entry, never woken since
    await bot.send_message(ALICE, "hello")
    assert await asyncio.wait_for(waiting, 1.0)
    assert checks == 2

    stopping = asyncio.ensure_future(alice.expect("never sent", timeout=30.0))
    await asyncio.sleep(0.05)
    await server.stop()
    with pytest.raises(AssertionError, match="never sent"):
        await asyncio.wait_for(stopping, 2.0)


async def test_get_chat_knows_only_chats_the_bot_has(bot: Bot, server: FakeBotApi,
                                                   alice: FakeUser) -> None:
    """getChat answers for a user who pressed Start and a group the bot is in; a user who
    never wrote to the bot and a group id without its minus sign are 'chat not found', and a
    group the bot was removed from is 403, as on Telegram."""
    group = server.group(-1001234567890, "协调员群")
    assert (await bot.get_chat(ALICE)).first_name == "Alice"
    found = await bot.get_chat(group.chat_id)
    assert (found.type, found.title) == ("supergroup", "协调员群")
    server.user(1002, "Bob", started=False)
    for unknown in (1002, 1001234567890, 4242):
        with pytest.raises(BadRequest, match=r"(?i)chat not found"):
            await bot.get_chat(unknown)
    group.remove_bot()
    with pytest.raises(Forbidden, match="kicked"):
        await bot.get_chat(group.chat_id)
