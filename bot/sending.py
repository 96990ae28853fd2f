"""Sending many messages within Telegram's limits, and telling the caller what happened.

Telegram allows about 30 messages per second overall, about one per second to one chat and
20 per minute to one group. The `Pacer` hands out send slots that respect all three, so a
reminder run of a thousand workers goes out at close to the ceiling without a single 429.
If Telegram still answers 429 (another process sending too), every sender pauses for the
`retry_after` it names and the message is tried again. A person who blocked the bot
(403 Forbidden) is marked unreachable; a timeout or network error is left for the next run.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from telegram import Bot, InlineKeyboardMarkup, Message
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError, TimedOut

from bot.pacing import Pacer
from storage import people
from storage.db import Database

log = logging.getLogger(__name__)

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
