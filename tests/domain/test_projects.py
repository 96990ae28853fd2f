"""Micro-projects: the period a coordinator types, and the name."""

from __future__ import annotations

from datetime import date

import pytest

from bot.domain.projects import PeriodProblem, clean_name, parse_period

SEP_DEC = (date(2026, 9, 1), date(2026, 12, 31))


@pytest.mark.parametrize(("typed", "expected"), [
    ("2026-09-01 至 2026-12-31", SEP_DEC),
    ("2026-09-01~2026-12-31", SEP_DEC),
    ("2026-9-1 到 2026-12-31", SEP_DEC),
    ("２０２６-09-01～2026-12-31", SEP_DEC),  # full-width, as typed on a Chinese keyboard
    ("2026-09-01 to 2026-12-31", SEP_DEC),
    ("2026-09-01 - 2026-12-31", SEP_DEC),
    ("2026-03-01 至 2026-03-01", (date(2026, 3, 1), date(2026, 3, 1))),  # one day
    ("2026-12-31 至 2026-09-01", PeriodProblem.BACKWARDS),
    ("2026-02-30 至 2026-03-31", PeriodProblem.UNREADABLE),
    ("九月到年底", PeriodProblem.UNREADABLE),
    ("2026-09-01", PeriodProblem.UNREADABLE),
    ("2026-01-01 至 2030-01-01", PeriodProblem.TOO_LONG),
])
def test_periods(typed: str, expected: object) -> None:
    assert parse_period(typed) == expected


def test_names_are_tidied_and_bounded() -> None:
    assert clean_name("  长者  助餐点 ") == "长者 助餐点"
    assert clean_name("") is None and clean_name("x" * 41) is None
