"""The outbox's log while another program holds the database's write lock: one WARNING with
the reason when it begins, nothing more each round (the sender keeps trying by itself), and
one line when it recovers; what waited then goes out."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.config import load_settings
from bot.delivery.outbox import Outbox
from bot.delivery.pacing import Pacer
from bot.services.context import Services
from storage import db as storage_db
from storage import outbox as store
from storage.db import Database
from tests.unit.test_outbox_groups import NOW, RecordingBot
from tests.use_cases import catalog

WAIT_MS = 200  # the bot's busy timeout is 10 s; rounds that each wait it out take too long


@pytest.fixture
async def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Database]:
    monkeypatch.setattr(storage_db, "BUSY_TIMEOUT_MS", WAIT_MS)
    database = await Database.open(tmp_path / "z.sqlite3")
    yield database
    await database.close()


def said(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    """What the outbox logged at INFO or above."""
    return [r for r in caplog.records
            if r.name == "bot.delivery.outbox" and r.levelno >= logging.INFO]


async def test_a_held_lock_is_logged_once_then_its_end_once(
        db: Database, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    services = Services(load_settings({"ZHONGFU_TIMEZONE": "Asia/Shanghai"}), db,
                        catalog(), clock=lambda: NOW)
    bot = RecordingBot()
    outbox = Outbox(services, bot, Pacer(per_chat_seconds=0.0))  # type: ignore[arg-type]
    await store.enqueue(db, [store.Outgoing(9001, "新社工 社工001 加入了")], NOW)
    other = sqlite3.connect(tmp_path / "z.sqlite3", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another program holds the write lock
    sending = asyncio.create_task(outbox.run())
    try:
        # Rounds every busy timeout: several of them meet the lock.
        await asyncio.sleep(8 * WAIT_MS / 1000)
        assert bot.texts == []
        records = said(caplog)
        assert len(records) == 1, [r.getMessage() for r in records]
        assert records[0].levelno == logging.WARNING and records[0].exc_info is None
        assert "database is locked" in records[0].getMessage()
        assert "another program holds the database's write lock" in records[0].getMessage()

        other.execute("ROLLBACK")
        for _ in range(100):
            if bot.texts:
                break
            await asyncio.sleep(0.05)
        assert bot.texts == ["新社工 社工001 加入了"], "what waited goes out"
        records = said(caplog)
        assert len(records) == 2, [r.getMessage() for r in records]
        assert records[1].levelno == logging.WARNING and "recovered" in records[1].getMessage()
    finally:
        sending.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await sending
        other.close()
