"""A figure read in several queries inside `storage.figures.snapshot` (the digest's fold:
its marks of earlier months and of today's month, households, pairings) never sees a contact
corrected between two of them in both its old and its new period, or in neither."""

from __future__ import annotations

import sqlite3
from datetime import date
from pathlib import Path

from bot.domain import marks
from bot.domain.periods import PeriodKind
from storage import figures as figures_store
from storage.db import Database
from tests.marks_reading import read_marks

STAMP = "2024-01-01T00:00:00.000000+00:00"
TODAY = date(2026, 12, 1)


async def test_a_correction_while_the_digest_reads_is_counted_once(tmp_path: Path) -> None:
    """A call logged today is corrected to the last day of the quarter before while the
    digest is reading: the digest counts it once, where it was when its reading began."""
    db = await Database.open(tmp_path / "z.sqlite3")
    await db.close()
    writer = sqlite3.connect(db.path)
    with writer:
        writer.execute("INSERT INTO people (telegram_id, display_name, role, created_at, "
                       "updated_at) VALUES (7, '陈', 'worker', ?, ?)", (STAMP, STAMP))
        writer.execute("INSERT INTO households (id, name, category, created_at, updated_at) "
                       "VALUES (1, '王家', 'dibao', ?, ?)", (STAMP, STAMP))
        writer.execute("INSERT INTO pairings (household_id, worker_id, program_id, started_on, "
                       "created_at) VALUES (1, 7, 1, '2025-01-01', ?)", (STAMP,))
        writer.execute("INSERT INTO contacts (id, household_id, worker_id, kind, day, "
                       "created_at, updated_at) VALUES (1, 1, 7, 'call', '2026-12-01', ?, ?)",
                       (STAMP, STAMP))
    frame = marks.window(PeriodKind.QUARTER, TODAY, 8)
    column = marks.Column(("call", "visit"), 3, frame.number)
    reader = figures_store.connect(db.path)
    try:
        with figures_store.snapshot(reader):
            assert figures_store.programs(reader)  # the first read: the snapshot begins
            with writer:  # a worker corrects the day meanwhile
                writer.execute("UPDATE contacts SET day = '2026-09-30' WHERE id = 1")
            bits = read_marks(reader, [column], TODAY)[1]
        assert read_marks(reader, [column], TODAY)[1][0] >> (len(frame.periods) - 2) & 1, (
            "after the snapshot, the correction is seen")
    finally:
        reader.close()
        writer.close()
    running, last = len(frame.periods) - 1, len(frame.periods) - 2
    assert bits[0] == 1 << running, f"{bits[0]:b}: Q4 only, as the reading began"
    assert not bits[0] >> last & 1


async def test_an_open_figures_connection_does_not_keep_erased_words_on_disk(
        tmp_path: Path) -> None:
    """An export or /stats holds a figures connection open between its reads (writing the
    workbook, drawing): an erasure's compaction meanwhile still takes the erased words out of
    the file, at once (a snapshot held for the connection's life kept them there, and held
    the bot's lock for the whole busy timeout)."""
    secret = "13800138000-王秀英"
    db = await Database.open(tmp_path / "z.sqlite3")
    try:
        await db.write("INSERT INTO households (id, name, category, created_at, updated_at) "
                       "VALUES (1, ?, 'dibao', ?, ?)", (secret, STAMP, STAMP))
        await db.fetchall("PRAGMA wal_checkpoint(TRUNCATE)")  # the name is in the main file
        reader = figures_store.connect(db.path)
        try:
            assert figures_store.programs(reader) is not None  # a figure's read, done
            await db.write("UPDATE households SET name = '已删除' WHERE id = 1")
            await db.vacuum()
        finally:
            reader.close()
        assert secret.encode() not in db.path.read_bytes()
    finally:
        await db.close()
