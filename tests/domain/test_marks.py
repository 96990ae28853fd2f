"""The digest's bulk form (bot/domain/marks.py) gives what the cadence engine gives.

For random pairings of every shape (one worker, ended, of no length, a handover, a gap, an
overlap, not begun yet), some cut by a programme's dated limits (bot/domain/limits.py), and
random contacts, on days at the edges of periods (a year's end,
a leap day, a quarter's first day), the periods owed, who answers for them and their status,
read from the marks, are the engine's rows (met_on aside: the digest does not show it).
"""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest

from bot.domain import marks as mk
from bot.domain.cadence import (
    ContactKind,
    Engine,
    Program,
    Row,
    Rule,
    Status,
    Tenure,
    counting_kinds,
)
from bot.domain.limits import Limit, gaps, held_tenures
from bot.domain.periods import PeriodKind

PROGRAM = Program(7, "关爱", (Rule(ContactKind.CALL, PeriodKind.MONTH),
                              Rule(ContactKind.CALL, PeriodKind.QUARTER),
                              Rule(ContactKind.VISIT, PeriodKind.HALF_YEAR),
                              Rule(ContactKind.DEED, PeriodKind.YEAR)))
DAYS = [date(2026, 12, 1), date(2026, 12, 31), date(2027, 1, 1), date(2028, 2, 29),
        date(2026, 4, 1), date(2026, 6, 15), date(2026, 9, 30)]
HISTORY = 8
FIRST = date(2018, 1, 1)


def tenures(rng: random.Random) -> list[Tenure]:
    """One household's pairings in one programme, of a random shape."""
    def day(after: date, most: int) -> date:
        return after + timedelta(days=rng.randrange(most))

    start = day(FIRST, 365 * 10)
    shape = rng.choice(["open", "ended", "empty", "handover", "gap", "overlap", "three"])
    worker = rng.randrange(1, 5)
    if shape == "open":
        return [Tenure(11, worker, start)]
    if shape == "ended":
        return [Tenure(11, worker, start, day(start, 900))]
    if shape == "empty":
        return [Tenure(11, worker, start, start)]
    change = day(start + timedelta(days=1), 700)
    if shape == "handover":
        return [Tenure(12, worker, start, change), Tenure(11, worker + 1, change)]
    if shape == "gap":
        return [Tenure(11, worker, start, change),
                Tenure(12, worker + 1, day(change + timedelta(days=1), 500))]
    if shape == "overlap":  # the later pairing id starts first: order by start, then id
        return [Tenure(14, worker, start), Tenure(13, worker + 1, change, day(change, 400)),
                Tenure(15, worker + 2, start)]
    later = day(change + timedelta(days=1), 300)
    return [Tenure(11, worker, start, change), Tenure(12, worker + 1, change, later),
            Tenure(13, worker + 2, later, day(later, 600))]


def limited(rng: random.Random, spans: list[Tenure]) -> list[Tenure]:
    """The tenures cut to the days a programme, limited by date at random, holds the
    household: limited from a day, until a day, lapsed and back (the pieces of a pairing keep
    its id)."""
    def day() -> date:
        return FIRST + timedelta(days=rng.randrange(365 * 11))

    a, b, c = sorted(day() for _ in range(3))
    limits = rng.choice([[Limit("orphan", a)], [Limit("orphan", a, b)],
                         [Limit("orphan", a, b), Limit("orphan", c)],
                         [Limit("orphan", a), Limit("dibao", b, c)]])
    out = gaps(limits, rng.choice([set(), {"dibao"}]))
    return [part for tenure in spans for part in held_tenures(tenure, out)]


def contacts(rng: random.Random) -> dict[ContactKind, list[date]]:
    """Random contacts of every kind, some after the last day asked about."""
    found: dict[ContactKind, list[date]] = {}
    for _ in range(rng.randrange(0, 25)):
        kind = rng.choice(list(ContactKind))
        found.setdefault(kind, []).append(FIRST + timedelta(days=rng.randrange(365 * 11)))
    return found


def met_bits(rule: Rule, frame: mk.Window, days: dict[ContactKind, list[date]],
             today: date) -> int:
    """What storage.figures.fold_marks sets for the rule: a bit per period with a
    counting contact dated in it, up to today."""
    bits = 0
    for kind in counting_kinds(rule.kind):
        for day in days.get(kind, []):
            for i, period in enumerate(frame.periods):
                if day <= today and day in period:
                    bits |= 1 << i
    return bits


def from_marks(program: Program, spans: list[Tenure], days: dict[ContactKind, list[date]],
               today: date, owing: mk.Owing) -> list[Row]:
    """The engine's rows as the digest reads them from marks (met_on left out)."""
    ordered = mk.ordered(spans)
    rows: list[Row] = []
    for rule in program.rules:
        frame = mk.window(rule.period, today, HISTORY)
        owed = owing(ordered, frame)
        met = met_bits(rule, frame, days, today) & owed.mask
        assert owed.count == bin(owed.mask).count("1")
        last = len(frame.periods) - 1
        for i, (period, at) in enumerate(zip(frame.periods, owed.at, strict=True)):
            if at == mk.NOT_OWED:
                assert not owed.mask >> i & 1
                continue
            status = (Status.MET if met >> i & 1 else Status.DUE if i == last
                      else Status.MISSED)
            rows.append((rule, period, status, period.last_day, None, ordered[at].worker_id,
                         ordered[at].pairing_id))
    return rows


@pytest.mark.parametrize("today", DAYS, ids=str)
def test_marks_owe_what_the_engine_owes(today: date) -> None:
    rng = random.Random(today.toordinal())
    owing = mk.Owing(today)  # one for all households, as the digest keeps it
    engine = Engine(PROGRAM, today, HISTORY)
    shapes_owing = cut_owing = 0
    for _ in range(900):
        spans, days = tenures(rng), contacts(rng)
        cut = rng.random() < 1 / 3
        if cut:
            spans = limited(rng, spans)
        expected = [(*row[:4], None, *row[5:]) for row in engine.rows(spans, days)]
        assert from_marks(PROGRAM, spans, days, today, owing) == expected
        shapes_owing += bool(expected) and len(spans) > 1
        cut_owing += bool(expected) and cut
    assert shapes_owing > 100  # handovers, gaps and overlaps that owe, not only single ones
    assert cut_owing > 30  # pairings cut by a limit that still owe something


def test_a_window_numbers_its_first_period_as_the_storage_columns_count() -> None:
    frame = mk.window(PeriodKind.QUARTER, date(2026, 12, 1), 8)
    assert [p.key for p in (frame.periods[0], frame.periods[-1])] == ["2024-Q4", "2026-Q4"]
    # 2024-10: month index 2024 * 12 + 9, in quarters 8099.
    assert frame.number == 8099
    column = mk.column(Rule(ContactKind.CALL, PeriodKind.QUARTER), frame)
    assert column == mk.Column(("call", "visit"), 3, 8099)  # a visit meets a call
