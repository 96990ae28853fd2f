"""Sending many messages within Telegram's limits, and telling the caller what happened.

Telegram allows about 30 messages per second overall, about one per second to one chat and
20 per minute to one group. The `Pacer` hands out send slots that respect all three, so a
reminder run of a thousand workers goes out at close to the ceiling without a single 429.
If Telegram still answers 429 (another process sending too), every sender pauses for the
`retry_after` it names and the message is tried again. A person who blocked the bot
(403 Forbidden) is marked unreachable; a timeout or network error is left for the next run.
"""

from __future__ import annotations

import asyncio
import logging
import time
import warnings
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from telegram import Bot, InlineKeyboardMarkup, Message
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError, TimedOut

from storage import people
from storage.db import Database

log = logging.getLogger(__name__)

OVERALL_PER_SECOND = 28.0  # a little under Telegram's 30/s, leaving room for replies
PER_CHAT_SECONDS = 1.0
GROUP_PER_MINUTE = 20
RETRY_AFTER_ATTEMPTS = 3
MAX_RETRY_AFTER = 60.0  # longer waits are left to the next run


class Outcome(StrEnum):
    """What became of one message."""

    SENT = "sent"
    FORBIDDEN = "forbidden"  # blocked the bot or left the group: marked unreachable
    RETRY = "retry"  # timed out, network, flood wait too long: try again next run
    FAILED = "failed"  # refused (bad request, chat not found): retrying the same will not help


@dataclass(frozen=True)
class Result:
    """The outcome of one send, with the message Telegram returned (if sent)."""

    outcome: Outcome
    message: Message | None = None
    error: str = ""

    @property
    def ok(self) -> bool:
        """Whether the message was sent."""
        return self.outcome is Outcome.SENT


def is_group(chat_id: int) -> bool:
    """Group and channel ids are negative."""
    return chat_id < 0


@dataclass
class Pacer:
    """Decides when each message may leave: overall rate, per-chat spacing, group budget.

    It mirrors Telegram's own accounting: at most `per_second` dispatches in any sliding
    second (and no closer together than 1/per_second), one per `per_chat_seconds` to a
    chat, `group_per_minute` to a group in any sliding minute. Each sender checks at the
    moment it would send, after waking up, so a busy event loop cannot bunch messages
    beyond the limit (slots reserved in advance would all fire late, together).
    """

    per_second: float = OVERALL_PER_SECOND
    per_chat_seconds: float = PER_CHAT_SECONDS
    group_per_minute: int = GROUP_PER_MINUTE
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
    _sent: deque[float] = field(default_factory=deque)
    _paused_until: float = 0.0
    _chat_last: dict[int, float] = field(default_factory=dict)
    _group_sent: dict[int, deque[float]] = field(default_factory=dict)
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    def _wait(self, chat_id: int, now: float) -> float:
        """Seconds until this chat may send (0: now)."""
        sent = self._sent
        while sent and sent[0] <= now - 1.0:
            sent.popleft()
        waits = [self._paused_until - now]
        if sent:
            waits.append(sent[-1] + 1.0 / self.per_second - now)
            if len(sent) >= int(self.per_second):
                waits.append(sent[0] + 1.0 - now)
        last = self._chat_last.get(chat_id)
        if last is not None:
            waits.append(last + self.per_chat_seconds - now)
        if is_group(chat_id):
            group = self._group_sent.setdefault(chat_id, deque())
            while group and group[0] <= now - 60.0:
                group.popleft()
            if len(group) >= self.group_per_minute:
                waits.append(group[0] + 60.0 - now)
        return max(0.0, *waits)

    async def slot(self, chat_id: int) -> None:
        """Wait until this chat may send, and count the message as sent now."""
        while True:
            async with self._lock:
                now = self.clock()
                wait = self._wait(chat_id, now)
                if wait <= 0:
                    self._sent.append(now)
                    self._chat_last[chat_id] = now
                    if is_group(chat_id):
                        self._group_sent[chat_id].append(now)
                    return
            await self.sleep(wait)

    def pause(self, seconds: float) -> None:
        """Telegram asked to wait: nothing leaves before now + seconds."""
        self._paused_until = max(self._paused_until, self.clock() + seconds)


def _seconds(value: float | timedelta | int) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


class Sender:
    """Sends text and photos through a pacer and classifies what went wrong."""

    def __init__(self, bot: Bot, db: Database, clock: Callable[[], datetime],
                 pacer: Pacer | None = None) -> None:
        self.bot = bot
        self.db = db
        self.clock = clock
        self.pacer = pacer or Pacer()
        self.sent = 0
        self.flood_waits = 0

    async def text(self, chat_id: int, text: str,
                   markup: InlineKeyboardMarkup | None = None) -> Result:
        """Send one HTML message."""
        return await self._send(chat_id, lambda: self.bot.send_message(
            chat_id, text, parse_mode=ParseMode.HTML, reply_markup=markup,
            disable_web_page_preview=True))

    async def photo(self, chat_id: int, png: bytes, caption: str | None = None) -> Result:
        """Send one PNG picture with an optional HTML caption (at most 1,024 characters)."""
        return await self._send(chat_id, lambda: self.bot.send_photo(
            chat_id, png, caption=caption, parse_mode=ParseMode.HTML))

    async def _send(self, chat_id: int, call: Callable[[], Awaitable[Message]]) -> Result:
        for _ in range(RETRY_AFTER_ATTEMPTS):
            await self.pacer.slot(chat_id)
            try:
                message = await call()
            except RetryAfter as exc:
                with warnings.catch_warnings():  # PTB 22 warns about the future timedelta type
                    warnings.simplefilter("ignore")
                    wait = _seconds(exc.retry_after)
                self.flood_waits += 1
                log.warning("flood limit towards %s: waiting %.0f s", chat_id, wait)
                if wait > MAX_RETRY_AFTER:
                    return Result(Outcome.RETRY, error=f"retry after {wait:.0f} s")
                self.pacer.pause(wait)
                continue
            except Forbidden as exc:
                if chat_id > 0:
                    await people.set_reachable(self.db, chat_id, False, self.clock())
                return Result(Outcome.FORBIDDEN, error=str(exc))
            except (TimedOut, NetworkError) as exc:  # TimedOut is a NetworkError
                return Result(Outcome.RETRY, error=f"{type(exc).__name__}: {exc}")
            except BadRequest as exc:
                log.warning("message to %s refused: %s", chat_id, exc)
                return Result(Outcome.FAILED, error=str(exc))
            except TelegramError as exc:
                return Result(Outcome.RETRY, error=f"{type(exc).__name__}: {exc}")
            self.sent += 1
            return Result(Outcome.SENT, message)
        return Result(Outcome.RETRY, error="flood limit")
