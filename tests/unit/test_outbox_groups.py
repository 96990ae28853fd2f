"""Join notices to a coordinator: merged into few messages, and a burst drains as fast as it
queues (the gap between merged messages holds the group, not each message of it)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from telegram import Chat, Message

from bot.config import load_settings
from bot.delivery.outbox import MERGE_MAX, Outbox
from bot.delivery.pacing import Pacer
from bot.services.context import Services
from storage import outbox as store
from storage.db import Database
from tests.rig.stub_bot import DirectCalls
from tests.use_cases import catalog

NOW = datetime(2026, 11, 28, 4, 0, tzinfo=UTC)
COORDINATOR = 9001


class RecordingBot(DirectCalls):
    """Accepts every message and keeps its text."""

    def __init__(self) -> None:
        self.texts: list[str] = []

    async def send_message(self, chat_id: int, text: str, **kwargs: Any) -> Message:
        self.texts.append(text)
        return Message(len(self.texts), NOW, chat=Chat(chat_id, "private"), text=text)


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = await Database.open(tmp_path / "z.sqlite3")
    yield database
    await database.close()


def joins(first: int, count: int) -> list[store.Outgoing]:
    """Join notices as the invite use case queues them for one coordinator."""
    return [store.Outgoing(COORDINATOR, f"新社工 社工{n:03d} 加入了", lang="zh", group="join",
                           item={"line": f"· 社工{n:03d}"})
            for n in range(first, first + count)]


def named(texts: list[str]) -> set[str]:
    return {name for text in texts for name in re.findall(r"社工\d{3}", text)}


async def test_a_burst_of_joins_goes_out_merged_in_one_round(db: Database) -> None:
    services = Services(load_settings({"ZHONGFU_TIMEZONE": "Asia/Shanghai"}), db,
                        catalog(), clock=lambda: NOW)
    bot = RecordingBot()
    outbox = Outbox(services, bot, Pacer(per_chat_seconds=0.0))  # type: ignore[arg-type]
    burst = 2 * MERGE_MAX + 5
    await store.enqueue(db, joins(0, burst), NOW)

    assert await outbox.flush() == burst
    # Every name arrived, in as few messages as merging allows (three, not one of twenty
    # now and the rest a gap later each).
    assert named(bot.texts) == {f"社工{n:03d}" for n in range(burst)}
    assert len(bot.texts) == 3
    assert all("位新社工已通过邀请加入" in text for text in bot.texts)

    # Notices that keep coming wait for the group's gap, to be merged in turn.
    await store.enqueue(db, joins(burst, 3), NOW)
    assert await outbox.flush() == 0
    assert len(bot.texts) == 3
    assert (await store.depth(db)).waiting == 3
