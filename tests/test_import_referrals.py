"""Referral lists: headers in either language, per-row errors, the source, rows already in."""

from __future__ import annotations

from datetime import date

import pytest

from bot.domain.referrals import Focus
from bot.importing.households import Refusal
from bot.importing.referrals import Known, ReferralFile, read_referrals

TODAY = date(2026, 11, 18)
KNOWN = Known({"东门社区": 1, "翠竹社区": 2}, source_id=1, source_name="人力资源局",
              source_names={1: "人力资源局", 2: "区法院"},
              refs={"HR-1": [1], "FY-9": [2]})


def check(text: str, known: Known = KNOWN) -> ReferralFile:
    return read_referrals(text.encode("utf-8"), "list.csv", known, TODAY)


def test_english_headers_and_a_bilingual_one() -> None:
    found = check("source_ref,name,area,phone,id_last4,focus,原因 / reason\n"
                  "HR-2,Zhao,东门社区,138 0013 8001,902x,serious illness,laid off\n")
    assert found.errors == []
    row = found.rows[0].referral
    assert (row.source_ref, row.name, row.area_id, row.phone, row.id_last4) == (
        "HR-2", "Zhao", 1, "13800138001", "902X")
    assert row.focus == {Focus.SERIOUS_ILLNESS} and row.due_on == date(2026, 11, 25)


def test_rows_already_sent_by_this_source_are_skipped_not_errors() -> None:
    found = check("来源编号,姓名,社区\nHR-1,赵建国,东门社区\nHR-3,钱秀英,翠竹社区\n")
    assert found.errors == [] and found.already == 1
    assert [r.referral.source_ref for r in found.rows] == ["HR-3"]
    assert found.rows[0].referral.due_on == date(2026, 12, 18)


@pytest.mark.parametrize(("line", "column", "code"), [
    ("FY-9,孙志强,东门社区,,,", "source_ref", "other_source_ref"),
    (",孙志强,东门社区,,,", "source_ref", "required"),
    ("HR-5,,东门社区,,,", "name", "required"),
    ("HR-5,孙志强,西门社区,,,", "area", "unknown_area"),
    ("HR-5,孙志强,,,,", "area", "required"),
    ("HR-5,孙志强,东门社区,12ab,,", "id_last4", "bad_last4"),
    ("HR-5,孙志强,东门社区,,电话,", "phone", "bad_phone"),
    ("HR-5,孙志强,东门社区,,,失恋", "focus", "unknown_focus"),
])
def test_each_bad_cell_is_named_with_its_row(line: str, column: str, code: str) -> None:
    found = check("来源编号,姓名,社区,身份证后四位,电话,重点关注\n" + line + "\n")
    assert [(e.row, e.column, e.code) for e in found.errors] == [(2, column, code)]


def test_duplicated_rows_and_another_sources_list() -> None:
    found = check("来源,来源编号,姓名,社区\n"
                  "人力资源局,HR-7,赵建国,东门社区\n"
                  "人力资源局,HR-7,赵建国,东门社区\n"
                  "区法院,FY-1,周大伟,东门社区\n")
    assert [(e.row, e.code) for e in found.errors] == [(3, "duplicate_ref"), (4, "other_source")]
    assert found.errors[0].values["first"] == 2


def test_missing_columns_refuse_the_whole_file() -> None:
    with pytest.raises(Refusal) as refused:
        check("姓名,电话\n赵建国,13800138001\n")
    assert refused.value.code == "missing_columns"
    assert refused.value.values["columns"] == "source_ref, area"
