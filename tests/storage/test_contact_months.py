"""contact_months (migration 0035): per household and year, the months with a contact of
each kind, kept by triggers. After any write to the contacts it must equal a recount of
the contacts themselves, and the digest's marks read from it must stop at today."""

from __future__ import annotations

import random
import sqlite3
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import aiosqlite
import pytest

from bot.domain import marks
from bot.domain.cadence import ContactKind, Rule
from bot.domain.periods import PeriodKind
from storage import contacts
from storage import figures as figures_store
from storage.db import Database
from storage.migrate import available, migrate
from tests.marks_reading import read_marks

STAMP = datetime(2025, 1, 1, tzinfo=UTC).isoformat(timespec="microseconds")
NOW = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
WORKER = 7001
KINDS = [kind.value for kind in ContactKind]
Masks = dict[tuple[int, int], tuple[int, int, int, int]]


def recount(conn: sqlite3.Connection) -> Masks:
    """The table as it should be, worked out in Python from every contact not deleted."""
    found: dict[tuple[int, int], list[int]] = {}
    for household, kind, day in conn.execute(
            "SELECT household_id, kind, day FROM contacts WHERE deleted = 0"):
        on = date.fromisoformat(day)
        found.setdefault((household, on.year), [0] * 4)[KINDS.index(kind)] |= (
            1 << (on.month - 1))
    return {key: (m[0], m[1], m[2], m[3]) for key, m in found.items()}


def table(conn: sqlite3.Connection) -> Masks:
    """contact_months as stored."""
    return {(h, y): (c, v, d, o) for h, y, c, v, d, o in conn.execute(
        "SELECT household_id, year, call, visit, deed, other FROM contact_months")}


def seed_people(conn: sqlite3.Connection, households: int) -> None:
    """A worker, a programme (a call a quarter) and households, each paired since 2024."""
    conn.execute("INSERT INTO people (telegram_id, display_name, role, created_at, "
                 "updated_at) VALUES (?, '陈', 'worker', ?, ?)", (WORKER, STAMP, STAMP))
    conn.execute("INSERT INTO programs (id, name, rules, active, created_at) VALUES "
                 "(9, '关爱', '[{\"kind\": \"call\", \"period\": \"quarter\"}]', 1, ?)",
                 (STAMP,))
    for h in range(1, households + 1):
        conn.execute("INSERT INTO households (id, name, category, created_at, updated_at) "
                     "VALUES (?, ?, 'dibao', ?, ?)", (h, f"住户{h}", STAMP, STAMP))
        conn.execute("INSERT INTO pairings (household_id, worker_id, program_id, started_on, "
                     "created_at) VALUES (?, ?, 9, '2024-01-01', ?)", (h, WORKER, STAMP))


def insert(conn: sqlite3.Connection, household: int, kind: str, day: date,
           deleted: int = 0) -> int:
    """One contact, written as a roster import or a backfill would: plain SQL."""
    cur = conn.execute(
        "INSERT INTO contacts (household_id, worker_id, kind, day, deleted, created_at, "
        "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (household, WORKER, kind, day.isoformat(), deleted, STAMP, STAMP))
    assert cur.lastrowid is not None
    return cur.lastrowid


async def seeded(path: Path, households: int, *more: str) -> Database:
    """A migrated database with `seed_people`'s worker, programme and households (and the
    statements in `more` after them)."""
    database = await Database.open(path)
    conn = sqlite3.connect(database.path)
    with conn:
        seed_people(conn, households)
        for statement in more:
            conn.execute(statement)
    conn.close()
    return database


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = await seeded(tmp_path / "z.sqlite3", 6)
    yield database
    await database.close()


def _day(rng: random.Random) -> date:
    """A day in 2025..2027: moves between years are common."""
    return date(2025, 1, 1) + timedelta(days=rng.randrange(365 * 3))


async def test_every_write_keeps_the_table_a_recount_of_the_contacts(db: Database) -> None:
    """Inserts (deleted ones too), edits moving a contact's day (within its month, to another
    month, another year), kind or household, soft deletes, undeletes and erasures, at
    random: after each, the table is exactly what the contacts say."""
    rng = random.Random(35)
    conn = sqlite3.connect(db.path)
    conn.isolation_level = None
    ids: list[int] = []
    moves = {"insert": 0, "day": 0, "year": 0, "kind": 0, "household": 0, "delete": 0,
             "undelete": 0, "erase": 0, "several": 0}
    try:
        for _ in range(800):
            op = rng.choice(list(moves)) if ids and rng.random() < 0.6 else "insert"
            moves[op] += 1
            if op == "insert":
                ids.append(insert(conn, rng.randrange(1, 7), rng.choice(KINDS), _day(rng),
                                  int(rng.random() < 0.1)))
                continue
            target = rng.choice(ids)
            if op == "day":
                conn.execute("UPDATE contacts SET day = ? WHERE id = ?",
                             (_day(rng).isoformat(), target))
            elif op == "year":
                conn.execute("UPDATE contacts SET day = printf('%04d', substr(day, 1, 4) + ?) "
                             "|| substr(day, 5) WHERE id = ?", (rng.choice([-1, 1]), target))
            elif op == "kind":
                conn.execute("UPDATE contacts SET kind = ? WHERE id = ?",
                             (rng.choice(KINDS), target))
            elif op == "household":
                conn.execute("UPDATE contacts SET household_id = ? WHERE id = ?",
                             (rng.randrange(1, 7), target))
            elif op in ("delete", "undelete"):
                conn.execute("UPDATE contacts SET deleted = ? WHERE id = ?",
                             (int(op == "delete"), target))
            elif op == "erase":
                conn.execute("DELETE FROM contacts WHERE id = ?", (target,))
                ids.remove(target)
            else:  # a merge or an import's correction: everything at once
                conn.execute("UPDATE contacts SET household_id = ?, day = ?, kind = ?, "
                             "deleted = 0 WHERE id = ?",
                             (rng.randrange(1, 7), _day(rng).isoformat(), rng.choice(KINDS),
                              target))
            assert table(conn) == recount(conn), (op, target)
        assert table(conn) == recount(conn)
        # Rows come and go: a household-year whose last contact left has no row.
        assert all(any(masks) for masks in table(conn).values())
        assert len(table(conn)) > 10
        # Many moves within one household-year and between them (a new contact aside).
        assert min(moves.values()) > 30, moves
    finally:
        conn.close()


async def test_the_bot_s_own_writes_keep_it(db: Database) -> None:
    """A contact logged, corrected to another year and kind, and deleted, through the
    storage calls the bot uses."""
    conn = sqlite3.connect(db.path)
    try:
        logged = await contacts.add(db, contacts.NewContact(
            1, WORKER, ContactKind.VISIT, date(2026, 3, 9)), NOW)
        other = await contacts.add(db, contacts.NewContact(
            1, WORKER, ContactKind.CALL, date(2026, 3, 20)), NOW)
        assert table(conn) == {(1, 2026): (1 << 2, 1 << 2, 0, 0)}
        assert await contacts.correct(db, logged.id, WORKER, now=NOW, day=date(2025, 12, 30),
                                      kind=ContactKind.DEED)
        assert table(conn) == {(1, 2026): (1 << 2, 0, 0, 0), (1, 2025): (0, 0, 1 << 11, 0)}
        assert await contacts.delete(db, other.id, WORKER, NOW)
        assert table(conn) == {(1, 2025): (0, 0, 1 << 11, 0)} == recount(conn)
    finally:
        conn.close()


async def test_the_migration_fills_it_from_the_contacts_there(tmp_path: Path) -> None:
    """A database of the version before: its contacts (deleted ones left out) are in the
    table once migrated, and the triggers keep it from then on."""
    path = tmp_path / "old.sqlite3"
    before = len(available()) - 1
    async with aiosqlite.connect(path, isolation_level=None) as aconn:
        assert await migrate(aconn, target=before) == before
    conn = sqlite3.connect(path)
    rng = random.Random(34)
    with conn:
        seed_people(conn, 5)
        for _ in range(300):
            insert(conn, rng.randrange(1, 6), rng.choice(KINDS), _day(rng),
                   int(rng.random() < 0.2))
    expected = recount(conn)
    conn.close()
    db = await Database.open(path)
    await db.close()
    conn = sqlite3.connect(path)
    try:
        assert table(conn) == expected
        assert len(expected) == 15  # every household in each of three years
        with conn:
            conn.execute("UPDATE contacts SET deleted = 1 WHERE household_id = 2")
        assert table(conn) == recount(conn)
        assert not [key for key in table(conn) if key[0] == 2]
    finally:
        conn.close()


async def test_the_marks_stop_at_today(db: Database) -> None:
    """A call later in today's month or in a later month is not counted; one earlier today's
    month, today, or in an earlier month of the running quarter is."""
    today = date(2026, 11, 20)
    frame = marks.window(PeriodKind.QUARTER, today, 8)  # 2024-Q4 .. 2026-Q4
    column = marks.column(Rule(ContactKind.CALL, PeriodKind.QUARTER), frame)
    running = 1 << 8
    conn = sqlite3.connect(db.path)
    with conn:
        insert(conn, 1, "call", date(2026, 11, 21))  # later this month
        insert(conn, 1, "call", date(2026, 12, 1))  # next month, same quarter
        insert(conn, 1, "visit", date(2027, 1, 5))  # next year
        insert(conn, 2, "call", date(2026, 11, 20))  # today
        insert(conn, 3, "visit", date(2026, 11, 1))  # this month, before today
        insert(conn, 4, "call", date(2026, 10, 31))  # earlier in the quarter
        insert(conn, 4, "call", date(2026, 11, 2))  # and this month: one bit, not two
        insert(conn, 5, "call", date(2024, 9, 30))  # before the window
        insert(conn, 5, "call", date(2024, 10, 1))  # its first period
        insert(conn, 5, "call", date(2025, 12, 31))  # 2025-Q4
        insert(conn, 6, "call", date(2026, 11, 3), deleted=1)  # deleted
    conn.close()
    read = figures_store.connect(db.path)
    try:
        found = read_marks(read, [column], today)
    finally:
        read.close()
    assert found == {1: (0,), 2: (running,), 3: (running,), 4: (running,),
                     5: (1 | 1 << 4,), 6: (0,)}


async def test_a_recount_reads_only_the_household_s_own_contacts(db: Database) -> None:
    """An edit or a deletion recounts its household-year through the view: SQLite must find
    that household's contacts by the index, not read every contact (at a million contacts a
    correction would take seconds and hold the write lock meanwhile)."""
    conn = sqlite3.connect(db.path)
    try:
        plan = [row[3] for row in conn.execute(
            "EXPLAIN QUERY PLAN SELECT * FROM contact_months_counted "
            "WHERE household_id = ? AND year = ?", (1, 2026))]
    finally:
        conn.close()
    assert any("SEARCH contacts USING INDEX contacts_household_day (household_id=?)" in step
               for step in plan), plan
    assert not any(step.startswith("SCAN contacts") for step in plan), plan


async def test_the_triggers_outlive_every_migration(db: Database) -> None:
    """After the last migration the three triggers are on `contacts` (a later migration that
    rebuilds the table drops them without a word; then new contacts would never reach the
    digest)."""
    conn = sqlite3.connect(db.path)
    try:
        triggers = {name for (name,) in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'contacts'")}
        views = {name for (name,) in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'view'")}
    finally:
        conn.close()
    assert {"contact_months_insert", "contact_months_update",
            "contact_months_delete"} <= triggers
    assert "contact_months_counted" in views
