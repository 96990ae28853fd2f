"""One chat's outbox rows are claimed in the order they were queued: a row that may not go
out yet (a flood wait, a retry, a live claim sending it) holds back its chat's later rows,
and no other chat's; join notices, held back on purpose to be merged, hold back nobody."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from storage import outbox
from storage.db import Database

NOW = datetime(2026, 11, 18, 2, 0, tzinfo=UTC)
LATER = NOW + timedelta(seconds=30)
COORDINATOR, WORKER = 9001, 2001
JOINS = ("join",)


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = await Database.open(tmp_path / "zf.sqlite3")
    yield database
    await database.close()


async def texts(db: Database, at: datetime, claimer: str = "host:1:10") -> list[str]:
    """What a claim at `at` takes, in order."""
    return [q.text for q in await outbox.claim(db, at, claimer=claimer, unordered=JOINS)]


async def test_a_row_waiting_out_a_flood_wait_holds_back_its_chat_only(db: Database) -> None:
    await outbox.enqueue(db, [outbox.Outgoing(COORDINATOR, "卡片一")], NOW)
    [first] = await outbox.claim(db, NOW, unordered=JOINS)
    await outbox.release(db, [first.id], LATER)  # Telegram: retry after 30 s
    await outbox.enqueue(db, [outbox.Outgoing(COORDINATOR, "卡片二"),
                              outbox.Outgoing(WORKER, "给社工")], NOW)
    assert await texts(db, NOW) == ["给社工"]
    # The sender sleeps until the held row is due, not on the row behind it.
    assert await outbox.next_due(db, NOW, JOINS) == LATER
    assert await texts(db, LATER) == ["卡片一", "卡片二"]


async def test_a_row_to_be_retried_holds_back_its_chat(db: Database) -> None:
    await outbox.enqueue(db, [outbox.Outgoing(COORDINATOR, "卡片一", group="card:1")], NOW)
    [first] = await outbox.claim(db, NOW, unordered=JOINS)
    await outbox.mark_failed(db, [first.id], "NetworkError: Internal Server Error", LATER)
    await outbox.enqueue(db, [outbox.Outgoing(COORDINATOR, "卡片二", group="card:2")], NOW)
    assert await texts(db, NOW) == []
    assert await texts(db, LATER) == ["卡片一", "卡片二"]


async def test_a_row_another_live_process_is_sending_holds_back_its_chat(db: Database) -> None:
    await outbox.enqueue(db, [outbox.Outgoing(COORDINATOR, "一")], NOW)
    [first] = await outbox.claim(db, NOW, claimer="host:1:10")
    await outbox.enqueue(db, [outbox.Outgoing(COORDINATOR, "二")], NOW)
    assert await texts(db, NOW, claimer="host:2:20") == []  # a `zhongfu tick` beside the bot
    await outbox.mark_sent(db, [first.id], 1, NOW)
    assert await texts(db, NOW, claimer="host:2:20") == ["二"]


async def test_a_claim_past_its_lease_is_taken_over_with_the_rows_behind_it(
        db: Database) -> None:
    await outbox.enqueue(db, [outbox.Outgoing(COORDINATOR, "一")], NOW)
    await outbox.claim(db, NOW, claimer="other-host:1:10")
    await outbox.enqueue(db, [outbox.Outgoing(COORDINATOR, "二")], NOW)
    assert await texts(db, NOW) == []
    assert await texts(db, NOW + outbox.LEASE + timedelta(seconds=1)) == ["一", "二"]


async def test_join_notices_waiting_to_be_merged_hold_back_nobody(db: Database) -> None:
    await outbox.enqueue(db, [outbox.Outgoing(COORDINATOR, "新社工", group="join")], NOW)
    [notice] = await outbox.claim(db, NOW, unordered=JOINS)
    await outbox.release(db, [notice.id], LATER)  # the group's gap: merged with later joins
    await outbox.enqueue(db, [outbox.Outgoing(COORDINATOR, "新求助", group="card:1")], NOW)
    assert await texts(db, NOW) == ["新求助"]
    assert await outbox.next_due(db, NOW, JOINS) == LATER
