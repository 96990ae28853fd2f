"""Rosters (花名册) as districts keep them: each example in examples/rosters/ is imported and
checked cell by cell, its dry-run summary checked in both languages, and the bad inputs
people send are each refused or listed with a clear message."""

from __future__ import annotations

import io
import sqlite3
import subprocess
import sys
import zipfile
from datetime import date
from pathlib import Path

import pytest
from openpyxl import Workbook

from bot.domain.households import Category
from bot.importing import Outcome, describe
from bot.importing.households import (
    HouseholdFile,
    KnownHousehold,
    Refusal,
    Registry,
    map_headers,
    read_households,
)
from tests.conftest import existing_database
from tests.use_cases import catalog

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples" / "rosters"
TODAY = date(2026, 11, 29)
AREAS = "东门街道/东门社区,东门街道/湖贝社区,翠竹社区"
REGISTRY = Registry({"东门社区": 1, "湖贝社区": 2, "翠竹社区": 3},
                    streets={1: "东门街道", 2: "东门街道", 3: None})
CATALOG = catalog()
C = Category


def read(data: bytes, filename: str, registry: Registry = REGISTRY,
         sheet: str | None = None) -> HouseholdFile:
    return read_households(data, filename, registry, today=TODAY, sheet=sheet)


def example(name: str, sheet: str | None = None) -> HouseholdFile:
    return read((EXAMPLES / name).read_bytes(), name, sheet=sheet)


def refused(data: bytes, filename: str) -> Refusal:
    with pytest.raises(Refusal) as caught:
        read(data, filename)
    return caught.value


def summary(lang: str, outcome: Outcome) -> list[str]:
    def t(key: str, /, **values: object) -> str:
        return CATALOG.t(lang, key, **values)
    return describe(t, outcome)


def cells(result: HouseholdFile) -> list[tuple[object, ...]]:
    """Every row as the registry would hold it."""
    return [(r.row, r.household.external_id, r.household.name, r.household.area_id,
             r.household.address, r.household.people_count, r.household.all_categories,
             r.household.phone, r.household.causes, r.street) for r in result.rows]


def xlsx(*sheets: tuple[str, list[list[object]]]) -> bytes:
    book = Workbook()
    first = book.active
    assert first is not None
    book.remove(first)
    for title, rows in sheets:
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# -- the four example rosters -----------------------------------------------------------------


def test_title_rows_merged_cells_and_a_totals_row() -> None:
    result = example("01_dongmen_titles_merged_totals.xlsx")
    assert result.errors == []
    assert cells(result) == [
        (4, "DM-2026-001", "张建国", 1, "东门北路12号3栋502", 1, (C.DIBAO, C.SEVERE_DISABILITY),
         "13800000001", "", None),
        # the community cell is merged over rows 4 and 5: row 5 reads its top-left value
        (5, "DM-2026-002", "李秀英", 1, "东门中路8号", 3, (C.DIBIAN,), "13800000002", "", None),
        (6, "DM-2026-003", "王小红", 2, "湖贝新村2巷5号", 2, (C.UNSUPPORTED_CHILD,), None, "",
         None),
    ]
    assert (result.header_row, result.skipped) == (3, [(1, "title"), (2, "title"), (7, "total")])
    assert result.ignored == ["序号", "备注"]
    assert summary("zh", Outcome(checked=result)) == [
        "📋 检查完了，还没有导入。读的是工作表“2026Q4”，表头在第 3 行。",
        "确认后：新增 3 户，更新 0 户，结对 0 户。",
        "跳过第 1–2 行：表头上面的标题、填报单位、日期。",
        "跳过第 7 行：合计行。",
        "这些列不导入：序号、备注。",
    ]
    assert summary("en", Outcome(checked=result)) == [
        "📋 Checked; nothing imported yet. Reading the sheet “2026Q4”; the header is row 3.",
        "On confirming: 3 new, 0 updated, 0 paired.",
        "Rows 1–2 skipped: titles, reporting unit and dates above the header.",
        "Row 7 skipped: totals.",
        "Columns not imported: 序号, 备注.",
    ]


def test_no_external_id_long_category_words_and_a_street_column() -> None:
    result = example("02_cuizhu_no_id_long_categories.xlsx")
    assert result.errors == []
    assert cells(result) == [
        (4, None, "陈国强", 3, "翠竹路88号", 4, (C.DIBAO, C.UNEMPLOYED), "13900000001",
         "主要劳动力失业", "翠竹街道"),
        # full-width digits (１０号, ２人) read as half-width
        (5, None, "刘芳", 3, "翠竹路10号", 2, (C.SINGLE_PARENT,), None, "离异独自抚养孩子",
         "翠竹街道"),
        (6, None, "赵德明", 3, "水贝一坊3号", 1, (C.TEKUN, C.ELDERLY_ALONE), "075582000000", "",
         "翠竹街道"),
    ]
    assert result.matched_by_name
    assert result.headers["address"] == "现居住地址"  # the current address, not 户籍地址
    assert result.ignored == ["序号", "户籍地址", "性别"]
    assert summary("zh", Outcome(checked=result)) == [
        "📋 检查完了，还没有导入。读的是工作表“花名册”，表头在第 2 行。",
        "确认后：新增 3 户，更新 0 户，结对 0 户。",
        "表里没有编号列，所以按“户主姓名 + 社区 + 地址”对应已经登记的户，对上了就更新。",
        "跳过第 1 行：表头上面的标题、填报单位、日期。",
        "跳过第 3 行：只有数字的行。",
        "跳过第 7 行：表格下面的填表人、审核人。",
        "这些列不导入：序号、户籍地址、性别。",
    ]
    assert summary("en", Outcome(checked=result)) == [
        "📋 Checked; nothing imported yet. Reading the sheet “花名册”; the header is row 2.",
        "On confirming: 3 new, 0 updated, 0 paired.",
        "The file has no id column, so households are matched by name + community + address; "
        "a match is updated.",
        "Row 1 skipped: titles, reporting unit and dates above the header.",
        "Row 3 skipped: numbers only.",
        "Row 7 skipped: signatures below the table.",
        "Columns not imported: 序号, 户籍地址, 性别.",
    ]


def test_gb18030_csv_saved_by_wps() -> None:
    result = example("03_hubei_wps_gb18030.csv")
    assert result.errors == []
    assert cells(result) == [
        (3, "HB-01", "孙丽", 2, "湖贝路1号", 2, (C.DIBAO, C.SERIOUS_ILLNESS), "13700000001", "",
         None),
        (4, "HB-02", "周伟", 2, "湖贝路2号", 1, (C.DIBIAN,), "13700000002", "", None),
        (5, "HB-03", "吴桂兰", 2, "湖贝路3号", 5, (C.SPENDING_POVERTY,), "13700000003", "", None),
    ]
    assert summary("zh", Outcome(checked=result)) == [
        "📋 检查完了，还没有导入。表头在第 2 行。",
        "确认后：新增 3 户，更新 0 户，结对 0 户。",
        "跳过第 1 行：表头上面的标题、填报单位、日期。",
        "跳过第 6 行：合计行。",
    ]
    assert summary("en", Outcome(checked=result)) == [
        "📋 Checked; nothing imported yet. The header is row 2.",
        "On confirming: 3 new, 0 updated, 0 paired.",
        "Row 1 skipped: titles, reporting unit and dates above the header.",
        "Row 6 skipped: totals.",
    ]


def test_data_on_the_second_sheet_offers_the_sheets_by_name() -> None:
    data = (EXAMPLES / "04_second_sheet.xlsx").read_bytes()
    refusal = refused(data, "04_second_sheet.xlsx")
    assert (refusal.code, refusal.values) == ("choose_sheet", {"sheets": ["填表说明", "结对名单"]})
    assert summary("zh", Outcome(refusal=refusal)) == [
        "❌ 这个文件没法导入：这个文件有好几个工作表（填表说明、结对名单），第一个里没有花名册。"]
    assert summary("en", Outcome(refusal=refusal)) == [
        "❌ This file cannot be imported: the file has several sheets (填表说明, 结对名单) and "
        "the first holds no roster."]
    result = example("04_second_sheet.xlsx", sheet="结对名单")
    assert result.errors == []
    assert cells(result) == [
        (2, "DM-2026-101", "郑大爷", 1, "东门南路5号", 1, (C.ELDERLY_ALONE,), None, "", None),
        (3, "DM-2026-102", "何阿姨", 1, "东门南路7号", 2, (C.CHILD_DIFFICULTY,), "13600000002",
         "", None),
    ]
    assert summary("zh", Outcome(checked=result))[0] == (
        "📋 检查完了，还没有导入。读的是工作表“结对名单”，表头在第 1 行。")
    assert summary("en", Outcome(checked=result))[0] == (
        "📋 Checked; nothing imported yet. Reading the sheet “结对名单”; the header is row 1.")
    assert refused(data, "x.xlsx").code == "choose_sheet"
    with pytest.raises(Refusal) as caught:
        read(data, "x.xlsx", sheet="没有这个表")
    assert caught.value.code == "no_sheet"


# -- column names, categories, matching -------------------------------------------------------


@pytest.mark.parametrize(("header", "field"), [
    ("户主姓名", "name"), ("救助对象姓名", "name"), ("服务对象", "name"), ("户主", "name"),
    ("家庭人口数", "people"), ("共同生活人数", "people"), ("人口数", "people"),
    ("家庭人口（人）", "people"), ("手机号码", "phone"), ("联系\n电话", "phone"),
    ("现居住地址", "address"), ("家庭住址", "address"), ("所属社区", "area"),
    ("社区名称", "area"), ("所属街道", "street"), ("救助类别", "category"),
    ("保障类别", "category"), ("档案编号", "external_id"), ("户编号", "external_id"),
    ("Name", "name"), ("Household size", "people"), ("Community", "area"),
])
def test_the_names_people_give_columns(header: str, field: str) -> None:
    assert map_headers(["序号", header, "备注", "不认识的列"]) == {field: 1}


def test_words_for_categories_as_written_and_several_in_one_cell() -> None:
    rows = "".join(f"{n},户{n},东门社区,{words}\n" for n, words in enumerate([
        "低保户", "低保对象", "低保边缘", "低边户", "特困人员", "特困供养", "孤儿",
        "事实无人抚养儿童", "残疾人", "重残", "重病", "失业", "长期失业",
        '"低保, 重残"', "低保；重病", "低保;孤儿", "低保，单亲困难", "dibao、Orphan",
    ], start=1))
    result = read(("编号,姓名,社区,类别\n" + rows).encode(), "h.csv")
    assert result.errors == []
    assert [r.household.all_categories for r in result.rows] == [
        (C.DIBAO,), (C.DIBAO,), (C.DIBIAN,), (C.DIBIAN,), (C.TEKUN,), (C.TEKUN,), (C.ORPHAN,),
        (C.UNSUPPORTED_CHILD,), (C.SEVERE_DISABILITY,), (C.SEVERE_DISABILITY,),
        (C.SERIOUS_ILLNESS,), (C.UNEMPLOYED,), (C.UNEMPLOYED,),
        (C.DIBAO, C.SEVERE_DISABILITY), (C.DIBAO, C.SERIOUS_ILLNESS), (C.DIBAO, C.ORPHAN),
        (C.DIBAO, C.SINGLE_PARENT), (C.DIBAO, C.ORPHAN),
    ]


def test_an_unknown_category_lists_the_accepted_words() -> None:
    result = read("姓名,社区,类别\n张,东门社区,低保、富裕户\n".encode(), "h.csv")
    assert [(e.row, e.column, e.code, e.values["value"]) for e in result.errors] == [
        (2, "category", "unknown_category", "富裕户")]
    assert summary("zh", Outcome(checked=result))[1] == (
        "第 2 行 · 类别：不认识的类别“富裕户”（可以写：低保、低边、特困、孤儿、"
        "事实无人抚养儿童、困境儿童、重病、重残、长期失业、支出型贫困、单亲困难、独居老人、其他；几个类别用“、”隔开）")
    assert "accepted: dibao 低保, dibian 低边" in summary("en", Outcome(checked=result))[1]


def test_matching_by_name_community_and_address_updates_and_never_guesses() -> None:
    known = [KnownHousehold(10, None, "陈国强", 3, "翠竹路88号"),
             KnownHousehold(11, None, "刘芳", 3, "翠竹路10号"),
             KnownHousehold(12, None, "刘芳", 3, "翠竹路10号"),
             KnownHousehold(13, "OLD-1", "赵德明", 3, "水贝一坊3号")]
    registry = Registry(REGISTRY.areas, households=known, streets=REGISTRY.streets)
    result = read((EXAMPLES / "02_cuizhu_no_id_long_categories.xlsx").read_bytes(), "r.xlsx",
                  registry)
    assert [(e.row, e.column, e.code, e.values) for e in result.errors] == [
        (5, "name", "ambiguous_match", {"value": "刘芳", "count": 2})]
    assert [(r.row, r.household_id, r.existing) for r in result.rows] == [
        (4, 10, True), (6, 13, True)]
    assert summary("zh", Outcome(checked=result))[1] == (
        "第 5 行 · 救助对象姓名：已经登记了 2 户“刘芳”，"
        "户主姓名、社区、地址都一样，对不上是哪一户。"
        "请在表里加上编号列，或者先在 /households 里改一下名字")
    text = "姓名,社区,地址,类别\n张,东门社区,东门路1号,低保\n 张 ,东门社区,东门路１号,低边\n"
    result = read(text.encode(), "h.csv")
    assert [(e.row, e.code, e.values["first"]) for e in result.errors] == [(3, "duplicate_row", 2)]


def test_a_street_that_is_not_the_communitys_is_an_error() -> None:
    text = "所属街道,社区,姓名,类别\n南湖街道,东门社区,张,低保\n东门街道,东门社区,李,低保\n"
    result = read(text.encode(), "h.csv")
    assert [(e.row, e.column, e.code) for e in result.errors] == [(2, "street", "wrong_street")]
    assert summary("zh", Outcome(checked=result))[1] == (
        "第 2 行 · 所属街道：社区属于“东门街道”，不是“南湖街道”")


# -- bad input --------------------------------------------------------------------------------


def test_a_repeated_header_is_skipped_and_a_different_one_refused() -> None:
    text = ("姓名,社区,类别\n张,东门社区,低保\n姓名,社区,类别\n李,东门社区,低边\n")
    result = read(text.encode(), "h.csv")
    assert (result.errors, result.skipped) == ([], [(3, "header")])
    text = ("姓名,社区,类别\n张,东门社区,低保\n社区,姓名,类别,电话\n东门社区,李,低边,1\n")
    refusal = refused(text.encode(), "h.csv")
    assert (refusal.code, refusal.values) == ("two_headers", {"first": 1, "second": 3})
    assert summary("zh", Outcome(refusal=refusal)) == [
        "❌ 这个文件没法导入：第 1 行和第 3 行都像表头，但列不一样。"
        "一张表只留一个表头，或者分成两个文件。"]


def test_no_header_in_the_first_ten_rows_is_refused_in_plain_words() -> None:
    text = "".join(f"说明第{n}行\n" for n in range(12)) + "姓名,社区,类别\n张,东门社区,低保\n"
    refusal = refused(text.encode(), "h.csv")
    assert refusal.code == "no_header"
    assert "前 10 行里找不到表头" in summary("zh", Outcome(refusal=refusal))[0]


def test_empty_sheet_and_chart_sheet_are_refused() -> None:
    assert refused(xlsx(("Sheet1", [])), "h.xlsx").code == "empty"
    from openpyxl.chart import BarChart, Reference

    book = Workbook()
    data = book.active
    assert data is not None
    data.title = "数据"
    chart = BarChart()
    chart.add_data(Reference(data, min_col=1, min_row=1, max_row=1))
    charts = book.create_chartsheet("图表")
    charts.add_chart(chart)
    out = io.BytesIO()
    book.save(out)
    refusal = refused(out.getvalue(), "h.xlsx")
    assert refusal.code == "chart_only"
    assert summary("zh", Outcome(refusal=refusal)) == [
        "❌ 这个文件没法导入：这个文件里只有图表，没有表格数据。"]


def test_a_phone_in_scientific_notation_says_the_column_must_be_text() -> None:
    text = "编号,姓名,社区,类别,联系电话\nA1,张,东门社区,低保,1.38E+10\n"
    result = read(text.encode(), "h.csv")
    assert [(e.row, e.column, e.code) for e in result.errors] == [(2, "phone", "scientific")]
    assert summary("zh", Outcome(checked=result))[1] == (
        "第 2 行 · 联系电话：“1.38E+10”被 Excel 变成了科学计数法，后几位已经丢了。"
        "请把这一列设成“文本”格式，重新填好再导出")
    assert summary("en", Outcome(checked=result))[1].startswith(
        "Row 2 · 联系电话: Excel turned “1.38E+10” into scientific notation")
    # an 18-digit number typed into an XLSX cell keeps only 15 digits: refused the same way
    data = xlsx(("名单", [["档案编号", "姓名", "社区", "类别"],
                          [440301199001011234, "张", "东门社区", "低保"]]))
    result = read(data, "h.xlsx")
    assert [(e.column, e.code) for e in result.errors] == [("external_id", "scientific")]


def test_numbers_stored_as_text_and_excel_serial_dates() -> None:
    from bot.importing.households import WorkerRef

    registry = Registry(REGISTRY.areas, [WorkerRef(7001, "陈社工")], streets=REGISTRY.streets)
    text = ('编号,姓名,社区,人数,类别,电话,结对社工,结对日期\n'
            'A1,张,东门社区,"３",低保,="13800000001",陈社工,45383\n'
            "A2,李,东门社区,2.0,低保,'13800000002,,\n")
    result = read(text.encode(), "h.csv", registry)
    assert result.errors == []
    first, second = result.rows
    assert (first.household.people_count, first.household.phone) == (3, "13800000001")
    assert (first.worker_id, first.paired_on) == (7001, date(2024, 4, 1))
    assert (second.household.people_count, second.household.phone) == (2, "13800000002")


def test_a_zip_bomb_is_refused_before_it_is_opened() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"<" + b" " * (60 * 1024 * 1024) + b"/>")
    assert len(out.getvalue()) < 1024 * 1024
    assert refused(out.getvalue(), "bomb.xlsx").code == "too_big"


# -- the command line ------------------------------------------------------------------------


def _cli(tmp_path: Path, *args: str, lang: str = "zh") -> subprocess.CompletedProcess[str]:
    existing_database(tmp_path / "z.sqlite3")  # as `zhongfu run` leaves it
    env = {
        "PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "PYTHONPATH": str(ROOT),
        "ZHONGFU_DATABASE": str(tmp_path / "z.sqlite3"), "ZHONGFU_LANGUAGE": lang,
        "ZHONGFU_AREAS": AREAS, "ZHONGFU_TIMEZONE": "Asia/Shanghai",
    }
    return subprocess.run([sys.executable, "-m", "bot", *args], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=60)


def _registry(tmp_path: Path) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(tmp_path / "z.sqlite3")
    try:
        rows = conn.execute(
            "SELECT h.id, h.external_id, h.name, a.name, h.address, h.people_count, h.category, "
            "h.phone, h.causes FROM households h LEFT JOIN areas a ON a.id = h.area_id "
            "ORDER BY h.id").fetchall()
        categories: dict[int, set[str]] = {}
        for household_id, code in conn.execute("SELECT household_id, category "
                                                "FROM household_categories"):
            categories.setdefault(household_id, set()).add(code)
    finally:
        conn.close()
    return [(*row[1:], categories.get(row[0], set())) for row in rows]


@pytest.mark.slow
def test_cli_dry_run_then_import_of_every_example(tmp_path: Path) -> None:
    first = EXAMPLES / "01_dongmen_titles_merged_totals.xlsx"
    done = _cli(tmp_path, "import", "households", "--dry-run", str(first))
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "📋 检查完了，还没有导入。读的是工作表“2026Q4”，表头在第 3 行。",
        "确认后：新增 3 户，更新 0 户，结对 0 户。",
        "跳过第 1–2 行：表头上面的标题、填报单位、日期。",
        "跳过第 7 行：合计行。",
        "这些列不导入：序号、备注。",
        "（这是试运行，什么都没有导入。去掉 --dry-run 就会导入。）",
    ]
    assert _registry(tmp_path) == []
    done = _cli(tmp_path, "import", "households", "--dry-run", str(first), lang="en")
    assert done.stdout.splitlines()[1] == "On confirming: 3 new, 0 updated, 0 paired."

    for name in ("01_dongmen_titles_merged_totals.xlsx", "02_cuizhu_no_id_long_categories.xlsx",
                 "03_hubei_wps_gb18030.csv"):
        done = _cli(tmp_path, "import", "households", str(EXAMPLES / name))
        assert done.returncode == 0, done.stderr
        assert done.stdout.strip() == "✅ 导入完成：新增 3 户，更新 0 户，结对 0 户。"
    done = _cli(tmp_path, "import", "households", str(EXAMPLES / "04_second_sheet.xlsx"))
    assert done.returncode == 1
    assert "填表说明、结对名单" in done.stderr and "--sheet" in done.stderr
    done = _cli(tmp_path, "import", "households", "--sheet", "结对名单",
                str(EXAMPLES / "04_second_sheet.xlsx"))
    assert done.returncode == 0, done.stderr

    assert _registry(tmp_path) == [
        ("DM-2026-001", "张建国", "东门社区", "东门北路12号3栋502", 1, "dibao", "13800000001", "",
         {"dibao", "severe_disability"}),
        ("DM-2026-002", "李秀英", "东门社区", "东门中路8号", 3, "dibian", "13800000002", "",
         {"dibian"}),
        ("DM-2026-003", "王小红", "湖贝社区", "湖贝新村2巷5号", 2, "unsupported_child", None, "",
         {"unsupported_child"}),
        (None, "陈国强", "翠竹社区", "翠竹路88号", 4, "dibao", "13900000001", "主要劳动力失业",
         {"dibao", "unemployed"}),
        (None, "刘芳", "翠竹社区", "翠竹路10号", 2, "single_parent", None, "离异独自抚养孩子",
         {"single_parent"}),
        (None, "赵德明", "翠竹社区", "水贝一坊3号", 1, "tekun", "075582000000", "",
         {"tekun", "elderly_alone"}),
        ("HB-01", "孙丽", "湖贝社区", "湖贝路1号", 2, "dibao", "13700000001", "",
         {"dibao", "serious_illness"}),
        ("HB-02", "周伟", "湖贝社区", "湖贝路2号", 1, "dibian", "13700000002", "", {"dibian"}),
        ("HB-03", "吴桂兰", "湖贝社区", "湖贝路3号", 5, "spending_poverty", "13700000003", "",
         {"spending_poverty"}),
        ("DM-2026-101", "郑大爷", "东门社区", "东门南路5号", 1, "elderly_alone", None, "",
         {"elderly_alone"}),
        ("DM-2026-102", "何阿姨", "东门社区", "东门南路7号", 2, "child_difficulty", "13600000002",
         "", {"child_difficulty"}),
    ]
    conn = sqlite3.connect(tmp_path / "z.sqlite3")
    streets = conn.execute("SELECT a.name, s.name FROM areas a LEFT JOIN streets s "
                           "ON s.id = a.street_id ORDER BY a.name").fetchall()
    conn.close()
    # 翠竹社区 had no street: the roster's 所属街道 put it into 翠竹街道
    assert sorted(streets) == [("东门社区", "东门街道"), ("湖贝社区", "东门街道"),
                               ("翠竹社区", "翠竹街道")]

    # the roster without ids, imported again: matched by name, community and address
    again = EXAMPLES / "02_cuizhu_no_id_long_categories.xlsx"
    done = _cli(tmp_path, "import", "households", "--dry-run", str(again))
    assert "确认后：新增 0 户，更新 3 户，结对 0 户。" in done.stdout
    done = _cli(tmp_path, "import", "households", str(again))
    assert done.stdout.strip() == "✅ 导入完成：新增 0 户，更新 3 户，结对 0 户。"
    assert len(_registry(tmp_path)) == 11


def test_cli_dry_run_with_errors_exits_1_and_stores_nothing(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("花名册\n户主姓名,所属社区,救助类别,联系电话\n张,东门社区,低保,1.38E+10\n"
                   "李,西门社区,低保,\n", "utf-8")
    done = _cli(tmp_path, "import", "households", "--dry-run", str(bad))
    assert done.returncode == 1
    assert done.stderr.splitlines()[1:] == [
        "❌ 发现 2 处错误（涉及 2 行），这次什么都没导入：",
        "第 3 行 · 联系电话：“1.38E+10”被 Excel 变成了科学计数法，后几位已经丢了。"
        "请把这一列设成“文本”格式，重新填好再导出",
        "第 4 行 · 所属社区：没有叫“西门社区”的社区",
    ]
    assert _registry(tmp_path) == []


def test_one_community_given_two_streets_in_one_file_is_an_error() -> None:
    text = "所属街道,社区,姓名,类别\n翠竹街道,翠竹社区,张,低保\n东湖街道,翠竹社区,李,低保\n"
    result = read(text.encode(), "h.csv")
    assert [(e.row, e.code, e.values) for e in result.errors] == [
        (3, "wrong_street", {"value": "东湖街道", "street": "翠竹街道"})]
    assert [r.street for r in result.rows] == ["翠竹街道"]
