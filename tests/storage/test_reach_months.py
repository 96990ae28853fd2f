"""The reach of a span (storage.figures.reach: the digest's coverage line, /stats' check):
households covered read from contact_months when the span is whole months of one year,
from the contacts otherwise. Either way it must be what the contacts themselves say."""

from __future__ import annotations

import random
import sqlite3
from collections.abc import AsyncIterator
from datetime import date, timedelta
from pathlib import Path

import pytest

from bot.domain import figures as fg
from storage import figures as figures_store
from storage.db import Database
from tests.storage.test_contact_months import KINDS, insert, seeded

HOUSEHOLDS = 12


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    # Households of different sizes: a wrong household counted shows in the people.
    database = await seeded(tmp_path / "z.sqlite3", HOUSEHOLDS,
                            "UPDATE households SET people_count = id")
    yield database
    await database.close()


def covered(conn: sqlite3.Connection, span: fg.Span) -> fg.Count:
    """Households with a contact (not deleted) dated in the span, and their people, counted
    in Python from every contact."""
    sizes = dict(conn.execute("SELECT id, people_count FROM households"))
    found = {household for household, day in conn.execute(
        "SELECT household_id, day FROM contacts WHERE deleted = 0")
        if span.start <= date.fromisoformat(day) <= span.end}
    return fg.Count(len(found), sum(sizes[h] for h in found))


def spans() -> list[fg.Span]:
    """Every month, quarter and year of 2026 as the presets give them, and spans that are not
    whole months (a week, a month but one day, months across the new year)."""
    days = [date(2026, 1, 15) + timedelta(days=30 * n) for n in range(12)]
    found = {fg.preset(name, day) for day in days
             for name in ("month", "quarter", "year", "last_month", "last_quarter")}
    found |= {fg.Span(date(2026, 10, 2), date(2026, 12, 31)),
              fg.Span(date(2026, 10, 1), date(2026, 12, 30)),
              fg.Span(date(2026, 11, 9), date(2026, 11, 15)),
              fg.Span(date(2025, 12, 1), date(2026, 1, 31))}
    return sorted(found, key=lambda s: (s.start, s.end))


async def test_the_households_covered_are_what_the_contacts_say(db: Database) -> None:
    """Contacts on the edges of months (the last day of one, the first of the next), some
    deleted, some moved to another day or household, some erased: each span's households
    covered and their people are those with a contact left in it."""
    rng = random.Random(16)
    write = sqlite3.connect(db.path)
    write.isolation_level = None
    edges = [date(2025, 12, 31), date(2026, 1, 1), date(2026, 3, 31), date(2026, 4, 1),
             date(2026, 9, 30), date(2026, 10, 1), date(2026, 12, 31), date(2027, 1, 1)]
    try:
        ids = [insert(write, rng.randrange(1, HOUSEHOLDS + 1), rng.choice(KINDS),
                      rng.choice(edges) if rng.random() < 0.5
                      else date(2026, 1, 1) + timedelta(days=rng.randrange(365)),
                      int(rng.random() < 0.2))
               for _ in range(60)]
        for target in rng.sample(ids, 10):
            write.execute("UPDATE contacts SET day = ?, household_id = ? WHERE id = ?",
                          (rng.choice(edges).isoformat(), rng.randrange(1, HOUSEHOLDS + 1),
                           target))
        for target in rng.sample(ids, 5):
            write.execute("DELETE FROM contacts WHERE id = ?", (target,))
    finally:
        write.close()
    read = figures_store.connect(db.path)
    try:
        every = spans()
        assert len(every) > 20
        seen: set[int] = set()
        for span in every:
            expected = covered(read, span)
            assert figures_store.reach(read, span).covered == expected, span
            seen.add(expected.households)
        # Spans that cover nobody, some and everyone with a contact: the test can tell.
        assert 0 in seen and len(seen) > 4
    finally:
        read.close()
