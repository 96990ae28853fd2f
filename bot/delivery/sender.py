"""Sending many messages within Telegram's limits, and telling the caller what happened.

This is the one path every message takes to Telegram: replies inside a handler, the outbox,
reminders and digests. The `Pacer` (bot/delivery/pacing.py) hands out send slots within
Telegram's limits. If Telegram still answers 429 for a chat, that chat alone waits the
`retry_after` it names (others go on) and the message is tried again. A person who blocked
the bot (403 Forbidden) is marked unreachable. A timeout, a network error or a 5xx is
transient: with `patience` the sender tries again with backoff for that long (a reply may be
delivered twice after a timeout, which is harmless; a lost question is not); without, it says
RETRY and the caller (the outbox, a reminder run) tries again later.
"""

from __future__ import annotations

import asyncio
import logging
import time
import warnings
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from telegram import (
    Bot,
    InlineKeyboardMarkup,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    EndPointNotFound,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.warnings import PTBUserWarning

from bot.delivery.keyboards import Keyboard
from bot.delivery.pacing import Pacer
from storage import people
from storage.db import Database

log = logging.getLogger(__name__)

# Texts, edits and button removals are made with `Bot.do_api_request` (see `Sender._call`),
# which PTB meant for methods it does not know yet and warns about for the ones it does.
warnings.filterwarnings("ignore", message=r"Please use 'Bot\.", category=PTBUserWarning)

ReplyMarkup = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove
NO_PREVIEW = {"is_disabled": True}  # no link preview under a message: the text is the message
# Asked right before each attempt, after any wait (the pace, a flood wait): whether the
# message is still to go out (its recipient may have lost the role it was written for).
Wanted = Callable[[], Awaitable[bool]]

RETRY_AFTER_ATTEMPTS = 3
MAX_RETRY_AFTER = 60.0  # longer waits are left to the next run
FIRST_BACKOFF = 0.5  # seconds before the first retry of a transient error; doubles each time
MAX_BACKOFF = 8.0
# A message that keeps failing transiently (network, timeout, 5xx, flood waits) is tried again
# until this long after it was queued: an outage of hours (a day, a weekend) loses nothing.
# Only a permanent refusal (blocked, chat not found, bad request) gives up sooner.
GIVE_UP_AFTER = timedelta(hours=48)


class Outcome(StrEnum):
    """What became of one message."""

    SENT = "sent"
    FORBIDDEN = "forbidden"  # blocked the bot or left the group: marked unreachable
    RETRY = "retry"  # timed out, network, flood wait too long: try again next run
    FAILED = "failed"  # refused (bad request, chat not found): retrying the same will not help
    HELD = "held"  # Telegram asked this chat to wait longer or more often than we wait here
    UNWANTED = "unwanted"  # the caller's check said no just before it went out: not sent


@dataclass(frozen=True, slots=True)
class Sent:
    """A message Telegram took: where it is, all the bot keeps of it."""

    chat_id: int
    message_id: int


@dataclass(frozen=True)
class Result:
    """The outcome of one send, with the message Telegram took (if sent)."""

    outcome: Outcome
    message: Sent | None = None
    error: str = ""
    retry_after: float = 0.0
    exception: TelegramError | None = None

    @property
    def ok(self) -> bool:
        """Whether the message was sent."""
        return self.outcome is Outcome.SENT

    @property
    def transient(self) -> bool:
        """Whether the failure may pass by itself (network, timeout, 5xx, flood wait): never
        a reason to give up before GIVE_UP_AFTER."""
        return self.outcome in (Outcome.RETRY, Outcome.HELD)


def _seconds(value: float | timedelta | int) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


class Sender:
    """Sends text and photos through a pacer and classifies what went wrong."""

    def __init__(self, bot: Bot, db: Database, clock: Callable[[], datetime],
                 pacer: Pacer | None = None, *, reply: bool = False) -> None:
        self.bot = bot
        self.db = db
        self.clock = clock
        self.pacer = pacer
        # A reply to the person acting: only the overall limit applies, and a flood wait is
        # waited out here (within the patience) rather than handed back.
        self.reply = reply
        self.sent = 0
        self.flood_waits = 0
        self.patience_left = 0.0
        # The outbox gives a held chat's messages back to the table instead of waiting
        # with them claimed; reminder runs wait (up to MAX_RETRY_AFTER) and try again.
        self.release_on_flood = False

    async def text(self, chat_id: int, text: str, markup: ReplyMarkup | Keyboard | None = None,
                   *, patience: float = 0.0, wanted: Wanted | None = None) -> Result:
        """Send one HTML message (if `wanted` still says yes as it goes out)."""
        params = {"chat_id": chat_id, "text": text, "parse_mode": ParseMode.HTML.value,
                  "link_preview_options": NO_PREVIEW, "reply_markup": markup}
        return await self._send(chat_id, lambda: self._call("sendMessage", params, chat_id),
                                patience=patience, wanted=wanted)

    async def photo(self, chat_id: int, png: bytes | str, caption: str | None = None, *,
                    patience: float = 0.0, wanted: Wanted | None = None) -> Result:
        """Send a picture (PNG bytes or a Telegram file id) with an optional HTML caption (if
        `wanted` still says yes as it goes out)."""
        return await self._send(chat_id, lambda: self._taken(chat_id, self.bot.send_photo(
            chat_id, png, caption=caption, parse_mode=ParseMode.HTML)), patience=patience,
            wanted=wanted)

    async def voice(self, chat_id: int, file_id: str, *, patience: float = 0.0) -> Result:
        """Send a voice note by its Telegram file id (one a resident sent the bot)."""
        return await self._send(chat_id, lambda: self._taken(
            chat_id, self.bot.send_voice(chat_id, file_id)), patience=patience)

    async def audio(self, chat_id: int, file_id: str, *, patience: float = 0.0) -> Result:
        """Send an audio file by its Telegram file id (one a resident sent the bot)."""
        return await self._send(chat_id, lambda: self._taken(
            chat_id, self.bot.send_audio(chat_id, file_id)), patience=patience)

    async def document(self, chat_id: int, data: bytes, filename: str,
                       caption: str | None = None, *, patience: float = 0.0) -> Result:
        """Send a file as a document."""
        return await self._send(chat_id, lambda: self._taken(chat_id, self.bot.send_document(
            chat_id, data, filename=filename, caption=caption, parse_mode=ParseMode.HTML)),
            patience=patience)

    async def location(self, chat_id: int, latitude: float, longitude: float, *,
                       patience: float = 0.0) -> Result:
        """Send a map pin."""
        return await self._send(chat_id, lambda: self._taken(chat_id, self.bot.send_location(
            chat_id, latitude, longitude)), patience=patience)

    async def drop_buttons(self, chat_id: int, message_id: int, *,
                           patience: float = 0.0) -> Result:
        """Remove a message's inline buttons (already gone counts as done)."""
        params = {"chat_id": chat_id, "message_id": message_id}
        return await self._send(chat_id, lambda: self._edited(
            "editMessageReplyMarkup", params, chat_id, message_id), patience=patience)

    async def delete(self, chat_id: int, message_id: int, *, patience: float = 0.0) -> Result:
        """Delete one of the bot's messages (Telegram refuses one older than 48 hours, or one
        already gone: FAILED, as any refusal)."""
        params = {"chat_id": chat_id, "message_id": message_id}
        return await self._send(chat_id, lambda: self._call(
            "deleteMessage", params, chat_id, message_id), patience=patience)

    async def edit(self, chat_id: int, message_id: int, text: str,
                   markup: InlineKeyboardMarkup | Keyboard | None = None, *,
                   patience: float = 0.0) -> Result:
        """Replace a message's text (and its buttons: none unless given)."""
        params = {"chat_id": chat_id, "message_id": message_id, "text": text,
                  "parse_mode": ParseMode.HTML.value, "link_preview_options": NO_PREVIEW,
                  "reply_markup": markup}
        return await self._send(chat_id, lambda: self._edited(
            "editMessageText", params, chat_id, message_id), patience=patience)

    async def answer(self, query_id: str, text: str | None = None, *,
                     alert: bool = False) -> None:
        """Answer a button press: its spinner stops, and a text shows over the chat (in a box
        to close, with `alert`). Unpaced: Telegram does not count it as a message."""
        await self._api("answerCallbackQuery", {
            "callback_query_id": query_id, "text": text, "show_alert": alert})

    async def _call(self, method: str, params: dict[str, Any], chat_id: int,
                    message_id: int | None = None) -> Sent:
        """Call a Bot API method that sends or changes a message; the message it names.

        The parameters go as the JSON the Bot API takes, through PTB's transport (its
        timeouts, and Telegram's refusals as PTB's errors), and only the message id is read
        back: `Bot.send_message` would make an object per parameter and a frozen `Message`
        of the answer (its sender, chat and every button) that nobody reads, six times the
        CPU of the call (bench/README.md). A None parameter is left out, as PTB leaves it.
        """
        answer = await self._api(method, params)
        if isinstance(answer, dict) and isinstance(answer.get("message_id"), int):
            return Sent(chat_id, answer["message_id"])
        if message_id is None:  # a send always names its message; nothing else is Telegram
            raise TelegramError(f"{method}: Telegram's answer names no message")
        return Sent(chat_id, message_id)

    async def _api(self, method: str, params: dict[str, Any]) -> Any:
        """`Bot.do_api_request`, with Telegram's refusal of the token kept as such: once the
        bot is initialised PTB reports a 401/404 there as a method the Bot API does not
        have, which would send an operator looking at TELEGRAM_API_URL instead."""
        try:
            return await self.bot.do_api_request(method, api_kwargs=params)
        except EndPointNotFound as exc:
            if isinstance(exc.__cause__, InvalidToken):
                raise exc.__cause__ from None
            raise

    async def _edited(self, method: str, params: dict[str, Any], chat_id: int,
                      message_id: int) -> Sent:
        """An edit; Telegram's "message is not modified" (it already reads so) is done."""
        try:
            return await self._call(method, params, chat_id, message_id)
        except BadRequest as exc:
            if "not modified" not in str(exc).lower():
                raise
        return Sent(chat_id, message_id)

    @staticmethod
    async def _taken(chat_id: int, sending: Awaitable[Message]) -> Sent:
        """A file sent with PTB's own method (it builds the upload), as the message it made."""
        return Sent(chat_id, (await sending).message_id)

    async def _send(self, chat_id: int, call: Callable[[], Awaitable[Sent]], *,
                    patience: float = 0.0, wanted: Wanted | None = None) -> Result:
        """Send once, or keep trying transient failures for up to `patience` seconds."""
        deadline = time.monotonic() + patience
        backoff = FIRST_BACKOFF
        while True:
            self.patience_left = max(0.0, deadline - time.monotonic())
            result = await self._attempt(chat_id, call, wanted)
            if result.outcome is not Outcome.RETRY:
                return result
            if time.monotonic() + backoff > deadline:
                return result
            log.info("send to %s failed (%s); again in %.1f s", chat_id, result.error, backoff)
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, MAX_BACKOFF)

    async def _paced(self, chat_id: int, call: Callable[[], Awaitable[Sent]],
                     wanted: Wanted | None = None) -> Sent | None:
        """Make the call when the pacer lets it go; it counts until a second after it returns.
        None, and no call, if `wanted` says no once the pacer lets it go."""
        if self.pacer is None:
            return await call() if wanted is None or await wanted() else None
        async with self.pacer.sending(chat_id, spacing=not self.reply):
            return await call() if wanted is None or await wanted() else None

    async def _attempt(self, chat_id: int, call: Callable[[], Awaitable[Sent]],
                       wanted: Wanted | None = None) -> Result:
        """Send, waiting out up to RETRY_AFTER_ATTEMPTS - 1 flood waits (within the patience
        when waited here); a HELD result carries Telegram's last RetryAfter; UNWANTED if
        `wanted` said no when the message was about to go."""
        tries = 0
        while True:
            tries += 1
            try:
                message = await self._paced(chat_id, call, wanted)
                if message is None:
                    return Result(Outcome.UNWANTED, error="not wanted")
            except RetryAfter as exc:
                with warnings.catch_warnings():  # PTB 22 warns about the future timedelta type
                    warnings.simplefilter("ignore")
                    wait = _seconds(exc.retry_after)
                self.flood_waits += 1
                log.warning("flood limit towards %s: that chat waits %.0f s", chat_id, wait)
                # The last flood wait allowed is not waited out only to give up after it.
                give_back = (self.release_on_flood or wait > MAX_RETRY_AFTER
                             or tries >= RETRY_AFTER_ATTEMPTS)
                waits_here = self.reply or self.pacer is None
                if give_back or (waits_here and wait > self.patience_left):
                    if self.pacer is not None and not self.reply:
                        self.pacer.hold(chat_id, wait)
                    return Result(Outcome.HELD, error=f"retry after {wait:.0f} s",
                                  retry_after=wait, exception=exc)
                if self.pacer is None or self.reply:
                    await asyncio.sleep(wait)
                    # Waits add up: a reply waits its patience in all, not at each 429.
                    self.patience_left = max(0.0, self.patience_left - wait)
                else:
                    # Only this chat waits: a 429 for one busy chat must not slow the others.
                    self.pacer.hold(chat_id, wait)
                continue
            except Forbidden as exc:
                if chat_id > 0:
                    await people.set_reachable(self.db, chat_id, False, self.clock())
                return Result(Outcome.FORBIDDEN, error=str(exc), exception=exc)
            # BadRequest is a NetworkError in python-telegram-bot: caught first, or a refused
            # message would be tried again as if the network had failed.
            except BadRequest as exc:
                log.warning("message to %s refused: %s", chat_id, exc)
                return Result(Outcome.FAILED, error=str(exc), exception=exc)
            except (TimedOut, NetworkError) as exc:  # TimedOut is a NetworkError
                return self._passing(exc)
            except TelegramError as exc:  # 5xx and anything else Telegram may say
                return self._passing(exc)
            self.sent += 1
            return Result(Outcome.SENT, message)

    def _passing(self, exc: TelegramError) -> Result:
        """A failure that may pass by itself (RETRY), counted by the pacer (Pacer.failures)."""
        if self.pacer is not None:
            self.pacer.failures += 1
        return Result(Outcome.RETRY, error=f"{type(exc).__name__}: {exc}", exception=exc)
