"""Households, the services a contact gives, and the checks on what people type or import.

Pure: no clock, no storage, no user-facing text. A problem is a code (and values) that the
chat or the command line turns into a sentence from the catalogs.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from dataclasses import field as dc_field
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Final

from bot.domain.causes import Cause, from_codes, ordered, split_causes
from bot.domain.reports import normalise_phone


class Category(StrEnum):
    """Why a household is in the registry (DESIGN §3); a household may carry several."""

    DIBAO = "dibao"  # 低保 minimum living allowance
    DIBIAN = "dibian"  # 低边 low-income marginal
    TEKUN = "tekun"  # 特困 extreme poverty support
    ORPHAN = "orphan"  # 孤儿
    UNSUPPORTED_CHILD = "unsupported_child"  # 事实无人抚养儿童
    CHILD_DIFFICULTY = "child_difficulty"  # 困境儿童
    SERIOUS_ILLNESS = "serious_illness"  # 重病
    SEVERE_DISABILITY = "severe_disability"  # 重残
    UNEMPLOYED = "unemployed"  # 长期失业（失业登记超过半年）
    SPENDING_POVERTY = "spending_poverty"  # 支出型贫困
    SINGLE_PARENT = "single_parent"  # 单亲困难
    ELDERLY_ALONE = "elderly_alone"  # 独居老人
    ILLNESS_DISABILITY = "illness_disability"  # 大病或残疾 (older records; no longer offered)
    OTHER = "other"


# The categories offered as buttons, in the district's order (the older code is kept readable).
OFFERED_CATEGORIES: Final = tuple(c for c in Category if c is not Category.ILLNESS_DISABILITY)

# What a spreadsheet may say in the category column, besides the code itself.
CATEGORY_ALIASES: Final[dict[str, Category]] = {
    "低保": Category.DIBAO, "低保户": Category.DIBAO, "低保对象": Category.DIBAO,
    "低保家庭": Category.DIBAO, "城乡低保": Category.DIBAO, "最低生活保障": Category.DIBAO,
    "minimum living allowance": Category.DIBAO,
    "低边": Category.DIBIAN, "低保边缘": Category.DIBIAN, "低边户": Category.DIBIAN,
    "低保边缘户": Category.DIBIAN, "低保边缘家庭": Category.DIBIAN, "低收入": Category.DIBIAN,
    "low-income marginal": Category.DIBIAN, "low income marginal": Category.DIBIAN,
    "特困": Category.TEKUN, "特困供养": Category.TEKUN, "特困人员": Category.TEKUN,
    "特困供养人员": Category.TEKUN, "五保": Category.TEKUN, "五保户": Category.TEKUN,
    "extreme poverty": Category.TEKUN, "extreme poverty support": Category.TEKUN,
    "孤儿": Category.ORPHAN, "orphan": Category.ORPHAN,
    "事实无人抚养儿童": Category.UNSUPPORTED_CHILD, "无人抚养儿童": Category.UNSUPPORTED_CHILD,
    "de facto unsupported child": Category.UNSUPPORTED_CHILD,
    "unsupported child": Category.UNSUPPORTED_CHILD,
    "困境儿童": Category.CHILD_DIFFICULTY, "child in difficulty": Category.CHILD_DIFFICULTY,
    "重病": Category.SERIOUS_ILLNESS, "大病": Category.SERIOUS_ILLNESS,
    "重大疾病": Category.SERIOUS_ILLNESS, "重病患者": Category.SERIOUS_ILLNESS,
    "serious illness": Category.SERIOUS_ILLNESS,
    "重残": Category.SEVERE_DISABILITY, "残疾": Category.SEVERE_DISABILITY,
    "残疾人": Category.SEVERE_DISABILITY, "重度残疾": Category.SEVERE_DISABILITY,
    "重度残疾人": Category.SEVERE_DISABILITY, "severe disability": Category.SEVERE_DISABILITY,
    "disability": Category.SEVERE_DISABILITY,
    "长期失业": Category.UNEMPLOYED, "失业": Category.UNEMPLOYED,
    "失业人员": Category.UNEMPLOYED, "长期失业人员": Category.UNEMPLOYED,
    "失业登记超过半年": Category.UNEMPLOYED,
    "长期失业（失业登记超过半年）": Category.UNEMPLOYED,
    "long-term unemployed": Category.UNEMPLOYED, "long term unemployed": Category.UNEMPLOYED,
    "支出型贫困": Category.SPENDING_POVERTY, "支出型困难": Category.SPENDING_POVERTY,
    "支出型贫困家庭": Category.SPENDING_POVERTY, "spending poverty": Category.SPENDING_POVERTY,
    "单亲困难": Category.SINGLE_PARENT, "单亲困难家庭": Category.SINGLE_PARENT,
    "单亲家庭": Category.SINGLE_PARENT, "单亲": Category.SINGLE_PARENT,
    "single parent": Category.SINGLE_PARENT,
    "独居老人": Category.ELDERLY_ALONE, "空巢独居老人": Category.ELDERLY_ALONE,
    "elderly living alone": Category.ELDERLY_ALONE, "elderly alone": Category.ELDERLY_ALONE,
    "大病或残疾": Category.ILLNESS_DISABILITY, "重病或残疾": Category.ILLNESS_DISABILITY,
    "serious illness or disability": Category.ILLNESS_DISABILITY,
    "illness or disability": Category.ILLNESS_DISABILITY,
    "其他": Category.OTHER, "其它": Category.OTHER,
}

# The separators people put between several categories in one cell.
_CATEGORY_SPLIT_RE = re.compile(r"[、,，;；]+")


def parse_category(text: str) -> Category | None:
    """A category from its code, or its Chinese or English name (an explanation in brackets,
    as in 长期失业（失业登记超过半年）, may follow); None if unknown."""
    key = _category_key(text)
    if not key:
        return None
    try:
        return Category(key.replace(" ", "_").replace("-", "_"))
    except ValueError:
        pass
    found = _ALIAS_INDEX.get(key) or _ALIAS_INDEX.get(key.replace(" ", ""))
    if found is None:
        bare = _BRACKETS_RE.sub("", key).strip()
        found = _ALIAS_INDEX.get(bare) if bare and bare != key else None
    return found


def _category_key(text: str) -> str:
    return " ".join(normalise_text(text).lower().split())


_BRACKETS_RE = re.compile(r"\(.*?\)|\[.*?\]|【.*?】")


def parse_categories(text: str) -> tuple[tuple[Category, ...], list[str]]:
    """Every category in a cell like "低保户、重残" (in the order written, no repeats), and the
    words not recognised."""
    found: list[Category] = []
    unknown: list[str] = []
    for word in _CATEGORY_SPLIT_RE.split(text):
        word = word.strip()
        if not word:
            continue
        category = parse_category(word)
        if category is None:
            unknown.append(word)
        elif category not in found:
            found.append(category)
    return tuple(found), unknown


def ordered_categories(primary: Category, others: Iterable[Category]) -> tuple[Category, ...]:
    """The primary category first, then the others in the district's order, no repeats."""
    rest = set(others) - {primary}
    return (primary, *(c for c in Category if c in rest))


def toggle_category(chosen: list[str], code: str) -> list[str] | None:
    """The chosen list with `code` added or removed (the first chosen stays first); None if
    unknown."""
    if code not in {c.value for c in Category}:
        return None
    if code in chosen:
        return [c for c in chosen if c != code]
    return [*chosen, code]


def normalise_text(text: str) -> str:
    """Text as compared when matching: full-width letters, digits and spaces as half-width
    (NFKC), blanks trimmed and runs of blanks made one."""
    return " ".join(unicodedata.normalize("NFKC", text or "").split())


class Service(StrEnum):
    """What a contact gave (DESIGN §3): the six services plus checks, holiday visits, aid."""

    COUNSELLING = "counselling"  # 心理疏导
    COMFORT = "comfort"  # 精神慰藉
    DAILY_CARE = "daily_care"  # 生活照料
    TUTORING = "tutoring"  # 学习辅导
    CAPACITY = "capacity"  # 能力提升
    INTEGRATION = "integration"  # 社会融入
    POLICY_CHECK = "policy_check"  # 政策入户核查
    HOLIDAY_VISIT = "holiday_visit"  # 节日慰问
    MATERIAL_AID = "material_aid"  # 物资帮扶
    MONEY_AID = "money_aid"  # 资金帮扶


def parse_services(codes: object) -> tuple[Service, ...]:
    """Services from stored data (a list of codes); unknown codes are dropped, order kept."""
    if not isinstance(codes, list):
        return ()
    known = {s.value: s for s in Service}
    out: list[Service] = []
    for code in codes:
        service = known.get(str(code))
        if service is not None and service not in out:
            out.append(service)
    return tuple(out)


def toggle_service(chosen: list[str], code: str) -> list[str] | None:
    """The chosen list with `code` added or removed (kept in Service order); None if unknown."""
    if code not in {s.value for s in Service}:
        return None
    picked = set(chosen) ^ {code}
    return [s.value for s in Service if s.value in picked]


# -- limits -----------------------------------------------------------------------------------

NAME_MAX: Final = 60
ADDRESS_MAX: Final = 200
TEXT_MAX: Final = 500  # causes, needs
EXTERNAL_ID_MAX: Final = 40
PEOPLE_MAX: Final = 30
NOTE_MAX: Final = 1000
PEOPLE_REACHED_MAX: Final = 99
WELLBEING_MIN, WELLBEING_MAX = 1, 5
BACKDATE_DAYS: Final = 366  # a contact may be logged up to a year after it happened
CORRECTION_HOURS: Final = 24
SEARCH_MIN: Final = 1

_EXTERNAL_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-/]*$")
# The day as written or said: 5日, or 5号 as most people write it.
_DATE_RE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*[日号]?$")
_MONTH_DAY_RE = re.compile(r"^(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*[日号]?$")


@dataclass(frozen=True)
class Problem:
    """Something wrong with one field: a code the catalogs explain, and its values."""

    field: str
    code: str
    values: dict[str, object] = dc_field(default_factory=dict)


@dataclass(frozen=True)
class HouseholdInput:
    """A household's fields as checked, ready to store (area as its id)."""

    name: str
    area_id: int | None
    address: str
    people_count: int
    category: Category
    causes: str = ""
    needs: str = ""
    phone: str | None = None
    external_id: str | None = None
    categories: tuple[Category, ...] = ()  # all of them, primary first; () means (category,)
    cause_codes: tuple[Cause, ...] = ()  # causes of hardship from the list; `causes` is the rest

    @property
    def all_categories(self) -> tuple[Category, ...]:
        """Every category of the household, the primary one first."""
        return ordered_categories(self.category, self.categories)


def clean(text: str | None) -> str:
    """Text with its outer spaces removed and inner runs of blanks kept as typed."""
    return (text or "").strip()


def check_text(field_name: str, text: str, maximum: int, *, required: bool) -> Problem | None:
    """A problem if required text is empty or any text is too long."""
    if required and not text:
        return Problem(field_name, "required")
    if len(text) > maximum:
        return Problem(field_name, "too_long", {"max": maximum})
    return None


def parse_count(text: str, maximum: int, *, minimum: int = 1) -> int | None:
    """A whole number in [minimum, maximum] from text (full-width digits too), else None."""
    value = clean(text).translate(_FULLWIDTH)
    if value.endswith(("人", "口")):
        value = value[:-1].strip()
    if value.endswith(".0"):  # spreadsheets write whole numbers as 3.0
        value = value[:-2]
    if not value.isascii() or not value.isdigit():
        return None
    number = int(value)
    return number if minimum <= number <= maximum else None


_FULLWIDTH = str.maketrans("０１２３４５６７８９", "0123456789")


def check_external_id(text: str) -> Problem | None:
    """External ids are short codes: letters, digits and - _ . /"""
    if not text:
        return Problem("external_id", "required")
    if len(text) > EXTERNAL_ID_MAX or not _EXTERNAL_ID_RE.match(text):
        return Problem("external_id", "bad_external_id", {"max": EXTERNAL_ID_MAX})
    return None


def check_household(
    *,
    name: str,
    area_id: int | None,
    address: str,
    people: str,
    category: str,
    causes: str = "",
    needs: str = "",
    phone: str = "",
    external_id: str | None = None,
    cause_codes: str = "",
) -> tuple[HouseholdInput | None, list[Problem]]:
    """Check every field of a household at once; the input only when nothing is wrong. Causes
    on the list, whether ticked (cause_codes) or written in the text, are kept as codes."""
    problems: list[Problem] = []
    name, address, causes, needs = clean(name), clean(address), clean(causes), clean(needs)
    written, causes = split_causes(causes)
    listed = ordered((*from_codes(cause_codes), *written))
    for problem in (
        check_text("name", name, NAME_MAX, required=True),
        check_text("address", address, ADDRESS_MAX, required=False),
        check_text("causes", causes, TEXT_MAX, required=False),
        check_text("needs", needs, TEXT_MAX, required=False),
    ):
        if problem is not None:
            problems.append(problem)
    count = parse_count(people, PEOPLE_MAX) if clean(people) else 1
    if count is None:
        problems.append(Problem("people", "bad_count", {"max": PEOPLE_MAX}))
    parsed, unknown = parse_categories(category)
    if unknown:
        problems.append(Problem("category", "unknown_category", {"value": "、".join(unknown)}))
    elif not parsed:
        problems.append(Problem("category", "required"))
    parsed_category = parsed[0] if parsed and not unknown else None
    phone_value: str | None = None
    if clean(phone):
        phone_value = normalise_phone(phone)
        if phone_value is None:
            problems.append(Problem("phone", "bad_phone"))
    ext: str | None = None
    if external_id is not None:
        ext = clean(external_id)
        problem = check_external_id(ext)
        if problem is not None:
            problems.append(problem)
    if problems or count is None or parsed_category is None:
        return None, problems
    return HouseholdInput(name, area_id, address, count, parsed_category, causes, needs,
                          phone_value, ext, ordered_categories(parsed_category, parsed),
                          listed), []


# -- dates ------------------------------------------------------------------------------------


def parse_day(text: str, today: date) -> date | None:
    """A date typed or written in a file: 2026-03-05, 2026/3/5, 2026年3月5日 (or 5号), or
    3-5 / 3月5日 / 3月5号 (the last such day up to today: on 5 January, 12月28日 is last
    year's, as every date asked for is of something that has happened); None if it is not a
    real date."""
    parts = written_day(text, today)
    if parts is None:
        return None
    try:
        return date(*parts)
    except ValueError:
        return None


def written_day(text: str, today: date) -> tuple[int, int, int] | None:
    """(year, month, day) as `parse_day` reads them, not yet checked to be a real date (2026年
    2月30日 gives (2026, 2, 30)), so a caller can tell no date from a day the month lacks."""
    value = clean(text).translate(_FULLWIDTH)
    if " " in value and value.count(":"):  # a spreadsheet date-time: keep the date
        value = value.split(" ", 1)[0]
    match = _DATE_RE.match(value)
    if match:
        return int(match.group(1)), int(match.group(2)), int(match.group(3))
    short = _MONTH_DAY_RE.match(value)
    if short:
        month, day = int(short.group(1)), int(short.group(2))
        # this year's if not ahead of today, else last year's (compared as numbers, so a day
        # the month lacks gets a year too)
        ahead = (month, day) > (today.month, today.day)
        return (today.year - 1 if ahead else today.year), month, day
    return None


def check_contact_day(day: date, today: date) -> str | None:
    """A problem code for a contact's date: not in the future, not more than a year back."""
    if day > today:
        return "future"
    if day < today - timedelta(days=BACKDATE_DAYS):
        return "too_old"
    return None


def can_correct(created_at: datetime, now: datetime) -> bool:
    """A worker may correct or delete their own contact for 24 hours after logging it."""
    return now - created_at < timedelta(hours=CORRECTION_HOURS)


def matches(name: str, query: str) -> bool:
    """Whether a household's name matches a search (case-insensitive substring)."""
    return clean(query).lower() in name.lower()


_ALIAS_INDEX: Final[dict[str, Category]] = {
    _category_key(word): category for word, category in CATEGORY_ALIASES.items()
}
