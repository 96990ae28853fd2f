"""Causes of hardship (致贫致困原因) chosen from the district's list, and reading them from
what people type or import (several values separated by 、 , ; beside free text)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from enum import StrEnum
from typing import Final


class Cause(StrEnum):
    """One cause of hardship, in the order of the district's forms."""

    ILLNESS = "illness"  # 因病
    DISABILITY = "disability"  # 因残
    SCHOOLING = "schooling"  # 因学
    DISASTER = "disaster"  # 因灾
    ACCIDENT = "accident"  # 意外事故
    NO_LABOUR = "no_labour"  # 缺劳力
    UNEMPLOYMENT = "unemployment"  # 失业
    SINGLE_PARENT = "single_parent"  # 单亲
    ALONE = "alone"  # 独居
    OTHER = "other"  # 其他


# What a form or spreadsheet may say for a cause, besides its code (compared without spaces,
# full-width letters made half-width, lower case).
CAUSE_ALIASES: Final[dict[str, Cause]] = {
    "因病": Cause.ILLNESS, "因病致贫": Cause.ILLNESS, "疾病": Cause.ILLNESS,
    "患病": Cause.ILLNESS, "illness": Cause.ILLNESS, "ill health": Cause.ILLNESS,
    "因残": Cause.DISABILITY, "因残致贫": Cause.DISABILITY, "残疾": Cause.DISABILITY,
    "disability": Cause.DISABILITY,
    "因学": Cause.SCHOOLING, "因学致贫": Cause.SCHOOLING, "上学": Cause.SCHOOLING,
    "schooling": Cause.SCHOOLING, "school costs": Cause.SCHOOLING,
    "因灾": Cause.DISASTER, "因灾致贫": Cause.DISASTER, "灾害": Cause.DISASTER,
    "disaster": Cause.DISASTER,
    "意外": Cause.ACCIDENT, "意外事故": Cause.ACCIDENT, "突发事件": Cause.ACCIDENT,
    "accident": Cause.ACCIDENT,
    "缺劳力": Cause.NO_LABOUR, "缺劳动力": Cause.NO_LABOUR, "无劳动能力": Cause.NO_LABOUR,
    "丧失劳动能力": Cause.NO_LABOUR, "no labour": Cause.NO_LABOUR,
    "lack of labour": Cause.NO_LABOUR,
    "失业": Cause.UNEMPLOYMENT, "长期失业": Cause.UNEMPLOYMENT, "无业": Cause.UNEMPLOYMENT,
    "unemployment": Cause.UNEMPLOYMENT, "unemployed": Cause.UNEMPLOYMENT,
    "单亲": Cause.SINGLE_PARENT, "单亲家庭": Cause.SINGLE_PARENT,
    "single parent": Cause.SINGLE_PARENT,
    "独居": Cause.ALONE, "独居老人": Cause.ALONE, "无人照顾": Cause.ALONE,
    "living alone": Cause.ALONE, "alone": Cause.ALONE,
    "其他": Cause.OTHER, "其它": Cause.OTHER,
}
_INDEX: Final = {a.replace(" ", ""): c for a, c in CAUSE_ALIASES.items()}
_SPLIT_RE = re.compile(r"[、,，;；]+")


def _key(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).lower().split())


def parse_cause(word: str) -> Cause | None:
    """A cause from its code or one of its names; None if it is not on the list."""
    key = _key(word)
    try:
        return Cause(key)
    except ValueError:
        return _INDEX.get(key)


def split_causes(text: str) -> tuple[tuple[Cause, ...], str]:
    """The listed causes in a text like "因病、因残；老伴去世" and the rest as free text. Text
    naming no listed cause is kept exactly as typed."""
    found: list[Cause] = []
    rest: list[str] = []
    for word in _SPLIT_RE.split(text):
        word = word.strip()
        if not word:
            continue
        cause = parse_cause(word)
        if cause is None:
            rest.append(word)
        elif cause not in found:
            found.append(cause)
    if not found:
        return (), text.strip()
    return ordered(found), "、".join(rest)


def ordered(causes: Iterable[Cause]) -> tuple[Cause, ...]:
    """Causes in the list's order, no repeats."""
    chosen = set(causes)
    return tuple(c for c in Cause if c in chosen)


def from_codes(stored: str) -> tuple[Cause, ...]:
    """Causes from stored codes ("illness,disability"); unknown codes are dropped."""
    known = {c.value for c in Cause}
    return ordered(Cause(code) for code in stored.split(",") if code in known)


def to_codes(causes: Iterable[Cause]) -> str:
    """Causes as stored: their codes, comma-separated, in the list's order."""
    return ",".join(c.value for c in ordered(causes))


def toggle_cause(stored: str, code: str) -> str | None:
    """The stored codes with one added or removed; None when the code is not on the list."""
    if code not in {c.value for c in Cause}:
        return None
    chosen = set(from_codes(stored)) ^ {Cause(code)}
    return to_codes(chosen)
