"""Calendar periods and local dates, as tables of dates."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.domain.periods import (
    Period,
    PeriodKind,
    local_date,
    local_midnight,
    period_containing,
    period_from_key,
)

M, Q, H, Y = PeriodKind.MONTH, PeriodKind.QUARTER, PeriodKind.HALF_YEAR, PeriodKind.YEAR
SHANGHAI = ZoneInfo("Asia/Shanghai")
D = date


@pytest.mark.parametrize(
    ("kind", "day", "start", "end", "key"),
    [
        (Q, D(2026, 3, 31), D(2026, 1, 1), D(2026, 4, 1), "2026-Q1"),
        (Q, D(2026, 4, 1), D(2026, 4, 1), D(2026, 7, 1), "2026-Q2"),
        (Q, D(2026, 6, 30), D(2026, 4, 1), D(2026, 7, 1), "2026-Q2"),
        (Q, D(2026, 7, 1), D(2026, 7, 1), D(2026, 10, 1), "2026-Q3"),
        (Q, D(2026, 9, 30), D(2026, 7, 1), D(2026, 10, 1), "2026-Q3"),
        (Q, D(2026, 10, 1), D(2026, 10, 1), D(2027, 1, 1), "2026-Q4"),
        (Q, D(2026, 12, 31), D(2026, 10, 1), D(2027, 1, 1), "2026-Q4"),
        (Q, D(2027, 1, 1), D(2027, 1, 1), D(2027, 4, 1), "2027-Q1"),
        (H, D(2026, 6, 30), D(2026, 1, 1), D(2026, 7, 1), "2026-H1"),
        (H, D(2026, 7, 1), D(2026, 7, 1), D(2027, 1, 1), "2026-H2"),
        (H, D(2026, 12, 31), D(2026, 7, 1), D(2027, 1, 1), "2026-H2"),
        (Y, D(2026, 12, 31), D(2026, 1, 1), D(2027, 1, 1), "2026"),
        (Y, D(2027, 1, 1), D(2027, 1, 1), D(2028, 1, 1), "2027"),
        (M, D(2024, 2, 29), D(2024, 2, 1), D(2024, 3, 1), "2024-02"),
        (M, D(2026, 11, 30), D(2026, 11, 1), D(2026, 12, 1), "2026-11"),
        (M, D(2026, 12, 31), D(2026, 12, 1), D(2027, 1, 1), "2026-12"),
    ],
)
def test_period_containing(kind: PeriodKind, day: date, start: date, end: date,
                           key: str) -> None:
    period = period_containing(kind, day)
    assert (period.kind, period.start, period.end, period.key) == (kind, start, end, key)
    assert day in period
    assert end not in period
    assert period.last_day == end - timedelta(days=1)


@pytest.mark.parametrize(
    ("kind", "day", "days"),
    [
        (Q, D(2025, 1, 1), 90),
        (Q, D(2024, 1, 1), 91),  # leap year: 29 February
        (Q, D(2025, 4, 1), 91),
        (Q, D(2025, 7, 1), 92),
        (Q, D(2025, 10, 1), 92),
        (H, D(2025, 1, 1), 181),
        (H, D(2024, 1, 1), 182),
        (H, D(2025, 7, 1), 184),
        (Y, D(2025, 1, 1), 365),
        (Y, D(2024, 1, 1), 366),
        (M, D(2025, 2, 1), 28),
        (M, D(2024, 2, 1), 29),
        (M, D(2100, 2, 1), 28),  # not a leap year: divisible by 100, not by 400
        (M, D(2000, 2, 1), 29),
    ],
)
def test_period_lengths(kind: PeriodKind, day: date, days: int) -> None:
    assert period_containing(kind, day).days == days


@pytest.mark.parametrize(
    ("key", "next_key", "previous_key"),
    [
        ("2026-Q4", "2027-Q1", "2026-Q3"),
        ("2026-Q1", "2026-Q2", "2025-Q4"),
        ("2026-H1", "2026-H2", "2025-H2"),
        ("2026-H2", "2027-H1", "2026-H1"),
        ("2026", "2027", "2025"),
        ("2026-12", "2027-01", "2026-11"),
        ("2026-01", "2026-02", "2025-12"),
    ],
)
def test_next_and_previous(key: str, next_key: str, previous_key: str) -> None:
    period = period_from_key(key)
    assert period.key == key
    assert period.next().key == next_key
    assert period.previous().key == previous_key
    assert period.next().start == period.end
    assert period.previous().end == period.start
    assert period.shift(0) == period
    assert period.shift(4).shift(-4) == period


@pytest.mark.parametrize(
    ("today", "left"),
    [
        (D(2026, 9, 1), 92),  # before the period: all of it
        (D(2026, 10, 1), 92),
        (D(2026, 12, 25), 7),
        (D(2026, 12, 31), 1),  # the last day still counts
        (D(2027, 1, 1), 0),
        (D(2027, 5, 1), 0),
    ],
)
def test_days_left(today: date, left: int) -> None:
    assert period_from_key("2026-Q4").days_left(today) == left


@pytest.mark.parametrize(
    ("key", "n", "first"),
    [
        ("2026-Q4", 1, D(2026, 12, 1)),
        ("2026-Q4", 3, D(2026, 10, 1)),
        ("2026-Q1", 1, D(2026, 3, 1)),
        ("2026-H1", 2, D(2026, 5, 1)),
        ("2026-H2", 2, D(2026, 11, 1)),
        ("2026", 2, D(2026, 11, 1)),
        ("2026", 12, D(2026, 1, 1)),
        ("2024-02", 1, D(2024, 2, 1)),
    ],
)
def test_last_months_start(key: str, n: int, first: date) -> None:
    assert period_from_key(key).last_months_start(n) == first


@pytest.mark.parametrize(("key", "n"), [("2026-Q4", 0), ("2026-Q4", 4), ("2026-11", 2)])
def test_last_months_start_refuses_impossible_counts(key: str, n: int) -> None:
    with pytest.raises(ValueError, match="month"):
        period_from_key(key).last_months_start(n)


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("month", M),
        ("quarter", Q),
        (" Quarter ", Q),
        ("half_year", H),
        ("half-year", H),
        ("Half Year", H),
        ("halfyear", H),
        ("YEAR", Y),
    ],
)
def test_period_kind_parse(text: str, kind: PeriodKind) -> None:
    assert PeriodKind.parse(text) is kind


@pytest.mark.parametrize("text", ["fortnight", "", "quarters", "6 months", "weekly"])
def test_period_kind_parse_refuses_nonsense(text: str) -> None:
    with pytest.raises(ValueError, match=r"unknown period kind .*expected one of: month, quarter"):
        PeriodKind.parse(text)


@pytest.mark.parametrize("key", ["2026-Q5", "2026-H3", "2026-13", "2026-00", "26-Q1", "2026Q1",
                                 "0000", "2026-q1", ""])
def test_period_from_key_refuses_nonsense(key: str) -> None:
    with pytest.raises(ValueError, match="not a period key"):
        period_from_key(key)


@pytest.mark.parametrize(
    ("kind", "start", "end"),
    [
        (Q, D(2026, 2, 1), D(2026, 5, 1)),  # not a quarter's first month
        (Q, D(2026, 1, 2), D(2026, 4, 1)),  # not a first day
        (Q, D(2026, 1, 1), D(2026, 3, 31)),  # wrong end (end is exclusive)
        (H, D(2026, 4, 1), D(2026, 10, 1)),
        (Y, D(2026, 1, 1), D(2026, 12, 31)),
    ],
)
def test_period_must_follow_the_calendar(kind: PeriodKind, start: date, end: date) -> None:
    with pytest.raises(ValueError, match="not a calendar"):
        Period(kind, start, end)


def test_period_containing_refuses_datetimes() -> None:
    # A UTC datetime's date part is the wrong day for eight hours of every Shanghai day.
    with pytest.raises(TypeError, match="local_date"):
        period_containing(Q, datetime(2026, 12, 31, 16, 0, tzinfo=UTC))


@pytest.mark.parametrize(
    ("utc", "local", "quarter"),
    [
        # 23:59:59 on 31 December in Shanghai: still the old year.
        (datetime(2026, 12, 31, 15, 59, 59, tzinfo=UTC), D(2026, 12, 31), "2026-Q4"),
        # 00:00 on 1 January in Shanghai while UTC is still on 31 December.
        (datetime(2026, 12, 31, 16, 0, 0, tzinfo=UTC), D(2027, 1, 1), "2027-Q1"),
        (datetime(2026, 12, 31, 23, 59, 59, tzinfo=UTC), D(2027, 1, 1), "2027-Q1"),
        (datetime(2026, 3, 31, 15, 59, tzinfo=UTC), D(2026, 3, 31), "2026-Q1"),
        (datetime(2026, 3, 31, 16, 0, tzinfo=UTC), D(2026, 4, 1), "2026-Q2"),
        (datetime(2026, 6, 30, 16, 0, tzinfo=UTC), D(2026, 7, 1), "2026-Q3"),
        # Leap day begins in Shanghai on the evening of 28 February UTC.
        (datetime(2024, 2, 28, 16, 0, tzinfo=UTC), D(2024, 2, 29), "2024-Q1"),
        (datetime(2024, 2, 29, 16, 0, tzinfo=UTC), D(2024, 3, 1), "2024-Q1"),
    ],
)
def test_local_date_in_shanghai(utc: datetime, local: date, quarter: str) -> None:
    today = local_date(utc, SHANGHAI)
    assert today == local
    assert period_containing(Q, today).key == quarter


def test_local_date_converts_from_any_zone() -> None:
    new_york = datetime(2026, 12, 31, 11, 0, tzinfo=ZoneInfo("America/New_York"))  # 16:00 UTC
    assert local_date(new_york, SHANGHAI) == D(2027, 1, 1)
    assert local_date(new_york, UTC) == D(2026, 12, 31)


def test_local_date_refuses_naive_datetimes() -> None:
    with pytest.raises(ValueError, match="naive"):
        local_date(datetime(2026, 12, 31, 23, 59), SHANGHAI)


@pytest.mark.parametrize(
    ("zone", "day", "wall"),
    [
        ("Asia/Shanghai", D(2027, 1, 1), datetime(2027, 1, 1, 0, 0)),
        ("Asia/Shanghai", D(2024, 2, 29), datetime(2024, 2, 29, 0, 0)),
        ("UTC", D(2026, 7, 1), datetime(2026, 7, 1, 0, 0)),
        # Chile moves clocks forward at midnight: 00:00 does not exist that day.
        ("America/Santiago", D(2022, 9, 11), datetime(2022, 9, 11, 1, 0)),
        # ...and back at midnight: 23:00-24:00 of the day before is repeated, 00:00 is once.
        ("America/Santiago", D(2022, 4, 3), datetime(2022, 4, 3, 0, 0)),
    ],
)
def test_local_midnight(zone: str, day: date, wall: datetime) -> None:
    tz = ZoneInfo(zone)
    first = local_midnight(day, tz)
    assert first.utcoffset() is not None
    assert first.replace(tzinfo=None) == wall
    assert local_date(first, tz) == day
    # Step back in UTC: arithmetic on an aware local datetime is wall-clock arithmetic.
    just_before = first.astimezone(UTC) - timedelta(microseconds=1)
    assert local_date(just_before, tz) == day - timedelta(days=1)
