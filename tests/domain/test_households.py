"""Household fields, categories, services, dates of contacts: checked without storage."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from bot.domain.households import (
    PEOPLE_MAX,
    PEOPLE_REACHED_MAX,
    WELLBEING_MAX,
    WELLBEING_MIN,
    Category,
    Service,
    can_correct,
    check_contact_day,
    check_household,
    parse_category,
    parse_count,
    parse_day,
    parse_services,
    toggle_service,
)

TODAY = date(2026, 3, 31)


@pytest.mark.parametrize(("text", "expected"), [
    ("低保", Category.DIBAO), ("dibao", Category.DIBAO), (" 低边 ", Category.DIBIAN),
    ("特困", Category.TEKUN), ("Elderly living alone", Category.ELDERLY_ALONE),
    ("事实无人抚养儿童", Category.UNSUPPORTED_CHILD),
    ("child_difficulty", Category.CHILD_DIFFICULTY),
    ("long-term unemployed", Category.UNEMPLOYED), ("其他", Category.OTHER),
    ("", None), ("富裕", None),
])
def test_category_from_code_chinese_or_english(text: str, expected: Category | None) -> None:
    assert parse_category(text) is expected


def test_valid_household_is_normalised() -> None:
    data, problems = check_household(name=" 张大爷 ", area_id=1, address="东门路12号",
                                     people="２", category="独居老人", phone="138 0000 0001",
                                     external_id="LH-0001")
    assert problems == []
    assert data is not None
    assert (data.name, data.people_count, data.category) == ("张大爷", 2, Category.ELDERLY_ALONE)
    assert data.phone == "13800000001"
    assert data.external_id == "LH-0001"


def test_every_problem_is_reported_at_once() -> None:
    data, problems = check_household(name="", area_id=None, address="x" * 300, people="three",
                                     category="rich", phone="call me", external_id="bad id!")
    assert data is None
    assert {(p.field, p.code) for p in problems} == {
        ("name", "required"), ("address", "too_long"), ("people", "bad_count"),
        ("category", "unknown_category"), ("phone", "bad_phone"),
        ("external_id", "bad_external_id"),
    }


@pytest.mark.parametrize("people", ["0", "-1", str(PEOPLE_MAX + 1), "2.5", "二"])
def test_people_count_out_of_range_or_not_a_number(people: str) -> None:
    _, problems = check_household(name="a", area_id=None, address="", people=people,
                                  category="other")
    assert [p.code for p in problems] == ["bad_count"]


def test_people_count_accepts_spreadsheet_whole_numbers() -> None:
    data, _ = check_household(name="a", area_id=None, address="", people="3.0", category="other")
    assert data is not None and data.people_count == 3


@pytest.mark.parametrize(("text", "expected"), [
    ("2026-03-05", date(2026, 3, 5)), ("2026/3/5", date(2026, 3, 5)),
    ("2026年3月5日", date(2026, 3, 5)), ("3月5日", date(2026, 3, 5)), ("3-5", date(2026, 3, 5)),
    ("2024-02-29", date(2024, 2, 29)), ("2026-02-29", None), ("2026-13-01", None),
    ("yesterday", None), ("", None), ("2026-03-05 00:00:00", date(2026, 3, 5)),
])
def test_dates_typed_or_written_in_files(text: str, expected: date | None) -> None:
    assert parse_day(text, TODAY) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("3月5号", date(2026, 3, 5)), ("3月5日", date(2026, 3, 5)),
    ("3 月 5 号", date(2026, 3, 5)), ("3月 5号", date(2026, 3, 5)),
    ("２０２６年３月５号", date(2026, 3, 5)), ("2026年3月5号", date(2026, 3, 5)),
    ("2026 年 3 月 5 号", date(2026, 3, 5)), ("11月15号", date(2025, 11, 15)),
    ("12月28号", date(2025, 12, 28)),  # before today: last year's
    ("3月32号", None), ("2026年2月29号", None), ("5号", None), ("3月5号号", None),
    ("3月号", None),
])
def test_a_day_written_with_hao_is_read_as_with_ri(text: str, expected: date | None) -> None:
    assert parse_day(text, TODAY) == expected


@pytest.mark.parametrize(("text", "today", "expected"), [
    ("12月28日", date(2027, 1, 5), date(2026, 12, 28)),  # typed in January: last December
    ("1-5", date(2027, 1, 5), date(2027, 1, 5)),  # today itself
    ("1月6日", date(2027, 1, 5), date(2026, 1, 6)),  # tomorrow's date: a year back
    ("2-29", date(2028, 3, 1), date(2028, 2, 29)),  # a leap day this year
    ("2-29", date(2028, 1, 5), None),  # a leap day a year back: there was none in 2027
])
def test_a_date_without_a_year_is_the_last_such_day_up_to_today(
        text: str, today: date, expected: date | None) -> None:
    assert parse_day(text, today) == expected


def test_contact_day_not_in_future_nor_more_than_a_year_back() -> None:
    assert check_contact_day(TODAY, TODAY) is None
    assert check_contact_day(TODAY + timedelta(days=1), TODAY) == "future"
    assert check_contact_day(TODAY - timedelta(days=366), TODAY) is None
    assert check_contact_day(TODAY - timedelta(days=367), TODAY) == "too_old"


def test_correction_window_is_24_hours() -> None:
    logged = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    assert can_correct(logged, logged + timedelta(hours=23, minutes=59))
    assert not can_correct(logged, logged + timedelta(hours=24))


def test_scores_and_counts() -> None:
    assert parse_count("5", WELLBEING_MAX, minimum=WELLBEING_MIN) == 5
    assert parse_count("6", WELLBEING_MAX, minimum=WELLBEING_MIN) is None
    assert parse_count("0", WELLBEING_MAX, minimum=WELLBEING_MIN) is None
    assert parse_count("3人", PEOPLE_REACHED_MAX) == 3
    assert parse_count("abc", PEOPLE_REACHED_MAX) is None


def test_services_toggle_and_stored_form() -> None:
    chosen = toggle_service([], "tutoring")
    assert chosen == ["tutoring"]
    chosen = toggle_service(chosen, "counselling")
    assert chosen == ["counselling", "tutoring"]  # kept in the catalogue's order
    assert toggle_service(chosen, "tutoring") == ["counselling"]
    assert toggle_service(chosen, "forged") is None
    assert parse_services(["comfort", "nope", "comfort"]) == (Service.COMFORT,)
    assert parse_services("not a list") == ()
    assert len(Service) == 10


# -- several categories (rosters) --------------------------------------------------------------


@pytest.mark.parametrize(("text", "codes", "unknown"), [
    ("低保户、重残", ("dibao", "severe_disability"), []),
    ("低保对象；长期失业（失业登记超过半年）", ("dibao", "unemployed"), []),
    ("特困供养人员,独居老人", ("tekun", "elderly_alone"), []),
    ("低保, 低保户，重病 ; 孤儿", ("dibao", "serious_illness", "orphan"), []),
    ("ＤＩＢＡＯ", ("dibao",), []),
    ("低保、富裕户、", ("dibao",), ["富裕户"]),
    ("", (), []),
])
def test_parse_categories(text: str, codes: tuple[str, ...], unknown: list[str]) -> None:
    from bot.domain.households import parse_categories

    found, bad = parse_categories(text)
    assert (tuple(c.value for c in found), bad) == (codes, unknown)


def test_toggling_categories_keeps_the_first_chosen_first() -> None:
    from bot.domain.households import toggle_category

    chosen = toggle_category([], "elderly_alone") or []
    chosen = toggle_category(chosen, "dibao") or []
    assert chosen == ["elderly_alone", "dibao"]
    assert toggle_category(chosen, "elderly_alone") == ["dibao"]
    assert toggle_category(chosen, "rich") is None


def test_several_categories_are_checked_and_the_first_is_primary() -> None:
    data, problems = check_household(name="a", area_id=None, address="", people="1",
                                     category="重残、低保")
    assert problems == [] and data is not None
    assert data.category is Category.SEVERE_DISABILITY
    assert data.all_categories == (Category.SEVERE_DISABILITY, Category.DIBAO)
    _, problems = check_household(name="a", area_id=None, address="", people="1",
                                  category="低保、富裕")
    assert [(p.code, p.values) for p in problems] == [("unknown_category", {"value": "富裕"})]
