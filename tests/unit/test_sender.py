"""The one sending path: what it tries again and what it gives up on at once."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from telegram.error import BadRequest, NetworkError, TimedOut

from bot.delivery.sender import Outcome, Sender
from storage.db import Database


class FlakyBot:
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
