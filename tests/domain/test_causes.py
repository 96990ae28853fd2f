"""Causes of hardship: read from what people type or import, and ticked from the list."""

from __future__ import annotations

import pytest

from bot.domain.causes import Cause, from_codes, split_causes, to_codes, toggle_cause
from bot.domain.households import check_household


@pytest.mark.parametrize(("text", "causes", "rest"), [
    ("因病、因残;老伴去世", (Cause.ILLNESS, Cause.DISABILITY), "老伴去世"),
    ("因残,因病", (Cause.ILLNESS, Cause.DISABILITY), ""),  # the list's order
    ("缺劳动力；失业；失业", (Cause.NO_LABOUR, Cause.UNEMPLOYMENT), ""),
    ("Illness, living alone", (Cause.ILLNESS, Cause.ALONE), ""),
    ("因病致贫，家里三个孩子上学", (Cause.ILLNESS,), "家里三个孩子上学"),
    ("腿脚不便，子女在外地", (), "腿脚不便，子女在外地"),  # nothing listed: kept as typed
    ("", (), ""),
])
def test_listed_causes_are_read_and_the_rest_kept(text: str, causes: tuple[Cause, ...],
                                                  rest: str) -> None:
    assert split_causes(text) == (causes, rest)


def test_ticking_adds_and_removes_in_the_lists_order() -> None:
    codes = toggle_cause("", "alone")
    assert codes == "alone"
    codes = toggle_cause(codes, "illness")
    assert codes == "illness,alone"
    assert toggle_cause(codes, "alone") == "illness"
    assert toggle_cause(codes, "bribery") is None
    assert from_codes("alone,nonsense,illness") == (Cause.ILLNESS, Cause.ALONE)
    assert to_codes([Cause.OTHER, Cause.ILLNESS]) == "illness,other"


def test_a_household_keeps_ticked_and_written_causes() -> None:
    checked, problems = check_household(name="张大爷", area_id=1, address="", people="1",
                                        category="低保", causes="因灾；房子漏雨",
                                        cause_codes="alone")
    assert problems == [] and checked is not None
    assert checked.cause_codes == (Cause.DISASTER, Cause.ALONE)
    assert checked.causes == "房子漏雨"
