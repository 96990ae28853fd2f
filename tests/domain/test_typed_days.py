"""A day typed at a date question the way people say it, seen from a given today."""

from __future__ import annotations

from datetime import date

import pytest

from bot.domain.typed_days import NoSuchDay, read_day

TODAY = date(2026, 11, 20)  # a Friday


@pytest.mark.parametrize(("text", "expected"), [
    ("今天", date(2026, 11, 20)), ("昨天", date(2026, 11, 19)), ("前天", date(2026, 11, 18)),
    (" 昨日 ", date(2026, 11, 19)), ("大前天", date(2026, 11, 17)),
    ("明天", date(2026, 11, 21)),  # read, so that it is refused as a future day
    ("3天前", date(2026, 11, 17)),
    ("today", date(2026, 11, 20)), ("Yesterday", date(2026, 11, 19)),
    ("the day before  yesterday", date(2026, 11, 18)), ("2 days ago", date(2026, 11, 18)),
    ("tomorrow", date(2026, 11, 21)),
])
def test_days_counted_back_from_today(text: str, expected: date) -> None:
    assert read_day(text, TODAY) == expected


@pytest.mark.parametrize(("text", "today", "expected"), [
    ("15号", TODAY, date(2026, 11, 15)), ("15日", TODAY, date(2026, 11, 15)),
    ("１５号", TODAY, date(2026, 11, 15)), ("20号", TODAY, date(2026, 11, 20)),  # today
    ("25号", TODAY, date(2026, 10, 25)),  # still ahead this month: last month's
    ("the 15th", TODAY, date(2026, 11, 15)), ("3rd", TODAY, date(2026, 11, 3)),
    ("28号", date(2027, 1, 5), date(2026, 12, 28)),  # in January: last December
    ("31号", date(2026, 3, 5), NoSuchDay(2026, 2, 31)),  # ahead, and February has no 31st
    ("29号", date(2028, 3, 1), date(2028, 2, 29)),  # a leap day
    ("32号", TODAY, None), ("0号", TODAY, None),
])
def test_a_day_of_the_month_alone(text: str, today: date,
                                  expected: date | NoSuchDay | None) -> None:
    assert read_day(text, today) == expected


@pytest.mark.parametrize(("text", "today", "expected"), [
    ("Nov 15", TODAY, date(2026, 11, 15)), ("15 Nov", TODAY, date(2026, 11, 15)),
    ("November 15th", TODAY, date(2026, 11, 15)), ("15th of November", TODAY,
                                                   date(2026, 11, 15)),
    ("nov. 15", TODAY, date(2026, 11, 15)), ("Nov 15, 2025", TODAY, date(2025, 11, 15)),
    ("Dec 28", TODAY, date(2025, 12, 28)),  # ahead this year: last year's
    ("Dec 28", date(2027, 1, 5), date(2026, 12, 28)),
    ("Feb 30", TODAY, NoSuchDay(2026, 2, 30)), ("Foo 15", TODAY, None),
    ("15/11", TODAY, date(2026, 11, 15)), ("15/11/2026", TODAY, date(2026, 11, 15)),
    ("11/15", TODAY, date(2026, 11, 15)),  # month first, as before
    ("3/5", TODAY, date(2026, 3, 5)),  # both could be a month: month first, as before
    ("31/2", TODAY, NoSuchDay(2026, 2, 31)),
])
def test_a_month_by_name_or_a_day_first_date(text: str, today: date,
                                             expected: date | NoSuchDay | None) -> None:
    assert read_day(text, today) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("2026-03-05", date(2026, 3, 5)), ("2026年3月5号", date(2026, 3, 5)),
    ("11月15号", date(2026, 11, 15)), ("2027-01-01", date(2027, 1, 1)),  # future: the step
    ("", None), ("好的", None), ("15", None), ("上周", None),
])
def test_written_dates_still_read_and_other_text_is_no_day(text: str,
                                                          expected: date | None) -> None:
    assert read_day(text, TODAY) == expected


@pytest.mark.parametrize(("text", "today", "expected", "days"), [
    # a day of the month alone, still ahead: last month's, which is too short
    ("30号", date(2026, 3, 1), NoSuchDay(2026, 2, 30), 28),
    ("29号", date(2026, 3, 1), NoSuchDay(2026, 2, 29), 28),  # not a leap year
    ("the 31st", date(2026, 5, 3), NoSuchDay(2026, 4, 31), 30),
    ("31号", date(2027, 1, 5), date(2026, 12, 31), 31),  # December has it
    # a leap day without a year: this year's, or last year's when still ahead
    ("Feb 29", date(2026, 11, 20), NoSuchDay(2026, 2, 29), 28),
    ("29 February", date(2027, 1, 10), NoSuchDay(2026, 2, 29), 28),
    ("Feb 29", date(2028, 3, 1), date(2028, 2, 29), 29),
    ("2月29日", date(2026, 11, 20), NoSuchDay(2026, 2, 29), 28),
    ("2-29", date(2027, 1, 10), NoSuchDay(2026, 2, 29), 28),
    # with a year
    ("2026-02-30", TODAY, NoSuchDay(2026, 2, 30), 28),
    ("2026年4月31日", TODAY, NoSuchDay(2026, 4, 31), 30),
    ("2024年2月30号", TODAY, NoSuchDay(2024, 2, 30), 29),
    ("31 Sep 2026", TODAY, NoSuchDay(2026, 9, 31), 30),
    ("31/6/2026", TODAY, NoSuchDay(2026, 6, 31), 30),
    # no month has these: words that name no day, not a day a month lacks
    ("32号", TODAY, None, 0), ("2026-13-01", TODAY, None, 0), ("13月5日", TODAY, None, 0),
    ("2026-02-00", TODAY, None, 0), ("Feb 32", TODAY, None, 0),
])
def test_a_day_its_month_does_not_have_is_told_apart_from_no_day(
        text: str, today: date, expected: date | NoSuchDay | None, days: int) -> None:
    found = read_day(text, today)
    assert found == expected
    if isinstance(found, NoSuchDay):
        assert found.days == days
