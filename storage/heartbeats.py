"""Heartbeats: when the running bot last heard from Telegram (a getUpdates answer) and last
ran its scheduler tick, for `zhongfu doctor` (read there with storage.inspect.heartbeat)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from storage.clock import to_db
from storage.db import Database

Beat = Literal["poll", "tick"]


async def record(db: Database, what: Beat, now: datetime) -> None:
    """Remember that `what` happened at `now`."""
    await db.write("INSERT INTO heartbeats (what, at) VALUES (?, ?) "
                   "ON CONFLICT (what) DO UPDATE SET at = excluded.at", (what, to_db(now)))
