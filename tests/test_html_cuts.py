"""Texts are cut before escaping, never after: what is sent is always valid Telegram HTML."""

from __future__ import annotations

from functools import partial

import pytest

from bot.botapi.html import parse_html
from bot.config import SUPPORTED_LANGUAGES
from bot.telegram.household_ui import join_within
from bot.telegram.stats import chart_legend
from tests.use_cases import catalog

CATALOG = catalog()
NASTY = "<b>&amp;</b> & <&> a&b"


@pytest.mark.parametrize("lang", SUPPORTED_LANGUAGES)
@pytest.mark.parametrize("budget", range(20, 140, 7))
def test_a_chart_legend_full_of_markup_is_cut_whole_and_stays_valid(lang: str,
                                                                    budget: int) -> None:
    names = [f"{NASTY} {n}" for n in range(12)]
    legend = chart_legend(partial(CATALOG.t, lang), names, budget)
    assert len(legend) <= budget
    if legend:
        shown = parse_html(legend).text  # raises as Telegram's "can't parse entities" would
        assert "<b>&amp;</b> & <&> a&b" in shown  # the names arrive as typed
        assert "…" in shown


def test_long_lists_drop_whole_lines_and_stay_valid() -> None:
    lines = [CATALOG.t("zh", "funds.line", name=f"{NASTY}{n}", amount="1.00", households=1)
             for n in range(400)]
    text = join_within(lines)
    assert len(text) < 4096 and text.endswith("…")
    parsed = parse_html(text)
    assert "<&>" in parsed.text
    # A cut by characters would have split an entity or a tag somewhere in these.
    for cut in range(3700, 3800):
        try:
            parse_html("\n".join(lines)[:cut])
        except Exception:
            return
    raise AssertionError("no character cut split the markup: the test proves nothing")
