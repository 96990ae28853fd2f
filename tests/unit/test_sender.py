"""The one sending path: what it tries again and what it gives up on at once."""

from __future__ import annotations

import time
import warnings
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from telegram.error import BadRequest, NetworkError, RetryAfter, TelegramError, TimedOut

from bot.config import load_settings
from bot.delivery.pacing import Pacer
from bot.delivery.sender import RETRY_AFTER_ATTEMPTS, Outcome, Result, Sender
from bot.telegram.context import _sent
from storage.db import Database
from tests.rig.stub_bot import DirectCalls


class FlakyBot(DirectCalls):
    """A bot whose sends fail with the given errors, then succeed."""

    def __init__(self, *errors: Exception) -> None:
        self.errors = list(errors)
        self.calls = 0

    async def send_message(self, chat_id: int, text: str, **kwargs: Any) -> Any:
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        from telegram import Chat, Message
        return Message(self.calls, datetime.now(UTC), chat=Chat(chat_id, "private"), text=text)


@pytest.mark.parametrize(("errors", "outcome", "calls"), [
    ((BadRequest("Message text is empty"),), Outcome.FAILED, 1),   # never tried again
    ((TimedOut(), NetworkError("502 Bad Gateway")), Outcome.SENT, 3),  # transient: again
    ((), Outcome.SENT, 1),
])
async def test_refusals_are_final_and_network_failures_are_tried_again(
        tmp_path: Path, errors: tuple[Exception, ...], outcome: Outcome, calls: int) -> None:
    db = await Database.open(tmp_path / "z.sqlite3")
    try:
        bot = FlakyBot(*errors)
        sender = Sender(bot, db, lambda: datetime.now(UTC))  # type: ignore[arg-type]
        result = await sender.text(42, "hello", patience=10)
        assert (result.outcome, bot.calls) == (outcome, calls)
    finally:
        await db.close()


def flood(seconds: float) -> RetryAfter:
    """Telegram's 429: this chat waits `seconds`."""
    with warnings.catch_warnings():  # PTB 22 warns about the future timedelta type
        warnings.simplefilter("ignore")
        return RetryAfter(timedelta(seconds=seconds))


async def test_a_reply_flooded_again_and_again_raises_telegrams_flood_wait(
        tmp_path: Path) -> None:
    """A reply still refused for flood after its tries raises the RetryAfter (the error
    handler takes it as Telegram failing right now), never an AssertionError, and the last
    wait is not sat out only to give up after it."""
    db = await Database.open(tmp_path / "z.sqlite3")
    try:
        # Waits of half a second: a busy machine's hiccup cannot pass for a wait sat out.
        bot = FlakyBot(*(flood(0.5) for _ in range(RETRY_AFTER_ATTEMPTS)))
        sender = Sender(bot, db, lambda: datetime.now(UTC), reply=True)  # type: ignore[arg-type]
        began = time.monotonic()
        # As long as a handler tries a reply (a minute by default).
        result = await sender.text(42, "hello", patience=load_settings({}).reply_patience)
        took = time.monotonic() - began
        assert (result.outcome, bot.calls) == (Outcome.HELD, RETRY_AFTER_ATTEMPTS)
        assert isinstance(result.exception, RetryAfter) and result.retry_after == 0.5
        assert 0.5 * (RETRY_AFTER_ATTEMPTS - 1) <= took < 0.5 * RETRY_AFTER_ATTEMPTS
        with pytest.raises(RetryAfter):
            _sent(result)
    finally:
        await db.close()


async def test_the_flood_waits_of_one_reply_add_up_to_its_patience(tmp_path: Path) -> None:
    """Two 429s of 0.4 s with 0.6 s of patience: the second is more than is left, so the
    reply gives up after 0.4 s instead of waiting 0.8 s in all and sending."""
    db = await Database.open(tmp_path / "z.sqlite3")
    try:
        bot = FlakyBot(flood(0.4), flood(0.4))
        sender = Sender(bot, db, lambda: datetime.now(UTC), reply=True)  # type: ignore[arg-type]
        result = await sender.text(42, "hello", patience=0.6)
        assert (result.outcome, bot.calls) == (Outcome.HELD, 2)
        assert isinstance(result.exception, RetryAfter)
        bot = FlakyBot(flood(0.2), flood(0.2))  # within the patience: waited out, then sent
        sender = Sender(bot, db, lambda: datetime.now(UTC), reply=True)  # type: ignore[arg-type]
        result = await sender.text(42, "hello", patience=0.6)
        assert (result.outcome, bot.calls) == (Outcome.SENT, 3)
    finally:
        await db.close()


async def test_a_message_no_longer_wanted_after_a_flood_wait_is_not_sent(
        tmp_path: Path) -> None:
    """The caller's check is asked before each try, after the wait: a 429, then the check
    says no (the worker was taken off duty meanwhile): UNWANTED, and no second call."""
    db = await Database.open(tmp_path / "z.sqlite3")
    try:
        asked: list[bool] = []

        async def wanted() -> bool:
            asked.append(not asked)  # yes the first time, no after that
            return asked[-1]

        # Paced, as the reminder run and the digest send: the chat's flood wait is waited.
        pacer = Pacer(per_second=10_000, per_chat_seconds=0)
        bot = FlakyBot(flood(0.1))
        sender = Sender(bot, db, lambda: datetime.now(UTC), pacer)  # type: ignore[arg-type]
        result = await sender.text(42, "hello", wanted=wanted)
        assert (result.outcome, bot.calls, asked) == (Outcome.UNWANTED, 1, [True, False])

        async def still() -> bool:
            return True

        bot = FlakyBot(flood(0.1))  # still wanted: waited out and sent
        sender = Sender(bot, db, lambda: datetime.now(UTC), pacer)  # type: ignore[arg-type]
        result = await sender.text(42, "hello", wanted=still)
        assert (result.outcome, bot.calls) == (Outcome.SENT, 2)
    finally:
        await db.close()


def test_a_failed_reply_without_telegrams_error_still_raises_one() -> None:
    """Should a failure ever come without the exception, the handler still raises a
    TelegramError of its kind (a flood wait a RetryAfter), not an AssertionError."""
    with pytest.raises(RetryAfter):
        _sent(Result(Outcome.HELD, error="flood limit", retry_after=60.0))
    with pytest.raises(TelegramError, match="Bad Gateway"):
        _sent(Result(Outcome.RETRY, error="Bad Gateway"))
    assert _sent(Result(Outcome.FORBIDDEN)) is None


# Bot API methods that put something in a chat (python-telegram-bot's names).
SENDING_METHODS = {
    "send_message", "send_photo", "send_document", "send_location", "send_media_group",
    "send_video", "send_audio", "send_voice", "send_animation", "send_sticker", "send_venue",
    "send_contact", "copy_message", "copy_messages", "forward_message", "forward_messages",
    "edit_message_text", "edit_message_caption", "edit_message_reply_markup",
    "reply_text", "reply_html", "reply_photo", "reply_document", "reply_location",
    "edit_text", "edit_caption", "edit_reply_markup"}
# The sending path itself, and the fake Bot API and its demo users, which play Telegram.
OWN_SENDERS = ("delivery", "botapi", "demo")


def test_every_message_goes_through_the_sender() -> None:
    """No handler, job or service calls a sending method of the Bot (or of a Message)
    itself: those sends would be neither paced nor tried again. (`ctx.send_photo` and the
    like are Ctx's own, which go through the sender.)"""
    import ast

    root = Path(__file__).resolve().parents[2] / "bot"
    found: list[str] = []
    for path in sorted(root.rglob("*.py")):
        if path.relative_to(root).parts[0] in OWN_SENDERS:
            continue
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                    and node.func.attr in SENDING_METHODS \
                    and ast.unparse(node.func.value) not in ("ctx", "self"):
                found.append(f"{path.relative_to(root.parent)}:{node.lineno} "
                             f"{ast.unparse(node.func)}")
    assert found == []
