"""Lengths as Telegram counts them (UTF-16 code units of what the reader sees), and cuts that
keep whole characters and whole HTML."""

from __future__ import annotations

import html
import random

import pytest

from bot.botapi.html import parse_html
from bot.domain.lengths import (
    CAPTION_MAX,
    MESSAGE_MAX,
    fill_within,
    shorten,
    telegram_length,
    utf16_len,
)
from bot.domain.reminding import pack
from tests.use_cases import catalog

CATALOG = catalog()
WIDE = "𠀀"  # CJK Extension B: one character, two UTF-16 code units
FAMILY = "👨\u200d👩\u200d👧"  # three emoji joined: 5 characters, 8 code units
THUMB = "👍🏽"  # an emoji and a skin tone: 2 characters, 4 code units
PEACE = "✌️"  # a text symbol and the emoji variation selector: 2 characters, 2 code units
FLAG = "🇨🇳"  # two regional indicators: 2 characters, 4 code units
ACCENT = "e\u0301"  # a letter and a combining accent


@pytest.mark.parametrize(("text", "units"), [
    ("", 0), ("abc", 3), ("众扶", 2), (WIDE, 2), ("𠮷野家", 4), ("👍", 2), (FAMILY, 8),
    (THUMB, 4), (PEACE, 2), (FLAG, 4), (ACCENT, 2), ("a\nb", 3),
])
def test_utf16_length_counts_astral_characters_twice(text: str, units: int) -> None:
    assert utf16_len(text) == units


@pytest.mark.parametrize(("text", "units"), [
    ("<b>𠀀</b> &amp; x", 6),  # 𠀀 · space · & · space · x
    ('<a href="https://example.org/a&amp;b">链接</a>', 2),
    ("&lt;b&gt;", 3), ("&#128077;", 2), ("&#x20000;", 2), ("a &quot;b&quot;", 5),
    ("plain 𠀀", 8),
])
def test_telegram_length_is_what_the_reader_sees_in_utf16(text: str, units: int) -> None:
    assert telegram_length(text) == units
    assert telegram_length(text) == utf16_len(parse_html(text).text)


def test_telegram_length_agrees_with_the_fake_server_on_catalog_texts() -> None:
    chars = ["a", "中", WIDE, "👍", FAMILY, THUMB, "&", "<", ">", '"', "'", " ", "\n"]
    rng = random.Random(4096)
    for _ in range(200):
        value = "x" + "".join(rng.choice(chars) for _ in range(rng.randrange(40))) + "y"
        text = CATALOG.t("zh", "triage.notice.body", ref="R-0001", category="独居老人",
                         urgency="不急", area=value, description=value)
        assert telegram_length(text) == utf16_len(parse_html(text).text)


def test_shorten_leaves_a_text_that_fits_alone() -> None:
    assert shorten(WIDE * 10, 20) == WIDE * 10
    assert shorten("", 0) == ""


@pytest.mark.parametrize("units", range(0, 24))
def test_shorten_never_splits_an_astral_character(units: int) -> None:
    cut = shorten(WIDE * 20, units)
    assert utf16_len(cut) <= units
    if units:
        assert cut == WIDE * ((units - 1) // 2) + "…"
    cut.encode("utf-16-le")  # strict: a lone surrogate would raise


@pytest.mark.parametrize("unit", [FAMILY, THUMB, PEACE, FLAG, ACCENT, WIDE])
@pytest.mark.parametrize("units", range(1, 40))
def test_shorten_keeps_emoji_sequences_whole(unit: str, units: int) -> None:
    text = unit * 8
    cut = shorten(text, units)
    assert utf16_len(cut) <= units
    if cut:
        kept = cut.removesuffix("…")
        assert kept == unit * (len(kept) // len(unit)), (unit, units, cut)


def test_shorten_keeps_a_flag_pair_whole_after_an_odd_start() -> None:
    text = "🇨🇳🇯🇵🇰🇷"
    for units in range(1, 13):
        kept = shorten(text, units).removesuffix("…")
        assert len(kept) % 2 == 0, (units, kept)


def test_shorten_with_nothing_but_the_ellipsis_room() -> None:
    assert shorten(WIDE * 5, 1) == "…"
    assert shorten(WIDE * 5, 2) == "…"
    assert shorten(WIDE * 5, 3) == WIDE + "…"


@pytest.mark.parametrize("limit", [MESSAGE_MAX, CAPTION_MAX, 300, 61])
def test_a_long_value_full_of_markup_is_cut_before_escaping(limit: int) -> None:
    value = ("&lt;<b>&amp;</b>" + WIDE + "'\"" + FAMILY) * 400
    # A cut of the escaped text at the limit would split an entity or a tag somewhere.
    escaped = html.escape(value, quote=False)
    assert any(not _parses(escaped[:n]) for n in range(limit - 40, limit))

    def fill(text: str) -> str:
        return CATALOG.t("zh", "report.summary.description", value=text)

    text = fill_within(fill, value, limit)
    shown = parse_html(text).text  # raises as Telegram's "can't parse entities" would
    assert utf16_len(shown) <= limit and shown.endswith("…")
    assert telegram_length(text) == utf16_len(shown)
    assert shown.removeprefix("情况：").removesuffix("…") == value[: len(shown) - 4]
    shown.encode("utf-16-le")


def test_fill_within_keeps_what_fits_whole() -> None:
    value = "&<>" * 1000  # 3,000 characters, 15,000 once escaped: Telegram counts 3,000
    text = fill_within(lambda v: CATALOG.t("zh", "report.summary.description", value=v),
                       value, MESSAGE_MAX)
    assert parse_html(text).text == "情况：" + value


def test_pack_counts_as_telegram_does() -> None:
    lines = [WIDE * 99] * 40  # 40 lines of 198 units and a newline: 7,960 units
    messages = pack(lines, budget=3800)
    assert [telegram_length(m) <= 3800 for m in messages] == [True] * len(messages)
    assert "\n".join(messages).count(WIDE) == 99 * 40
    markup = [CATALOG.t("zh", "funds.line", name="&" * 30, amount="1.00", households=1)] * 40
    assert len(pack(markup, budget=3800)) == 1  # escapes count one each, as Telegram counts


def _parses(text: str) -> bool:
    try:
        parse_html(text)
    except ValueError:
        return False
    return True
