"""The digest's marks as the fold reads them (storage.figures.fold_marks): contact_months'
months packed per household and column by SQLite, made into the periods' bits by numpy,
today's month from the contacts. They must be what the contacts themselves say, for every
kind of period and window length (windows too long to pack read as before)."""

from __future__ import annotations

import random
import sqlite3
from collections.abc import AsyncIterator, Sequence
from datetime import date, timedelta
from pathlib import Path

import pytest

from bot.domain import marks
from bot.domain.cadence import ContactKind, Rule
from bot.domain.periods import PeriodKind
from storage import figures as figures_store
from storage.db import Database
from tests.marks_reading import read_marks
from tests.storage.test_contact_months import KINDS, insert, seeded

HOUSEHOLDS = 8


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = await seeded(tmp_path / "z.sqlite3", HOUSEHOLDS)
    yield database
    await database.close()


def expected(conn: sqlite3.Connection, columns: Sequence[marks.Column], today: date
             ) -> dict[int, tuple[int, ...]]:
    """Per paired household and column, a bit per period of the window with a contact of
    the column's kinds (not deleted) dated in it up to today, counted from every contact."""
    found = {h: [0] * len(columns) for h in range(1, HOUSEHOLDS + 1)}
    for household, kind, text in conn.execute(
            "SELECT household_id, kind, day FROM contacts WHERE deleted = 0"):
        day = date.fromisoformat(text)
        if day > today:
            continue
        index = day.year * 12 + day.month - 1
        for n, column in enumerate(columns):
            number = index // column.months - column.first
            if kind in column.kinds and number >= 0:
                found[household][n] |= 1 << number
    return {h: tuple(bits) for h, bits in found.items()}


async def test_the_marks_are_what_the_contacts_say(db: Database) -> None:
    """Contacts of every kind over nine years (on the edges of months and years too, some
    deleted, some after today): each household's bits, for monthly, quarterly, half-yearly
    and yearly rules with windows of 1, 9 and 40 periods, as of days in different months."""
    rng = random.Random(4)
    conn = sqlite3.connect(db.path)
    with conn:
        for _ in range(400):
            day = date(2019, 1, 1) + timedelta(days=rng.randrange(365 * 9))
            if rng.random() < 0.3:  # a month's last or first day
                day = day.replace(day=1) - timedelta(days=rng.randrange(2))
            insert(conn, rng.randrange(1, HOUSEHOLDS + 1), rng.choice(KINDS), day,
                   int(rng.random() < 0.1))
    try:
        checked = 0
        for today in (date(2026, 11, 20), date(2026, 1, 1), date(2025, 6, 30),
                      date(2027, 12, 31)):
            for history in (0, 8, 39):
                columns = list(dict.fromkeys(
                    marks.column(Rule(kind, period), marks.window(period, today, history))
                    for period in PeriodKind for kind in ContactKind
                    if kind is not ContactKind.OTHER))
                want = expected(conn, columns, today)
                reader = figures_store.connect(db.path)
                try:
                    assert read_marks(reader, columns, today) == want, (today, history)
                finally:
                    reader.close()
                checked += sum(bin(bits).count("1") for row in want.values() for bits in row)
        assert checked > 1000  # periods met, in every kind of column
    finally:
        conn.close()
