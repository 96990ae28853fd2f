"""The figures' pure rules: typed ranges, named periods, the previous span, folding rows."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.domain import figures as fg
from bot.domain.cadence import ContactKind, Obligation, Rule, Status
from bot.domain.periods import PeriodKind, period_containing

ZONE = ZoneInfo("Asia/Shanghai")
D = date


@pytest.mark.parametrize(("text", "start", "end"), [
    ("2026-01-01 2026-03-31", D(2026, 1, 1), D(2026, 3, 31)),
    ("  2026/1/1   2026.3.31 ", D(2026, 1, 1), D(2026, 3, 31)),
    ("2026-01-01 至 2026-03-31", D(2026, 1, 1), D(2026, 3, 31)),
    ("2026-01-01 ~ 2026-01-01", D(2026, 1, 1), D(2026, 1, 1)),
    ("2024-02-29 2024-02-29", D(2024, 2, 29), D(2024, 2, 29)),
    ("2021-01-01 2025-12-31", D(2021, 1, 1), D(2025, 12, 31)),  # five years, a leap day in
])
def test_typed_ranges(text: str, start: date, end: date) -> None:
    assert fg.parse_span(text) == fg.Span(start, end)


@pytest.mark.parametrize(("text", "problem"), [
    ("", fg.SpanProblem.FORMAT),
    ("2026-01-01", fg.SpanProblem.FORMAT),
    ("last week", fg.SpanProblem.FORMAT),
    ("2026-01-01 2026-03-31 2026-04-01", fg.SpanProblem.FORMAT),
    ("2026-02-30 2026-03-31", fg.SpanProblem.DATE),
    ("2025-02-29 2025-03-31", fg.SpanProblem.DATE),
    ("2026-13-01 2026-12-31", fg.SpanProblem.DATE),
    ("2026-03-31 2026-01-01", fg.SpanProblem.REVERSED),
    ("2020-01-01 2025-01-02", fg.SpanProblem.TOO_LONG),
])
def test_refused_ranges(text: str, problem: fg.SpanProblem) -> None:
    with pytest.raises(fg.SpanError) as refused:
        fg.parse_span(text)
    assert refused.value.problem is problem


Q1 = fg.Span(D(2026, 1, 1), D(2026, 3, 31))


@pytest.mark.parametrize(("text", "span", "rest"), [
    ("2026-01-01 2026-03-31", Q1, ""),
    ("2026-01-01 2026-03-31 陈社工", Q1, "陈社工"),
    ("2026-01-01 至 2026-03-31 7001", Q1, "7001"),  # the dates' own words are not a name
    ("2026-01-01 2026-03-31  Liu  Wei ", Q1, "Liu Wei"),  # a name of two words
    ("2026/1/1 2026.3.31 陈", Q1, "陈"),
    ("陈社工", None, "陈社工"),  # no dates: a name alone (or nothing /stats can read)
    ("last  week", None, "last week"),
    ("2026-01-01 陈社工", None, "2026-01-01 陈社工"),
])
def test_dates_and_whose_figures(text: str, span: fg.Span | None, rest: str) -> None:
    assert fg.split_span(text) == (span, rest)


@pytest.mark.parametrize(("text", "problem"), [
    ("2026-02-30 2026-03-31 陈社工", fg.SpanProblem.DATE),  # dates, wrong: said as dates
    ("2026-03-31 2026-01-01 7001", fg.SpanProblem.REVERSED),
    ("2020-01-01 2025-01-02 Liu", fg.SpanProblem.TOO_LONG),
])
def test_wrong_dates_before_a_name_are_refused_as_dates(text: str,
                                                       problem: fg.SpanProblem) -> None:
    with pytest.raises(fg.SpanError) as refused:
        fg.split_span(text)
    assert refused.value.problem is problem


@pytest.mark.parametrize(("name", "today", "start", "end"), [
    ("month", D(2026, 11, 18), D(2026, 11, 1), D(2026, 11, 30)),
    ("last_month", D(2026, 1, 5), D(2025, 12, 1), D(2025, 12, 31)),
    ("quarter", D(2026, 12, 31), D(2026, 10, 1), D(2026, 12, 31)),
    ("last_quarter", D(2026, 1, 1), D(2025, 10, 1), D(2025, 12, 31)),
    ("year", D(2024, 2, 29), D(2024, 1, 1), D(2024, 12, 31)),
])
def test_named_periods(name: str, today: date, start: date, end: date) -> None:
    assert fg.preset(name, today) == fg.Span(start, end)


@pytest.mark.parametrize(("start", "end", "before_start", "before_end"), [
    (D(2026, 3, 1), D(2026, 3, 31), D(2026, 2, 1), D(2026, 2, 28)),  # March: all of February
    (D(2024, 3, 1), D(2024, 3, 31), D(2024, 2, 1), D(2024, 2, 29)),  # ... a leap year's
    (D(2024, 2, 1), D(2024, 2, 29), D(2024, 1, 1), D(2024, 1, 31)),  # a leap February
    (D(2026, 4, 1), D(2026, 6, 30), D(2026, 1, 1), D(2026, 3, 31)),  # 91 days; Q1 is 90
    (D(2026, 1, 1), D(2026, 3, 31), D(2025, 10, 1), D(2025, 12, 31)),  # Q1: last year's Q4
    (D(2026, 7, 1), D(2026, 12, 31), D(2026, 1, 1), D(2026, 6, 30)),  # a half year
    (D(2026, 1, 1), D(2026, 6, 30), D(2025, 7, 1), D(2025, 12, 31)),
    (D(2024, 1, 1), D(2024, 12, 31), D(2023, 1, 1), D(2023, 12, 31)),  # a leap year: 2023
    (D(2025, 1, 1), D(2025, 12, 31), D(2024, 1, 1), D(2024, 12, 31)),  # ... and the one after
])
def test_a_calendar_period_is_compared_with_the_one_before(
        start: date, end: date, before_start: date, before_end: date) -> None:
    assert fg.Span(start, end).previous() == fg.Span(before_start, before_end)


@pytest.mark.parametrize(("start", "end", "before_start", "before_end"), [
    (D(2024, 3, 1), D(2024, 3, 1), D(2024, 2, 29), D(2024, 2, 29)),  # one day
    (D(2026, 3, 2), D(2026, 3, 31), D(2026, 1, 31), D(2026, 3, 1)),  # not quite a month
    (D(2026, 3, 1), D(2026, 4, 30), D(2025, 12, 30), D(2026, 2, 28)),  # two months
    (D(2026, 4, 1), D(2026, 9, 30), D(2025, 9, 30), D(2026, 3, 31)),  # Q2+Q3: no half year
    (D(2025, 7, 1), D(2026, 6, 30), D(2024, 7, 1), D(2025, 6, 30)),  # a year, not calendar
])
def test_the_previous_span_has_the_same_length(start: date, end: date, before_start: date,
                                                before_end: date) -> None:
    """Only for free ranges: a calendar period is compared with the one before (above)."""
    span = fg.Span(start, end)
    before = span.previous()
    assert before == fg.Span(before_start, before_end)
    assert before.days == span.days


def test_span_code_round_trips_and_refuses_forgeries() -> None:
    span = fg.Span(D(2026, 1, 1), D(2026, 3, 31))
    assert span.code == "20260101-20260331" and fg.Span.from_code(span.code) == span
    for forged in ("20260331-20260101", "2026-01-01", "20261301-20261302", "x" * 64):
        with pytest.raises(fg.SpanError):
            fg.Span.from_code(forged)


def _obligation(kind: ContactKind, period: PeriodKind, day: date, status: Status
                ) -> Obligation:
    p = period_containing(period, day)
    return Obligation(Rule(kind, period), p, status, p.last_day, None, 1, 1)


class _Item:
    def __init__(self, obligation: Obligation, program_id: int = 1) -> None:
        self.obligation = obligation
        self.program_id = program_id


def test_promise_kept_counts_obligations_whose_period_overlaps() -> None:
    items = [_Item(_obligation(ContactKind.CALL, PeriodKind.QUARTER, D(2026, 8, 1),
                               Status.MISSED)),
             _Item(_obligation(ContactKind.CALL, PeriodKind.QUARTER, D(2026, 11, 1),
                               Status.MET)),
             _Item(_obligation(ContactKind.VISIT, PeriodKind.HALF_YEAR, D(2026, 11, 1),
                               Status.DUE))]
    q4, q3 = fg.Span(D(2026, 10, 1), D(2026, 12, 31)), fg.Span(D(2026, 7, 1), D(2026, 9, 30))
    now, before = fg.kept_many(items, (q4, q3), fg.program_rule)
    call, visit = Rule(ContactKind.CALL, PeriodKind.QUARTER), Rule(ContactKind.VISIT,
                                                                     PeriodKind.HALF_YEAR)
    assert now == {(1, call): fg.Kept(1, 0, 0), (1, visit): fg.Kept(0, 1, 0)}
    assert before == {(1, call): fg.Kept(0, 0, 1), (1, visit): fg.Kept(0, 1, 0)}
    assert fg.kept(items, q4, fg.program_rule) == now


def test_time_to_take_median_and_90th_percentile() -> None:
    created = datetime(2026, 10, 5, 2, 0, tzinfo=UTC)
    rows = [fg.ReportRow(n, "health", "", created, created + timedelta(hours=h))
            for n, h in enumerate([3, 1, 2, 10, 4, 5, 6, 7, 8, 9], start=1)]
    found = fg.report_figures(rows, fg.Span(D(2026, 10, 1), D(2026, 10, 31)), ZONE)
    assert found.received == found.taken == 10
    assert found.take_median == timedelta(hours=5)  # the lower middle of ten
    assert found.take_p90 == timedelta(hours=9)  # nearest rank: the 9th of 10


def test_a_report_near_midnight_belongs_to_its_local_day() -> None:
    late = datetime(2026, 9, 30, 16, 30, tzinfo=UTC)  # 00:30 on 1 October in Shanghai
    found = fg.report_figures([fg.ReportRow(1, "health", "", late, None)],
                              fg.Span(D(2026, 10, 1), D(2026, 10, 31)), ZONE)
    assert found.received == 1 and found.take_median is None


def test_figures_of_rows() -> None:
    span = fg.Span(D(2026, 10, 1), D(2026, 10, 31))
    homes = [fg.HouseholdRow(1, 3, (("category", "dibao"), ("area", "A"))),
             fg.HouseholdRow(2, 1, (("category", "tekun"), ("area", "A"))),
             fg.HouseholdRow(3, 2, (("category", "dibao"), ("area", "B")), archived=True)]
    pairings = [fg.PairingRow(1, 7, 1, D(2026, 1, 1), None),
                fg.PairingRow(2, 7, 1, D(2026, 1, 1), D(2026, 10, 1)),  # ended before
                fg.PairingRow(3, 8, 1, D(2026, 10, 31), None)]
    contacts = [fg.ContactRow(1, "call", D(2026, 10, 2), 2, ("comfort",)),
                fg.ContactRow(1, "visit", D(2026, 10, 9), 3, ("comfort", "tutoring")),
                fg.ContactRow(3, "other", D(2026, 10, 31), 1),
                fg.ContactRow(2, "call", D(2026, 11, 1), 1)]  # outside the span
    found = fg.compute(span, homes, pairings, contacts, [], {}, ZONE,
                       services=["comfort", "tutoring", "capacity"])
    assert found.registered == fg.Count(2, 4)
    assert found.paired == fg.Count(2, 5)
    assert found.covered == fg.Count(2, 5)  # an archived household's past contact counts
    assert found.person_times == 6 and found.contacts == 3
    assert found.contacts_by_kind == {"call": 1, "visit": 1, "deed": 0, "other": 1}
    assert found.services == {"comfort": 2, "tutoring": 1, "capacity": 0}
    assert (found.pairs.workers, found.pairs.households) == (2, 2)
    assert found.breakdowns["area"]["A"] == fg.Reach(fg.Count(2, 4), fg.Count(1, 3), 5, 2)
    assert found.breakdowns["area"]["B"] == fg.Reach(fg.Count(0, 0), fg.Count(1, 2), 1, 1)
    assert found.breakdowns["category"]["tekun"] == fg.Reach(fg.Count(1, 1), fg.Count(), 0, 0)


def test_a_zero_length_pairing_is_never_active() -> None:
    span = fg.Span(D(2026, 10, 1), D(2026, 10, 31))
    assert not fg.PairingRow(1, 7, 1, D(2026, 10, 5), D(2026, 10, 5)).active_in(span)
    assert fg.PairingRow(1, 7, 1, D(2026, 9, 5), D(2026, 10, 2)).active_in(span)
    assert not fg.PairingRow(1, 7, 1, D(2026, 11, 1), None).active_in(span)
