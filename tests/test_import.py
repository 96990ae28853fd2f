"""Household spreadsheets: reading CSV/XLSX, per-row errors, refusals, and the CLI command."""

from __future__ import annotations

import io
import sqlite3
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from openpyxl import Workbook

from bot.domain.households import Category
from bot.importing.households import (
    MAX_ROWS,
    Refusal,
    WorkerRef,
    read_households,
    read_table,
)
from tests.conftest import existing_database

ROOT = Path(__file__).resolve().parent.parent
TODAY = date(2026, 5, 20)
AREAS = {"东门社区": 1, "翠竹社区": 2}
WORKERS = [WorkerRef(7001, "陈社工"), WorkerRef(7002, "刘社工"), WorkerRef(7003, "刘社工")]
HEADER = "编号,姓名,社区,地址,人数,类别,困难原因,需求,电话,结对社工,结对日期\n"
GOOD = HEADER + (
    "LH-1,张大爷,东门社区,东门路12号,1,独居老人,腿脚不便,生活照料,13800000001,陈社工,2026-04-01\n"
    "LH-2,李阿婆家,翠竹社区,翠竹路8号,3,低保,重病,,,7002,\n"
)


def check(text: str | bytes, filename: str = "h.csv"):  # type: ignore[no-untyped-def]
    data = text.encode("utf-8") if isinstance(text, str) else text
    return read_households(data, filename, AREAS, WORKERS, TODAY)


def refusal(data: bytes, filename: str) -> str:
    with pytest.raises(Refusal) as caught:
        read_households(data, filename, AREAS, WORKERS, TODAY)
    return caught.value.code


def test_good_csv_with_chinese_headers() -> None:
    result = check(GOOD)
    assert result.errors == []
    first, second = result.rows
    assert first.household.name == "张大爷"
    assert first.household.category is Category.ELDERLY_ALONE
    assert (first.worker_id, first.paired_on) == (7001, date(2026, 4, 1))
    assert (second.household.area_id, second.worker_id, second.paired_on) == (2, 7002, None)


def test_english_headers_any_order_and_bilingual_headers() -> None:
    text = ("category,name,area,external_id,people\n"
            "dibao,Mr Zhang,东门社区,A1,2\n")
    assert check(text).errors == []
    text = "编号 / external_id,姓名/name,社区 / area,类别 / category\nA1,张,东门社区,低保\n"
    assert check(text).rows[0].household.external_id == "A1"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "utf-16"])
def test_encodings(encoding: str) -> None:
    result = check(GOOD.encode(encoding))
    assert [r.household.name for r in result.rows] == ["张大爷", "李阿婆家"]


def test_every_bad_row_is_listed_with_its_row_number() -> None:
    text = HEADER + (
        "LH-1,张大爷,东门社区,,1,独居老人,,,,,\n"
        "LH-2,,西门社区,,three,富裕,,,abc,王社工,2026-02-30\n"
        "LH-1,重复,东门社区,,1,低保,,,,,\n"
        "LH-4,未来,东门社区,,1,低保,,,,陈社工,2026-06-01\n"
        "LH-5,同名,东门社区,,1,低保,,,,刘社工,\n"
    )
    result = check(text)
    found = {(e.row, e.column, e.code) for e in result.errors}
    assert found == {
        (3, "name", "required"), (3, "area", "unknown_area"), (3, "people", "bad_count"),
        (3, "category", "unknown_category"), (3, "phone", "bad_phone"),
        (3, "worker", "unknown_worker"), (3, "paired_on", "bad_date"),
        (4, "external_id", "duplicate_external_id"),
        (5, "paired_on", "future_date"),
        (6, "worker", "ambiguous_worker"),
    }
    assert [r.row for r in result.rows] == [2]


def test_blank_lines_are_skipped_and_row_numbers_stay_those_of_the_sheet() -> None:
    text = HEADER + "\n" + "LH-1,张,东门社区,,1,低保,,,,,\n\n" + "LH-2,李,南门,,1,低保,,,,,\n"
    result = check(text)
    assert [(e.row, e.code) for e in result.errors] == [(5, "unknown_area")]


def test_missing_required_columns_refuse_the_file() -> None:
    with pytest.raises(Refusal) as caught:
        check("姓名,地址\n张,东门\n")
    assert caught.value.code == "missing_columns"
    assert caught.value.values["fields"] == ["category", "area"]


@pytest.mark.parametrize(("data", "filename", "code"), [
    (b"", "h.csv", "empty"),
    (b"\n\n  \n", "h.csv", "empty"),
    ("编号,姓名,社区,类别\n".encode(), "h.csv", "no_rows"),
    (b"%PDF-1.4\x00\x01binary", "h.xlsx", "not_spreadsheet"),
    (b"just text renamed", "h.xlsx", "not_spreadsheet"),
    (b"PK\x03\x04not really a zip", "h.xlsx", "not_spreadsheet"),
    (b"\xd0\xcf\x11\xe0old excel", "h.xls", "format"),
    (b"\xd0\xcf\x11\xe0old excel", "h.csv", "old_excel"),
    (b"\x89PNG\r\n\x1a\n\x00\x00", "photo.png", "format"),
    (b"GIF89a\x00\x00\x01", "h.csv", "not_spreadsheet"),
    (b"\x81\x30\xff\xfe\x80\x80,\xff", "h.csv", "encoding"),
])
def test_files_refused_as_a_whole(data: bytes, filename: str, code: str) -> None:
    assert refusal(data, filename) == code


def test_too_many_rows_is_one_clear_refusal() -> None:
    body = "".join(f"X{n},名{n},东门社区,低保\n" for n in range(100_000))
    assert refusal(("编号,姓名,社区,类别\n" + body).encode(), "h.csv") == "too_many_rows"
    body = "".join(f"X{n},名{n},东门社区,低保\n" for n in range(MAX_ROWS))
    assert len(check("编号,姓名,社区,类别\n" + body).rows) == MAX_ROWS


def _xlsx(rows: list[list[object]]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_xlsx_with_numbers_and_dates_in_cells() -> None:
    from datetime import datetime

    data = _xlsx([
        ["external_id", "name", "area", "people", "category", "phone", "worker", "paired_on"],
        ["A1", "张大爷", "东门社区", 2, "低保", 13800000001, 7001, datetime(2026, 4, 1)],
        [None, None, None, None, None, None, None, None],
        ["A2", "李", "翠竹社区", 2.0, "tekun", None, None, None],
    ])
    result = read_households(data, "h.xlsx", AREAS, WORKERS, TODAY)
    assert result.errors == []
    first = result.rows[0]
    assert (first.household.people_count, first.household.phone) == (2, "13800000001")
    assert (first.worker_id, first.paired_on) == (7001, date(2026, 4, 1))
    assert result.rows[1].row == 4


def test_xlsx_too_many_rows_refused() -> None:
    rows: list[list[object]] = [["编号", "姓名", "社区", "类别"]]
    rows += [[f"X{n}", "名", "东门社区", "低保"] for n in range(MAX_ROWS + 1)]
    assert refusal(_xlsx(rows), "h.xlsx") == "too_many_rows"


def test_semicolon_and_tab_separated() -> None:
    text = GOOD.replace(",", ";")
    assert len(check(text).rows) == 2
    assert len(check(GOOD.replace(",", "\t"), "h.tsv").rows) == 2


def test_table_reader_keeps_header_and_cells() -> None:
    table = read_table(GOOD.encode(), "h.csv")
    assert table.headers[0] == "编号"
    assert table.rows[0][0] == 2


def test_example_file_in_the_repository_is_valid() -> None:
    data = (ROOT / "examples" / "households.csv").read_bytes()
    result = read_households(data, "households.csv", AREAS, [], TODAY)
    assert result.errors == []
    assert len(result.rows) >= 3


# -- the command line ------------------------------------------------------------------------


def _cli(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    existing_database(tmp_path / "z.sqlite3")  # as `zhongfu run` leaves it
    env = {
        "PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "PYTHONPATH": str(ROOT),
        "ZHONGFU_DATABASE": str(tmp_path / "z.sqlite3"), "ZHONGFU_LANGUAGE": "en",
        "ZHONGFU_AREAS": "东门社区,翠竹社区", "ZHONGFU_TIMEZONE": "Asia/Shanghai",
    }
    return subprocess.run([sys.executable, "-m", "bot", *args], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=60)


def test_cli_refuses_a_file_with_errors_then_imports_the_corrected_one(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("编号,姓名,社区,类别\nA1,张,东门社区,低保\nA2,李,西门社区,低保\n", "utf-8")
    done = _cli(tmp_path, "import", "households", str(bad))
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Row 3 · 社区: there is no community called “西门社区”" in done.stderr
    conn = sqlite3.connect(tmp_path / "z.sqlite3")
    assert conn.execute("SELECT COUNT(*) FROM households").fetchone()[0] == 0
    conn.close()

    good = tmp_path / "good.csv"
    good.write_text("编号,姓名,社区,类别\nA1,张,东门社区,低保\nA2,李,翠竹社区,低保\n", "utf-8")
    done = _cli(tmp_path, "import", "households", str(good))
    assert done.returncode == 0, done.stderr
    assert "2 new, 0 updated, 0 paired" in done.stdout

    good.write_text("编号,姓名,社区,类别,人数\nA1,张大爷,东门社区,低保,2\n", "utf-8")
    done = _cli(tmp_path, "import", "households", str(good))
    assert "0 new, 1 updated" in done.stdout
    conn = sqlite3.connect(tmp_path / "z.sqlite3")
    rows = conn.execute("SELECT external_id, name, people_count FROM households "
                        "ORDER BY external_id").fetchall()
    conn.close()
    assert rows == [("A1", "张大爷", 2), ("A2", "李", 1)]


def test_cli_refuses_missing_file_and_non_spreadsheet(tmp_path: Path) -> None:
    done = _cli(tmp_path, "import", "households", str(tmp_path / "nope.csv"))
    assert done.returncode == 1
    fake = tmp_path / "fake.xlsx"
    fake.write_bytes(b"hello, I am not a spreadsheet")
    done = _cli(tmp_path, "import", "households", str(fake))
    assert done.returncode == 1
    assert "not a spreadsheet" in done.stderr
