"""Heartbeats: the running bot writes when Telegram last answered; doctor reads it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from storage import heartbeats
from storage.db import Database
from storage.inspect import heartbeat

AT = datetime(2026, 11, 18, 2, 0, tzinfo=UTC)


async def test_the_last_beat_is_kept_and_read_back(tmp_path: Path) -> None:
    path = tmp_path / "z.sqlite3"
    db = await Database.open(path)
    try:
        assert heartbeat(path, "poll") is None
        await heartbeats.record(db, "poll", AT)
        await heartbeats.record(db, "poll", AT + timedelta(minutes=1))
        await heartbeats.record(db, "tick", AT)
        assert heartbeat(path, "poll") == AT + timedelta(minutes=1)
        assert heartbeat(path, "tick") == AT
    finally:
        await db.close()


def test_a_schema_without_heartbeats_has_none(tmp_path: Path) -> None:
    import sqlite3

    path = tmp_path / "old.sqlite3"
    sqlite3.connect(path).close()
    assert heartbeat(path, "poll") is None
