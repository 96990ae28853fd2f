"""A typed answer names a button only when it names exactly one, read with its negation."""

from __future__ import annotations

import pytest

from bot.config import SUPPORTED_LANGUAGES
from bot.domain.cadence import ContactKind
from bot.domain.choices import Picked, pick
from bot.domain.reports import Category, Urgency
from bot.i18n import Catalog

DANGER, SOON, CALM = Urgency.DANGER, Urgency.SOON, Urgency.NOT_URGENT
URGENCY_ZH = [(DANGER, "🔴 现在有危险"), (SOON, "🟠 这几天需要帮助"), (CALM, "🟢 不着急")]
URGENCY_EN = [(DANGER, "🔴 Danger now"), (SOON, "🟠 Within days"), (CALM, "🟢 Not urgent")]
CATEGORY_ZH = [
    (Category.HEALTH, "🩺 生病或受伤"), (Category.ELDERLY_ALONE, "👵 独居老人"),
    (Category.CHILD, "🧒 孩子没人照顾"), (Category.DISABILITY, "♿ 残疾人需要帮助"),
    (Category.MONEY_FOOD, "🍚 缺钱或缺吃的"), (Category.HOUSING, "🏠 住房问题"),
    (Category.LONELINESS, "💬 孤独或心理困扰"), (Category.SAFETY, "🚨 安全或暴力"),
    (Category.OTHER, "📝 其他情况")]
KIND_ZH = [(ContactKind.CALL, "📞 电话"), (ContactKind.VISIT, "🏠 上门走访"),
           (ContactKind.DEED, "🤲 办实事"), (ContactKind.OTHER, "📝 其他服务")]
KIND_EN = [(ContactKind.CALL, "📞 Call"), (ContactKind.VISIT, "🏠 Home visit"),
           (ContactKind.DEED, "🤲 Practical deed"), (ContactKind.OTHER, "📝 Other service")]


@pytest.mark.parametrize(("typed", "picked"), [
    ("着急", Picked(unclear=True)),  # only in 不着急, after its 不: the opposite
    ("急", Picked(unclear=True)),
    ("很急", Picked()),  # in no label: the step's own hint
    ("很急吧", Picked()),
    ("不急", Picked(CALM)),
    ("不着急", Picked(CALM)),
    ("🟢 不着急", Picked(CALM)),  # the label as the button shows it
    (" 不着急。", Picked(CALM)),
    ("别着急", Picked(CALM)),
    ("危险", Picked(DANGER)),
    ("现在有危险", Picked(DANGER)),
    ("没有危险", Picked(unclear=True)),  # 危险 without 没有 before it: not its opposite
    ("这几天", Picked(SOON)),
    ("", Picked()),
    ("🔴", Picked()),
])
def test_urgency_typed_in_chinese(typed: str, picked: Picked[Urgency]) -> None:
    assert pick(typed, URGENCY_ZH) == picked


@pytest.mark.parametrize(("typed", "picked"), [
    ("urgent", Picked(unclear=True)),  # only in "Not urgent", after its not
    ("Urgent!", Picked(unclear=True)),
    ("not urgent", Picked(CALM)),
    ("NOT URGENT", Picked(CALM)),
    ("Not urgent", Picked(CALM)),
    ("danger", Picked(DANGER)),
    ("Danger now", Picked(DANGER)),
    ("days", Picked(SOON)),
    ("d", Picked()),  # a letter is no word of any label
    ("very urgent", Picked()),
])
def test_urgency_typed_in_english(typed: str, picked: Picked[Urgency]) -> None:
    assert pick(typed, URGENCY_EN) == picked


@pytest.mark.parametrize(("typed", "picked"), [
    ("1", Picked(Category.HEALTH)),
    ("９", Picked(Category.OTHER)),  # full-width, as a Chinese keyboard types it
    ("10", Picked()),
    ("0", Picked()),
    ("独居老人", Picked(Category.ELDERLY_ALONE)),
    ("老人", Picked(Category.ELDERLY_ALONE)),
    ("生病", Picked(Category.HEALTH)),
    ("没人照顾", Picked(Category.CHILD)),
    ("孩子", Picked(Category.CHILD)),
    ("人", Picked(unclear=True)),  # 独居老人, 残疾人需要帮助: several
    ("或", Picked(unclear=True)),
    ("楼下的老奶奶摔倒了", Picked()),
])
def test_category_typed(typed: str, picked: Picked[Category]) -> None:
    assert pick(typed, CATEGORY_ZH, numbered=True) == picked


def test_numbers_name_a_choice_only_where_they_are_shown() -> None:
    assert pick("1", URGENCY_ZH) == Picked()


@pytest.mark.parametrize(("typed", "labels", "picked"), [
    ("走访", KIND_ZH, Picked(ContactKind.VISIT)),
    ("电话", KIND_ZH, Picked(ContactKind.CALL)),
    ("上门走访", KIND_ZH, Picked(ContactKind.VISIT)),
    ("visit", KIND_EN, Picked(ContactKind.VISIT)),
    ("Home Visit", KIND_EN, Picked(ContactKind.VISIT)),
    ("call", KIND_EN, Picked(ContactKind.CALL)),
    ("other", KIND_EN, Picked(ContactKind.OTHER)),
    ("e", KIND_EN, Picked()),  # once in every label with an e: no word of any
    ("服", KIND_ZH, Picked(ContactKind.OTHER)),
])
def test_contact_kind_typed(typed: str, labels: list[tuple[ContactKind, str]],
                            picked: Picked[ContactKind]) -> None:
    assert pick(typed, labels) == picked


@pytest.mark.parametrize("lang", SUPPORTED_LANGUAGES)
def test_urgent_never_reads_as_not_urgent_whatever_the_wording(lang: str) -> None:
    """The catalog as shipped (its wording may change): asking for haste never files a
    report as not urgent."""
    catalog = Catalog.load(SUPPORTED_LANGUAGES, "zh")
    labels = [(u, catalog.plain(lang, f"report.urgency.{u}")) for u in Urgency]
    for typed in ("急", "着急", "很急", "紧急", "urgent", "Urgent", "very urgent", "hurry"):
        assert pick(typed, labels).choice is not Urgency.NOT_URGENT, typed
    assert pick(catalog.plain(lang, "report.urgency.not_urgent"), labels).choice is CALM
