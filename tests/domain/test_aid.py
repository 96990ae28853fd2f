"""Aid amounts: typed yuan become exact integer fen, or a clear reason they are refused."""

from __future__ import annotations

import pytest

from bot.domain.aid import (
    AmountProblem,
    clean_fund_name,
    format_yuan,
    needs_confirmation,
    parse_amount,
    parse_quantity,
)


@pytest.mark.parametrize(("typed", "fen"), [
    ("500", 50000),
    ("1280.50", 128050),
    ("1280.5", 128050),
    ("0.01", 1),
    (".5", 50),
    ("1,200", 120000),
    ("1，200.25", 120025),
    ("¥300", 30000),
    ("￥300元", 30000),
    ("300 元", 30000),
    ("300块", 30000),
    ("RMB 88", 8800),
    ("５００", 50000),  # full-width digits from a Chinese keyboard
    ("1.2万", 1200000),
    ("1000000", 100000000),
    ("1000000.01", 100000001),
])
def test_amounts_are_exact_fen(typed: str, fen: int) -> None:
    assert parse_amount(typed) == fen


@pytest.mark.parametrize(("typed", "problem"), [
    ("", AmountProblem.NOT_A_NUMBER),
    ("五百", AmountProblem.NOT_A_NUMBER),
    ("abc", AmountProblem.NOT_A_NUMBER),
    ("1e5", AmountProblem.NOT_A_NUMBER),
    ("1.2.3", AmountProblem.NOT_A_NUMBER),
    ("12" * 20, AmountProblem.NOT_A_NUMBER),
    ("NaN", AmountProblem.NOT_A_NUMBER),
    ("1.234", AmountProblem.TOO_MANY_DECIMALS),
    ("0.001", AmountProblem.TOO_MANY_DECIMALS),
    ("0", AmountProblem.ZERO),
    ("0.00", AmountProblem.ZERO),
    ("-0", AmountProblem.ZERO),
    ("-50", AmountProblem.NEGATIVE),
    ("-0.5", AmountProblem.NEGATIVE),
    ("100000000.01", AmountProblem.TOO_BIG),
])
def test_bad_amounts_are_refused_with_a_reason(typed: str, problem: AmountProblem) -> None:
    assert parse_amount(typed) is problem


def test_sums_stay_exact() -> None:
    fen = [parse_amount("0.1"), parse_amount("0.2")]
    assert sum(int(f) for f in fen) == parse_amount("0.3") == 30


@pytest.mark.parametrize(("fen", "ask"), [
    (100, False), (1_000_000, False), (1_000_001, True), (12_805_000, True),
    (5_000_000_000, True)])
def test_over_ten_thousand_yuan_asks_first(fen: int, ask: bool) -> None:
    assert needs_confirmation(fen) is ask


@pytest.mark.parametrize(("fen", "text"), [
    (1, "0.01"), (50, "0.50"), (128050, "1,280.50"), (100000000, "1,000,000.00"), (0, "0.00")])
def test_yuan_shown_with_two_decimals(fen: int, text: str) -> None:
    assert format_yuan(fen) == text


@pytest.mark.parametrize(("typed", "count"), [
    ("20", 20), ("20袋", 20), ("3 箱", 3), ("１０", 10), ("0", None), ("-1", None),
    ("很多", None), ("1000001", None), ("2.5", None)])
def test_quantities(typed: str, count: int | None) -> None:
    assert parse_quantity(typed) == count


def test_fund_names() -> None:
    assert clean_fund_name("  某某公司   爱心捐赠 ") == "某某公司 爱心捐赠"
    assert clean_fund_name("   ") is None
    assert clean_fund_name("基" * 41) is None
