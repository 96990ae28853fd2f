"""The audit trail on a real SQLite file: append-only, filtered, newest first."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from storage import audit
from storage.db import Database

AT = datetime(2026, 11, 18, 2, 0, tzinfo=UTC)


async def test_entries_are_kept_newest_first_and_filtered(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "z.sqlite3")
    try:
        await audit.add(db, AT, 7, "view.household", "household", 3)
        async with db.transaction() as tx:
            await audit.record(tx, AT + timedelta(minutes=1), 9001, "household.edit",
                               "household", 3, {"old": {"address": "东门路1号"}})
        await audit.add(db, AT + timedelta(minutes=2), 7, "view.case", "report", 12)
        newest = await audit.entries(db)
        assert [e.action for e in newest] == ["view.case", "household.edit", "view.household"]
        assert newest[1].detail == {"old": {"address": "东门路1号"}}
        mine = await audit.entries(db, actor_id=7)
        assert [e.object_id for e in mine] == ["12", "3"]
        house = await audit.entries(db, object_type="household", object_id=3)
        assert [e.actor_id for e in house] == [9001, 7]
        window = await audit.between(db, AT, AT + timedelta(minutes=2))
        assert [e.action for e in window] == ["view.household", "household.edit"]
    finally:
        await db.close()


async def test_a_page_further_back_is_not_shifted_by_entries_written_since(
        tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "z.sqlite3")
    try:
        for n in range(5):
            await audit.add(db, AT + timedelta(minutes=n), 7, "view.household", "household", n)
        first = await audit.entries(db, limit=2)
        assert [e.object_id for e in first] == ["4", "3"]
        await audit.add(db, AT + timedelta(minutes=9), 9001, "view.audit", "audit", "a")
        further = await audit.entries(db, limit=2, before=first[-1].id)
        assert [e.object_id for e in further] == ["2", "1"]
        mine = await audit.entries(db, actor_id=7, limit=9, before=further[-1].id)
        assert [e.object_id for e in mine] == ["0"]
    finally:
        await db.close()


async def test_the_trail_cannot_be_changed_or_deleted(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "z.sqlite3")
    try:
        await audit.add(db, AT, 7, "view.household", "household", 3)
    finally:
        await db.close()
    conn = sqlite3.connect(tmp_path / "z.sqlite3")
    try:
        for statement in ("UPDATE audit SET actor_id = 8", "DELETE FROM audit"):
            with pytest.raises(sqlite3.DatabaseError, match="append-only"):
                conn.execute(statement)
        assert conn.execute("SELECT COUNT(*) FROM audit").fetchone()[0] == 1
    finally:
        conn.close()


async def test_names_of_more_objects_than_sqlite_binds_at_once(tmp_path: Path) -> None:
    """A year's trail exported names every object it mentions in one look: more ids than
    SQLite takes as bound variables (250,000 in Debian's build) must not fail the export."""
    db = await Database.open(tmp_path / "z.sqlite3")
    try:
        async with db.transaction() as tx:
            for n, name in ((100_000, "东门助学金"), (299_999, "爱心超市")):
                await tx.execute("INSERT INTO funds (id, name, created_at) VALUES (?, ?, ?)",
                                 (n, name, "2026-01-01T00:00:00+00:00"))
        ids = [str(n) for n in range(300_000)]
        found = await audit.names(db, "fund", ids)
        assert (found["100000"], found["299999"]) == ("东门助学金", "爱心超市")
        assert "300000" not in found and len(found) == len(
            await db.fetchall("SELECT id FROM funds"))
    finally:
        await db.close()
