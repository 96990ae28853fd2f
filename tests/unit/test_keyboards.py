"""Keyboards never exceed Telegram's 100 buttons; long lists are paged."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from bot.domain.paging import PAGE_SIZE, page_count, page_holding, page_of
from bot.telegram.keyboards import BUTTONS_MAX, buttons, fit, page_line, page_rows


def count(rows: Sequence[Sequence[object]]) -> int:
    return sum(len(row) for row in rows)


def test_a_keyboard_within_the_limit_is_left_as_it_is() -> None:
    rows = [[(f"w{i}", f"x:{i}")] for i in range(99)] + [[("done", "x:done")]]
    assert fit(rows) == rows
    assert count(buttons(rows).inline_keyboard) == 100


@pytest.mark.parametrize(("items", "width"), [(101, 1), (415, 1), (240, 2), (83, 3), (500, 3)])
def test_no_keyboard_exceeds_100_buttons_and_its_last_row_stays(items: int, width: int) -> None:
    listed = [(f"w{i}", f"x:{i}") for i in range(items)]
    rows = [listed[i:i + width] for i in range(0, items, width)]
    rows.append([("◀", "x:prev"), ("▶", "x:next")])
    markup = buttons(rows).inline_keyboard
    assert count(markup) <= BUTTONS_MAX
    assert [b.callback_data for b in markup[-1]] == ["x:prev", "x:next"]
    assert markup[0][0].callback_data == "x:0"  # cut from the end of the list, not its start
    if items + 2 > BUTTONS_MAX:
        assert count(markup) == BUTTONS_MAX


def test_one_huge_row_is_cut_too() -> None:
    markup = buttons([[(f"w{i}", f"x:{i}") for i in range(150)]]).inline_keyboard
    assert count(markup) == BUTTONS_MAX


def test_pages_of_a_list() -> None:
    items = list(range(120))
    assert page_count(120) == 6 and page_count(0) == 1 and page_count(20) == 1
    first, second, last = page_of(items, 0), page_of(items, 1), page_of(items, 5)
    assert first.items == list(range(PAGE_SIZE)) and not first.has_previous and first.has_next
    assert second.items == list(range(20, 40)) and second.start == 20
    assert last.items == list(range(100, 120)) and last.has_previous and not last.has_next
    assert page_of(items, 99).number == 5  # a page gone since the button was made: the last
    assert page_of(items, -3).number == 0
    assert page_of([], 2).items == [] and page_of([], 2).pages == 1
    assert page_holding(45) == 2 and page_holding(-1) == 0


def test_page_buttons_and_line() -> None:
    def t(key: str, **values: object) -> str:
        return key + (str(sorted(values.items())) if values else "")

    items = list(range(45))
    assert page_rows(t, page_of(items, 0), lambda n: f"p:{n}") == [[("page.next", "p:1")]]
    assert page_rows(t, page_of(items, 1), lambda n: f"p:{n}") == [
        [("page.previous", "p:0"), ("page.next", "p:2")]]
    assert page_rows(t, page_of(items, 2), lambda n: f"p:{n}") == [[("page.previous", "p:1")]]
    assert page_rows(t, page_of(items[:5], 0), lambda n: f"p:{n}") == []
    assert page_line(t, page_of(items, 1)) == ["page.line[('page', 2), ('pages', 3)]"]
    assert page_line(t, page_of(items[:5], 0)) == []
