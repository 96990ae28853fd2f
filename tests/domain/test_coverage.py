"""Where each rule stands by community, early-period switching, and the trend: pure tables."""

from __future__ import annotations

from datetime import date

import pytest

from bot.domain import coverage as cov
from bot.domain.cadence import DEFAULT_PROGRAM, ContactKind, ContactRecord, Tenure, obligations
from bot.domain.digest import Item
from bot.domain.periods import PeriodKind, period_from_key

SINCE = date(2025, 1, 1)


def house(hid: int, worker: int, area: str | None, today: date,
          *contacts: tuple[str, ContactKind]) -> list[Item]:
    records = [ContactRecord(date.fromisoformat(day), kind) for day, kind in contacts]
    owed = obligations(DEFAULT_PROGRAM, [Tenure(hid, worker, SINCE, None)], records, today,
                       history_periods=8)
    return [Item(hid, f"H{hid}", None, area, 1, "一对一", o) for o in owed]


def kinds(boards: list[cov.Board]) -> list[tuple[str, str, bool]]:
    return [(b.rule.kind.value, b.period.key, b.running) for b in boards]


MAY = date(2026, 5, 20)


def test_running_boards_by_community_furthest_behind_first() -> None:
    items = (house(1, 1, "东门", MAY, ("2026-04-10", ContactKind.CALL))
             + house(2, 1, "东门", MAY, ("2026-05-01", ContactKind.CALL))
             + house(3, 2, "翠竹", MAY)
             + house(4, 3, "翠竹", MAY, ("2026-05-02", ContactKind.VISIT))
             + house(5, 4, None, MAY))
    boards = cov.boards(items, MAY)
    assert kinds(boards) == [("call", "2026-Q2", True), ("visit", "2026-H1", True),
                             ("deed", "2026", True)]
    call = boards[0]
    assert call.rows == [(None, cov.Tally(0, 1, 0)), ("翠竹", cov.Tally(1, 1, 0)),
                         ("东门", cov.Tally(2, 0, 0))]
    assert call.total == cov.Tally(3, 2, 0) and call.total.percent == 60
    assert call.idle_workers == 2  # workers 2 and 4 have met no call this quarter
    assert call.before is None
    assert call.elapsed == pytest.approx(49 / 91)
    visit = boards[1]
    assert visit.total == cov.Tally(1, 4, 0) and visit.idle_workers == 3


def test_grouping_is_a_parameter() -> None:
    items = house(1, 1, "东门", MAY) + house(2, 1, "翠竹", MAY)
    streets = {"东门": "黄贝街道", "翠竹": "黄贝街道"}
    boards = cov.boards(items, MAY, group=lambda i: streets[i.area_name or ""])
    assert [name for name, _ in boards[0].rows] == ["黄贝街道"]
    assert boards[0].rows[0][1] == cov.Tally(0, 2, 0)


@pytest.mark.parametrize(("today", "expected"), [
    # Q2 six days old: calls show Q1, ended; H1 and 2026 are past a quarter.
    (date(2026, 4, 6), [("call", "2026-Q1", False), ("visit", "2026-H1", True),
                        ("deed", "2026", True)]),
    # 22 days of 91 is still early (< 25 %), 23 is not.
    (date(2026, 4, 23), [("call", "2026-Q1", False), ("visit", "2026-H1", True),
                         ("deed", "2026", True)]),
    (date(2026, 4, 24), [("call", "2026-Q2", True), ("visit", "2026-H1", True),
                         ("deed", "2026", True)]),
    # 10 January: every rule's period is young, so every board shows the last one.
    (date(2026, 1, 10), [("call", "2025-Q4", False), ("visit", "2025-H2", False),
                         ("deed", "2025", False)]),
])
def test_early_in_a_period_the_last_one_is_shown(today: date,
                                                 expected: list[tuple[str, str, bool]]) -> None:
    items = house(1, 1, "东门", today, ("2025-11-03", ContactKind.VISIT))
    assert kinds(cov.boards(items, today)) == expected


def test_an_ended_board_shows_met_and_missed_and_the_period_before() -> None:
    today = date(2026, 4, 6)
    items = (house(1, 1, "东门", today, ("2026-02-01", ContactKind.CALL),
                   ("2025-11-01", ContactKind.CALL))
             + house(2, 2, "东门", today, ("2025-12-01", ContactKind.CALL))
             + house(3, 3, "翠竹", today))
    call = cov.boards(items, today)[0]
    assert call.period == period_from_key("2026-Q1") and not call.running
    assert call.total == cov.Tally(met=1, missed=2)
    assert dict(call.rows) == {"东门": cov.Tally(1, 0, 1), "翠竹": cov.Tally(0, 0, 1)}
    assert call.before == cov.Tally(met=2, missed=1)  # 2025-Q4
    assert call.idle_workers == 2
    assert call.elapsed == 1.0


def test_a_new_programme_early_in_its_first_period_shows_the_running_one() -> None:
    today = date(2026, 4, 6)
    owed = obligations(DEFAULT_PROGRAM, [Tenure(1, 1, date(2026, 4, 1), None)], [], today)
    items = [Item(1, "H1", None, "东门", 1, "一对一", o) for o in owed]
    assert kinds(cov.boards(items, today))[0] == ("call", "2026-Q2", True)


def test_nothing_owed_no_boards() -> None:
    assert cov.boards([], MAY) == []
    assert cov.trend([], MAY) == []


def test_trend_share_met_per_period_running_last() -> None:
    items = (house(1, 1, "东门", MAY, ("2025-02-01", ContactKind.CALL),
                   ("2025-05-01", ContactKind.CALL), ("2026-04-01", ContactKind.CALL))
             + house(2, 2, "东门", MAY, ("2025-05-02", ContactKind.CALL)))
    lines = cov.trend(items, MAY)
    assert [line.rule.period for line in lines] == [PeriodKind.QUARTER, PeriodKind.HALF_YEAR,
                                                    PeriodKind.YEAR]
    call = lines[0]
    assert [p.key for p, _ in call.points] == [
        "2024-Q3", "2024-Q4", "2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4", "2026-Q1", "2026-Q2"]
    assert [share for _, share in call.points] == [None, None, 0.5, 1.0, 0.0, 0.0, 0.0, 0.5]
    assert call.last_running


def test_trend_early_ends_with_the_period_just_ended_and_needs_two_points() -> None:
    today = date(2026, 4, 6)
    items = house(1, 1, "东门", today, ("2026-03-01", ContactKind.CALL))
    lines = {line.rule.kind: line for line in cov.trend(items, today)}
    call = lines[ContactKind.CALL]
    assert call.points[-1] == (period_from_key("2026-Q1"), 1.0) and not call.last_running
    # deeds: 2025 and 2026 owed (2026 is 26 % gone): two points, a trend
    assert [s for _, s in lines[ContactKind.DEED].points][-2:] == [0.0, 0.0]
    only_one = house(1, 1, "东门", date(2025, 5, 1))  # paired this year: one deed year
    assert ContactKind.DEED not in {line.rule.kind for line in cov.trend(only_one,
                                                                         date(2025, 5, 1))}


@pytest.mark.parametrize(("today", "share"), [
    (date(2026, 4, 1), 0.0), (date(2026, 5, 16), 45 / 91), (date(2026, 6, 30), 90 / 91),
    (date(2026, 7, 1), 1.0)])
def test_elapsed(today: date, share: float) -> None:
    assert cov.elapsed(period_from_key("2026-Q2"), today) == pytest.approx(share)
