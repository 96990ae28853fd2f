"""Data kept by the fake Bot API server and the checks Telegram applies to requests."""

from __future__ import annotations

import itertools
import json
import time
from dataclasses import dataclass, field, replace
from typing import Any

from bot.botapi.html import HtmlError, Parsed, parse_html, utf16_len

JSON_FIELDS = frozenset(
    {
        "reply_markup",
        "allowed_updates",
        "commands",
        "scope",
        "media",
        "entities",
        "caption_entities",
        "link_preview_options",
        "reply_parameters",
        "menu_button",
    }
)
INT_FIELDS = frozenset(
    {
        "chat_id",
        "message_id",
        "user_id",
        "offset",
        "limit",
        "timeout",
        "cache_time",
        "reply_to_message_id",
        "message_thread_id",
        "live_period",
        "max_connections",
    }
)
FLOAT_FIELDS = frozenset({"latitude", "longitude", "horizontal_accuracy"})
BOOL_FIELDS = frozenset(
    {
        "show_alert",
        "disable_notification",
        "protect_content",
        "drop_pending_updates",
        "allow_sending_without_reply",
        "disable_web_page_preview",
        "disable_content_type_detection",
    }
)
MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_DATA = 64


class ApiError(Exception):
    """A refusal to send back as {"ok": false, ...}."""

    def __init__(self, code: int, description: str, retry_after: int | None = None) -> None:
        """Keep the HTTP status, Telegram's description and an optional retry_after."""
        super().__init__(description)
        self.code = code
        self.description = description
        self.retry_after = retry_after

    def body(self) -> dict[str, Any]:
        """The JSON body Telegram would answer with."""
        body: dict[str, Any] = {"ok": False, "error_code": self.code}
        body["description"] = self.description
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


def bad(description: str) -> ApiError:
    """A 400 'Bad Request: ...' error."""
    return ApiError(400, f"Bad Request: {description}")


def decode_param(name: str, value: Any) -> Any:
    """Turn a form value (always a string) back into what the bot meant."""
    if not isinstance(value, str):
        return value
    try:
        if name in JSON_FIELDS:
            return json.loads(value)
        if name in INT_FIELDS:
            return int(value) if value.lstrip("-").isdigit() else value
        if name in FLOAT_FIELDS:
            return float(value)
    except ValueError:
        raise bad(f"can't parse {name}") from None
    if name in BOOL_FIELDS and value.lower() in ("true", "false"):
        return value.lower() == "true"
    return value


@dataclass
class Upload:
    """A file part of a multipart request."""

    filename: str
    data: bytes
    mime_type: str


@dataclass
class StoredFile:
    """A file known to the server, downloadable by the bot."""

    file_id: str
    file_unique_id: str
    data: bytes = field(repr=False)
    file_name: str | None = None
    mime_type: str | None = None
    file_path: str = ""
    duration: int = 1  # seconds, for a voice note or an audio file (as its sender said)
    # What kind of file Telegram takes it for ("voice", "audio", "photos", …): a voice note's
    # file id is refused to sendAudio and an audio file's to sendVoice.
    folder: str = ""

    def ref(self, **extra: Any) -> dict[str, Any]:
        """file_id, file_unique_id and file_size, plus extra fields (for PhotoSize etc.)."""
        ref: dict[str, Any] = {"file_id": self.file_id, "file_unique_id": self.file_unique_id}
        return {**ref, "file_size": len(self.data), **extra}

    def as_file(self) -> dict[str, Any]:
        """The Bot API File object (getFile)."""
        return {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": len(self.data),
            "file_path": self.file_path,
        }


@dataclass
class CallbackAnswer:
    """What the bot answered to a callback query."""

    text: str = ""
    show_alert: bool = False
    url: str | None = None


@dataclass
class BotMessage:
    """A message the bot sent, in its current state (or a snapshot of one state)."""

    message_id: int
    chat_id: int
    kind: str = "text"
    text: str = ""
    plain: str = ""
    entities: list[dict[str, Any]] = field(default_factory=list)
    parse_mode: str | None = None
    reply_markup: dict[str, Any] | None = None
    file_id: str | None = None
    file_name: str | None = None
    mime_type: str | None = None
    data: bytes | None = field(default=None, repr=False)
    location: tuple[float, float] | None = None
    media_group_id: str | None = None
    reply_to_message_id: int | None = None
    date: int = field(default_factory=lambda: int(time.time()))
    edits: int = 0
    deleted: bool = False

    @property
    def buttons(self) -> list[list[tuple[str, str | None]]]:
        """Inline keyboard rows as (text, callback_data or url)."""
        rows = (self.reply_markup or {}).get("inline_keyboard") or []
        return [[(b.get("text", ""), b.get("callback_data", b.get("url"))) for b in row]
                for row in rows]

    @property
    def reply_buttons(self) -> list[list[str]]:
        """Reply keyboard rows as labels."""
        rows = (self.reply_markup or {}).get("keyboard") or []
        return [[b if isinstance(b, str) else b.get("text", "") for b in r] for r in rows]

    @property
    def labels(self) -> list[str]:
        """All button labels, inline or reply, in reading order."""
        inline = [text for row in self.buttons for text, _ in row]
        return inline + [text for row in self.reply_buttons for text in row]

    @property
    def is_edit(self) -> bool:
        """Whether this snapshot shows an edited state."""
        return self.edits > 0

    def snapshot(self) -> BotMessage:
        """A copy that later edits will not change."""
        return replace(self, entities=list(self.entities))

    def describe(self) -> str:
        """One line for failure messages."""
        head = f"#{self.message_id}" + (f" (edit {self.edits})" if self.edits else "")
        body = repr(self.plain) if self.kind == "text" else f"[{self.kind}] {self.plain!r}"
        labels = f"  buttons={self.labels}" if self.labels else ""
        return f"{head} {body}{labels}"


@dataclass
class ChatState:
    """A chat the bot can write to: a user's private chat or a group."""

    chat_id: int
    obj: dict[str, Any]
    blocked: bool = False
    started: bool = True
    privacy: bool = True
    messages: list[BotMessage] = field(default_factory=list)
    events: list[BotMessage] = field(default_factory=list)
    incoming: dict[int, dict[str, Any]] = field(default_factory=dict)
    reply_keyboard: tuple[int, dict[str, Any]] | None = None
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    @property
    def type(self) -> str:
        """Telegram's chat type: private, group or supergroup."""
        return str(self.obj["type"])

    @property
    def is_private(self) -> bool:
        """Whether this is a one-to-one chat with a user."""
        return self.type == "private"

    def next_id(self) -> int:
        """Next message id in this chat (shared by users and the bot)."""
        return next(self._ids)

    def find(self, message_id: int) -> BotMessage | None:
        """The live, undeleted bot message with this id."""
        for message in self.messages:
            if message.message_id == message_id and not message.deleted:
                return message
        return None

    def record(self, message: BotMessage) -> None:
        """Store a new bot message and deliver it as an event."""
        self.messages.append(message)
        self.events.append(message.snapshot())
        markup = message.reply_markup or {}
        if "keyboard" in markup:
            self.reply_keyboard = (message.message_id, markup)
        elif markup.get("remove_keyboard"):
            self.reply_keyboard = None

    def record_edit(self, message: BotMessage) -> None:
        """Count an edit of a live message and deliver its new state as an event."""
        message.edits += 1
        self.events.append(message.snapshot())

    def refusal(self) -> ApiError | None:
        """The error for sending here while blocked or never started, if any."""
        if self.blocked and self.is_private:
            return ApiError(403, "Forbidden: bot was blocked by the user")
        if self.blocked:
            return ApiError(403, f"Forbidden: bot was kicked from the {self.type} chat")
        if not self.started:
            return ApiError(403, "Forbidden: bot can't initiate conversation with a user")
        return None


def formatted(
    text: str, parse_mode: str | None, entities: Any, limit: int, what: str
) -> Parsed:
    """Parse text per parse_mode and apply Telegram's length rule."""
    mode = (parse_mode or "").lower()
    if mode == "html":
        try:
            parsed = parse_html(text)
        except HtmlError as exc:
            raise bad(f"can't parse entities: {exc}") from None
    elif mode in ("", "markdown", "markdownv2"):
        body = text.strip()
        parsed = Parsed(body, list(entities) if isinstance(entities, list) and body else [])
    else:
        raise bad("unsupported parse_mode")
    if utf16_len(parsed.text) > limit:
        raise bad(f"{what} is too long")
    return parsed


def parse_text(params: dict[str, Any]) -> Parsed:
    """Validate a message text (sendMessage / editMessageText)."""
    text = params.get("text")
    if not isinstance(text, str) or not text.strip():
        raise bad("message text is empty")
    parsed = formatted(text, params.get("parse_mode"), params.get("entities"), MAX_TEXT, "message")
    if not parsed.text:
        raise bad("message text is empty")
    return parsed


def parse_caption(params: dict[str, Any]) -> Parsed:
    """Validate an optional media caption."""
    caption = params.get("caption")
    if not caption:
        return Parsed("", [])
    if not isinstance(caption, str):
        raise bad("can't parse caption")
    mode = params.get("parse_mode")
    return formatted(
        caption, mode, params.get("caption_entities"), MAX_CAPTION, "message caption"
    )


def check_markup(markup: Any) -> dict[str, Any] | None:
    """Validate reply_markup like Telegram; return it (None if absent)."""
    if markup is None or markup == "":
        return None
    if not isinstance(markup, dict):
        raise bad("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" in markup:
        _check_inline(markup["inline_keyboard"])
    elif "keyboard" in markup:
        _check_reply(markup["keyboard"])
    elif not (markup.get("remove_keyboard") or markup.get("force_reply")):
        raise bad("can't parse reply keyboard markup JSON object")
    return markup


def _rows(rows: Any, kind: str) -> list[list[Any]]:
    """Check that a keyboard is a list of lists with at most 100 buttons."""
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad(f"can't parse {kind} keyboard markup: field must be an Array of Arrays")
    if sum(len(row) for row in rows) > 100:
        raise bad("reply markup is too long")
    return rows


def _check_inline(rows: Any) -> None:
    """Check every inline button: text, exactly one action, callback_data size, url."""
    for row in _rows(rows, "inline"):
        for button in row:
            if not isinstance(button, dict) or not isinstance(button.get("text"), str):
                raise bad("can't parse inline keyboard button: Field \"text\" must be a String")
            if not button["text"].strip():
                raise bad("BUTTON_TEXT_EMPTY")
            _check_action(button)


def _check_action(button: dict[str, Any]) -> None:
    """Check the action part of one inline button."""
    if "callback_data" in button:
        data = button["callback_data"]
        if not isinstance(data, str) or not 1 <= len(data.encode()) <= MAX_CALLBACK_DATA:
            raise bad("BUTTON_DATA_INVALID")
    elif "url" in button:
        url = button["url"]
        if not isinstance(url, str) or not url.startswith(("http://", "https://", "tg://")):
            raise bad("BUTTON_URL_INVALID")
    elif not set(button) - {"text"}:
        raise bad(
            "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
        )


def _check_reply(rows: Any) -> None:
    """Check every reply keyboard button has a text."""
    for row in _rows(rows, "reply"):
        for button in row:
            text = button if isinstance(button, str) else (button or {}).get("text")
            if not isinstance(text, str) or not text.strip():
                raise bad("can't parse keyboard button: Field \"text\" must be of type String")
