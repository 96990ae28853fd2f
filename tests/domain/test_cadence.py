"""The cadence engine, as tables of dates."""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.domain.cadence import (
    DEFAULT_PROGRAM,
    ContactKind,
    ContactRecord,
    Obligation,
    Program,
    Rule,
    Stage,
    Status,
    Tenure,
    counts_for,
    coverages,
    current_status_counts,
    current_statuses,
    earliest_needed,
    latest_owing_start,
    obligations,
    program_from_data,
    program_to_data,
    reminder_stage,
    stage_start,
)
from bot.domain.periods import PeriodKind, local_date, period_containing, period_from_key

D = date
CALL, VISIT, DEED, OTHER = ContactKind.CALL, ContactKind.VISIT, ContactKind.DEED, ContactKind.OTHER
M, Q, H, Y = PeriodKind.MONTH, PeriodKind.QUARTER, PeriodKind.HALF_YEAR, PeriodKind.YEAR
MET, DUE, MISSED = Status.MET, Status.DUE, Status.MISSED
FIRST, FINAL = Stage.FIRST, Stage.FINAL


def only(kind: ContactKind, period: PeriodKind) -> Program:
    """A program of a single rule."""
    return Program(99, "test", (Rule(kind, period),))


def table(result: Sequence[Obligation]) -> dict[str, tuple[Status, int]]:
    """Obligations by key, with status and responsible worker."""
    return {o.key: (o.status, o.worker_id) for o in result}


def statuses(result: Sequence[Obligation]) -> dict[str, Status]:
    """Obligations by key, status only."""
    return {o.key: o.status for o in result}


# --- kinds, rules, programs -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("contact", "obligation", "counts"),
    [
        (CALL, CALL, True),
        (VISIT, CALL, True),  # a home visit is also that quarter's call
        (DEED, CALL, False),
        (OTHER, CALL, False),
        (CALL, VISIT, False),
        (VISIT, VISIT, True),
        (DEED, VISIT, False),
        (OTHER, VISIT, False),
        (CALL, DEED, False),
        (VISIT, DEED, False),
        (DEED, DEED, True),
        (OTHER, DEED, False),
        (OTHER, OTHER, False),
    ],
)
def test_counts_for(contact: ContactKind, obligation: ContactKind, counts: bool) -> None:
    assert counts_for(contact, obligation) is counts


@pytest.mark.parametrize(("text", "kind"), [("call", CALL), (" Visit ", VISIT), ("DEED", DEED)])
def test_contact_kind_parse(text: str, kind: ContactKind) -> None:
    assert ContactKind.parse(text) is kind


def test_contact_kind_parse_refuses_nonsense() -> None:
    with pytest.raises(ValueError, match="unknown contact kind 'email'; expected one of: call"):
        ContactKind.parse("email")


def test_default_program_is_the_one_to_one_promise() -> None:
    assert DEFAULT_PROGRAM.rules == (Rule(CALL, Q), Rule(VISIT, H), Rule(DEED, Y))


@pytest.mark.parametrize(
    ("rules", "message"),
    [
        ((), "no obligations"),
        ((Rule(CALL, Q), Rule(CALL, Q)), "same obligation twice"),
    ],
)
def test_program_validation(rules: tuple[Rule, ...], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Program(2, "bad", rules)


def test_rule_of_kind_other_is_refused() -> None:
    with pytest.raises(ValueError, match="other"):
        Rule(OTHER, Q)


def test_program_from_data_list_and_json_round_trip() -> None:
    data = [{"kind": "call", "period": "month"}, {"kind": "visit", "period": "half-year"}]
    program = program_from_data(5, "monthly calls", data)
    assert program.rules == (Rule(CALL, M), Rule(VISIT, H))
    again = program_from_data(1, "one-to-one", '[{"kind": "call", "period": "quarter"},'
                              '{"kind": "visit", "period": "half_year"},'
                              '{"kind": "deed", "period": "year"}]')
    assert again == DEFAULT_PROGRAM
    assert program_from_data(1, "one-to-one", program_to_data(DEFAULT_PROGRAM)) == DEFAULT_PROGRAM


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([{"kind": "call", "period": "fortnight"}], r"rule 1: unknown period kind 'fortnight'"),
        ([{"kind": "call", "period": "quarter"}, {"kind": "email", "period": "year"}],
         r"rule 2: unknown contact kind 'email'"),
        ([{"kind": "other", "period": "year"}], r"rule 1: .*other"),
        ([{"kind": "call"}], r"rule 1: missing period"),
        ([{"kind": "call", "period": "year", "every": 2}], r"rule 1: unknown field\(s\) every"),
        ([{"kind": 1, "period": "year"}], r"rule 1: kind and period must be text"),
        (["call/quarter"], r"rule 1: expected an object"),
        ([], r"no obligations"),
        ([{"kind": "call", "period": "quarter"}, {"kind": "call", "period": "Quarter"}],
         "same obligation twice"),
        ("not json", r"not valid JSON"),
        ('{"kind": "call", "period": "year"}', r"must be a list"),
    ],
)
def test_program_from_data_refuses_nonsense(data: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        program_from_data(3, "bad", data)  # type: ignore[arg-type]


def test_tenure_cannot_end_before_it_starts() -> None:
    with pytest.raises(ValueError, match="before it starts"):
        Tenure(1, 1, D(2026, 5, 1), D(2026, 4, 30))


def test_records_refuse_datetimes() -> None:
    noon = datetime(2026, 5, 1, 12, tzinfo=UTC)
    with pytest.raises(TypeError):
        ContactRecord(noon, CALL)
    with pytest.raises(TypeError):
        Tenure(1, 1, noon)
    with pytest.raises(TypeError):
        obligations(DEFAULT_PROGRAM, [], [], noon)


# --- coverage -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tenures", "spans"),
    [
        # handover: the next starts the day the last ends
        ([Tenure(1, 10, D(2026, 1, 1), D(2026, 3, 1)), Tenure(2, 20, D(2026, 3, 1))],
         [(D(2026, 1, 1), None)]),
        # one day without a worker breaks coverage
        ([Tenure(1, 10, D(2026, 1, 1), D(2026, 3, 1)), Tenure(2, 20, D(2026, 3, 2))],
         [(D(2026, 1, 1), D(2026, 3, 1)), (D(2026, 3, 2), None)]),
        # overlap and order of input do not matter
        ([Tenure(2, 20, D(2026, 2, 1), D(2026, 9, 1)), Tenure(1, 10, D(2026, 1, 1), D(2026, 3, 1))],
         [(D(2026, 1, 1), D(2026, 9, 1))]),
        # a zero-length tenure covers nothing and does not bridge a gap
        ([Tenure(1, 10, D(2026, 1, 1), D(2026, 3, 1)), Tenure(2, 20, D(2026, 3, 2), D(2026, 3, 2)),
          Tenure(3, 30, D(2026, 3, 2))],
         [(D(2026, 1, 1), D(2026, 3, 1)), (D(2026, 3, 2), None)]),
        ([], []),
    ],
)
def test_coverages(tenures: list[Tenure], spans: list[tuple[date, date | None]]) -> None:
    assert [(c.start, c.end) for c in coverages(tenures)] == spans


# --- the "owed if at least half remains" rule ------------------------------------------------


@pytest.mark.parametrize(
    ("key", "latest", "remaining"),
    [
        ("2025-Q1", D(2025, 2, 15), 45),  # 90 days: exactly half
        ("2024-Q1", D(2024, 2, 15), 46),  # 91 days (29 February): 45.5 rounds up to 46
        ("2025-Q2", D(2025, 5, 16), 46),  # 91 days
        ("2025-Q3", D(2025, 8, 16), 46),  # 92 days
        ("2025-Q4", D(2025, 11, 16), 46),  # 92 days
        ("2025-H1", D(2025, 4, 1), 91),  # 181 days
        ("2024-H1", D(2024, 4, 1), 91),  # 182 days
        ("2025-H2", D(2025, 10, 1), 92),  # 184 days
        ("2025", D(2025, 7, 2), 183),  # 365 days
        ("2024", D(2024, 7, 2), 183),  # 366 days
        ("2025-02", D(2025, 2, 15), 14),
        ("2024-02", D(2024, 2, 15), 15),
        ("2025-01", D(2025, 1, 16), 16),
        ("2025-04", D(2025, 4, 16), 15),
    ],
)
def test_owed_if_at_least_half_remains(key: str, latest: date, remaining: int) -> None:
    period = period_from_key(key)
    assert latest_owing_start(period) == latest
    assert period.days_left(latest) == remaining
    program = only(CALL, period.kind)
    today = period.last_day
    # Starting on the latest day owes the period; one day later does not.
    owed = obligations(program, [Tenure(1, 10, latest)], [], today)
    assert [o.period.key for o in owed] == [key]
    late = obligations(program, [Tenure(1, 10, latest + timedelta(days=1))], [], today)
    assert late == []


@pytest.mark.parametrize(
    ("started", "keys"),
    [
        (D(2026, 1, 1), ["2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4"]),
        (D(2025, 12, 31), ["2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4"]),  # 1 day of Q4 2025
        (D(2025, 11, 16), ["2025-Q4", "2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4"]),
        (D(2026, 8, 16), ["2026-Q3", "2026-Q4"]),
        (D(2026, 8, 17), ["2026-Q4"]),
        (D(2026, 11, 20), ["2026-Q4"]),  # started today, 42 days left, but 2026-Q4: 92 -> 46
    ],
)
def test_periods_owed_from_the_start(started: date, keys: list[str]) -> None:
    today = D(2026, 11, 16)
    if started > today:
        assert obligations(only(CALL, Q), [Tenure(1, 10, started)], [], today) == []
        return
    result = obligations(only(CALL, Q), [Tenure(1, 10, started)], [], today)
    assert [o.period.key for o in result] == keys


def test_a_pairing_not_yet_begun_owes_nothing() -> None:
    # Starts after today, inside the running quarter with more than half of it left.
    assert obligations(only(CALL, Q), [Tenure(1, 10, D(2026, 10, 10))], [], D(2026, 10, 5)) == []


@pytest.mark.parametrize(
    ("ended", "owes_q2"),
    [
        (D(2026, 7, 1), True),  # ends exactly at the quarter's end (exclusive): covered in full
        (D(2026, 6, 30), False),  # the last day is not covered
        (D(2026, 5, 15), False),
    ],
)
def test_ended_mid_period_owes_nothing_for_it(ended: date, owes_q2: bool) -> None:
    tenures = [Tenure(1, 10, D(2026, 1, 1), ended)]
    result = statuses(obligations(only(CALL, Q), tenures, [], D(2026, 9, 1)))
    assert ("call:2026-Q2" in result) is owes_q2
    assert result["call:2026-Q1"] is MISSED
    assert "call:2026-Q3" not in result


def test_ended_pairing_with_a_planned_end_does_not_owe_the_running_period() -> None:
    tenures = [Tenure(1, 10, D(2026, 1, 1), D(2026, 12, 1))]
    result = statuses(obligations(only(CALL, Q), tenures, [], D(2026, 11, 1)))
    assert "call:2026-Q4" not in result
    assert result["call:2026-Q3"] is MISSED


# --- handovers ----------------------------------------------------------------------------------


def test_handover_moves_what_is_owed_to_the_new_worker() -> None:
    tenures = [Tenure(1, 10, D(2026, 1, 1), D(2026, 5, 20)), Tenure(2, 20, D(2026, 5, 20))]
    contacts = [ContactRecord(D(2026, 2, 3), CALL), ContactRecord(D(2026, 4, 2), CALL)]
    result = obligations(only(CALL, Q), tenures, contacts, D(2026, 8, 1))
    assert table(result) == {
        "call:2026-Q1": (MET, 10),
        # Handed over mid-quarter: owed as a whole, the new worker answers for it, and the
        # old worker's call in April still counts.
        "call:2026-Q2": (MET, 20),
        "call:2026-Q3": (DUE, 20),
    }
    q2 = next(o for o in result if o.period.key == "2026-Q2")
    assert (q2.pairing_id, q2.met_on) == (2, D(2026, 4, 2))


def test_unmet_obligation_handed_over_is_missed_by_the_new_worker() -> None:
    tenures = [Tenure(1, 10, D(2026, 1, 1), D(2026, 6, 29)), Tenure(2, 20, D(2026, 6, 29))]
    result = obligations(only(CALL, Q), tenures, [], D(2026, 7, 2))
    assert table(result)["call:2026-Q2"] == (MISSED, 20)


def test_running_period_belongs_to_whoever_is_paired_today() -> None:
    # The handover is planned for later in the quarter: today the old worker answers for it.
    tenures = [Tenure(1, 10, D(2026, 1, 1), D(2026, 11, 20)), Tenure(2, 20, D(2026, 11, 20))]
    assert table(obligations(only(CALL, Q), tenures, [], D(2026, 11, 5))) == {
        "call:2026-Q1": (MISSED, 10),
        "call:2026-Q2": (MISSED, 10),
        "call:2026-Q3": (MISSED, 10),
        "call:2026-Q4": (DUE, 10),
    }
    assert table(obligations(only(CALL, Q), tenures, [], D(2026, 11, 20)))["call:2026-Q4"] == (
        DUE, 20)


@pytest.mark.parametrize(
    ("second_starts", "q1"),
    [
        (D(2026, 3, 1), (MET, 20)),  # handover: Q1 owed; A's January call meets it
        (D(2026, 3, 2), None),  # one day's gap, 30 days left of 90: Q1 not owed
        (D(2026, 2, 10), (MET, 20)),  # overlap
    ],
)
def test_gap_versus_handover(second_starts: date, q1: tuple[Status, int] | None) -> None:
    tenures = [Tenure(1, 10, D(2026, 1, 10), D(2026, 3, 1)), Tenure(2, 20, second_starts)]
    contacts = [ContactRecord(D(2026, 1, 20), CALL)]
    result = table(obligations(only(CALL, Q), tenures, contacts, D(2026, 4, 10)))
    assert result.get("call:2026-Q1") == q1
    assert result["call:2026-Q2"] == (DUE, 20)


def test_overlapping_tenures_the_newer_worker_answers() -> None:
    # Bad data (two active pairings at once) still names one worker: the latest to start.
    tenures = [Tenure(1, 10, D(2026, 1, 1)), Tenure(2, 20, D(2026, 2, 1), D(2026, 9, 1))]
    assert table(obligations(only(CALL, Q), tenures, [], D(2026, 8, 1))) == {
        "call:2026-Q1": (MISSED, 20),
        "call:2026-Q2": (MISSED, 20),
        "call:2026-Q3": (DUE, 20),
    }


def test_new_pairing_after_a_gap_owes_its_start_period_if_half_remains() -> None:
    tenures = [Tenure(1, 10, D(2025, 10, 1), D(2026, 1, 20)), Tenure(2, 20, D(2026, 2, 15))]
    result = table(obligations(only(CALL, Q), tenures, [], D(2026, 4, 1)))
    assert result == {
        "call:2025-Q4": (MISSED, 10),
        "call:2026-Q1": (MISSED, 20),  # 45 of 90 days remained on 15 February
        "call:2026-Q2": (DUE, 20),
    }


# --- contacts -----------------------------------------------------------------------------------


def test_contact_logged_late_counts_for_its_own_period() -> None:
    # Logged in April, dated 28 March: it meets Q1, not Q2.
    contacts = [ContactRecord(D(2026, 3, 28), CALL)]
    result = statuses(obligations(only(CALL, Q), [Tenure(1, 10, D(2026, 1, 1))], contacts,
                                  D(2026, 4, 15)))
    assert result == {"call:2026-Q1": MET, "call:2026-Q2": DUE}


def test_visit_meets_the_quarters_call_but_not_the_other_way_round() -> None:
    tenures = [Tenure(1, 10, D(2026, 1, 1))]
    visit = [ContactRecord(D(2026, 11, 3), VISIT)]
    assert statuses(obligations(DEFAULT_PROGRAM, tenures, visit, D(2026, 11, 20)))[
        "call:2026-Q4"] is MET
    calls = [ContactRecord(D(2026, 11, 3), CALL)]
    result = statuses(obligations(DEFAULT_PROGRAM, tenures, calls, D(2026, 11, 20)))
    assert (result["call:2026-Q4"], result["visit:2026-H2"]) == (MET, DUE)


def test_visit_meets_only_the_quarter_it_falls_in() -> None:
    tenures = [Tenure(1, 10, D(2026, 1, 1))]
    contacts = [ContactRecord(D(2026, 8, 3), VISIT)]
    result = statuses(obligations(DEFAULT_PROGRAM, tenures, contacts, D(2026, 11, 20)))
    assert result == {
        "call:2026-Q1": MISSED, "call:2026-Q2": MISSED, "call:2026-Q3": MET,
        "call:2026-Q4": DUE, "visit:2026-H1": MISSED, "visit:2026-H2": MET, "deed:2026": DUE,
    }


def test_other_contacts_meet_nothing() -> None:
    contacts = [ContactRecord(D(2026, 11, 3), OTHER)]
    result = statuses(obligations(DEFAULT_PROGRAM, [Tenure(1, 10, D(2026, 10, 1))], contacts,
                                  D(2026, 11, 20)))
    assert set(result.values()) == {DUE}


@pytest.mark.parametrize(
    ("contact_day", "q1"),
    [
        (D(2026, 1, 5), MET),  # before the pairing, inside an owed period: counts
        (D(2025, 12, 20), MISSED),  # before the pairing, in a period not owed: ignored
    ],
)
def test_contacts_before_the_pairing(contact_day: date, q1: Status) -> None:
    tenures = [Tenure(1, 10, D(2026, 2, 1))]
    contacts = [ContactRecord(contact_day, CALL)]
    result = statuses(obligations(only(CALL, Q), tenures, contacts, D(2026, 4, 1)))
    assert result == {"call:2026-Q1": q1, "call:2026-Q2": DUE}


def test_future_dated_contacts_are_ignored() -> None:
    contacts = [ContactRecord(D(2026, 11, 21), CALL)]
    result = obligations(only(CALL, Q), [Tenure(1, 10, D(2026, 10, 1))], contacts,
                         D(2026, 11, 20))
    assert [(o.status, o.met_on) for o in result] == [(DUE, None)]


def test_met_on_is_the_earliest_counting_contact() -> None:
    contacts = [ContactRecord(D(2026, 12, 1), CALL), ContactRecord(D(2026, 9, 30), CALL),
                ContactRecord(D(2026, 11, 2), VISIT), ContactRecord(D(2026, 10, 1), DEED)]
    result = obligations(only(CALL, Q), [Tenure(1, 10, D(2026, 1, 1))], contacts,
                         D(2026, 12, 5))
    assert {o.period.key: o.met_on for o in result}["2026-Q4"] == D(2026, 11, 2)


@pytest.mark.parametrize(
    ("today", "q1"),
    [
        (D(2026, 3, 31), DUE),  # last day: still running
        (D(2026, 4, 1), MISSED),
    ],
)
def test_due_until_the_last_day_then_missed(today: date, q1: Status) -> None:
    result = obligations(only(CALL, Q), [Tenure(1, 10, D(2026, 1, 1))], [], today)
    assert statuses(result)["call:2026-Q1"] is q1
    assert next(o for o in result if o.period.key == "2026-Q1").due_by == D(2026, 3, 31)


# --- history and order ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("history", "keys"),
    [
        (0, ["call:2026-Q4", "visit:2026-H2", "deed:2026"]),
        (1, ["call:2026-Q3", "call:2026-Q4", "visit:2026-H1", "visit:2026-H2",
             "deed:2026"]),
        (None, ["call:2025-Q3", "call:2025-Q4", "call:2026-Q1", "call:2026-Q2", "call:2026-Q3",
                "call:2026-Q4", "visit:2025-H2", "visit:2026-H1", "visit:2026-H2",
                "deed:2026"]),
        (10**9, ["call:2025-Q3", "call:2025-Q4", "call:2026-Q1", "call:2026-Q2", "call:2026-Q3",
              "call:2026-Q4", "visit:2025-H2", "visit:2026-H1", "visit:2026-H2",
              "deed:2026"]),
    ],
)
def test_history_periods(history: int | None, keys: list[str]) -> None:
    # Begun 10 August 2025: 52 of 92 days left of Q3, 144 of 184 of H2, 144 of 365 of 2025.
    tenures = [Tenure(1, 10, D(2025, 8, 10))]
    result = obligations(DEFAULT_PROGRAM, tenures, [], D(2026, 11, 20), history_periods=history)
    assert [o.key for o in result] == keys


def test_history_periods_must_not_be_negative() -> None:
    with pytest.raises(ValueError, match="history_periods"):
        obligations(DEFAULT_PROGRAM, [], [], D(2026, 1, 1), history_periods=-1)


# --- clock and time zone ------------------------------------------------------------------------


def test_clock_set_back_shows_due_never_missed() -> None:
    tenures = [Tenure(1, 10, D(2026, 1, 1))]
    contacts = [ContactRecord(D(2026, 3, 31), CALL)]  # logged while the clock was right
    right = statuses(obligations(only(CALL, Q), tenures, contacts, D(2026, 4, 2)))
    assert right == {"call:2026-Q1": MET, "call:2026-Q2": DUE}
    # The clock jumps back two days: the contact is in "the future" and is ignored; Q1 runs
    # again and is due (not missed, not an error); Q2 has not begun.
    back = statuses(obligations(only(CALL, Q), tenures, contacts, D(2026, 3, 30)))
    assert back == {"call:2026-Q1": DUE}


@pytest.mark.parametrize("seed", range(5))
def test_earlier_today_never_changes_ended_periods(seed: int) -> None:
    rng = random.Random(seed)
    base = D(2024, 1, 1)
    tenures = [Tenure(1, 10, base + timedelta(days=rng.randrange(200)))]
    contacts = [ContactRecord(base + timedelta(days=rng.randrange(1000)), rng.choice([CALL, VISIT]))
                for _ in range(8)]
    later = base + timedelta(days=1000)
    for back in (1, 30, 200):
        earlier = later - timedelta(days=back)
        then = {o.key: o.status for o in obligations(DEFAULT_PROGRAM, tenures, contacts, earlier)}
        now = {o.key: o.status for o in obligations(DEFAULT_PROGRAM, tenures, contacts, later)}
        for o in obligations(DEFAULT_PROGRAM, tenures, contacts, earlier):
            if o.period.end <= earlier:
                assert then[o.key] == now[o.key]
            else:
                assert then[o.key] in (MET, DUE)


def test_time_zone_change_moves_today_not_contacts() -> None:
    instant = datetime(2026, 3, 31, 17, 0, tzinfo=UTC)  # 1 April 01:00 in Shanghai
    tenures = [Tenure(1, 10, D(2026, 1, 1))]
    contacts = [ContactRecord(D(2026, 3, 31), CALL)]
    shanghai = local_date(instant, ZoneInfo("Asia/Shanghai"))
    utc = local_date(instant, UTC)
    assert statuses(obligations(only(CALL, Q), tenures, contacts, shanghai)) == {
        "call:2026-Q1": MET, "call:2026-Q2": DUE}
    assert statuses(obligations(only(CALL, Q), tenures, [], shanghai)) == {
        "call:2026-Q1": MISSED, "call:2026-Q2": DUE}
    # Configured as UTC, the same instant is still 31 March: Q1 still runs.
    assert statuses(obligations(only(CALL, Q), tenures, [], utc)) == {"call:2026-Q1": DUE}


# --- reminders ----------------------------------------------------------------------------------


def due(kind: ContactKind, key: str) -> Obligation:
    """A due obligation for the period with that key."""
    period = period_from_key(key)
    return Obligation(Rule(kind, period.kind), period, DUE, period.last_day, None, 10, 1)


@pytest.mark.parametrize(
    ("kind", "key", "today", "stage"),
    [
        # quarter: first from the last month, final for the last 7 days
        (CALL, "2026-Q4", D(2026, 10, 1), None),
        (CALL, "2026-Q4", D(2026, 11, 30), None),
        (CALL, "2026-Q4", D(2026, 12, 1), FIRST),
        (CALL, "2026-Q4", D(2026, 12, 24), FIRST),
        (CALL, "2026-Q4", D(2026, 12, 25), FINAL),
        (CALL, "2026-Q4", D(2026, 12, 31), FINAL),
        (CALL, "2026-Q4", D(2027, 1, 1), None),
        (CALL, "2024-Q1", D(2024, 2, 29), None),
        (CALL, "2024-Q1", D(2024, 3, 1), FIRST),
        (CALL, "2024-Q1", D(2024, 3, 24), FIRST),
        (CALL, "2024-Q1", D(2024, 3, 25), FINAL),
        # half year: first from the last two months
        (VISIT, "2026-H1", D(2026, 4, 30), None),
        (VISIT, "2026-H1", D(2026, 5, 1), FIRST),
        (VISIT, "2026-H1", D(2026, 6, 23), FIRST),
        (VISIT, "2026-H1", D(2026, 6, 24), FINAL),
        (VISIT, "2026-H1", D(2026, 6, 30), FINAL),
        (VISIT, "2026-H2", D(2026, 10, 31), None),
        (VISIT, "2026-H2", D(2026, 11, 1), FIRST),
        (VISIT, "2026-H2", D(2026, 12, 25), FINAL),
        # year: first from the last two months
        (DEED, "2026", D(2026, 10, 31), None),
        (DEED, "2026", D(2026, 11, 1), FIRST),
        (DEED, "2026", D(2026, 12, 24), FIRST),
        (DEED, "2026", D(2026, 12, 25), FINAL),
        # month: first from the 15th
        (CALL, "2026-02", D(2026, 2, 14), None),
        (CALL, "2026-02", D(2026, 2, 15), FIRST),
        (CALL, "2026-02", D(2026, 2, 21), FIRST),
        (CALL, "2026-02", D(2026, 2, 22), FINAL),
        (CALL, "2026-02", D(2026, 2, 28), FINAL),
        (CALL, "2024-02", D(2024, 2, 22), FIRST),
        (CALL, "2024-02", D(2024, 2, 23), FINAL),
        (CALL, "2026-01", D(2026, 1, 25), FINAL),
        # the stage follows the period, not the contact kind
        (DEED, "2026-Q4", D(2026, 12, 1), FIRST),
        (DEED, "2026-Q4", D(2026, 11, 30), None),
    ],
)
def test_reminder_stage_edges(kind: ContactKind, key: str, today: date,
                              stage: Stage | None) -> None:
    assert reminder_stage(due(kind, key), today) == stage


@pytest.mark.parametrize("status", [MET, MISSED])
def test_no_reminder_unless_due(status: Status) -> None:
    period = period_from_key("2026-Q4")
    obligation = Obligation(Rule(CALL, Q), period, status, period.last_day,
                            D(2026, 10, 2) if status is MET else None, 10, 1)
    assert reminder_stage(obligation, D(2026, 12, 28)) is None


@pytest.mark.parametrize(
    ("key", "first", "final"),
    [
        ("2026-Q4", D(2026, 12, 1), D(2026, 12, 25)),
        ("2026-H1", D(2026, 5, 1), D(2026, 6, 24)),
        ("2026", D(2026, 11, 1), D(2026, 12, 25)),
        ("2026-02", D(2026, 2, 15), D(2026, 2, 22)),
    ],
)
def test_stage_start(key: str, first: date, final: date) -> None:
    period = period_from_key(key)
    assert (stage_start(period, FIRST), stage_start(period, FINAL)) == (first, final)


def test_reminder_stages_from_the_engine() -> None:
    result = obligations(DEFAULT_PROGRAM, [Tenure(1, 10, D(2026, 1, 1))],
                         [ContactRecord(D(2026, 8, 1), VISIT)], D(2026, 12, 26))
    stages = {o.key: reminder_stage(o, D(2026, 12, 26)) for o in result}
    assert stages["call:2026-Q4"] is FINAL
    assert stages["visit:2026-H2"] is None  # met in August
    assert stages["deed:2026"] is FINAL
    assert stages["call:2026-Q3"] is None  # missed


# --- fast path ----------------------------------------------------------------------------------


def test_current_statuses_columns() -> None:
    today = D(2026, 11, 20)
    since = [D(2026, 1, 1), D(2026, 11, 16), D(2026, 11, 17), D(2026, 1, 1), D(2026, 1, 1)]
    until: list[date | None] = [None, None, None, D(2026, 12, 1), D(2027, 1, 1)]
    latest: dict[ContactKind, list[date | None]] = {
        CALL: [None, D(2026, 11, 18), None, None, D(2026, 9, 30)],
        VISIT: [D(2026, 10, 2), None, None, None, D(2026, 7, 1)],
    }
    result = current_statuses(DEFAULT_PROGRAM, today, since, until, latest)
    assert result[Rule(CALL, Q)] == [MET, MET, None, None, DUE]
    assert result[Rule(VISIT, H)] == [MET, None, None, None, MET]
    assert result[Rule(DEED, Y)] == [DUE, None, None, None, DUE]  # no deed column: none logged
    counts = current_status_counts(DEFAULT_PROGRAM, today, since, until, latest)
    assert counts[Rule(CALL, Q)] == {MET: 2, DUE: 1}
    assert counts[Rule(DEED, Y)] == {MET: 0, DUE: 2}


def test_current_statuses_ignores_contacts_after_today() -> None:
    # Storage should pass the latest contact on or before today; if a clock set back lets a
    # later one through, the fast path says what obligations() says: not met by it.
    today = D(2026, 11, 20)
    latest: dict[ContactKind, list[date | None]] = {
        CALL: [D(2026, 11, 21)], VISIT: [D(2026, 11, 22)], DEED: [D(2026, 12, 1)]}
    result = current_statuses(DEFAULT_PROGRAM, today, [D(2026, 1, 1)], [None], latest)
    assert [result[rule][0] for rule in DEFAULT_PROGRAM.rules] == [DUE, DUE, DUE]


def test_current_statuses_refuses_misaligned_columns() -> None:
    with pytest.raises(ValueError, match="align"):
        current_statuses(DEFAULT_PROGRAM, D(2026, 1, 1), [D(2025, 1, 1)], [], {})


@pytest.mark.parametrize("seed", range(3))
def test_fast_path_agrees_with_the_full_engine(seed: int) -> None:
    rng = random.Random(seed)
    program = Program(7, "mixed", (Rule(CALL, Q), Rule(VISIT, H), Rule(DEED, Y), Rule(CALL, M)))
    for _ in range(300):
        today = D(2024, 1, 1) + timedelta(days=rng.randrange(800))
        since = today - timedelta(days=rng.randrange(400))
        until = rng.choice([None, today + timedelta(days=rng.randrange(1, 200))])
        latest: dict[ContactKind, list[date | None]] = {}
        contacts = []
        for kind in (CALL, VISIT, DEED):
            day = rng.choice([None, today - timedelta(days=rng.randrange(300))])
            latest[kind] = [day]
            if day is not None:
                contacts.append(ContactRecord(day, kind))
        fast = current_statuses(program, today, [since], [until], latest)
        full = {o.rule: o.status for o in obligations(program, [Tenure(1, 10, since, until)],
                                                      contacts, today, history_periods=0)}
        for rule in program.rules:
            assert fast[rule][0] == full.get(rule), (today, since, until, latest, rule)
        # The running period of each owed rule really is the period containing today.
        for rule in full:
            assert period_containing(rule.period, today).start <= today


# --- the oldest contact a bulk read needs ----------------------------------------------------


@pytest.mark.parametrize(("rules", "history", "expected"), [
    ((Rule(CALL, Q),), 0, D(2026, 10, 1)),
    ((Rule(CALL, Q),), 1, D(2026, 7, 1)),
    ((Rule(CALL, M), Rule(DEED, Y)), 0, D(2026, 1, 1)),
    ((Rule(CALL, Q), Rule(VISIT, H)), 8, D(2022, 7, 1)),
    ((Rule(CALL, Q),), None, None),
    ((Rule(CALL, Q),), 10_000, None),  # before year 1: read everything
])
def test_earliest_needed_is_the_oldest_period_asked_for(
        rules: tuple[Rule, ...], history: int | None, expected: date | None) -> None:
    assert earliest_needed([Program(1, "p", rules)], D(2026, 12, 1), history) == expected


@pytest.mark.parametrize("seed", range(3))
def test_contacts_before_earliest_needed_change_no_obligation(seed: int) -> None:
    rng = random.Random(seed)
    program = Program(7, "mixed", (Rule(CALL, Q), Rule(VISIT, H), Rule(DEED, Y), Rule(CALL, M)))
    for _ in range(200):
        today = D(2024, 1, 1) + timedelta(days=rng.randrange(800))
        history = rng.randrange(4)
        tenures = [Tenure(1, 10, today - timedelta(days=rng.randrange(1500)))]
        contacts = [ContactRecord(today - timedelta(days=rng.randrange(1500)),
                                  rng.choice([CALL, VISIT, DEED, OTHER])) for _ in range(12)]
        since = earliest_needed([program], today, history)
        assert since is not None
        kept = [c for c in contacts if c.day >= since]
        assert (obligations(program, tenures, kept, today, history_periods=history)
                == obligations(program, tenures, contacts, today, history_periods=history))
