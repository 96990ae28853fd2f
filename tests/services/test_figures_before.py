"""/stats' column "before" is the period a coordinator would ask /stats for: the previous
month, quarter or half year on the calendar, counted the same way on the same data."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from bot.domain import figures as fg
from bot.domain.people import Person, Role
from bot.services import figures as service
from storage.db import Database
from tests import figures_data as data
from tests.use_cases import services_for

D = date


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = await Database.open(tmp_path / "z.sqlite3")
    conn = sqlite3.connect(database.path)
    data.seed(conn)
    # On the first day of a period: the same length counted back from a shorter period after
    # it starts a day or more later, and misses it (or takes in the day before it).
    for hid, day in ((3, "2026-10-01"), (1, "2025-12-30"), (2, "2026-03-15")):
        conn.execute("INSERT INTO contacts (household_id, worker_id, kind, day, services, "
                     "people_reached, note, created_at, updated_at, deleted) "
                     "VALUES (?, ?, 'call', ?, ?, 1, '', ?, ?, 0)",
                     (hid, data.WORKER_A, day, json.dumps(["comfort"]), data.STAMP, data.STAMP))
    conn.commit()
    conn.close()
    yield database
    await database.close()


def coordinator(now: datetime) -> Person:
    return Person(9001, "x", None, "zh", Role.COORDINATOR, True, True, now, now)


@pytest.mark.parametrize(("today", "span", "previous"), [
    # November (30 days) after October (31)
    (D(2026, 11, 18), fg.preset("month", D(2026, 11, 18)), fg.preset("last_month",
                                                                      D(2026, 11, 18))),
    # 2027's Q1 (90 days) after 2026's Q4 (92)
    (D(2027, 1, 20), fg.preset("quarter", D(2027, 1, 20)), fg.preset("last_quarter",
                                                                     D(2027, 1, 20))),
    # a typed half year (184 days) after the first (181)
    (D(2027, 1, 20), fg.Span(D(2026, 7, 1), D(2026, 12, 31)),
     fg.Span(D(2026, 1, 1), D(2026, 6, 30))),
], ids=["month", "quarter", "half_year"])
async def test_the_column_before_is_stats_of_the_period_before(
        db: Database, today: date, span: fg.Span, previous: fg.Span) -> None:
    now = datetime(today.year, today.month, today.day, 2, 0, tzinfo=UTC)
    services = services_for(db, now)
    this = await service.stats(services, coordinator(now), span)
    before = (await service.stats(services, coordinator(now), previous)).now
    assert this.before.span == previous
    assert this.before == before
    assert before.contacts > 0
