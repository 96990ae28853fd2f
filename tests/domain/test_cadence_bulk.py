"""The bulk engine (Engine.rows, what the digest folds) and obligations() give exactly what
obligations() gave before they shared it (tests/cadence_oracle.py), on random histories."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from itertools import pairwise

import pytest

from bot.domain.cadence import (
    DEFAULT_PROGRAM,
    ContactKind,
    ContactRecord,
    Engine,
    Obligation,
    ObligationKeys,
    Program,
    Rule,
    Tenure,
    coverages,
    obligation_key,
    obligations,
)
from bot.domain.periods import PeriodKind, period_containing
from tests import cadence_oracle as oracle

CALL, VISIT, DEED, OTHER = ContactKind.CALL, ContactKind.VISIT, ContactKind.DEED, ContactKind.OTHER
MIXED = Program(7, "mixed", (Rule(CALL, PeriodKind.QUARTER), Rule(VISIT, PeriodKind.HALF_YEAR),
                             Rule(DEED, PeriodKind.YEAR), Rule(CALL, PeriodKind.MONTH)))
MONTHLY = Program(8, "monthly", (Rule(VISIT, PeriodKind.MONTH),))
# Every value the bot asks with (/due 0, /overdue 1, the digest 8, the export 12, all) and more.
HISTORIES = [None, 0, 1, 2, 8, 12, 40]


def random_tenures(rng: random.Random, today: date) -> list[Tenure]:
    """One to four pairings: handovers, gaps, overlaps, zero-length, ended, not yet begun."""
    tenures = []
    start = today - timedelta(days=rng.randrange(-60, 1500))
    for n in range(rng.randrange(1, 5)):
        length = rng.choice([0, rng.randrange(1, 400), None])
        end = None if length is None else start + timedelta(days=length)
        tenures.append(Tenure(n + 1, 10 + rng.randrange(3), start, end))
        if end is None and rng.random() < 0.7:
            break
        base = end or start
        start = base + timedelta(days=rng.choice([0, 0, rng.randrange(-40, 200)]))
    rng.shuffle(tenures)  # as storage may list them
    return tenures


def random_contacts(rng: random.Random, today: date) -> list[ContactRecord]:
    """None to a dozen contacts of any kind, before, during and after the pairings (some
    dated after today), several on one day."""
    days = [today - timedelta(days=rng.randrange(-60, 1600)) for _ in range(rng.randrange(13))]
    days += rng.sample(days, min(2, len(days)))
    return [ContactRecord(day, rng.choice([CALL, VISIT, DEED, OTHER])) for day in days]


def by_kind(contacts: list[ContactRecord], rng: random.Random) -> dict[ContactKind, list[date]]:
    """Contact days by kind, in any order, kinds without contacts sometimes left out."""
    found: dict[ContactKind, list[date]] = {}
    for contact in contacts:
        found.setdefault(contact.kind, []).append(contact.day)
    if rng.random() < 0.5:
        found.update({kind: [] for kind in ContactKind if kind not in found})
    return found


@pytest.mark.parametrize("seed", range(6))
def test_the_engine_owes_what_obligations_owed(seed: int) -> None:
    rng = random.Random(seed)
    owed = 0
    for _ in range(40):  # one engine per day and history, many households through it
        today = date(2025, 1, 1) + timedelta(days=rng.randrange(900))
        program = rng.choice([DEFAULT_PROGRAM, MIXED, MONTHLY])
        history = rng.choice(HISTORIES)
        engine = Engine(program, today, history)
        for _ in range(60):
            tenures = random_tenures(rng, today)
            contacts = random_contacts(rng, today)
            expected = oracle.obligations(program, tenures, contacts, today,
                                          history_periods=history)
            assert obligations(program, tenures, contacts, today,
                               history_periods=history) == expected, (today, tenures, contacts)
            rows = engine.rows(tenures, by_kind(contacts, rng))
            assert [Obligation(*row) for row in rows] == expected, (today, tenures, contacts)
            owed += len(expected)
    assert owed > 5000


def test_every_shape_comes_up() -> None:
    """The random histories hold what the rules treat apart, or the comparison proves little."""
    rng = random.Random(0)
    seen: set[str] = set()
    today = date(2026, 6, 1)
    for _ in range(2000):
        tenures = random_tenures(rng, today)
        ordered = sorted(tenures, key=lambda t: (t.started_on, t.pairing_id))
        for a, b in pairwise(ordered):
            if a.ended_on == b.started_on:
                seen.add("handover")
            elif a.ended_on is not None and b.started_on > a.ended_on:
                seen.add("gap")
            elif a.ended_on is None or b.started_on < a.ended_on:
                seen.add("overlap")
        if any(t.ended_on == t.started_on for t in tenures):
            seen.add("zero-length")
        if any(t.started_on > today for t in tenures):
            seen.add("not begun")
        if any(len(c.tenures) > 1 for c in coverages(tenures)):
            seen.add("coverage of several")
        contacts = random_contacts(rng, today)
        if any(c.day > today for c in contacts):
            seen.add("future contact")
        if tenures and any(c.day < min(t.started_on for t in tenures) for c in contacts):
            seen.add("contact before")
    assert seen == {"handover", "gap", "overlap", "zero-length", "not begun",
                    "coverage of several", "future contact", "contact before"}


def test_the_engine_refuses_what_obligations_refuses() -> None:
    with pytest.raises(ValueError, match="history_periods"):
        Engine(DEFAULT_PROGRAM, date(2026, 1, 1), -1)
    with pytest.raises(TypeError):
        Engine(DEFAULT_PROGRAM, datetime(2026, 1, 1, 9), 0)  # a datetime: in which zone?


def test_obligation_keys_are_written_as_obligation_key_writes_them() -> None:
    """The memo tells rules apart even when their periods start the same day (a quarter,
    a half year and a year all start on 1 January), and periods of one rule by their start."""
    keys = ObligationKeys()
    for day in (date(2026, 1, 1), date(2026, 5, 20), date(2026, 1, 1), date(2026, 12, 31)):
        for rule in DEFAULT_PROGRAM.rules:
            period = period_containing(rule.period, day)
            assert keys(rule, period) == obligation_key(rule, period)
    assert keys(DEFAULT_PROGRAM.rules[0], period_containing(DEFAULT_PROGRAM.rules[0].period,
                                                            date(2026, 1, 1))) == "call:2026-Q1"
