"""Texts are cut before escaping, never after: what is sent is always valid Telegram HTML."""

from __future__ import annotations

from functools import partial

import pytest

from bot.botapi.html import parse_html
from bot.config import SUPPORTED_LANGUAGES
from bot.domain.lengths import telegram_length
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
    assert telegram_length(legend) <= budget  # as Telegram counts: escapes are one each
    if legend:
        shown = parse_html(legend).text  # raises as Telegram's "can't parse entities" would
        assert "<b>&amp;</b> & <&> a&b" in shown  # the names arrive as typed
        assert "…" in shown


def test_long_lists_drop_whole_lines_and_stay_valid() -> None:
    lines = [CATALOG.t("zh", "funds.line", name=f"{NASTY}{n}", amount="1.00", households=1)
             for n in range(400)]
    text = join_within(lines)
    assert telegram_length(text) <= 3800 and text.endswith("…")
    parsed = parse_html(text)
    assert telegram_length(text) == len(parsed.text)  # what Telegram counts, exactly
    assert "<&>" in parsed.text
    # A cut by characters would have split an entity or a tag somewhere in these.
    for cut in range(3700, 3800):
        try:
            parse_html("\n".join(lines)[:cut])
        except Exception:
            return
    raise AssertionError("no character cut split the markup: the test proves nothing")


def test_lists_of_wide_characters_are_cut_as_telegram_counts() -> None:
    """𠀀 (in real Chinese names) and emoji are two UTF-16 code units to Telegram."""
    lines = [CATALOG.t("zh", "funds.line", name="𠀀" * 40 + "👨‍👩‍👧", amount="1.00",
                       households=1) for _ in range(100)]
    text = join_within(lines)
    assert text.endswith("…")
    assert len(parse_html(text).text.encode("utf-16-le")) // 2 <= 3800


@pytest.mark.parametrize("lang", SUPPORTED_LANGUAGES)
def test_a_chart_legend_of_wide_names_fits_the_caption(lang: str) -> None:
    names = ["𠀀" * 64 for _ in range(40)]
    legend = chart_legend(partial(CATALOG.t, lang), names, 1000)
    assert legend and len(parse_html(legend).text.encode("utf-16-le")) // 2 <= 1000
