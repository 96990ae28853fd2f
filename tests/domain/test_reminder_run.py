"""The daily run's fast path gives what reminder_stage keeps of the full cadence engine."""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest

from bot.domain.cadence import (
    DEFAULT_PROGRAM,
    ContactKind,
    ContactRecord,
    Coverage,
    Obligation,
    Program,
    Rule,
    Stage,
    Status,
    Tenure,
    obligations,
    reminder_stage,
)
from bot.domain.periods import PeriodKind
from bot.domain.reminding import coverage_on, due_rows_at_stage, staged_rules

CALL, VISIT, DEED, OTHER = ContactKind.CALL, ContactKind.VISIT, ContactKind.DEED, ContactKind.OTHER
MIXED = Program(7, "mixed", (Rule(CALL, PeriodKind.QUARTER), Rule(VISIT, PeriodKind.HALF_YEAR),
                             Rule(DEED, PeriodKind.YEAR), Rule(CALL, PeriodKind.MONTH)))


def random_tenures(rng: random.Random, today: date) -> list[Tenure]:
    """One to three pairings: handovers, gaps, overlaps, zero-length, ended, not begun."""
    tenures = []
    start = today - timedelta(days=rng.randrange(-30, 700))
    for n in range(rng.randrange(1, 4)):
        length = rng.choice([0, rng.randrange(1, 300), None])
        end = None if length is None else start + timedelta(days=length)
        tenures.append(Tenure(n + 1, 10 + n, start, end))
        if end is None:
            break
        start = end + timedelta(days=rng.choice([0, 0, rng.randrange(-20, 90)]))
    return tenures


def due_at_stage(program: Program, today: date, spans: list[Coverage],
                 latest: dict[ContactKind, list[date | None]]
                 ) -> list[tuple[int, Obligation, Stage]]:
    """due_rows_at_stage's rows as the engine's obligations (row, obligation, stage)."""
    columns, due = due_rows_at_stage(program, today, spans, latest)
    return [(row, Obligation(rule, period, Status.DUE, due_by, None, tenure.worker_id,
                             tenure.pairing_id), stage)
            for row, column, tenure in due
            for rule, period, due_by, stage in (columns[column],)]


@pytest.mark.parametrize("seed", range(4))
def test_fast_path_agrees_with_reminder_stage_over_the_full_engine(seed: int) -> None:
    rng = random.Random(seed)
    reminded = 0
    for _ in range(400):
        program = rng.choice([MIXED, DEFAULT_PROGRAM])
        today = date(2025, 1, 1) + timedelta(days=rng.randrange(800))
        tenures = random_tenures(rng, today)
        contacts = [ContactRecord(today - timedelta(days=rng.randrange(-20, 500)),
                                  rng.choice([CALL, VISIT, DEED, OTHER])) for _ in range(6)]
        expected = [(o, stage) for o in obligations(program, tenures, contacts, today,
                                                    history_periods=0)
                    if (stage := reminder_stage(o, today)) is not None]
        span = coverage_on(tenures, today)
        # The latest contact of each kind on or before today, as storage gives it.
        latest = {kind: [max((c.day for c in contacts if c.kind is kind and c.day <= today),
                             default=None)] for kind in ContactKind}
        got = [] if span is None else [(o, stage) for row, o, stage in
                                       due_at_stage(program, today, [span], latest)]
        assert got == expected, (today, tenures, contacts)
        reminded += len(expected)
    assert reminded > 50


def test_staged_rules_are_those_whose_running_period_is_at_a_stage() -> None:
    assert staged_rules(DEFAULT_PROGRAM, date(2026, 1, 10)) == []
    assert staged_rules(DEFAULT_PROGRAM, date(2026, 3, 20)) == [
        (Rule(CALL, PeriodKind.QUARTER), Stage.FIRST)]
    assert staged_rules(DEFAULT_PROGRAM, date(2026, 12, 26)) == [
        (rule, Stage.FINAL) for rule in DEFAULT_PROGRAM.rules]


def test_a_pairing_made_and_ended_the_same_day_covers_nothing() -> None:
    day = date(2026, 12, 1)
    assert coverage_on([Tenure(1, 10, day, day)], day) is None
    assert coverage_on([Tenure(1, 10, day, None)], day) is not None
    assert coverage_on([Tenure(1, 10, day, day), Tenure(2, 11, day, None)], day) is not None
