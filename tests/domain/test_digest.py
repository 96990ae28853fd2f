"""Digest figures and reminder timing: pure tables."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest

from bot.domain import digest as dg
from bot.domain.cadence import (
    DEFAULT_PROGRAM,
    ContactKind,
    ContactRecord,
    Rule,
    Stage,
    Tenure,
    obligations,
)
from bot.domain.periods import period_from_key
from bot.domain.reminding import (
    digest_due,
    in_quiet_hours,
    pack,
    stages_today,
    week_key,
    window_open,
)


def items(name: str, hid: int, worker: int, area: int | None, since: date, today: date,
          contacts: list[ContactRecord] | None = None, history: int | None = 8) -> list[dg.Item]:
    owed = obligations(DEFAULT_PROGRAM, [Tenure(hid, worker, since, None)], contacts or [],
                       today, history_periods=history)
    return [dg.Item(hid, name, area, f"area{area}" if area else None, 1, "one-to-one", o)
            for o in owed]


TODAY = date(2026, 4, 8)


def test_missed_last_period_and_filters() -> None:
    everything = (items("A", 1, 7001, 1, date(2025, 1, 1), TODAY,
                        [ContactRecord(date(2026, 2, 3), ContactKind.CALL)])
                  + items("B", 2, 7002, 2, date(2025, 1, 1), TODAY))
    missed = dg.missed_last_period(everything, TODAY)
    assert sorted((i.household_name, i.obligation.key) for i in missed) == [
        ("A", "deed:2025"), ("A", "visit:2025-H2"),
        ("B", "call:2026-Q1"), ("B", "deed:2025"), ("B", "visit:2025-H2")]
    assert {i.household_name for i in dg.missed_last_period(everything, TODAY, area_id=1)} == {"A"}
    assert {i.household_name
            for i in dg.missed_last_period(everything, TODAY, worker_id=7002)} == {"B"}
    grouped = dg.by_worker(missed, {7001: "陈", 7002: "刘"})
    assert [w for w, _ in grouped] == [7002, 7001]  # most missed first


def test_coverage_counts_running_periods_only() -> None:
    everything = (items("A", 1, 7001, 1, date(2025, 1, 1), TODAY,
                        [ContactRecord(date(2026, 4, 2), ContactKind.VISIT)])
                  + items("B", 2, 7001, 2, date(2025, 1, 1), TODAY))
    by_worker = dg.coverage(everything, TODAY, lambda i: i.worker_id)
    # running: call Q2, visit H1, deed 2026 for each; A's visit meets its call and visit
    assert by_worker[7001] == dg.Coverage(2, 6)
    assert by_worker[7001].percent == 33
    assert dg.Coverage().share is None


def test_longest_overdue_counts_the_unbroken_run() -> None:
    everything = (items("A", 1, 7001, 1, date(2025, 1, 1), TODAY)
                  + items("B", 2, 7001, 1, date(2025, 1, 1), TODAY,
                          [ContactRecord(date(2025, 12, 1), ContactKind.CALL)])
                  + items("C", 3, 7001, 1, date(2025, 1, 1), TODAY,
                          [ContactRecord(date(2026, 3, 1), ContactKind.VISIT),
                           ContactRecord(date(2026, 3, 1), ContactKind.DEED),
                           ContactRecord(date(2025, 9, 1), ContactKind.VISIT),
                           ContactRecord(date(2025, 12, 1), ContactKind.DEED)]))
    longest = dg.longest_overdue(everything, TODAY)
    # A: no call since the pairing began: overdue since the end of 2025-Q1.
    assert [(o.household_name, o.since) for o in longest] == [
        ("A", date(2025, 4, 1)), ("B", date(2025, 7, 1))]
    assert longest[0].days == (TODAY - date(2025, 4, 1)).days
    assert "call:2026-Q1" in longest[0].keys


def test_build_puts_it_together() -> None:
    data = dg.build(items("A", 1, 7001, None, date(2025, 1, 1), TODAY), TODAY,
                    names={7001: "陈"}, no_area="—")
    assert data.missed_count == 3 and data.by_area["—"].total == 3
    assert data.program_names == {1: "one-to-one"}


def test_the_digest_knows_which_period_of_each_rule_it_counts_as_missed() -> None:
    """Not one "last period": calls of last quarter, visits of last half year, deeds of last
    year; also for a rule owed only in the past (a pairing ended before the running period)."""
    data = dg.build(items("A", 1, 7001, None, date(2025, 1, 1), TODAY), TODAY)
    q1, h2, y25 = (period_from_key(k) for k in ("2026-Q1", "2025-H2", "2025"))
    assert data.last_periods == ((ContactKind.CALL, q1), (ContactKind.VISIT, h2),
                                 (ContactKind.DEED, y25))
    ended = obligations(DEFAULT_PROGRAM, [Tenure(2, 7001, date(2025, 1, 1), date(2026, 1, 1))],
                        [], TODAY, history_periods=8)
    gone = dg.build([dg.Item(2, "B", None, None, 1, "one-to-one", o) for o in ended], TODAY)
    assert gone.missed_count == 2 and not gone.by_program_rule  # nothing running
    assert gone.last_periods == ((ContactKind.VISIT, h2), (ContactKind.DEED, y25))


@pytest.mark.parametrize(("today", "rules", "expected"), [
    (date(2026, 11, 18), [("deed", "year"), ("call", "quarter"), ("visit", "half_year")],
     [("call", "2026-Q3"), ("visit", "2026-H1"), ("deed", "2025")]),
    (date(2026, 1, 5), [("call", "quarter"), ("visit", "half_year"), ("call", "quarter")],
     [("call", "2025-Q4"), ("visit", "2025-H2")]),  # one period named once
    (date(2024, 3, 1), [("visit", "month"), ("call", "month"), ("call", "quarter")],
     [("call", "2024-02"), ("visit", "2024-02"), ("call", "2023-Q4")]),
])
def test_last_periods_shortest_first(today: date, rules: list[tuple[str, str]],
                                     expected: list[tuple[str, str]]) -> None:
    found = dg.last_periods([Rule(kind, period) for kind, period in rules], today)
    assert [(kind.value, period.key) for kind, period in found] == expected


@pytest.mark.parametrize(("clock", "quiet"), [
    ("20:59", False), ("21:00", True), ("23:59", True), ("00:00", True), ("07:59", True),
    ("08:00", False), ("12:00", False)])
def test_quiet_hours_wrap_midnight(clock: str, quiet: bool) -> None:
    assert in_quiet_hours(time.fromisoformat(clock), time(21), time(8)) is quiet


def test_quiet_hours_inside_a_day_and_none() -> None:
    assert in_quiet_hours(time(13), time(12), time(14))
    assert not in_quiet_hours(time(15), time(12), time(14))
    assert not in_quiet_hours(time(3), time(0), time(0))


@pytest.mark.parametrize(("clock", "reminder", "open_"), [
    ("08:59", "09:00", False), ("09:00", "09:00", True), ("20:59", "09:00", True),
    ("21:00", "09:00", False), ("02:00", "09:00", False),
    # reminder time inside the quiet hours: the run waits for their end the same day
    ("07:00", "06:00", False), ("08:00", "06:00", True), ("22:00", "22:30", False)])
def test_window(clock: str, reminder: str, open_: bool) -> None:
    local = datetime.combine(date(2026, 3, 2), time.fromisoformat(clock))
    assert window_open(local, time.fromisoformat(reminder), time(21), time(8)) is open_


def test_digest_is_due_from_monday_morning_and_catches_up_in_the_week() -> None:
    monday = date(2026, 3, 2)
    def due(day: date, clock: str) -> bool:
        return digest_due(datetime.combine(day, time.fromisoformat(clock)), time(9), time(21),
                          time(8))
    assert not due(monday, "08:30")
    assert due(monday, "09:00")
    assert due(date(2026, 3, 4), "08:30")  # Wednesday, after downtime
    assert not due(date(2026, 3, 4), "22:00")  # but never in quiet hours
    assert week_key(monday) == "2026-W10"
    assert week_key(date(2027, 1, 1)) == "2026-W53"


def test_stages_today() -> None:
    owed = items("A", 1, 7001, 1, date(2025, 1, 1), date(2026, 3, 25), history=0)
    stages = {o.key: s for _, o, s in stages_today(((i, i.obligation) for i in owed),
                                                  date(2026, 3, 25))}
    assert stages == {"call:2026-Q1": Stage.FINAL}  # visit and deed not at a stage yet


def test_pack_keeps_messages_within_the_budget() -> None:
    lines = [f"line {n} " + "x" * 50 for n in range(200)]
    messages = pack(lines, budget=1000, header="H")
    assert all(len(m) <= 1000 and m.startswith("H\n") for m in messages)
    assert sum(m.count("line ") for m in messages) == 200
    assert pack([], header="H") == ["H"]
