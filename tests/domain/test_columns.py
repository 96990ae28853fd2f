"""The digest's columns (bot/domain/columns.py) hold what the cadence engine gives.

Households of one tenure are owed in bulk (columns.owed_runs), households of several one by
one (marks.Owing): for random pairings of every shape (test_marks' shapes, some cut by dated
limits) and random contacts, each household's row in each rule's lane (periods owed and met,
who answers for the running and the last period, that period's pairing) is what the engine's
rows say, and a tenure cut in two pieces (as a limit that lapses for no day cuts it) owes, by
the other path, what it owed whole.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest

from bot.domain import columns as cl
from bot.domain import marks as mk
from bot.domain.cadence import ContactKind, Engine, Row, Status, Tenure, latest_owing_start
from tests.domain.test_marks import DAYS, HISTORY, PROGRAM, contacts, limited, met_bits, tenures

# Per household and rule: owed, met, who answers for the running period, for the last one,
# the last one's pairing (as a Lane's columns hold them).
Lanes = dict[tuple[int, int], list[int]]


def folding(today: date) -> cl.Folding:
    """A fold of PROGRAM, each rule its own column of bits."""
    plan = [(rule, mk.window(rule.period, today, HISTORY), n)
            for n, rule in enumerate(PROGRAM.rules)]
    return cl.Folding(today, [(PROGRAM, plan)], len(plan))


def add(fold: cl.Folding, household: int, spans: list[Tenure],
        days: dict[ContactKind, list[date]], today: date) -> None:
    """One household, its marks set as storage sets them."""
    bits = [met_bits(rule, mk.window(rule.period, today, HISTORY), days, today)
            for rule in PROGRAM.rules]
    fold.add(household, f"住户{household}", None, None, [(PROGRAM, spans)], bits)


def lanes(columns: cl.Columns) -> Lanes:
    """The columns' rows by household and rule."""
    found: Lanes = {}
    for lane in columns.lanes:
        for house, *row in zip(*(c.tolist() for c in (
                lane.house, lane.owed, lane.met, lane.now_worker, lane.last_worker,
                lane.last_pairing)), strict=True):
            found[(columns.houses.ids[house], lane.place)] = row
    return found


def engine_lanes(household: int, rows: list[Row], today: date) -> Lanes:
    """The engine's rows of one household as the columns hold them."""
    found: Lanes = {}
    for rule, period, status, _, _, worker, pairing in rows:
        periods = mk.window(rule.period, today, HISTORY).periods
        i = periods.index(period)
        row = found.setdefault((household, PROGRAM.rules.index(rule)),
                               [0, 0, cl.NOBODY, cl.NOBODY, cl.NOBODY])
        row[0] |= 1 << i
        row[1] |= int(status is Status.MET) << i
        if i == len(periods) - 1:
            row[2] = worker
        if i == len(periods) - 2:
            row[3:] = [worker, pairing]
    return found


@pytest.mark.parametrize("today", DAYS, ids=str)
def test_columns_hold_what_the_engine_owes(today: date) -> None:
    rng = random.Random(today.toordinal() + 1)
    engine = Engine(PROGRAM, today, HISTORY)
    fold = folding(today)
    expected: Lanes = {}
    workers: set[int] = set()
    single = several = 0
    for household in range(1, 901):
        spans, days = tenures(rng), contacts(rng)
        if rng.random() < 1 / 3:
            spans = limited(rng, spans)
        if not spans:
            continue
        add(fold, household, spans, days, today)
        rows = engine.rows(spans, days)
        expected |= engine_lanes(household, rows, today)
        workers |= {row[5] for row in rows}
        single += bool(rows) and len(spans) == 1
        several += bool(rows) and len(spans) > 1
    columns = fold.columns()
    assert lanes(columns) == expected
    assert columns.workers == workers
    assert single > 100 and several > 100  # both paths, each owing something
    for lane in columns.lanes:  # rows in the engine's order
        assert lane.seq.tolist() == sorted(lane.seq.tolist())


@pytest.mark.parametrize("today", DAYS, ids=str)
def test_a_tenure_cut_in_two_owes_what_it_owed_whole(today: date) -> None:
    rng = random.Random(today.toordinal() + 2)
    whole, cut = folding(today), folding(today)
    first = mk.window(PROGRAM.rules[-1].period, today, HISTORY).periods[0].start
    for household in range(1, 401):
        start = first + timedelta(days=rng.randrange(-400, 3000))
        end = rng.choice([None, start + timedelta(days=rng.randrange(1, 1500))])
        length = 1500 if end is None else (end - start).days
        at = start + timedelta(days=rng.randrange(1, length)) if length > 1 else start
        tenure = Tenure(11, rng.randrange(1, 5), start, end)
        days = contacts(rng)
        add(whole, household, [tenure], days, today)  # in bulk
        add(cut, household, [Tenure(11, tenure.worker_id, start, at),  # one by one
                             Tenure(11, tenure.worker_id, at, end)], days, today)
    found_whole = lanes(whole.columns())
    assert found_whole == lanes(cut.columns())
    assert len(found_whole) > 300  # households and rules owing something


@pytest.mark.parametrize("today", DAYS, ids=str)
def test_tenures_on_the_window_edges_owe_what_the_engine_owes(today: date) -> None:
    """Households of several tenures that begin and end on the days the engine compares
    with (a period's latest owing start, end, last day; today), a day before or after, or
    on each other's days: those whose days compare alike are worked out once."""
    rng = random.Random(today.toordinal() + 3)
    edges = sorted({day + timedelta(days=shift)
                    for rule in PROGRAM.rules
                    for period in mk.window(rule.period, today, HISTORY).periods
                    for day in (latest_owing_start(period), period.end, period.last_day, today)
                    for shift in (-1, 0, 1)})
    engine = Engine(PROGRAM, today, HISTORY)
    fold = folding(today)
    expected: Lanes = {}
    for household in range(1, 1501):
        days = sorted(rng.sample(edges, 3))
        days[1] = rng.choice([days[1], days[0] + timedelta(days=1)])  # a day's tenure
        spans = [Tenure(11, 1, days[0], rng.choice([days[1], days[2]])),
                 Tenure(12, 2, rng.choice(days[:2]), rng.choice([days[2], None]))]
        records = contacts(rng)
        add(fold, household, spans, records, today)
        expected |= engine_lanes(household, engine.rows(spans, records), today)
    assert lanes(fold.columns()) == expected
    assert len(expected) > 1000
