"""The digest's one-pass folds against the list-based figures they replaced, in a real SQLite
file seeded at random: several programmes (one ended), workers, communities on streets,
households without one, handovers, gaps between pairings, archived households, contacts
over three years (deleted ones too). Every figure the digest shows must be the same."""

from __future__ import annotations

import random
import sqlite3
from collections.abc import AsyncIterator, Sequence
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from bot.domain import coverage as cov
from bot.domain import digest as dg
from bot.domain import marks
from bot.domain.columns import Columns, Lane
from bot.services import digest as digests
from bot.services import obligations
from storage import figures as figures_store
from storage import pairings
from storage.db import Database
from tests import digest_oracle as oracle
from tests.marks_reading import read_marks

if TYPE_CHECKING:
    from bot.domain.columns import Ints

STAMP = datetime(2024, 1, 1, tzinfo=UTC).isoformat(timespec="microseconds")
WORKERS = {7001: "陈", 7002: "刘", 7003: "周", 7004: "吴", 7005: "郑", 7006: ""}
AREAS = {1: ("东门社区", 1), 2: ("翠竹社区", 1), 3: ("黄贝社区", 2), 4: ("南湖社区", None)}
STREETS = {1: "东门街道", 2: "黄贝街道"}
PROGRAMS = [  # id, name, rules, active
    (2, "关爱", '[{"kind": "call", "period": "month"}, {"kind": "visit", "period": "quarter"}]',
     1),
    (3, "旧项目", '[{"kind": "visit", "period": "quarter"}]', 0)]
FIRST = date(2024, 1, 1)
# Late in a quarter; early in a quarter, a half year and a year; mid-period; a month's end.
DAYS = [date(2026, 12, 1), date(2026, 10, 3), date(2027, 1, 4), date(2026, 5, 20),
        date(2026, 7, 20), date(2026, 3, 31)]


def seed(path: Path, rng: random.Random, households: int = 90, contacts: int = 1400) -> None:
    """Random households, pairings and contacts (plain sqlite3: fast, and any shape)."""
    conn = sqlite3.connect(path)
    with conn:
        conn.executemany("INSERT INTO streets (id, name, created_at) VALUES (?, ?, ?)",
                         [(k, name, STAMP) for k, name in STREETS.items()])
        conn.executemany("INSERT INTO areas (id, name, street_id, created_at) VALUES (?, ?, ?, ?)",
                         [(k, name, street, STAMP) for k, (name, street) in AREAS.items()])
        conn.executemany(
            "INSERT INTO people (telegram_id, display_name, role, created_at, updated_at) "
            "VALUES (?, ?, 'worker', ?, ?)", [(w, n, STAMP, STAMP) for w, n in WORKERS.items()])
        conn.executemany("INSERT INTO programs (id, name, rules, active, created_at) "
                         "VALUES (?, ?, ?, ?, ?)", [(*p, STAMP) for p in PROGRAMS])
        pairing_rows: list[tuple[object, ...]] = []
        for h in range(1, households + 1):
            area = rng.choice([*AREAS, None])
            conn.execute(
                "INSERT INTO households (id, name, area_id, category, archived, created_at, "
                "updated_at) VALUES (?, ?, ?, 'dibao', ?, ?, ?)",
                # Names repeat, so ties are broken by id as the digest does.
                (h, f"住户{h % 40}", area, int(rng.random() < 0.05), STAMP, STAMP))
            for program in [1, *([2] if rng.random() < 0.4 else []),
                            *([3] if rng.random() < 0.2 else [])]:
                pairing_rows += _tenures(rng, h, program)
        conn.executemany(
            "INSERT INTO pairings (household_id, worker_id, program_id, started_on, ended_on, "
            "created_at) VALUES (?, ?, ?, ?, ?, ?)", pairing_rows)
        _limits(conn, random.Random(rng.random()), households)
        span = (DAYS[2] - FIRST).days
        conn.executemany(
            "INSERT INTO contacts (household_id, worker_id, kind, day, deleted, created_at, "
            "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [(rng.randrange(1, households + 1), rng.choice(list(WORKERS)),
              rng.choice(["call", "call", "visit", "deed", "other"]),
              (FIRST + timedelta(days=rng.randrange(span))).isoformat(),
              int(rng.random() < 0.05), STAMP, STAMP) for _ in range(contacts)])
    conn.close()


CATEGORIES = ("dibao", "orphan", "unsupported_child", "elderly_alone")


def _limits(conn: sqlite3.Connection, rng: random.Random, households: int) -> None:
    """Households' categories (some none; some changed on a day: one ended, one begun), and
    programmes limited to some of them, by date: in force always, from a day on, until a day,
    and a limit that lapsed and came back."""
    conn.executemany(
        "INSERT INTO household_categories (household_id, category) VALUES (?, ?)",
        [(h, c) for h in range(1, households + 1)
         for c in rng.sample(CATEGORIES, rng.choice([0, 1, 1, 2]))])

    def day() -> str:
        return (FIRST + timedelta(days=rng.randrange(1100))).isoformat()

    a, b, c, d = sorted(day() for _ in range(4))
    conn.executemany(
        "INSERT INTO program_categories (program_id, category, since, until) "
        "VALUES (?, ?, ?, ?)",
        [(1, "orphan", "0001-01-01", None), (1, "dibao", a, c), (1, "elderly_alone", b, None),
         (2, "unsupported_child", a, b), (2, "unsupported_child", c, None),
         (2, "orphan", d, None), (3, "dibao", b, d)])
    changed = [(h, day(), rng.choice(CATEGORIES)) for h in range(1, households + 1)
               if rng.random() < 0.3]
    conn.executemany(
        "UPDATE household_categories SET until = ? WHERE household_id = ? AND category = "
        "(SELECT MIN(category) FROM household_categories WHERE household_id = ?)",
        [(on, h, h) for h, on, _ in changed])
    conn.executemany(
        "INSERT OR IGNORE INTO household_categories (household_id, category, since) "
        "VALUES (?, ?, ?)", [(h, category, on) for h, on, category in changed])


def _tenures(rng: random.Random, household: int, program: int) -> list[tuple[object, ...]]:
    """One household's pairings in a programme: one worker, a handover, or a gap."""
    start = FIRST + timedelta(days=rng.randrange(900))
    worker = rng.choice(list(WORKERS))
    shape = rng.random()
    if shape < 0.6:
        return [(household, worker, program, start.isoformat(), None, STAMP)]
    change = start + timedelta(days=rng.randrange(30, 400))
    after = change + timedelta(days=rng.randrange(90, 400)) if shape > 0.85 else change
    successor = rng.choice([w for w in WORKERS if w != worker])
    return [(household, worker, program, start.isoformat(), change.isoformat(), STAMP),
            (household, successor, program, after.isoformat(), None, STAMP)]


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = await Database.open(tmp_path / "z.sqlite3")
    seed(database.path, random.Random(16))
    yield database
    await database.close()


def by_street(item: dg.Item) -> str | None:
    """Group by the community's street, as the digest may one day."""
    street = next((s for name, s in AREAS.values() if name == item.area_name), None)
    return STREETS.get(street) if street else None


@pytest.mark.parametrize("today", DAYS, ids=str)
async def test_the_folds_show_what_the_lists_showed(db: Database, today: date) -> None:
    items = await obligations.everyone(db, today, history_periods=digests.HISTORY_PERIODS)
    names = WORKERS
    expected = oracle.build(items, today, names=names)
    active = {p.id for p in await pairings.programs(db)}
    folded = digests.fold_sync(db.path, today, active)
    found = folded.tally.result(names)
    assert folded.tally.workers == {i.worker_id for i in items}
    assert found.owed == len(items) > 0
    # Some of everything, or the comparison would prove little.
    assert expected.missed_count > 50 and len(expected.missed) == len(WORKERS)
    assert len(expected.longest) == 5 and len(expected.program_names) == 2
    assert found.missed_count == expected.missed_count
    # The list as far as the digest shows it (60), and every worker counted.
    assert found.missed == _first(expected.missed, digests.DIGEST_ITEMS)
    assert found.missed_by_worker == {w: len(group) for w, group in expected.missed}
    for mine, theirs in ((found.by_program, expected.by_program),
                         (found.by_program_rule, expected.by_program_rule),
                         (found.by_worker, expected.by_worker),
                         (found.by_area, expected.by_area)):
        assert list(mine.items()) == list(theirs.items())  # the order lines are printed in
    assert found.longest == expected.longest
    # Every household overdue, not only the five longest (gaps and handovers among them).
    assert dg.longest_overdue(items, today, 1000) == oracle.longest_overdue(items, today, 1000)
    assert found.program_names == expected.program_names
    assert found.last_periods == expected.last_periods
    assert folded.boards == oracle.boards(items, today)
    assert folded.trend == oracle.trend(items, today)
    streets = cov.PeriodTally(today, by_street)
    for item in items:
        streets.add(item)
    assert streets.boards() == oracle.boards(items, today, by_street)


def _first(groups: list[tuple[int, list[dg.Item]]], keep: int) -> list[tuple[int, list[dg.Item]]]:
    """The first `keep` items of a list grouped by worker, grouped the same way."""
    out: list[tuple[int, list[dg.Item]]] = []
    for worker, group in groups:
        if keep <= 0:
            break
        out.append((worker, group[:keep]))
        keep -= len(out[-1][1])
    return out


@pytest.mark.parametrize("keep", [3, 12, 10_000])
async def test_a_short_missed_list_keeps_the_first_and_counts_all(db: Database, keep: int
                                                                   ) -> None:
    today = DAYS[0]
    items = await obligations.everyone(db, today, history_periods=digests.HISTORY_PERIODS)
    expected = oracle.build(items, today, names=WORKERS, longest_limit=12)
    found = dg.build(items, today, names=WORKERS, longest_limit=12, missed_keep=keep)
    # What a list cut at `keep` shows, and no item made beyond it.
    assert found.missed == _first(expected.missed, keep)
    assert sum(len(group) for _, group in found.missed) == min(keep, expected.missed_count)
    if keep == 3:  # the first worker alone has more: the cut falls inside a group
        assert len(expected.missed[0][1]) > 3 and len(found.missed) == 1
    assert found.missed_by_worker == {w: len(group) for w, group in expected.missed}
    assert found.longest == expected.longest and len(found.longest) == 12
    # Listed in any order, the same figures.
    shuffled = list(items)
    random.Random(3).shuffle(shuffled)
    assert dg.build(shuffled, today, names=WORKERS) == replace(
        oracle.build(shuffled, today, names=WORKERS), owed=len(items),
        missed_by_worker=found.missed_by_worker)
    assert cov.boards(shuffled, today) == oracle.boards(shuffled, today)


@pytest.mark.parametrize("today", DAYS, ids=str)
async def test_the_marks_sqlite_sets_are_the_contacts_periods(db: Database, today: date
                                                              ) -> None:
    """storage.figures.fold_marks: a bit per period with a counting contact in it (deleted
    ones, those after today and those before the window left out), for every household."""
    conn = figures_store.connect(db.path)
    try:
        rules = [rule for program in figures_store.programs(conn) for rule in program.rules]
        frames = [marks.window(rule.period, today, digests.HISTORY_PERIODS) for rule in rules]
        columns = [marks.column(rule, frame) for rule, frame in zip(rules, frames, strict=True)]
        found = read_marks(conn, columns, today)
        expected = {household: [0] * len(columns) for household in found}
        for household, kind, day in conn.execute(
                "SELECT household_id, kind, day FROM contacts WHERE deleted = 0"):
            for n, frame in enumerate(frames):
                day_ = date.fromisoformat(day)
                if household in expected and kind in columns[n].kinds and day_ <= today:
                    expected[household][n] |= sum(1 << i for i, period in enumerate(frame.periods)
                                                  if day_ in period)
    finally:
        conn.close()
    assert {h: list(bits) for h, bits in found.items()} == expected
    assert sum(1 for bits in found.values() if any(bits)) > 50


async def owed_both_ways(db: Database, today: date) -> tuple[list[dg.Item], Columns]:
    """What is owed as the engine's rows (the definition) and as the digest's columns."""
    items = await obligations.everyone(db, today, history_periods=digests.HISTORY_PERIODS)
    active = {p.id for p in await pairings.programs(db)}
    conn = figures_store.connect(db.path)
    try:
        return items, obligations.owed_columns(conn, today, digests.HISTORY_PERIODS,
                                               program_ids=active)
    finally:
        conn.close()


@pytest.mark.parametrize("today", DAYS, ids=str)
async def test_the_columns_count_every_household_as_the_lists(db: Database, today: date
                                                              ) -> None:
    """Beyond what the digest shows: every household overdue, the missed list cut inside a
    worker's group or not cut at all, and boards grouped by street."""
    items, columns = await owed_both_ways(db, today)
    expected = oracle.build(items, today, names=WORKERS, longest_limit=1000)
    assert len(expected.longest) > 20  # handovers and gaps among them (see the fixture)
    for keep in (3, 12, None):
        tally = dg.DigestTally(today, missed_keep=keep, longest_limit=1000)
        tally.add_columns(columns)
        found = tally.result(WORKERS)
        assert found.longest == expected.longest
        assert found.missed == (expected.missed if keep is None
                                else _first(expected.missed, keep))
        assert found.missed_by_worker == {w: len(group) for w, group in expected.missed}
    streets = cov.PeriodTally(today, by_street)
    streets.add_columns(columns)
    assert streets.boards() == oracle.boards(items, today, by_street)
    assert streets.trend() == oracle.trend(items, today)


TIED = 240


def seed_ties(path: Path) -> None:
    """A roster imported in reverse: names descend as ids ascend (two households per name),
    nearly all paired on one go-live day with nothing logged, so they tie for the longest run;
    a few paired this month (not overdue), last year (shorter runs) or visited in 2025."""
    conn = sqlite3.connect(path)
    with conn:
        conn.execute("INSERT INTO people (telegram_id, display_name, role, created_at, "
                     "updated_at) VALUES (7001, '陈', 'worker', ?, ?)", (STAMP, STAMP))
        conn.executemany(
            "INSERT INTO households (id, name, area_id, category, created_at, updated_at) "
            "VALUES (?, ?, NULL, 'dibao', ?, ?)",
            [(h, f"住户{(TIED - h) // 2:04d}", STAMP, STAMP) for h in range(1, TIED + 1)])
        conn.executemany(
            "INSERT INTO pairings (household_id, worker_id, program_id, started_on, ended_on, "
            "created_at) VALUES (?, 7001, 1, ?, NULL, ?)",
            [(h, _paired_on(h), STAMP) for h in range(1, TIED + 1)])
        conn.executemany(
            "INSERT INTO contacts (household_id, worker_id, kind, day, deleted, created_at, "
            "updated_at) VALUES (?, 7001, 'visit', '2025-03-01', 0, ?, ?)",
            [(h, STAMP, STAMP) for h in range(1, TIED + 1) if h % 11 == 0])
    conn.close()


def _paired_on(household: int) -> str:
    """The go-live day for most; this month (nothing past owed) or last year for a few."""
    return ("2026-11-01" if household % 13 == 0 else "2025-06-01" if household % 17 == 0
            else "2020-01-01")


class CountingTally(dg.DigestTally):
    """A tally that counts the runs it makes from the columns (each scans every missed row:
    made for every household offered, the longest list costs households squared)."""

    made = 0

    def _run_of(self, columns: Columns, missed: Sequence[tuple[Lane, Ints]],
                found: Sequence[Ints], h: int) -> dg.Run:
        self.made += 1
        return super()._run_of(columns, missed, found, h)


@pytest.mark.parametrize("limit", [5, 40, 1000])
async def test_tied_households_named_in_reverse_make_only_the_runs_shown(
        tmp_path: Path, limit: int) -> None:
    today = DAYS[0]
    database = await Database.open(tmp_path / "z.sqlite3")
    try:
        seed_ties(database.path)
        items, columns = await owed_both_ways(database, today)
    finally:
        await database.close()
    tally = CountingTally(today, longest_limit=limit)
    tally.add_columns(columns)
    found = tally.result(WORKERS).longest
    expected = oracle.build(items, today, names=WORKERS, longest_limit=limit).longest
    assert found == expected == dg.longest_overdue(items, today, limit)
    overdue = len(dg.longest_overdue(items, today, 10_000))
    assert 150 < overdue < TIED  # some not overdue, some overdue for less
    assert len(found) == min(limit, overdue)
    if limit < overdue:  # the ones shown tie: the lowest names first, equal names by id
        assert len({o.days for o in found}) == 1
        assert [o.household_name for o in found] == sorted(o.household_name for o in found)
        assert found[0].household_id == TIED - 1 and found[1].household_id == TIED
    assert tally.made == len(found)  # a run made for each household shown, no other
