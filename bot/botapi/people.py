"""People who talk to the bot through the fake server: users and the groups they write in."""

from __future__ import annotations

import asyncio
import re
import time
from typing import Any

from bot.botapi.html import utf16_len
from bot.botapi.objects import BotMessage, CallbackAnswer, ChatState

# The server these people talk through (bot.botapi.server.FakeBotApi). It is typed loosely
# here because the server module imports this one: no import cycle, even for type checking.
FakeBotApi = Any

_COMMAND = re.compile(r"/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?")
_MENTION = re.compile(r"(?<![\w@])@[A-Za-z0-9_]{5,32}")
ADMIN = {"id": 1, "is_bot": False, "first_name": "Admin"}


def text_fields(text: str) -> dict[str, Any]:
    """A text message's fields with bot_command and mention entities, as Telegram adds them."""
    entities: list[dict[str, Any]] = []
    for regex, kind in ((_COMMAND, "bot_command"), (_MENTION, "mention")):
        for match in regex.finditer(text):
            if kind == "bot_command" and match.start() and not text[match.start() - 1].isspace():
                continue
            offset = utf16_len(text[: match.start()])
            entities.append({"type": kind, "offset": offset, "length": utf16_len(match[0])})
    entities.sort(key=lambda e: e["offset"])
    return {"text": text, **({"entities": entities} if entities else {})}


class ChatView:
    """What the bot sent into one chat, read through an expect() cursor."""

    def __init__(self, server: FakeBotApi, chat_id: int, name: str) -> None:
        """Watch chat_id on server; name is used in failure messages."""
        self.server = server
        self.chat_id = chat_id
        self.name = name
        self.cursor = 0

    @property
    def chat(self) -> ChatState:
        """The server's state of this chat."""
        found: ChatState = self.server.chats[self.chat_id]
        return found

    @property
    def messages(self) -> list[BotMessage]:
        """Every bot message in this chat, in its current state (deleted ones flagged)."""
        return list(self.chat.messages)

    @property
    def last_message(self) -> BotMessage | None:
        """The newest bot message not deleted."""
        live = [message for message in self.chat.messages if not message.deleted]
        return live[-1] if live else None

    @property
    def events(self) -> list[BotMessage]:
        """Snapshots of every bot message and edit, in arrival order."""
        return list(self.chat.events)

    @property
    def unread(self) -> list[BotMessage]:
        """Events after the cursor."""
        return self.chat.events[self.cursor :]

    async def expect(
        self,
        pattern: str = "",
        *,
        timeout: float = 10.0,
        kind: str | None = None,
    ) -> BotMessage:
        """Wait for the next message/edit after the cursor whose plain text matches pattern."""
        regex = re.compile(pattern, re.S | re.I)
        found: list[BotMessage] = []

        def match() -> bool:
            for index in range(self.cursor, len(self.chat.events)):
                event = self.chat.events[index]
                if (kind is None or event.kind == kind) and regex.search(event.plain):
                    self.cursor = index + 1
                    found.append(event)
                    return True
            return False

        if await self.server.wait_until(match, timeout, chat_id=self.chat.chat_id):
            return found[0]
        what = f"a {kind} message" if kind else "a message"
        raise AssertionError(
            f"{self.name} expected {what} matching {pattern!r} within {timeout} s; "
            + self._unread_report()
        )

    async def expect_nothing(self, within: float = 1.0) -> None:
        """Assert that no message or edit is (or, within `within` seconds, becomes) unread."""
        if await self.server.wait_until(lambda: len(self.chat.events) > self.cursor, within,
                                        chat_id=self.chat.chat_id):
            raise AssertionError(f"{self.name} expected nothing; " + self._unread_report())

    def drain(self) -> list[BotMessage]:
        """Move the cursor past everything received; return what was skipped."""
        skipped = self.unread
        self.cursor = len(self.chat.events)
        return skipped

    def _unread_report(self) -> str:
        """Readable list of the events after the cursor."""
        unread = self.unread
        if not unread:
            return "received nothing since the cursor"
        lines = "\n".join(f"  {event.describe()}" for event in unread)
        return f"received since the cursor:\n{lines}"

    def _live(self, message: BotMessage) -> BotMessage:
        """The current state of a (possibly snapshot) message; fail if it is gone."""
        live: BotMessage | None = self.server.chats[message.chat_id].find(message.message_id)
        if live is None:
            raise AssertionError(f"message #{message.message_id} was deleted or never sent")
        return live


class FakeUser(ChatView):
    """A person in a private chat with the bot."""

    def __init__(
        self,
        server: FakeBotApi,
        user_id: int,
        first_name: str,
        language_code: str | None = "zh",
        phone: str | None = None,
        username: str | None = None,
        last_name: str | None = None,
    ) -> None:
        """A user known to the server; use FakeBotApi.user() rather than this."""
        super().__init__(server, user_id, first_name)
        self.id = user_id
        self.first_name = first_name
        self.last_name = last_name
        self.username = username
        self.language_code = language_code
        self.phone = phone
        self.location = (22.5431, 114.0579)
        self.answers: list[CallbackAnswer] = []

    @property
    def tg_user(self) -> dict[str, Any]:
        """The Bot API User object of this person."""
        user: dict[str, Any] = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        optional = (
            ("last_name", self.last_name),
            ("username", self.username),
            ("language_code", self.language_code),
        )
        user.update({key: value for key, value in optional if value})
        return user

    @property
    def last_answer(self) -> CallbackAnswer | None:
        """The bot's answer to this user's latest button press."""
        return self.answers[-1] if self.answers else None

    def block(self) -> None:
        """Block the bot: sending to this user now fails with 403."""
        self.chat.blocked = True
        self.server.membership_update(self.chat, self.tg_user, "kicked")

    def unblock(self) -> None:
        """Unblock the bot."""
        self.chat.blocked = False
        self.server.membership_update(self.chat, self.tg_user, "member")

    async def send(self, text: str, *, reply_to: BotMessage | None = None) -> dict[str, Any]:
        """Send a text message (commands get a bot_command entity); return the Message."""
        fields = text_fields(text)
        if reply_to is not None:
            fields["reply_to_message"] = self.server.message_object(self._live(reply_to))
        return await self._post(fields)

    async def edit(self, message: dict[str, Any], text: str) -> dict[str, Any]:
        """Edit one of this user's sent text messages (Telegram sends an edited_message)."""
        edited = {**message, **text_fields(text), "edit_date": int(time.time())}
        self.chat.incoming[int(message["message_id"])] = edited
        self.server.push_update("edited_message", edited)
        await asyncio.sleep(0)
        return edited

    async def send_location(self, latitude: float, longitude: float) -> dict[str, Any]:
        """Share a location."""
        return await self._post({"location": {"latitude": latitude, "longitude": longitude}})

    async def send_contact(
        self, phone: str | None = None, user_id: int | None = None, first_name: str | None = None
    ) -> dict[str, Any]:
        """Share a contact: one's own without phone, else someone else's (user_id None)."""
        if phone is None:
            if self.phone is None:
                raise ValueError(f"{self.name} has no phone; pass phone= to server.user()")
            phone, user_id = self.phone, user_id or self.id
            first_name = first_name or self.first_name
        contact: dict[str, Any] = {"phone_number": phone, "first_name": first_name or "Contact"}
        if user_id is not None:
            contact["user_id"] = user_id
        return await self._post({"contact": contact})

    async def send_photo(self, data: bytes, caption: str | None = None,
                         album: str | None = None) -> dict[str, Any]:
        """Send a photo (the bot can getFile and download it); `album` is the media group id
        Telegram gives each photo of an album, which arrives as one message a photo."""
        stored = self.server.store(data, None, "image/jpeg", "photos")
        size = stored.ref(width=1280, height=960)
        group = {"media_group_id": album} if album else {}
        return await self._post({"photo": [size], **_caption(caption), **group})

    async def send_document(
        self,
        file_name: str,
        data: bytes,
        mime_type: str = "application/octet-stream",
        caption: str | None = None,
    ) -> dict[str, Any]:
        """Send a file as a document."""
        stored = self.server.store(data, file_name, mime_type, "documents")
        document = stored.ref(file_name=file_name, mime_type=mime_type)
        return await self._post({"document": document, **_caption(caption)})

    async def send_sticker(self, emoji: str = "👍") -> dict[str, Any]:
        """Send a sticker."""
        stored = self.server.store(b"RIFF\x00\x00\x00\x00WEBPVP8 ", None, "image/webp", "stickers")
        sticker = stored.ref(type="regular", width=512, height=512, emoji=emoji)
        sticker.update({"is_animated": False, "is_video": False})
        return await self._post({"sticker": sticker})

    async def send_voice(self, data: bytes = b"OggS\x00", duration: int = 2) -> dict[str, Any]:
        """Send a voice note."""
        stored = self.server.store(data, None, "audio/ogg", "voice")
        stored.duration = duration  # a voice the bot sends on says as long as it is
        voice = stored.ref(duration=duration, mime_type="audio/ogg")
        return await self._post({"voice": voice})

    async def send_audio(self, data: bytes = b"ID3\x04", duration: int = 2,
                         file_name: str = "录音.mp3", mime_type: str = "audio/mpeg"
                         ) -> dict[str, Any]:
        """Send an audio file (a recording from the phone's recorder app, say)."""
        stored = self.server.store(data, file_name, mime_type, "audio")
        stored.duration = duration
        audio = stored.ref(duration=duration, file_name=file_name, mime_type=mime_type)
        return await self._post({"audio": audio})

    async def press(
        self,
        label: str,
        *,
        in_message: BotMessage | None = None,
        timeout: float = 10.0,
    ) -> str:
        """Press a button in this chat; return the callback answer's text ("" if none)."""
        return await press_button(self, self.chat, label, in_message, timeout)

    async def press_data(
        self,
        data: str,
        message: BotMessage | None = None,
        *,
        timeout: float = 10.0,
    ) -> str:
        """Send a callback query with arbitrary data on message (default: the newest one)."""
        target = message or self.last_message
        if target is None:
            raise AssertionError(f"{self.name} has no bot message to press on")
        return await self.callback(self._live(target), data, timeout)

    async def callback(self, message: BotMessage, data: str, within: float = 10.0) -> str:
        """Send the callback query and wait for the bot's answer."""
        answer = await self.server.callback(self, message, data, within)
        self.answers.append(answer)
        return str(answer.text)

    async def _post(self, fields: dict[str, Any], chat: ChatState | None = None) -> dict[str, Any]:
        """Deliver a message from this user into chat (default: the private chat)."""
        chat = chat or self.chat
        if chat.is_private and chat.blocked:
            raise AssertionError(f"{self.name} blocked the bot; call unblock() before sending")
        message = self.server.user_message(chat, self.tg_user, fields)
        await asyncio.sleep(0)
        found: dict[str, Any] = message
        return found


class FakeGroup(ChatView):
    """A group chat the bot is in; people write into it with send(user, text)."""

    def __init__(self, server: FakeBotApi, chat_id: int, title: str) -> None:
        """A group known to the server; use FakeBotApi.group() rather than this."""
        super().__init__(server, chat_id, title)
        self.title = title

    async def send(
        self, user: FakeUser, text: str, *, reply_to: BotMessage | None = None
    ) -> dict[str, Any] | None:
        """A message from user; None if privacy mode keeps it from the bot (as Telegram does)."""
        fields = text_fields(text)
        if reply_to is not None:
            fields["reply_to_message"] = self.server.message_object(self._live(reply_to))
        addressed = text.startswith("/") or f"@{self.server.username}".lower() in text.lower()
        if self.chat.privacy and not addressed and reply_to is None:
            return None
        return await user._post(fields, self.chat)

    async def press(
        self,
        user: FakeUser,
        label: str,
        *,
        in_message: BotMessage | None = None,
        timeout: float = 10.0,
    ) -> str:
        """user presses a button in this group; return the callback answer's text."""
        return await press_button(user, self.chat, label, in_message, timeout)

    def remove_bot(self, by: FakeUser | None = None) -> None:
        """Kick the bot: sending here now fails with 403."""
        self.chat.blocked = True
        self.server.membership_update(self.chat, by.tg_user if by else ADMIN, "kicked")

    def add_bot(self, by: FakeUser | None = None) -> None:
        """Add the bot back."""
        self.chat.blocked = False
        self.server.membership_update(self.chat, by.tg_user if by else ADMIN, "member")


def _caption(caption: str | None) -> dict[str, Any]:
    """Caption field of a media message, if any."""
    return {"caption": caption} if caption else {}


Button = tuple[int, dict[str, Any]]


def _pick(buttons: list[Button], label: str) -> Button | None:
    """The first (newest) button whose text equals label, else the first containing it."""
    for exact in (True, False):
        for message_id, button in buttons:
            text = str(button.get("text", ""))
            if (text == label) if exact else (label.lower() in text.lower()):
                return message_id, button
    return None


def _inline_buttons(messages: list[BotMessage]) -> list[Button]:
    """(message_id, button) for every inline button, newest message first."""
    found: list[Button] = []
    for message in reversed(messages):
        if message.deleted:
            continue
        for row in (message.reply_markup or {}).get("inline_keyboard") or []:
            found.extend((message.message_id, button) for button in row)
    return found


def _reply_buttons(chat: ChatState) -> list[Button]:
    """(source message_id, button) for the reply keyboard shown in chat."""
    if chat.reply_keyboard is None:
        return []
    message_id, markup = chat.reply_keyboard
    rows = markup.get("keyboard") or []
    return [(message_id, b if isinstance(b, dict) else {"text": b}) for r in rows for b in r]


async def press_button(
    user: FakeUser, chat: ChatState, label: str, in_message: BotMessage | None, within: float
) -> str:
    """Find the button labelled label (newest first) in chat and press it as user."""
    if in_message is not None:
        message = user._live(in_message)
        chosen = _pick(_inline_buttons([message]), label)
        if chosen is None:
            raise AssertionError(f"no button {label!r} on #{message.message_id}: {message.labels}")
        return await _press_inline(user, message, chosen[1], within)
    deadline = asyncio.get_running_loop().time() + within
    inline = _pick(_inline_buttons(chat.messages), label)
    reply = _pick(_reply_buttons(chat), label)
    # The bot may still be sending the message that carries the button: wait for it.
    while inline is None and reply is None and asyncio.get_running_loop().time() < deadline:
        await asyncio.sleep(0.02)
        inline = _pick(_inline_buttons(chat.messages), label)
        reply = _pick(_reply_buttons(chat), label)
    if reply is not None and (inline is None or reply[0] > inline[0]):
        return await _press_reply(user, chat, reply[1])
    if inline is None:
        shown = [t for m in chat.messages if not m.deleted for t in m.labels]
        raise AssertionError(f"{user.name}: no button {label!r} in chat {chat.chat_id}: {shown}")
    target = chat.find(inline[0])
    assert target is not None
    return await _press_inline(user, target, inline[1], within)


async def _press_inline(
    user: FakeUser, message: BotMessage, button: dict[str, Any], within: float
) -> str:
    """Press an inline button: a callback query for callback_data buttons."""
    if "callback_data" not in button:
        kinds = sorted(set(button) - {"text"})
        raise AssertionError(f"button {button.get('text')!r} is not a callback button: {kinds}")
    return await user.callback(message, str(button["callback_data"]), within)


async def _press_reply(user: FakeUser, chat: ChatState, button: dict[str, Any]) -> str:
    """Press a reply keyboard button: send its text, contact or location."""
    if chat.reply_keyboard and chat.reply_keyboard[1].get("one_time_keyboard"):
        chat.reply_keyboard = None
    if button.get("request_contact"):
        await user.send_contact()
    elif button.get("request_location"):
        latitude, longitude = user.location
        await user._post({"location": {"latitude": latitude, "longitude": longitude}}, chat)
    else:
        await user._post(text_fields(str(button["text"])), chat)
    return ""
