"""The shared connection: transactions do not interleave, updates intake is durable."""

from __future__ import annotations

import asyncio
import contextlib
import os
import sqlite3
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from storage import flows, updates
from storage.db import Database, transient_error

NOW = datetime(2026, 11, 28, 4, 0, tzinfo=UTC)


@pytest.fixture
async def db(tmp_path: Path):  # type: ignore[no-untyped-def]
    database = await Database.open(tmp_path / "z.sqlite3")
    yield database
    await database.close()


async def test_read_never_sees_another_coroutines_uncommitted_write(db: Database) -> None:
    started = asyncio.Event()

    async def writer_that_fails() -> None:
        async with db.transaction() as tx:
            await tx.execute("INSERT INTO areas (name, created_at) VALUES ('x', '2026')")
            started.set()
            await asyncio.sleep(0.2)
            raise RuntimeError("rolled back")

    task = asyncio.create_task(writer_that_fails())
    await started.wait()
    seen = await db.fetchval("SELECT COUNT(*) FROM areas")
    with pytest.raises(RuntimeError):
        await task
    assert seen == 0
    assert await db.fetchval("SELECT COUNT(*) FROM areas") == 0


async def test_updates_saved_once_and_replayed_until_done(db: Database) -> None:
    await updates.save(db, [(7, '{"update_id": 7}'), (8, '{"update_id": 8}')], NOW)
    await updates.save(db, [(8, '{"update_id": 8, "dup": true}')], NOW)
    assert await updates.next_offset(db) == 9
    assert [u.update_id for u in await updates.pending(db)] == [7, 8]
    # Stored to be handled at once: the first attempt is counted with the store.
    assert [u.attempts for u in await updates.pending(db)] == [1, 1]
    assert await updates.begin_attempt(db, 7) == 2  # a replay after a crash
    await updates.finish(db, 7, NOW)
    left = await updates.pending(db)
    assert [(u.update_id, u.payload) for u in left] == [(8, '{"update_id": 8}')]


async def test_prune_keeps_pending_and_the_offset(db: Database) -> None:
    await updates.save(db, [(1, "{}"), (2, "{}"), (3, "{}")], NOW - timedelta(days=10))
    await updates.finish(db, 1, NOW)
    await updates.finish(db, 3, NOW)
    assert await updates.prune(db, NOW - timedelta(days=7)) == 1
    assert await updates.next_offset(db) == 4
    assert [u.update_id for u in await updates.pending(db)] == [2]


async def test_an_update_is_superseded_only_by_a_newer_handled_one_of_its_chat(
        db: Database) -> None:
    await updates.save(db, [(1, "{}", 10), (2, "{}", 20), (3, "{}", 10), (4, "{}"),
                            (5, "{}")], NOW)
    await updates.finish(db, 2, NOW)  # another chat's: no bearing on chat 10
    assert await updates.superseded_by(db, 1) is None
    await updates.finish(db, 3, NOW)
    assert await updates.superseded_by(db, 1) == 3
    assert await updates.superseded_by(db, 3) is None  # nothing newer in its chat
    await updates.finish(db, 5, NOW)
    assert await updates.superseded_by(db, 4) is None  # no chat stored: never set aside so
    await updates.supersede(db, 1, NOW)
    await updates.supersede(db, 3, NOW)  # handled already: stays done
    with db_conn(db) as conn:
        states = dict(conn.execute("SELECT update_id, state FROM updates"))
    assert states == {1: "superseded", 2: "done", 3: "done", 4: "pending", 5: "done"}
    assert [u.update_id for u in await updates.pending(db)] == [4]


def test_passing_failures_are_told_from_lasting_ones(tmp_path: Path) -> None:
    path = tmp_path / "t.sqlite3"
    first = sqlite3.connect(path, isolation_level=None)
    first.execute("PRAGMA journal_mode = WAL")
    first.execute("CREATE TABLE t (x)")
    first.execute("PRAGMA max_page_count = 3")  # a database as full as a full disk
    full = _error(lambda: first.execute("INSERT INTO t VALUES (zeroblob(100000))"))
    assert "database or disk is full" in str(full) and transient_error(full) is full
    second = sqlite3.connect(path, isolation_level=None, timeout=0)
    first.execute("BEGIN IMMEDIATE")  # another process holds the write lock
    locked = _error(lambda: second.execute("BEGIN IMMEDIATE"))
    first.execute("ROLLBACK")
    assert "database is locked" in str(locked) and transient_error(locked) is locked
    try:
        raise RuntimeError("a use case wrapped it") from locked
    except RuntimeError as wrapped:
        assert transient_error(wrapped) is locked
    for lasting in (_error(lambda: first.execute("SELECT * FROM missing")),
                    _error(lambda: first.execute("INSERT INTO nothing VALUES (1)")),
                    ValueError("not SQLite"), None):
        assert transient_error(lasting) is None
    first.close()
    second.close()


def _error(statement: Callable[[], object]) -> sqlite3.Error:
    """The SQLite error a statement raises."""
    with pytest.raises(sqlite3.Error) as raised:
        statement()
    return raised.value


@contextlib.contextmanager
def db_conn(db: Database) -> Iterator[sqlite3.Connection]:
    """A second, plain connection to the same file."""
    conn = sqlite3.connect(db.path)
    try:
        yield conn
    finally:
        conn.close()


async def test_a_flow_is_never_saved_over_another_half_done(db: Database) -> None:
    await db_person(db, 5)
    log = await flows.put(db, 5, "log", "note", {"hid": 1}, NOW)
    assert await flows.put_unless_other(db, 5, "report", "category", {}, NOW) is None
    assert await flows.get(db, 5) == log  # the log, untouched
    later = await flows.put_unless_other(db, 5, "log", "wellbeing", {"hid": 1}, NOW, 9)
    assert later is not None and (later.step, later.last_update_id) == ("wellbeing", 9)
    await flows.clear(db, 5)
    fresh = await flows.put_unless_other(db, 5, "report", "category", {}, NOW)
    assert fresh is not None and fresh.name == "report"


async def test_flow_state_round_trip(db: Database) -> None:
    await db_person(db, 5)
    state = await flows.put(db, 5, "report", "description", {"text": "<&>"}, NOW)
    later = await flows.put(db, 5, "report", "subject", {"text": "x"}, NOW + timedelta(hours=1))
    assert later.started_at == state.started_at
    assert (await flows.get(db, 5)) == later
    assert await flows.clear(db, 5)
    assert await flows.get(db, 5) is None
    assert not await flows.clear(db, 5)


async def db_person(db: Database, telegram_id: int) -> None:
    from storage import people

    await people.touch(db, telegram_id, "someone", None, NOW, coordinator=False)


async def full_database(db: Database) -> None:
    """Make the file unable to grow by a page (as on a full disk), for this connection."""
    await db.vacuum()  # no free pages left inside the file
    pages = await db.fetchval("PRAGMA page_count")
    await db.fetchval(f"PRAGMA max_page_count = {int(pages)}")


async def test_the_write_probe_fails_on_a_full_database_and_leaves_nothing(
        db: Database, tmp_path: Path) -> None:
    from bot.services.health import health
    from storage.inspect import examine
    from tests.use_cases import services_for

    assert (await db.write_probe()).problem is None
    assert await db.fetchval("SELECT COUNT(*) FROM updates") == 0, "the probe's row is gone"
    await full_database(db)
    # A write that needs no page still passes: that was the old probe's blind spot.
    async with db.transaction() as tx:
        await tx.execute("UPDATE updates SET attempts = attempts WHERE 0")
    probe = await db.write_probe()
    assert probe.problem is not None and "full" in probe.problem
    assert probe.free_bytes is not None and probe.free_bytes > 0
    state = await health(services_for(db, NOW))
    assert state.as_json()["ok"] is False and state.as_json()["database_writable"] is False
    assert isinstance(state.as_json()["free_bytes"], int)
    assert examine(tmp_path / "z.sqlite3").writable, "another connection has no such limit"


async def test_a_nearly_full_disk_fails_the_probe(db: Database,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    from storage import probe

    monkeypatch.setattr(probe, "free_bytes", lambda _path: 100 * 1024)
    result = await db.write_probe()
    assert result.problem == "database or disk is full: 100 KiB free"


async def test_open_refuses_a_database_that_cannot_take_a_write(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from storage import probe
    from storage.db import DatabaseUnavailable

    path = tmp_path / "z.sqlite3"
    await (await Database.open(path)).close()
    monkeypatch.setattr(probe, "free_bytes", lambda _path: 4096)
    with pytest.raises(DatabaseUnavailable, match=r"is full or failing .*df -h"):
        await Database.open(path, create=False)


async def test_open_without_create_refuses_a_missing_file(tmp_path: Path) -> None:
    from storage.db import DatabaseUnavailable

    with pytest.raises(DatabaseUnavailable, match=r"no database at .*only `zhongfu run`"):
        await Database.open(tmp_path / "typo.sqlite3", create=False)
    with pytest.raises(DatabaseUnavailable, match="zhongfu creates no folders"):
        await Database.open(tmp_path / "no" / "such" / "z.sqlite3")
    assert os.listdir(tmp_path) == []
