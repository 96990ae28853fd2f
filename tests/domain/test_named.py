"""Whom a typed name names (bot.domain.people.named): /overdue's and /stats' one lookup."""

from __future__ import annotations

import pytest

from bot.domain.people import Named, named

STAFF = [Named(7001, "陈社工"), Named(7004, "陈小红"), Named(7002, "Liu"), Named(7006, "Liu"),
         Named(7003, "Liu Wei"), Named(9001, "王协调")]


@pytest.mark.parametrize(("text", "ids"), [
    ("陈社工", [7001]),  # the whole name
    ("社工", [7001]),  # a part of one name
    ("陈", [7004, 7001]),  # a part of two: both, by name (小 before 社)
    ("7004", [7004]),  # an id
    ("liu", [7002, 7006]),  # the whole name, any case: the two who have exactly it, not Liu Wei
    ("Wei", [7003]),
    (" 王协调 ", [9001]),
    ("赵", []),
    ("", []),
    ("  ", []),
    ("1", []),  # digits that are nobody's id, in nobody's name
])
def test_named(text: str, ids: list[int]) -> None:
    assert [p.telegram_id for p in named(STAFF, text)] == ids
