"""Aid (救助) given to a household: kinds, purposes, and amounts kept exactly in fen.

Amounts are parsed with Decimal and stored as integer fen; a float never touches money.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation
from enum import StrEnum

FEN_PER_YUAN = 100
# More than 10,000 yuan: ask before going on. Community aid is mostly hundreds to a few
# thousand yuan; a missed decimal point (128050 typed for 1280.50) lands above this.
CONFIRM_ABOVE_FEN = 10_000 * FEN_PER_YUAN
MAX_FEN = 100_000_000 * FEN_PER_YUAN  # beyond any single payment: refused as a typo
DESCRIPTION_MAX = 60
QUANTITY_MAX = 100_000
FUND_NAME_MAX = 40
AMOUNT_TEXT_MAX = 30


class AidKind(StrEnum):
    """How the aid reached the household."""

    CASH = "cash"  # 现金
    IN_KIND = "in_kind"  # 实物
    ON_BEHALF = "on_behalf"  # 代缴代付 (e.g. a hospital bill paid for them)
    SCHOOL = "school"  # 助学费用


class Purpose(StrEnum):
    """What the aid is for (用途)."""

    MEDICAL = "medical"  # 医疗
    EDUCATION = "education"  # 助学
    LIVING = "living"  # 生活
    HOUSING = "housing"  # 住房
    TEMPORARY = "temporary"  # 临时救助
    OTHER = "other"  # 其他


class AmountProblem(StrEnum):
    """Why a typed amount is refused."""

    NOT_A_NUMBER = "not_a_number"
    TOO_MANY_DECIMALS = "too_many_decimals"
    ZERO = "zero"
    NEGATIVE = "negative"
    TOO_BIG = "too_big"


# Currency marks and units people type around a number: ¥1,200.50元, RMB 300, 300块.
_NOISE = re.compile(r"^(?:¥|￥|rmb|cny)|(?:元整|元|块钱|块|rmb|cny)$", re.IGNORECASE)
_NUMBER = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)$")


def parse_amount(text: str) -> int | AmountProblem:
    """A typed amount in yuan as integer fen, or why it is refused."""
    value = unicodedata.normalize("NFKC", text).strip().replace(" ", "")
    if not value or len(value) > AMOUNT_TEXT_MAX:
        return AmountProblem.NOT_A_NUMBER
    value = value.replace(",", "").replace("，", "")
    negative = value.startswith("-")
    value = _NOISE.sub("", value.lstrip("+-"))
    value = _NOISE.sub("", value)  # a mark on both sides: ¥300元
    scale = Decimal(1)
    if value.endswith("万"):  # 1.2万 = 12,000 yuan, as written on aid forms
        value, scale = value[:-1], Decimal(10_000)
    if not _NUMBER.match(value):
        return AmountProblem.NOT_A_NUMBER
    try:
        yuan = Decimal(value) * scale
    except InvalidOperation:
        return AmountProblem.NOT_A_NUMBER
    fen = yuan * FEN_PER_YUAN
    if fen != fen.to_integral_value():
        return AmountProblem.TOO_MANY_DECIMALS
    if fen == 0:
        return AmountProblem.ZERO
    if negative:
        return AmountProblem.NEGATIVE
    if fen > MAX_FEN:
        return AmountProblem.TOO_BIG
    return int(fen)


def needs_confirmation(fen: int) -> bool:
    """Whether an amount is large enough to ask "are you sure?" before going on."""
    return fen > CONFIRM_ABOVE_FEN


def format_yuan(fen: int) -> str:
    """Fen as yuan with a thousands separator and two decimals: 123456 → '1,234.56'."""
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(fen), FEN_PER_YUAN)
    return f"{sign}{whole:,}.{cents:02d}"


def parse_quantity(text: str) -> int | None:
    """A quantity of goods: a whole number from 1 to QUANTITY_MAX, or None."""
    value = unicodedata.normalize("NFKC", text).strip()
    match = re.match(r"^(\d{1,6})\s*\D{0,3}$", value)  # "20", "20袋", "3 箱"
    if match is None:
        return None
    count = int(match.group(1))
    return count if 1 <= count <= QUANTITY_MAX else None


def clean_fund_name(text: str) -> str | None:
    """A fund's name as typed, trimmed; None when empty or too long."""
    value = " ".join(text.split())
    return value if 0 < len(value) <= FUND_NAME_MAX else None
