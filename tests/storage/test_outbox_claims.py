"""Claims on the outbox name their process; a dead process's claims are taken back at once."""

from __future__ import annotations

import subprocess
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.delivery import process_id
from storage import outbox
from storage.db import Database

NOW = datetime(2026, 11, 18, 2, 0, tzinfo=UTC)


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = await Database.open(tmp_path / "zf.sqlite3")
    yield database
    await database.close()


async def test_only_the_claims_of_processes_named_go_back_to_the_queue(db: Database) -> None:
    await outbox.enqueue(db, [outbox.Outgoing(9001, "一"), outbox.Outgoing(9002, "二")], NOW)
    [first] = await outbox.claim(db, NOW, limit=1, claimer="host:1:10")
    [second] = await outbox.claim(db, NOW, limit=1, claimer="host:2:20")
    assert (first.text, second.text) == ("一", "二")
    assert sorted(await outbox.claimers(db)) == ["host:1:10", "host:2:20"]
    assert await outbox.claim(db, NOW) == []  # both being sent, neither's lease over
    assert await outbox.take_back(db, ["host:1:10"]) == 1
    assert [q.text for q in await outbox.claim(db, NOW, claimer="host:3:30")] == ["一"]
    assert await outbox.take_back(db, []) == 0
    # The lease still covers a claim nobody took back (another host's, say).
    later = await outbox.claim(db, NOW + outbox.LEASE + timedelta(seconds=1), claimer="x:4:40")
    assert sorted(q.text for q in later) == ["一", "二"]


def test_a_process_is_gone_only_when_it_certainly_ended() -> None:
    me = process_id.this_process()
    assert not process_id.gone(me)
    child = subprocess.Popen(["sleep", "0.1"])
    host = me.rsplit(":", 2)[0]
    named = f"{host}:{child.pid}:{process_id._started(child.pid)}"
    assert not process_id.gone(named)
    child.wait()
    assert process_id.gone(named)
    pid, started = me.rsplit(":", 2)[1:]
    assert process_id.gone(f"{host}:{pid}:{int(started) + 1}")  # the pid reused by another
    assert not process_id.gone(f"another-host:{child.pid}:1")  # cannot tell: the lease decides
    assert not process_id.gone("garbage")
