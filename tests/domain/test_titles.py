"""A coordinator's typed title: plain words, short, never markup."""

from __future__ import annotations

import pytest

from bot.domain.titles import TITLE_MAX, Problem, clean_title


@pytest.mark.parametrize(("typed", "expected"), [
    ("街道民政专干", "街道民政专干"),
    ("  社工   督导 ", "社工 督导"),
    ("Team leader", "Team leader"),
    ("社工（督导）", "社工（督导）"),
    ("一" * TITLE_MAX, "一" * TITLE_MAX),
    ("一" * (TITLE_MAX + 1), Problem.TOO_LONG),
    ("", Problem.EMPTY),
    (" \n\t ", Problem.EMPTY),
    ("<b>主任</b>", Problem.MARKUP),
    ("主任&副主任", Problem.MARKUP),
    ('"主任"', Problem.MARKUP),
    ("主任\u200b", Problem.MARKUP),
])
def test_a_typed_title_is_tidied_or_refused(typed: str, expected: str | Problem) -> None:
    assert clean_title(typed) == expected
