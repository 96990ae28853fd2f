"""Write the example rosters in this folder, shaped like the ones districts keep.

Run `python examples/rosters/make_examples.py` after changing them; the tests import each file
and check it cell by cell (tests/test_rosters.py).
"""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook

HERE = Path(__file__).resolve().parent


def dongmen() -> None:
    """A merged title row, a 填报单位 line, the header, merged community cells, a 合计 row."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "2026Q4"
    sheet.append(["罗湖区东门街道结对帮扶对象花名册（2026年第四季度）"])
    sheet.merge_cells("A1:I1")
    sheet.append(["填报单位：东门社区工作站", None, None, None, None, None, "填报日期：2026年10月8日"])
    sheet.merge_cells("A2:C2")
    sheet.append(["序号", "编号", "户主姓名", "社区", "地址", "家庭人口", "类别", "联系电话", "备注"])
    sheet.append([1, "DM-2026-001", "张建国", "东门社区", "东门北路12号3栋502", 1, "低保户、重残",
                  "13800000001", "独居，行动不便"])
    sheet.append([2, "DM-2026-002", "李秀英", None, "东门中路8号", 3, "低保边缘", 13800000002, None])
    sheet.append([3, "DM-2026-003", "王小红", "湖贝社区", "湖贝新村2巷5号", 2, "事实无人抚养儿童", None,
                  "祖母照顾"])
    sheet.merge_cells("D4:D5")  # the community written once for two households, as people do
    sheet.append(["合计", None, None, None, None, 6, None, None, None])
    book.save(HERE / "01_dongmen_titles_merged_totals.xlsx")


def cuizhu() -> None:
    """No external id, categories written the long way, current and registered address, a
    street column, a column numbering row and a signature line."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "花名册"
    sheet.append(["翠竹社区困难群众花名册"])
    sheet.append(["序号", "所属街道", "社区名称", "救助对象姓名", "户籍地址", "现居住地址",
                  "共同生活人数", "救助类别", "手机号码", "致困原因", "性别"])
    sheet.append([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11])
    sheet.append([1, "翠竹街道", "翠竹社区", "陈国强", "湖南省衡阳市", "翠竹路88号", "4",
                  "低保对象；长期失业（失业登记超过半年）", "13900000001", "主要劳动力失业", "男"])
    sheet.append([2, "翠竹街道", "翠竹社区", "刘芳", "广东省梅州市", "翠竹路１０号", "２人",
                  "单亲困难家庭", None, "离异独自抚养孩子", "女"])
    sheet.append([3, "翠竹街道", "翠竹社区", "赵德明", None, "水贝一坊3号", 1,
                  "特困供养人员,独居老人", "0755-82000000", None, "男"])
    sheet.append(["填表人：周敏", None, None, "审核人：黄主任"])
    book.save(HERE / "02_cuizhu_no_id_long_categories.xlsx")


def hubei_csv() -> None:
    """What WPS saves as CSV: GB18030, a title line, the header, quoted cells, a total row."""
    lines = [
        "湖贝社区低保低边家庭花名册,,,,,,",
        "户编号,姓名,社区,家庭住址,家庭人口数,保障类别,电话",
        'HB-01,孙丽,湖贝社区,湖贝路1号,2,"低保,重病",13700000001',
        "HB-02,周伟,湖贝社区,湖贝路2号,1,低边户,13700000002",
        "HB-03,吴桂兰,湖贝社区,湖贝路3号,5,支出型贫困,\t13700000003",
        "总计,,,,8,,",
    ]
    (HERE / "03_hubei_wps_gb18030.csv").write_bytes(("\r\n".join(lines) + "\r\n")
                                                     .encode("gb18030"))


def second_sheet() -> None:
    """A first sheet of notes, the roster on the second."""
    book = Workbook()
    notes = book.active
    assert notes is not None
    notes.title = "填表说明"
    notes.append(["填表说明：一户一行，类别可以填多个，用顿号隔开。"])
    notes.append(["本表由社区工作站每季度更新一次。"])
    roster = book.create_sheet("结对名单")
    roster.append(["编号", "姓名", "社区", "地址", "人数", "对象类别", "联系电话"])
    roster.append(["DM-2026-101", "郑大爷", "东门社区", "东门南路5号", 1, "独居老人", None])
    roster.append(["DM-2026-102", "何阿姨", "东门社区", "东门南路7号", 2, "困境儿童", "13600000002"])
    book.save(HERE / "04_second_sheet.xlsx")


if __name__ == "__main__":
    dongmen()
    cuizhu()
    hubei_csv()
    second_sheet()
