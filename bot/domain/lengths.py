"""How long a text is as Telegram counts it, and plain text shortened to fit.

Telegram limits a message to 4,096 and a caption to 1,024 *UTF-16 code units* of the text
the reader sees (after HTML parsing): a character outside the Basic Multilingual Plane —
most emoji, and CJK Extension B characters such as 𠀀 or 𠮷 found in real Chinese names —
counts as two, and a tag counts as nothing. Python's `len()` counts code points, so every
budget measured against Telegram's limits is measured with `telegram_length` instead.

Limits shown to people ("2,000 字以内") stay in characters as a person counts them; the
messages that carry such texts make them fit, with `shorten` (before escaping: a cut never
splits an HTML tag or entity) or by dropping whole lines.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Callable
from typing import Final

MESSAGE_MAX: Final = 4096  # Telegram's limit of a message text, in UTF-16 code units
CAPTION_MAX: Final = 1024  # Telegram's limit of a media caption, in UTF-16 code units
ELLIPSIS: Final = "…"

_TAG = re.compile(r"<[^>]*>")
_ZWJ = "\u200d"


def utf16_len(text: str) -> int:
    """Length of plain text in UTF-16 code units: astral characters count two."""
    return len(text.encode("utf-16-le")) // 2


def telegram_length(text: str) -> int:
    """How long Telegram counts a text sent with parse_mode HTML: the UTF-16 code units of
    what the reader sees (tags count nothing, `&amp;` one). A plain text without `<` or `&`
    is measured as it is."""
    if "<" in text or "&" in text:
        text = html.unescape(_TAG.sub("", text))
    return utf16_len(text)


def _continues(char: str) -> bool:
    """Whether `char` belongs to the character before it (a cut must not come before it):
    a joiner, a variation selector, a skin tone, an emoji tag, a combining mark."""
    code = ord(char)
    return (char == _ZWJ or 0xFE00 <= code <= 0xFE0F or 0xE0100 <= code <= 0xE01EF
            or 0x1F3FB <= code <= 0x1F3FF or 0xE0020 <= code <= 0xE007F
            or unicodedata.category(char) in ("Mn", "Me", "Mc"))


def _regional(char: str) -> bool:
    return 0x1F1E6 <= ord(char) <= 0x1F1FF


def _boundary(text: str, end: int) -> int:
    """The nearest place at or before `end` where a cut leaves whole characters as a
    reader sees them (never inside 👨‍👩‍👧, ✌️, 👍🏽 or a flag 🇨🇳)."""
    while 0 < end < len(text) and (_continues(text[end]) or text[end - 1] == _ZWJ):
        end -= 1
    if 0 < end < len(text) and _regional(text[end]) and _regional(text[end - 1]):
        run = end
        while run > 0 and _regional(text[run - 1]):
            run -= 1
        if (end - run) % 2:  # the cut would split a flag's pair of letters
            end -= 1
    return end


def shorten(text: str, units: int, ellipsis: str = ELLIPSIS) -> str:
    """Plain `text` if it fits in `units` UTF-16 code units, else its longest start that
    fits with `ellipsis` after it, cut between whole characters; "" if not even the
    ellipsis fits. Cut before escaping: the escaped result reads as long to Telegram."""
    if utf16_len(text) <= units:
        return text
    room = units - utf16_len(ellipsis)
    if room < 0:
        return ""
    used = end = 0
    for char in text:
        used += 2 if ord(char) > 0xFFFF else 1
        if used > room:
            break
        end += 1
    return text[: _boundary(text, end)].rstrip() + ellipsis


def fill_within(fill: Callable[[str], str], value: str, limit: int) -> str:
    """`fill(value)` — a text built around one long value, e.g. a catalog text — if it fits
    in `limit` as Telegram counts it, else `fill` of `value` shortened so that it does.
    `fill` must escape the value and use it once."""
    whole = fill(value)
    if telegram_length(whole) <= limit:
        return whole
    room = limit - telegram_length(fill(""))
    return fill(shorten(value, max(room, 0)))
