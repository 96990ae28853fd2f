"""The export's writers: titles, text that is never a formula, CSV for Excel and WPS."""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook

from bot.charts.stats import comparison_png
from bot.exporting import Sheet, cell_label, csv_value, sheet_title, write_csv_zip, write_xlsx

RISKY = ["=SUM(A1:A9)", "+8613800000000", "-2+3", "@cmd", "=HYPERLINK(\"http://x\",\"y\")"]


def sheets() -> list[Sheet]:
    return [Sheet("居民求助", ["编号", "备注"], iter([(n, text) for n, text in
                                                   enumerate(RISKY, start=1)])),
            Sheet("居民求助", ["a"], iter([("x\x00y\x1f",), (12.5,), (None,)]))]


def test_sheet_titles_are_valid_and_unique() -> None:
    taken: set[str] = set()
    assert sheet_title("居民求助", taken) == "居民求助"
    assert sheet_title("居民求助", taken) == "居民求助 (2)"
    assert sheet_title("a/b:c?[d]", taken) == "a_b_c__d_"
    assert len(sheet_title("长" * 40, taken)) == 31


def test_xlsx_writes_formula_like_text_as_text(tmp_path: Path) -> None:
    out = tmp_path / "x.xlsx"
    assert write_xlsx(sheets(), out) == ["居民求助", "居民求助 (2)"]
    book = load_workbook(out)
    cells = [row[1] for row in book["居民求助"].iter_rows(min_row=2)]
    assert [c.value for c in cells] == RISKY
    assert {c.data_type for c in cells} == {"s"}  # never "f"
    other = [row[0].value for row in book["居民求助 (2)"].iter_rows(min_row=2)]
    assert other[:2] == ["xy", 12.5]  # characters XML cannot hold are dropped


def test_csv_zip_has_a_bom_and_neutralised_formulas(tmp_path: Path) -> None:
    out = tmp_path / "x.zip"
    write_csv_zip(sheets(), out)
    with zipfile.ZipFile(out) as archive:
        assert archive.namelist() == ["01-居民求助.csv", "02-居民求助 (2).csv"]
        raw = archive.read("01-居民求助.csv")
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0] == ["编号", "备注"]
    assert [r[1] for r in rows[1:]] == ["'" + text for text in RISKY]
    assert csv_value("普通文字") == "普通文字" and csv_value(-3) == -3


def test_the_comparison_chart_is_a_png() -> None:
    png, numbered = comparison_png([("心理疏导", 3, 1), ("call", 0, 2)], ("本期", "上期"))
    assert png.startswith(b"\x89PNG")
    assert isinstance(numbered, bool)


def test_an_english_comparison_chart_draws_its_legend_without_a_cjk_font(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # The font falls back to "sans-serif", which the legend once read as a fontconfig pattern.
    monkeypatch.setattr("bot.charts.stats.cjk_font", lambda: None)
    png, numbered = comparison_png([("Counselling", 3, 1), ("call", 0, 2)], ("Now", "Before"))
    assert png.startswith(b"\x89PNG") and not numbered


@pytest.mark.parametrize(("label", "cell"), [
    ("🩺 生病或受伤", "生病或受伤"), ("📞 电话", "电话"), ("⚠️ 注意", "注意"),
    ("电话", "电话"), ("(其他)", "(其他)"), ("“特困”", "“特困”"), ("✔", "✔"), ("2026", "2026"),
])
def test_a_chat_label_becomes_a_cell_without_its_leading_emoji(label: str, cell: str) -> None:
    assert cell_label(label) == cell


def test_a_cell_of_rare_characters_is_cut_to_what_excel_holds(tmp_path: Path) -> None:
    # 𠀀 (CJK Extension B, found in real names) is two UTF-16 units, as Excel counts.
    long = "𠀀" * 20_000
    path = tmp_path / "rare.xlsx"
    write_xlsx([Sheet("名单", ["备注"], iter([(long,)]))], path)
    [[cell]] = load_workbook(path).active.iter_rows(min_row=2, values_only=True)
    assert isinstance(cell, str) and cell.endswith("…")
    assert len(cell.encode("utf-16-le")) // 2 <= 32_767
    assert set(cell[:-1]) == {"𠀀"}
