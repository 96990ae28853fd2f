"""A fake Telegram Bot API server on aiohttp that refuses what Telegram refuses."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
import math
import mimetypes
import random
import re
import secrets
import socket
import time
from collections import defaultdict, deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

from aiohttp import ClientError, ClientSession, ClientTimeout, web

from bot.botapi.objects import (
    ApiError,
    BotMessage,
    CallbackAnswer,
    ChatState,
    StoredFile,
    Upload,
    bad,
    check_markup,
    decode_param,
    parse_caption,
    parse_text,
)
from bot.botapi.people import FakeGroup, FakeUser

__all__ = [
    "ApiError",
    "BotMessage",
    "CallbackAnswer",
    "FakeBotApi",
    "FakeGroup",
    "FakeUser",
    "Hold",
    "StoredFile",
    "scope_key",
]

log = logging.getLogger(__name__)

Params = dict[str, Any]
Handler = Callable[[Params], Awaitable[Any]]

SENDING = frozenset(
    {
        "sendMessage",
        "sendPhoto",
        "sendDocument",
        "sendVoice",
        "sendAudio",
        "sendMediaGroup",
        "sendLocation",
        "editMessageText",
        "editMessageReplyMarkup",
        "editMessageCaption",
    }
)
NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly the "
    "same as a current content and reply markup of the message"
)
QUERY_INVALID = "query is too old and response timeout expired or query ID is invalid"
CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
SCOPES = frozenset(
    {
        "default",
        "all_private_chats",
        "all_group_chats",
        "all_chat_administrators",
        "chat",
        "chat_administrators",
        "chat_member",
    }
)
DEFAULT_EXCLUDED_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
MAX_UPLOAD = 50 * 1024 * 1024
# Files Telegram sends back only as their own kind (sendVoice, sendAudio).
_SOUNDS = frozenset({"voice", "audio"})
_COMMAND_RE = re.compile(r"[a-z0-9_]{1,32}")


def scope_key(scope: dict[str, Any] | None = None) -> str:
    """Normalized JSON of a BotCommandScope (None means the default scope)."""
    scope = dict(scope or {"type": "default"})
    for name in ("chat_id", "user_id"):
        if isinstance(scope.get(name), str) and scope[name].lstrip("-").isdigit():
            scope[name] = int(scope[name])
    return json.dumps(scope, sort_keys=True, separators=(",", ":"))


@dataclass
class Hold:
    """Requests matching method and predicate wait unanswered until release()."""

    method: str
    predicate: Callable[[Params], bool] | None
    owner: FakeBotApi = field(repr=False)
    held: list[Params] = field(default_factory=list)
    _arrived: asyncio.Event = field(default_factory=asyncio.Event, repr=False)
    _released: asyncio.Event = field(default_factory=asyncio.Event, repr=False)

    def matches(self, method: str, params: Params) -> bool:
        """Whether this hold applies to a request."""
        if method != self.method or self._released.is_set():
            return False
        return self.predicate is None or bool(self.predicate(params))

    async def wait(self, params: Params) -> None:
        """Hold one request until release()."""
        self.held.append(params)
        self._arrived.set()
        await self._released.wait()

    async def reached(self, timeout: float = 10.0) -> Params:
        """Wait until a request is held; return the first held request's params."""
        try:
            await asyncio.wait_for(self._arrived.wait(), timeout)
        except TimeoutError:
            raise AssertionError(f"no {self.method} request held within {timeout} s") from None
        return self.held[0]

    def release(self) -> None:
        """Let held and future matching requests through."""
        self._released.set()
        if self in self.owner.holds:
            self.owner.holds.remove(self)


@dataclass
class _Query:
    """A callback query waiting for answerCallbackQuery."""

    query_id: str
    user_id: int
    answer: CallbackAnswer | None = None


class FakeBotApi:
    """The Bot API as the bot sees it, and the test's handle on everything it sent."""

    def __init__(
        self,
        token: str = "123456:TEST-token",
        username: str = "zhongfu_test_bot",
        *,
        first_name: str = "Zhongfu Test",
        messages_per_second: int | None = 30,
        group_messages_per_minute: int | None = 20,
        private_messages_per_window: tuple[int, float] | None = None,
        clock: Callable[[], float] = time.monotonic,
        host: str = "127.0.0.1",
    ) -> None:
        """Configure the bot identity and the flood limits (None disables a limit)."""
        self.token = token
        self.username = username
        self.bot_id = int(token.split(":", 1)[0])
        self.bot_user: dict[str, Any] = {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": first_name,
            "username": username,
        }
        self.messages_per_second = messages_per_second
        self.group_messages_per_minute = group_messages_per_minute
        # (count, seconds): at most count messages to one private chat in any such window,
        # as Telegram holds a chat to about one message a second (None: not enforced).
        self.private_messages_per_window = private_messages_per_window
        self.private_429s: dict[int, int] = defaultdict(int)
        self.clock = clock
        self.host = host
        self.port = 0
        self.calls: list[tuple[str, Params]] = []
        self.commands: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self.chats: dict[int, ChatState] = {}
        self.users: dict[int, FakeUser] = {}
        self.groups: dict[int, FakeGroup] = {}
        self.files: dict[str, StoredFile] = {}
        self.holds: list[Hold] = []
        self.flood_429s = 0
        # The most messages sent or tried within one sliding second (the 30/s limit is held
        # against it; above 30, the last ones were refused): how close a bot came to a 429.
        self.peak_per_second = 0
        self.chaos_errors = 0
        self.chaos_delays = 0
        self.webhook_url = ""
        self.webhook_secret = ""
        # Where webhook posts really go (the reverse proxy in front of the bot, in tests the
        # bot's ZHONGFU_LISTEN): the registered URL is https, the bot listens on http.
        self.webhook_target = ""
        self.webhook_retry = 0.2
        self.webhook_error: tuple[int, str] | None = None
        self.deliveries: list[tuple[int, int]] = []  # (update_id, HTTP status or 0)
        self.delivered: dict[int, dict[str, Any]] = {}  # updates the webhook answered 200
        self._delivery: asyncio.Task[None] | None = None
        self.confirmed_update_id = 0
        self.fetched_update_id = 0
        self.last_update_id = 0
        self._updates: list[dict[str, Any]] = []
        self._update_ids = itertools.count(1)
        self._file_ids = itertools.count(1)
        self._query_ids = itertools.count(1)
        self._group_ids = itertools.count(1)
        self._allowed_updates: list[str] = []
        self._queries: dict[str, _Query] = {}
        self._failures: dict[str, deque[ApiError]] = defaultdict(deque)
        self._chat_failures: dict[int, deque[ApiError]] = defaultdict(deque)
        self._chaos: tuple[float, float, float, random.Random] | None = None
        self._sent_all: deque[float] = deque()
        self._sent_chat: dict[int, deque[float]] = defaultdict(deque)
        self._poll_generation = 0
        self._pulse = asyncio.Event()
        # Waiters on one chat's messages wake only when that chat changes: with 200 people
        # waiting, waking all of them on every call kept the server's loop busy and made it
        # stamp arrivals in bunches (bench_updates.py).
        self._chat_pulses: dict[int, asyncio.Event] = {}
        self._closing = False
        self._runner: web.AppRunner | None = None
        self._methods = self._method_table()
        self._names = {name.lower(): name for name in self._methods}

    # ----- lifecycle -------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        """Bot API base URL for PTB / TELEGRAM_API_URL (the token is appended to it)."""
        return f"http://{self.host}:{self.port}/bot"

    @property
    def file_url(self) -> str:
        """Base file URL for PTB's base_file_url."""
        return f"http://{self.host}:{self.port}/file/bot"

    def env(self) -> dict[str, str]:
        """Environment variables pointing a bot process at this server."""
        return {"TELEGRAM_API_URL": self.base_url, "TELEGRAM_BOT_TOKEN": self.token}

    async def start(self) -> None:
        """Listen on a free port of host."""
        app = web.Application(client_max_size=MAX_UPLOAD + 1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
        await self._runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, 0))
        await web.SockSite(self._runner, sock).start()
        self.port = sock.getsockname()[1]
        self._closing = False

    async def stop(self) -> None:
        """Answer waiting long polls, release holds and stop listening."""
        self._closing = True
        await self._stop_delivery()
        for hold in list(self.holds):
            hold.release()
        self._notify(everyone=True)
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeBotApi:
        """Start the server."""
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Stop the server."""
        await self.stop()

    # ----- people and chats ------------------------------------------------------------------

    def user(
        self,
        user_id: int,
        first_name: str,
        *,
        language_code: str | None = "zh",
        phone: str | None = None,
        username: str | None = None,
        last_name: str | None = None,
        started: bool = True,
    ) -> FakeUser:
        """A person with a private chat with the bot (started=False: never pressed Start)."""
        if user_id in self.users:
            return self.users[user_id]
        person = FakeUser(self, user_id, first_name, language_code, phone, username, last_name)
        obj = {"id": user_id, "type": "private", "first_name": first_name}
        obj.update({k: v for k, v in (("last_name", last_name), ("username", username)) if v})
        self.chats[user_id] = ChatState(user_id, obj, started=started)
        self.users[user_id] = person
        return person

    def group(
        self, chat_id: int | None = None, title: str = "Group", *, privacy: bool = True
    ) -> FakeGroup:
        """A group the bot is a member of (ids starting -100 are supergroups)."""
        if chat_id is None:
            chat_id = -1001000000000 - next(self._group_ids)
        if chat_id in self.groups:
            return self.groups[chat_id]
        kind = "supergroup" if str(chat_id).startswith("-100") else "group"
        obj = {"id": chat_id, "type": kind, "title": title}
        self.chats[chat_id] = ChatState(chat_id, obj, privacy=privacy)
        self.groups[chat_id] = FakeGroup(self, chat_id, title)
        return self.groups[chat_id]

    def chat(self, chat_id: int) -> ChatState:
        """The state of a chat the test created."""
        return self.chats[chat_id]

    # ----- test helpers ----------------------------------------------------------------------

    def calls_to(self, method: str) -> list[Params]:
        """Params of every call of a method so far, in order."""
        name = self.method_name(method)
        return [params for called, params in self.calls if called == name]

    async def wait_for_call(
        self,
        method: str,
        timeout: float = 10.0,
        predicate: Callable[[Params], bool] | None = None,
    ) -> Params:
        """Wait for a call of method made from now on (matching predicate); return its params."""
        name, start = self.method_name(method), len(self.calls)

        def found() -> Params | None:
            for called, params in self.calls[start:]:
                if called == name and (predicate is None or predicate(params)):
                    return params
            return None

        if not await self.wait_until(lambda: found() is not None, timeout):
            seen = [called for called, _ in self.calls[start:]]
            raise AssertionError(f"{name} was not called within {timeout} s; calls since: {seen}")
        result = found()
        assert result is not None
        return result

    async def wait_fetched(
        self, update_id: int | None = None, timeout: float = 10.0
    ) -> None:
        """Wait until getUpdates has handed out update_id (default: the newest update)."""
        wanted = self.last_update_id if update_id is None else update_id
        if not await self.wait_until(lambda: self.fetched_update_id >= wanted, timeout):
            raise AssertionError(f"update {wanted} was not fetched within {timeout} s")

    def hold(self, method: str, predicate: Callable[[Params], bool] | None = None) -> Hold:
        """Keep matching requests unanswered until the returned hold is released."""
        hold = Hold(self.method_name(method), predicate, self)
        self.holds.append(hold)
        return hold

    def fail_next(
        self,
        method: str,
        code: int,
        description: str,
        *,
        retry_after: int | None = None,
        times: int = 1,
    ) -> None:
        """Answer the next `times` calls of method with this error instead."""
        queue = self._failures[self.method_name(method)]
        queue.extend(ApiError(code, description, retry_after) for _ in range(times))

    def chaos(self, *, errors: float, delays: float, delay: float, seed: int = 7) -> None:
        """A bad moment of Telegram's: of the sends, answer `errors` (a share) with 500 and
        hold `delays` for `delay` seconds (past the client's timeout) before delivering."""
        self._chaos = (errors, delays, delay, random.Random(seed))

    def calm(self) -> None:
        """Telegram behaves again."""
        self._chaos = None

    def fail_chat(self, chat_id: int, code: int, description: str, *,
                  retry_after: int | None = None, times: int = 1) -> None:
        """Answer the next `times` sends to one chat with this error instead."""
        queue = self._chat_failures[chat_id]
        queue.extend(ApiError(code, description, retry_after) for _ in range(times))

    def chat_recovers(self, chat_id: int | None = None) -> None:
        """Sends to this chat (every chat if None) succeed again: failures still queued by
        `fail_chat` are forgotten."""
        if chat_id is None:
            self._chat_failures.clear()
        else:
            self._chat_failures.pop(chat_id, None)

    def download(self, file_id: str) -> bytes:
        """Bytes of a stored file."""
        return self.files[file_id].data

    @property
    def pending_updates(self) -> list[dict[str, Any]]:
        """Updates not yet confirmed by the bot (fetched or not)."""
        return list(self._updates)

    def commands_for(
        self, scope: dict[str, Any] | None = None, language_code: str = ""
    ) -> list[dict[str, Any]]:
        """Commands set for a scope and language ([] if none)."""
        return self.commands.get((scope_key(scope), language_code), [])

    def method_name(self, method: str) -> str:
        """Canonical spelling of a Bot API method this server knows."""
        try:
            return self._names[method.lower()]
        except KeyError:
            raise ValueError(f"unknown Bot API method {method!r}") from None

    async def wait_until(self, condition: Callable[[], bool], within: float, *,
                         chat_id: int | None = None) -> bool:
        """Wait until condition() holds (re-checked on every change); False on timeout.

        With chat_id, condition() depends only on that chat's messages and edits: it is
        re-checked when they change (or the server stops), not on every call.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while not condition():
            remaining = deadline - loop.time()
            if remaining <= 0 or self._closing:
                return condition()
            if chat_id is None:
                pulse = self._pulse
            else:
                pulse = self._chat_pulses.setdefault(chat_id, asyncio.Event())
            try:
                async with asyncio.timeout(remaining):
                    await pulse.wait()
            except TimeoutError:
                return condition()
        return True

    def changed(self) -> None:
        """Wake everything waiting in wait_until (something outside the server changed)."""
        self._notify(everyone=True)

    # ----- used by people.py -----------------------------------------------------------------

    def push_update(self, kind: str, payload: dict[str, Any]) -> dict[str, Any] | None:
        """Queue an update for getUpdates (None if allowed_updates filters it out)."""
        if self._allowed_updates:
            if kind not in self._allowed_updates:
                return None
        elif kind in DEFAULT_EXCLUDED_UPDATES:
            return None
        self.last_update_id = next(self._update_ids)
        update = {"update_id": self.last_update_id, kind: payload}
        self._updates.append(update)
        self._notify()
        return update

    def user_message(
        self, chat: ChatState, sender: dict[str, Any], fields: dict[str, Any]
    ) -> dict[str, Any]:
        """Create an incoming message in chat and queue its update."""
        message_id = chat.next_id()
        message: dict[str, Any] = {"message_id": message_id, "date": int(time.time())}
        message.update({"chat": chat.obj, "from": sender, **fields})
        chat.incoming[message_id] = message
        if chat.is_private:
            chat.started = True
        self.push_update("message", message)
        return message

    def store(
        self, data: bytes, file_name: str | None, mime_type: str | None, folder: str
    ) -> StoredFile:
        """Keep a file and give it fresh ids and a download path."""
        number = next(self._file_ids)
        ext = mimetypes.guess_extension(mime_type) or "" if mime_type else ""
        if file_name and "." in file_name:
            ext = "." + file_name.rsplit(".", 1)[1]
        if folder == "photos" and not ext:
            ext = ".jpg"
        stored = StoredFile(
            file_id=f"BQACAg{number:04d}{secrets.token_hex(12)}",
            file_unique_id=f"AgAD{number:04d}",
            data=data,
            file_name=file_name,
            mime_type=mime_type,
            file_path=f"{folder}/file_{number}{ext}",
            folder=folder,
        )
        self.files[stored.file_id] = stored
        return stored

    def message_object(self, message: BotMessage) -> dict[str, Any]:
        """The Bot API Message object of a bot message in its current state."""
        chat = self.chats[message.chat_id]
        obj: dict[str, Any] = {"message_id": message.message_id, "date": message.date}
        obj.update({"chat": chat.obj, "from": self.bot_user})
        obj.update(self._content(message))
        if message.kind != "text" and message.plain:
            obj["caption"] = message.plain
            if message.entities:
                obj["caption_entities"] = message.entities
        if message.reply_markup and "inline_keyboard" in message.reply_markup:
            obj["reply_markup"] = message.reply_markup
        if message.edits:
            obj["edit_date"] = int(time.time())
        if message.media_group_id:
            obj["media_group_id"] = message.media_group_id
        if message.reply_to_message_id is not None:
            replied = chat.incoming.get(message.reply_to_message_id)
            obj["reply_to_message"] = replied or self._bare(chat, message.reply_to_message_id)
        return obj

    async def callback(
        self, presser: FakeUser, message: BotMessage, data: str, within: float
    ) -> CallbackAnswer:
        """Send a callback query for message and wait for the bot's answer."""
        query = _Query(str(4_000_000_000_000_000 + next(self._query_ids)), presser.id)
        self._queries[query.query_id] = query
        payload = {"id": query.query_id, "from": presser.tg_user}
        payload["message"] = self.message_object(message)
        payload.update({"chat_instance": str(abs(message.chat_id) * 7 + 1), "data": data})
        self.push_update("callback_query", payload)
        if not await self.wait_until(lambda: query.answer is not None, within):
            raise AssertionError(
                f"the bot did not answer {presser.first_name}'s callback query {data!r} "
                f"(message #{message.message_id}) within {within} s"
            )
        assert query.answer is not None
        return query.answer

    def membership_update(self, chat: ChatState, user: dict[str, Any], status: str) -> None:
        """Queue a my_chat_member update (the bot's status changed in chat)."""
        old = "member" if status == "kicked" else "kicked"
        payload: dict[str, Any] = {"chat": chat.obj, "from": user, "date": int(time.time())}
        payload["old_chat_member"] = self._member(old)
        payload["new_chat_member"] = self._member(status)
        self.push_update("my_chat_member", payload)

    def _member(self, status: str) -> dict[str, Any]:
        """A ChatMember object for the bot."""
        member: dict[str, Any] = {"user": self.bot_user, "status": status}
        return {**member, "until_date": 0} if status == "kicked" else member

    # ----- HTTP ------------------------------------------------------------------------------

    def _notify(self, chat_id: int | None = None, *, everyone: bool = False) -> None:
        """Wake what waits in wait_until without a chat, and those waiting on chat_id (or on
        any chat: everyone)."""
        self._pulse.set()
        self._pulse = asyncio.Event()
        if everyone:
            pulses = list(self._chat_pulses.values())
            self._chat_pulses.clear()
        else:
            found = self._chat_pulses.pop(chat_id, None) if chat_id is not None else None
            pulses = [found] if found is not None else []
        for pulse in pulses:
            pulse.set()

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        """Route /bot<token>/<method> and /file/bot<token>/<path>."""
        path = request.match_info["tail"]
        if path.startswith("file/bot"):
            return self._serve_file(path.removeprefix("file/bot"))
        token, _, method = path.removeprefix("bot").partition("/")
        if not path.startswith("bot") or not method:
            return _error(ApiError(404, "Not Found"))
        if token != self.token:
            return _error(ApiError(401, "Unauthorized"))
        name = self._names.get(method.lower())
        if name is None:
            return _error(ApiError(404, "Not Found"))
        try:
            result = await self._call(name, await _read_params(request))
        except ApiError as exc:
            log.debug("%s refused: %s", name, exc.description)
            return _error(exc)
        return web.json_response({"ok": True, "result": result})

    def _serve_file(self, rest: str) -> web.StreamResponse:
        """Serve a stored file's bytes by its file_path."""
        token, _, file_path = rest.partition("/")
        if token != self.token:
            return _error(ApiError(401, "Unauthorized"))
        for stored in self.files.values():
            if stored.file_path == file_path:
                return web.Response(body=stored.data, content_type="application/octet-stream")
        return _error(ApiError(404, "Not Found"))

    async def _call(self, name: str, params: Params) -> Any:
        """Record a call, apply holds and injected failures, then run the method."""
        self.calls.append((name, params))
        self._notify()
        for hold in list(self.holds):
            if hold.matches(name, params):
                await hold.wait(params)
        failures = self._failures.get(name)
        if failures:
            raise failures.popleft()
        if name in SENDING and self._chaos is not None:
            errors, delays, delay, rng = self._chaos
            roll = rng.random()
            if roll < errors:
                self.chaos_errors += 1
                raise ApiError(500, "Internal Server Error")
            if roll < errors + delays:
                self.chaos_delays += 1
                await asyncio.sleep(delay)
        if name in SENDING:
            chat_failures = self._chat_failures.get(_int(params, "chat_id", 0))
            if chat_failures:
                raise chat_failures.popleft()
        return await self._methods[name](params)

    # ----- checks ----------------------------------------------------------------------------

    def _target(self, params: Params, *, refuse: bool = True) -> ChatState:
        """The chat named by chat_id; 400 if unknown, 403 if blocked (when refuse)."""
        chat_id = params.get("chat_id")
        if chat_id is None or chat_id == "":
            raise bad("chat_id is empty")
        chat = self.chats.get(chat_id) if isinstance(chat_id, int) else None
        if chat is None:
            raise bad("chat not found")
        refusal = chat.refusal() if refuse else None
        if refusal is not None:
            raise refusal
        return chat

    def _throttle(self, chat: ChatState) -> None:
        """Apply the overall and per-group flood limits, counting this message."""
        now = self.clock()
        try:
            self._window(self._sent_all, now, 1.0, self.messages_per_second)
        finally:
            self.peak_per_second = max(self.peak_per_second, len(self._sent_all) + 1)
        if not chat.is_private:
            window = self._sent_chat[chat.chat_id]
            self._window(window, now, 60.0, self.group_messages_per_minute)
            window.append(now)
        elif self.private_messages_per_window is not None:
            count, span = self.private_messages_per_window
            window = self._sent_chat[chat.chat_id]
            try:
                self._window(window, now, span, count)
            except ApiError:
                self.private_429s[chat.chat_id] += 1
                raise
            window.append(now)
        self._sent_all.append(now)

    def _window(self, window: deque[float], now: float, span: float, limit: int | None) -> None:
        """Drop old entries of a sliding window; raise 429 if it is full."""
        while window and window[0] <= now - span:
            window.popleft()
        if limit is not None and len(window) >= limit:
            self.flood_429s += 1
            wait = max(1, math.ceil(window[0] + span - now))
            raise ApiError(429, f"Too Many Requests: retry after {wait}", retry_after=wait)

    def _reply_to(self, chat: ChatState, params: Params) -> int | None:
        """The id of the message replied to, checked to exist."""
        reply = params.get("reply_parameters") or {}
        message_id = reply.get("message_id", params.get("reply_to_message_id"))
        if message_id is None:
            return None
        if message_id in chat.incoming or chat.find(message_id):
            return int(message_id)
        if reply.get("allow_sending_without_reply") or params.get("allow_sending_without_reply"):
            return None
        raise bad("message to be replied not found")

    def _media(self, params: Params, name: str, folder: str) -> StoredFile:
        """The file to send: a fresh upload or a known file_id."""
        value = params.get(name)
        if isinstance(value, str) and value.startswith("attach://"):
            value = params.get(value.removeprefix("attach://"))
        if isinstance(value, Upload):
            if not value.data:
                raise bad("file must be non-empty")
            return self.store(value.data, value.filename, value.mime_type, folder)
        if isinstance(value, str) and value in self.files:
            known = self.files[value]
            # As Telegram: a voice note goes out only as a voice note, an audio file only as
            # an audio file.
            if _SOUNDS & {known.folder, folder} and known.folder != folder:
                raise bad("type of file mismatch")
            return known
        if isinstance(value, str) and value.startswith(("http://", "https://")):
            raise bad("failed to get HTTP URL content")
        if not value:
            raise bad(f"there is no {name} in the request")
        raise bad("wrong file identifier/HTTP URL specified")

    def _editable(self, chat: ChatState, params: Params) -> BotMessage:
        """The bot message an edit* call targets."""
        if "inline_message_id" in params:
            raise bad("message to edit not found")
        message_id = params.get("message_id")
        if not isinstance(message_id, int):
            raise bad("message identifier is not specified")
        if message_id in chat.incoming:
            raise bad("message can't be edited")
        message = chat.find(message_id)
        if message is None:
            raise bad("message to edit not found")
        return message

    def _deliver(self, chat: ChatState, message: BotMessage) -> dict[str, Any]:
        """Store a new bot message, wake waiters and return its Message object."""
        chat.record(message)
        self._notify(chat.chat_id)
        return self.message_object(message)

    def _edited(self, chat: ChatState, message: BotMessage) -> dict[str, Any]:
        """Record an edit, wake waiters and return the Message object."""
        chat.record_edit(message)
        self._notify(chat.chat_id)
        return self.message_object(message)

    def _content(self, message: BotMessage) -> dict[str, Any]:
        """The kind-specific fields of a Message object."""
        if message.kind == "text":
            text: dict[str, Any] = {"text": message.plain}
            return {**text, "entities": message.entities} if message.entities else text
        if message.kind == "location" and message.location:
            latitude, longitude = message.location
            return {"location": {"latitude": latitude, "longitude": longitude}}
        stored = self.files.get(message.file_id or "")
        if stored is None:
            return {}
        if message.kind == "photo":
            return {"photo": [stored.ref(width=1280, height=960)]}
        extra: dict[str, Any] = {"file_name": stored.file_name, "mime_type": stored.mime_type}
        if message.kind == "video":
            extra.update({"width": 640, "height": 480, "duration": 1})
        if message.kind in ("voice", "audio"):
            extra["duration"] = stored.duration
        return {message.kind: stored.ref(**{k: v for k, v in extra.items() if v})}

    def _bare(self, chat: ChatState, message_id: int) -> dict[str, Any]:
        """A minimal Message object for a replied-to bot message."""
        replied = chat.find(message_id)
        if replied is None:
            return {"message_id": message_id, "date": 0, "chat": chat.obj}
        obj = {"message_id": message_id, "date": replied.date, "chat": chat.obj}
        return {**obj, "from": self.bot_user, **self._content(replied)}

    # ----- methods ---------------------------------------------------------------------------

    def _method_table(self) -> dict[str, Handler]:
        """Canonical method name -> implementation."""
        return {
            "getMe": self._get_me,
            "getUpdates": self._get_updates,
            "sendMessage": self._send_message,
            "editMessageText": self._edit_text,
            "editMessageReplyMarkup": self._edit_markup,
            "editMessageCaption": self._edit_caption,
            "answerCallbackQuery": self._answer_callback,
            "sendPhoto": self._send_photo,
            "sendDocument": self._send_document,
            "sendVoice": self._send_voice,
            "sendAudio": self._send_audio,
            "sendMediaGroup": self._send_media_group,
            "sendLocation": self._send_location,
            "sendChatAction": self._send_chat_action,
            "deleteMessage": self._delete_message,
            "getFile": self._get_file,
            "setMyCommands": self._set_commands,
            "deleteMyCommands": self._delete_commands,
            "getMyCommands": self._get_commands,
            "setWebhook": self._set_webhook,
            "deleteWebhook": self._delete_webhook,
            "getWebhookInfo": self._webhook_info,
            "getChat": self._get_chat,
            "close": _true,
            "logOut": _true,
            "setChatMenuButton": _true,
            "setMyDescription": _true,
            "setMyShortDescription": _true,
            "setMyName": _true,
        }

    async def _get_me(self, params: Params) -> dict[str, Any]:
        """getMe."""
        return {
            **self.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    async def _get_chat(self, params: Params) -> dict[str, Any]:
        """getChat: a ChatFullInfo. As on Telegram, a user who never pressed Start is a chat
        the bot does not know (400 chat not found), and a group the bot was removed from
        answers 403."""
        chat_id = params.get("chat_id")
        chat = self.chats.get(chat_id) if isinstance(chat_id, int) else None
        if chat is None or (chat.is_private and not chat.started):
            raise bad("chat not found")
        if chat.blocked and not chat.is_private:
            refusal = chat.refusal()
            assert refusal is not None
            raise refusal
        return {**chat.obj, "accent_color_id": 0, "max_reaction_count": 11,
                "accepted_gift_types": {"unlimited_gifts": False, "limited_gifts": False,
                                        "unique_gifts": False,
                                        "premium_subscription": False,
                                        "gifts_from_channels": False}}

    async def _get_updates(self, params: Params) -> list[dict[str, Any]]:
        """getUpdates: confirm by offset, then long-poll for up to `timeout` seconds."""
        if self.webhook_url:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        self._confirm(_int(params, "offset", 0))
        if isinstance(params.get("allowed_updates"), list):
            self._allowed_updates = list(params["allowed_updates"])
        limit = min(max(_int(params, "limit", 100), 1), 100)
        self._poll_generation += 1
        generation = self._poll_generation
        await self.wait_until(
            lambda: bool(self._updates) or generation != self._poll_generation,
            max(_int(params, "timeout", 0), 0),
        )
        if generation != self._poll_generation:
            raise ApiError(
                409,
                "Conflict: terminated by other getUpdates request; "
                "make sure that only one bot instance is running",
            )
        batch = self._updates[:limit]
        if batch:
            self.fetched_update_id = max(self.fetched_update_id, batch[-1]["update_id"])
            self._notify()
        return batch

    def _confirm(self, offset: int) -> None:
        """Forget updates before offset (negative: keep only the last -offset)."""
        if offset < 0:
            dropped, self._updates = self._updates[:offset], self._updates[offset:]
        else:
            dropped = [u for u in self._updates if u["update_id"] < offset]
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
        if dropped:
            self.confirmed_update_id = max(self.confirmed_update_id, dropped[-1]["update_id"])

    async def _send_message(self, params: Params) -> dict[str, Any]:
        """sendMessage."""
        chat = self._target(params)
        parsed = parse_text(params)
        markup = check_markup(params.get("reply_markup"))
        reply_to = self._reply_to(chat, params)
        self._throttle(chat)
        message = BotMessage(chat.next_id(), chat.chat_id, "text", params["text"], parsed.text)
        message.entities, message.parse_mode = parsed.entities, params.get("parse_mode")
        message.reply_markup, message.reply_to_message_id = markup, reply_to
        return self._deliver(chat, message)

    async def _send_file(self, params: Params, kind: str, folder: str) -> dict[str, Any]:
        """sendPhoto / sendDocument / sendVoice / sendAudio."""
        chat = self._target(params)
        caption = parse_caption(params)
        markup = check_markup(params.get("reply_markup"))
        reply_to = self._reply_to(chat, params)
        stored = self._media(params, kind, folder)
        if len(stored.data) > (10 if kind == "photo" else 50) * 1024 * 1024:
            raise ApiError(413, "Request Entity Too Large")
        self._throttle(chat)
        message = self._file_message(chat, kind, stored, params.get("caption") or "", caption)
        message.parse_mode, message.reply_markup = params.get("parse_mode"), markup
        message.reply_to_message_id = reply_to
        return self._deliver(chat, message)

    def _file_message(
        self, chat: ChatState, kind: str, stored: StoredFile, raw: str, caption: Any
    ) -> BotMessage:
        """A new photo/document message (not yet recorded)."""
        message = BotMessage(chat.next_id(), chat.chat_id, kind, raw, caption.text)
        message.entities = caption.entities
        message.file_id, message.file_name = stored.file_id, stored.file_name
        message.mime_type, message.data = stored.mime_type, stored.data
        return message

    async def _send_photo(self, params: Params) -> dict[str, Any]:
        """sendPhoto."""
        return await self._send_file(params, "photo", "photos")

    async def _send_document(self, params: Params) -> dict[str, Any]:
        """sendDocument."""
        return await self._send_file(params, "document", "documents")

    async def _send_voice(self, params: Params) -> dict[str, Any]:
        """sendVoice: a voice note (a new upload or the file id of one a user sent)."""
        return await self._send_file(params, "voice", "voice")

    async def _send_audio(self, params: Params) -> dict[str, Any]:
        """sendAudio: an audio file (a new upload or the file id of one a user sent)."""
        return await self._send_file(params, "audio", "audio")

    async def _send_media_group(self, params: Params) -> list[dict[str, Any]]:
        """sendMediaGroup: 2-10 photos/videos or 2-10 documents, one message each."""
        chat = self._target(params)
        media = params.get("media")
        if not isinstance(media, list) or not 2 <= len(media) <= 10:
            raise bad("wrong number of media in the media group: must be 2-10")
        kinds = {item.get("type") for item in media if isinstance(item, dict)}
        if len(kinds) != 1 and ("document" in kinds or "audio" in kinds):
            raise bad("document can't be mixed with other media types")
        items = [self._group_item(params, item) for item in media]
        self._throttle(chat)
        group_id = str(10**17 + next(self._file_ids))
        results = []
        for kind, stored, raw, caption in items:
            message = self._file_message(chat, kind, stored, raw, caption)
            message.media_group_id = group_id
            results.append(self._deliver(chat, message))
        return results

    def _group_item(self, params: Params, item: Any) -> tuple[str, StoredFile, str, Any]:
        """Validate one InputMedia of a media group."""
        if not isinstance(item, dict) or item.get("type") not in ("photo", "document", "video"):
            raise bad("unsupported media type in the media group")
        caption = parse_caption(item)
        folder = "photos" if item["type"] == "photo" else "documents"
        stored = self._media({**params, "media": item.get("media")}, "media", folder)
        return str(item["type"]), stored, str(item.get("caption") or ""), caption

    async def _send_location(self, params: Params) -> dict[str, Any]:
        """sendLocation."""
        chat = self._target(params)
        lat, lon = params.get("latitude"), params.get("longitude")
        if not isinstance(lat, float | int) or not -90 <= lat <= 90:
            raise bad("wrong latitude")
        if not isinstance(lon, float | int) or not -180 <= lon <= 180:
            raise bad("wrong longitude")
        markup = check_markup(params.get("reply_markup"))
        self._throttle(chat)
        message = BotMessage(chat.next_id(), chat.chat_id, "location", location=(lat, lon))
        message.reply_markup = markup
        return self._deliver(chat, message)

    async def _send_chat_action(self, params: Params) -> bool:
        """sendChatAction."""
        self._target(params)
        if params.get("action") not in CHAT_ACTIONS:
            raise bad("wrong parameter action in request")
        return True

    async def _edit_text(self, params: Params) -> dict[str, Any]:
        """editMessageText (no reply_markup removes the inline keyboard, as on Telegram)."""
        chat = self._target(params)
        message = self._editable(chat, params)
        if message.kind != "text":
            raise bad("there is no text in the message to edit")
        parsed = parse_text(params)
        markup = _inline_only(params.get("reply_markup"))
        same = (parsed.text, parsed.entities) == (message.plain, message.entities)
        if same and markup == _inline_of(message):
            raise bad(NOT_MODIFIED)
        self._throttle(chat)
        message.text, message.plain, message.entities = params["text"], parsed.text, parsed.entities
        message.parse_mode, message.reply_markup = params.get("parse_mode"), markup
        return self._edited(chat, message)

    async def _edit_caption(self, params: Params) -> dict[str, Any]:
        """editMessageCaption."""
        chat = self._target(params)
        message = self._editable(chat, params)
        if message.kind in ("text", "location"):
            raise bad("there is no caption in the message to edit")
        caption = parse_caption(params)
        markup = _inline_only(params.get("reply_markup"))
        same = (caption.text, caption.entities) == (message.plain, message.entities)
        if same and markup == _inline_of(message):
            raise bad(NOT_MODIFIED)
        self._throttle(chat)
        message.text, message.plain = params.get("caption") or "", caption.text
        message.entities, message.parse_mode = caption.entities, params.get("parse_mode")
        message.reply_markup = markup
        return self._edited(chat, message)

    async def _edit_markup(self, params: Params) -> dict[str, Any]:
        """editMessageReplyMarkup."""
        chat = self._target(params)
        message = self._editable(chat, params)
        markup = _inline_only(params.get("reply_markup"))
        if markup == _inline_of(message):
            raise bad(NOT_MODIFIED)
        self._throttle(chat)
        message.reply_markup = markup
        return self._edited(chat, message)

    async def _delete_message(self, params: Params) -> bool:
        """deleteMessage (bot messages and incoming messages of the chat), as Telegram: only
        a message sent less than 48 hours ago."""
        chat = self._target(params, refuse=False)
        message_id = params.get("message_id")
        if not isinstance(message_id, int):
            raise bad("message to delete not found")
        incoming = chat.incoming.get(message_id)
        if incoming is not None:
            _deletable(int(incoming["date"]))
            del chat.incoming[message_id]
            return True
        message = chat.find(message_id)
        if message is None:
            raise bad("message to delete not found")
        _deletable(message.date)
        message.deleted = True
        self._notify(chat.chat_id)
        return True

    async def _answer_callback(self, params: Params) -> bool:
        """answerCallbackQuery: each query can be answered once."""
        query = self._queries.get(str(params.get("callback_query_id", "")))
        if query is None or query.answer is not None:
            raise bad(QUERY_INVALID)
        text = params.get("text") or ""
        if len(text) > 200:
            raise bad("MESSAGE_TOO_LONG")
        query.answer = CallbackAnswer(text, bool(params.get("show_alert")), params.get("url"))
        self._notify()
        return True

    async def _get_file(self, params: Params) -> dict[str, Any]:
        """getFile."""
        stored = self.files.get(str(params.get("file_id", "")))
        if stored is None:
            raise bad("invalid file_id")
        return stored.as_file()

    def _commands_key(self, params: Params) -> tuple[str, str]:
        """(normalized scope, language_code) of a *MyCommands call."""
        scope = params.get("scope") or {"type": "default"}
        if not isinstance(scope, dict) or scope.get("type") not in SCOPES:
            raise bad("can't parse BotCommandScope")
        if "chat" in scope["type"] and scope["type"] != "all_group_chats":
            self._target({"chat_id": scope.get("chat_id")}, refuse=False)
        return scope_key(scope), str(params.get("language_code") or "")

    async def _set_commands(self, params: Params) -> bool:
        """setMyCommands (an empty list deletes, as on Telegram)."""
        key = self._commands_key(params)
        commands = params.get("commands")
        if not isinstance(commands, list) or len(commands) > 100:
            raise bad("can't parse commands: expected an Array of at most 100 BotCommand")
        for command in commands:
            _check_command(command)
        if commands:
            self.commands[key] = [{"command": c["command"], "description": c["description"]}
                                  for c in commands]
        else:
            self.commands.pop(key, None)
        return True

    async def _delete_commands(self, params: Params) -> bool:
        """deleteMyCommands."""
        self.commands.pop(self._commands_key(params), None)
        return True

    async def _get_commands(self, params: Params) -> list[dict[str, Any]]:
        """getMyCommands."""
        return self.commands.get(self._commands_key(params), [])

    async def _set_webhook(self, params: Params) -> bool:
        """setWebhook (an empty url removes it); posting starts if webhook_target is set."""
        url = str(params.get("url") or "")
        if url and not url.startswith("https://"):
            raise bad("bad webhook: An HTTPS URL must be provided for webhook")
        secret = str(params.get("secret_token") or "")
        if secret and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", secret):
            raise bad("bad webhook: secret token contains unallowed characters")
        if params.get("drop_pending_updates"):
            self._updates.clear()
        if isinstance(params.get("allowed_updates"), list):
            self._allowed_updates = list(params["allowed_updates"])
        self.webhook_url = url
        self.webhook_secret = secret
        self._poll_generation += 1
        self._notify()
        await self._stop_delivery()
        if url:
            self._delivery = asyncio.create_task(self._deliver_updates())
        return True

    async def _delete_webhook(self, params: Params) -> bool:
        """deleteWebhook."""
        if params.get("drop_pending_updates"):
            self._updates.clear()
        self.webhook_url = ""
        self.webhook_secret = ""
        await self._stop_delivery()
        return True

    async def _webhook_info(self, params: Params) -> dict[str, Any]:
        """getWebhookInfo."""
        info: dict[str, Any] = {
            "url": self.webhook_url,
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }
        if self.webhook_url and self._allowed_updates:
            info["allowed_updates"] = self._allowed_updates
        if self.webhook_error is not None:
            info["last_error_date"], info["last_error_message"] = self.webhook_error
        return info

    # ----- webhook delivery ------------------------------------------------------------------

    async def post_update(self, update: dict[str, Any] | bytes, *, secret: str | None = None,
                          target: str | None = None) -> int:
        """POST one update (or raw bytes) to the bot's webhook as Telegram does; the status."""
        body = update if isinstance(update, bytes) else json.dumps(update).encode()
        headers = {"Content-Type": "application/json"}
        token = self.webhook_secret if secret is None else secret
        if token:
            headers["X-Telegram-Bot-Api-Secret-Token"] = token
        async with ClientSession(timeout=ClientTimeout(total=30)) as session, \
                session.post(target or self.webhook_target, data=body, headers=headers) as resp:
            await resp.read()
            return resp.status

    async def _deliver_updates(self) -> None:
        """Post queued updates one by one, oldest first; drop each once answered 200, else
        keep it, note the error and retry (as Telegram does)."""
        while self.webhook_url and not self._closing:
            if not self._updates or not self.webhook_target:
                await self.wait_until(lambda: bool(self._updates) and bool(self.webhook_target),
                                      1.0)
                continue
            update = self._updates[0]
            try:
                status = await self.post_update(update)
            except (ClientError, OSError, TimeoutError) as exc:
                status, reason = 0, f"Connection refused ({type(exc).__name__})"
            else:
                reason = f"Wrong response from the webhook: {status}"
            self.deliveries.append((update["update_id"], status))
            self._notify()
            if status == 200:
                self.delivered[update["update_id"]] = update
                if self._updates and self._updates[0] is update:
                    self._updates.pop(0)
                self.confirmed_update_id = max(self.confirmed_update_id, update["update_id"])
                self.fetched_update_id = max(self.fetched_update_id, update["update_id"])
                continue
            self.webhook_error = (int(time.time()), reason)
            await asyncio.sleep(self.webhook_retry)

    async def _stop_delivery(self) -> None:
        task, self._delivery = self._delivery, None
        if task is not None and task is not asyncio.current_task():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


async def _true(params: Params) -> bool:
    """Methods that only need to succeed."""
    return True


def _error(exc: ApiError) -> web.Response:
    """JSON error response with the matching HTTP status."""
    return web.json_response(exc.body(), status=exc.code)


def _int(params: Params, name: str, default: int) -> int:
    """An integer parameter or 400."""
    value = params.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int):
        raise bad(f"can't parse {name}")
    return value


def _inline_only(markup: Any) -> dict[str, Any] | None:
    """An edit's reply_markup: absent, or an inline keyboard."""
    checked = check_markup(markup)
    if checked is not None and "inline_keyboard" not in checked:
        raise bad("inline keyboard expected")
    return checked


def _inline_of(message: BotMessage) -> dict[str, Any] | None:
    """The inline keyboard currently attached to a message."""
    markup = message.reply_markup
    return markup if markup and "inline_keyboard" in markup else None


def _check_command(command: Any) -> None:
    """Validate one BotCommand."""
    if not isinstance(command, dict):
        raise bad("can't parse BotCommand")
    if not _COMMAND_RE.fullmatch(str(command.get("command", ""))):
        raise bad("BOT_COMMAND_INVALID")
    description = command.get("description")
    if not isinstance(description, str) or not 1 <= len(description.strip()) <= 256:
        raise bad("BOT_COMMAND_DESCRIPTION_INVALID")


async def _read_params(request: web.Request) -> Params:
    """Parameters from the query string and a form, multipart or JSON body."""
    raw: dict[str, Any] = dict(request.query)
    if request.can_read_body:
        if request.content_type == "application/json":
            body = await request.json()
            if not isinstance(body, dict):
                raise bad("request body must be a JSON object")
            raw.update(body)
        else:
            form = await request.post()
            for name, value in form.items():
                raw[name] = _upload(value) if isinstance(value, web.FileField) else value
    return {name: decode_param(name, value) for name, value in raw.items()}


def _upload(part: web.FileField) -> Upload:
    """A multipart file part as an Upload."""
    return Upload(part.filename, part.file.read(), part.content_type)


# Telegram deletes a message only within this long after it was sent.
DELETE_WINDOW = 48 * 3600


def _deletable(date: int) -> None:
    """Refuse, in Telegram's words, to delete a message sent 48 hours ago or more."""
    if int(time.time()) - date >= DELETE_WINDOW:
        raise bad("message can't be deleted for everyone")
