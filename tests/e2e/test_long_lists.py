"""End to end: the lists people choose from at district scale (120 workers, 120 communities,
dozens of households, projects, funds and programmes) are shown a page at a time, within
Telegram's 100 buttons and 4,096 characters (the fake Bot API refuses more, as Telegram does),
and what is on a later page can be reached and chosen."""

from __future__ import annotations

import io
import re
from collections.abc import AsyncIterator
from pathlib import Path

import openpyxl
import pytest

from tests.conftest import BotProcess, bot_environment
from tests.e2e.helpers_triage import add_worker, invite_code, report_row
from tests.e2e.reporting import label, submit_report
from tests.e2e.test_households import HEADER, add_taken_report, import_csv
from tests.e2e.test_streets import street_of
from tests.rig.server import BotMessage, FakeBotApi, FakeUser

MANY = 120
NEXT, PREVIOUS = label("zh", "page.next"), label("zh", "page.previous")
EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "rosters"
STAMP = "2026-01-01T00:00:00.000000+00:00"


def add_workers(bot: BotProcess, count: int, area: str = "翠竹社区") -> None:
    """`count` workers on duty (社工001, 社工002, …) straight in the database."""
    with bot.db() as conn:
        area_id = conn.execute("SELECT id FROM areas WHERE name = ?", (area,)).fetchone()[0]
        for n in range(1, count + 1):
            conn.execute(
                "INSERT INTO people (telegram_id, display_name, role, active, created_at, "
                "updated_at) VALUES (?, ?, 'worker', 1, ?, ?)", (5000 + n, f"社工{n:03d}",
                                                                 STAMP, STAMP))
            conn.execute("INSERT INTO person_areas (telegram_id, area_id) VALUES (?, ?)",
                         (5000 + n, area_id))
        conn.commit()


def within_limits(message: BotMessage) -> None:
    assert len(message.labels) <= 100 and len(message.plain) <= 4096


async def test_workers_lists_120_across_pages_and_one_on_page_2_goes_off_duty(
        bot: BotProcess, coordinator: FakeUser) -> None:
    add_workers(bot, MANY)
    await coordinator.send("/workers")
    listing = await coordinator.expect(rf"社工名单（共 {MANY} 人）")
    seen: list[str] = []
    for number in range(1, 7):
        within_limits(listing)
        assert f"第 {number}/6 页" in listing.plain
        names = re.findall(r"社工\d{3}", listing.plain)
        assert len(names) == 20
        assert [f"离岗 {n}" for n in names] == [t for t in listing.labels if t.startswith("离岗")]
        seen += names
        if number < 6:
            await coordinator.press(NEXT, in_message=listing)
            listing = await coordinator.expect(rf"第 {number + 1}/6 页")
    assert seen == [f"社工{n:03d}" for n in range(1, MANY + 1)]
    assert NEXT not in listing.labels and PREVIOUS in listing.labels

    await coordinator.send("/workers")
    listing = await coordinator.expect("第 1/6 页")
    assert "离岗 社工025" not in listing.labels
    await coordinator.press(NEXT, in_message=listing)
    listing = await coordinator.expect("第 2/6 页")
    await coordinator.press("离岗 社工025", in_message=listing)
    confirm = await coordinator.expect("确定让 社工025 离岗吗")
    await coordinator.press(label("zh", "triage.workers.yes_off"), in_message=confirm)
    await coordinator.expect("社工025 已离岗")
    # The list comes back at the page that now holds them (off duty, at the end).
    after = await coordinator.expect("社工名单")
    assert "第 6/6 页" in after.plain and "重新上岗 社工025" in after.labels
    with bot.db() as conn:
        assert conn.execute("SELECT active FROM people WHERE telegram_id = 5025").fetchone()[0] == 0


async def test_assign_menu_with_120_workers_reaches_a_later_page(
        bot: BotProcess, coordinator: FakeUser, resident: FakeUser) -> None:
    await coordinator.send("/start")
    await coordinator.expect("管理员")
    add_workers(bot, MANY)
    ref = await submit_report(resident)
    card = await coordinator.expect(rf"新求助.*{ref}")
    await coordinator.press(label("zh", "triage.button.assign"), in_message=card)
    menu = await coordinator.expect(rf"把 {ref} 指派给哪位社工")
    within_limits(menu)
    assert "第 1/6 页" in menu.plain and "社工001" in menu.labels
    menu = await turn_to(coordinator, menu, 5, 6)
    assert "社工081" in menu.labels and "社工001" not in menu.labels
    await coordinator.press("社工095", in_message=menu)
    await coordinator.expect(rf"已把 {ref} 指派给 社工095")
    row = report_row(bot, ref)
    assert row["status"] == "acknowledged" and row["taken_by"] == 5095


# 120 communities in six streets: 东门街道/东门社区001 … (listed by street, then name, in the
# order of their characters: 东门, 桂园, 笋岗, 翠竹, 莲塘, 黄贝)
STREETS = ("东门", "桂园", "黄贝", "翠竹", "笋岗", "莲塘")
AREAS = [f"{s}街道/{s}社区{n:03d}" for s in STREETS for n in range(1, 21)]


@pytest.fixture
async def many_areas(api: FakeBotApi, workdir: Path) -> AsyncIterator[BotProcess]:
    """The bot of a district with 120 communities."""
    process = BotProcess(api, bot_environment(api, workdir, ZHONGFU_AREAS=",".join(AREAS)),
                         workdir)
    await process.start()
    try:
        yield process
    finally:
        await process.stop()


async def test_areas_with_120_communities_pages_renames_and_retires(
        many_areas: BotProcess, coordinator: FakeUser) -> None:
    await coordinator.send("/areas")
    listing = await coordinator.expect("社区列表")
    within_limits(listing)
    assert "第 1/6 页" in listing.plain and "东门社区001" in listing.plain
    assert "桂园社区001" not in listing.plain
    await coordinator.press(NEXT, in_message=listing)
    listing = await coordinator.expect("第 2/6 页")
    await coordinator.press(NEXT, in_message=listing)
    listing = await coordinator.expect("第 3/6 页")
    within_limits(listing)
    assert "笋岗街道" in listing.plain and "笋岗社区007" in listing.plain
    assert "东门社区001" not in listing.plain
    await coordinator.press("改名：笋岗社区007", in_message=listing)
    await coordinator.expect("请写下“笋岗社区007”的新名称")
    await coordinator.send("笋岗新村社区")
    await coordinator.expect("已保存：笋岗新村社区")
    # Back at the page that holds it.
    listing = await coordinator.expect("社区列表")
    assert "第 3/6 页" in listing.plain and "笋岗新村社区" in listing.plain
    await coordinator.press(PREVIOUS, in_message=listing)
    listing = await coordinator.expect("第 2/6 页")
    await coordinator.press("停用", in_message=listing)  # the first one on the page
    await coordinator.expect("确定停用社区“桂园社区001”吗")
    await coordinator.press("确定停用")
    retired = await coordinator.expect("已停用社区“桂园社区001”")
    assert retired
    listing = await coordinator.expect("社区列表")
    assert "第 2/6 页" in listing.plain and "桂园社区001" not in listing.plain
    with many_areas.db() as conn:
        assert conn.execute("SELECT retired FROM areas WHERE name = '桂园社区001'"
                            ).fetchone()[0] == 1
        assert conn.execute("SELECT COUNT(*) FROM areas WHERE name = '笋岗新村社区'"
                            ).fetchone()[0] == 1


async def to_the_area_step(resident: FakeUser, address: str) -> BotMessage:
    """A report begun (a person living alone, no subject) up to its community question."""
    await resident.send("/report")
    question = await resident.expect("第 1 步")
    await resident.press(label("zh", "report.category.elderly_alone"), in_message=question)
    await resident.expect("第 2 步")
    await resident.send("楼下张大爷腿肿得厉害，好几天没出门了")
    question = await resident.expect("第 3 步")
    await resident.press(label("zh", "report.button.skip"), in_message=question)
    await resident.expect("第 4 步")
    await resident.send(address)
    return await resident.expect("第 5 步")


async def test_report_area_step_with_120_communities_reaches_a_later_page(
        many_areas: BotProcess, resident: FakeUser) -> None:
    question = await to_the_area_step(resident, "莲塘小区3栋502")
    within_limits(question)
    assert "第 1/6 页" in question.plain and "黄贝社区003" not in question.labels
    question = await turn_to(resident, question, 6, 6)
    assert "黄贝社区003" in question.labels
    await resident.press("黄贝社区003", in_message=question)
    await resident.expect("第 6 步")
    with many_areas.db() as conn:
        draft = conn.execute("SELECT data FROM flows").fetchone()[0]
        area = conn.execute("SELECT id FROM areas WHERE name = '黄贝社区003'").fetchone()[0]
    assert f'"area_id": {area}' in draft


async def test_report_area_typed_in_part_offers_the_communities_that_match(
        many_areas: BotProcess, resident: FakeUser) -> None:
    await to_the_area_step(resident, "笋岗小区3栋502")
    await resident.send("笋岗社区01")  # ten of them have it in their name
    found = await resident.expect("找到这几个社区")
    assert found.labels == [*(f"笋岗社区{n:03d}" for n in range(10, 20)),
                            label("zh", "report.button.not_sure")]
    await resident.press("笋岗社区012", in_message=found)
    await resident.expect("第 6 步")
    await resident.send("/cancel")
    await resident.expect("没有提交")


async def test_join_with_120_communities_ticks_one_on_a_later_page(
        many_areas: BotProcess, coordinator: FakeUser, api: FakeBotApi) -> None:
    worker = api.user(2001, "陈社工", language_code="zh-hans")
    code = await invite_code(coordinator)
    await worker.send(f"/start {code}")
    await worker.expect("请写下您的姓名")
    await worker.send("陈社工")
    question = await worker.expect("您负责哪些社区")
    within_limits(question)
    await worker.press("东门社区002", in_message=question)
    question = await worker.expect("已选：东门社区002")
    question = await turn_to(worker, question, 3, 6)
    await worker.press("笋岗社区015", in_message=question)
    question = await worker.expect("已选：东门社区002、笋岗社区015")
    assert "✅ 笋岗社区015" in question.labels and "第 3/6 页" in question.plain
    await worker.press(label("zh", "triage.join.done_button"), in_message=question)
    await worker.expect("您已经是社工了")
    with many_areas.db() as conn:
        names = [r[0] for r in conn.execute(
            "SELECT a.name FROM person_areas p JOIN areas a ON a.id = p.area_id "
            "WHERE p.telegram_id = 2001 ORDER BY a.name")]
    assert names == ["东门社区002", "笋岗社区015"]


async def test_import_of_a_workbook_of_120_sheets_offers_them_a_page_at_a_time(
        bot: BotProcess, coordinator: FakeUser) -> None:
    book = openpyxl.load_workbook(EXAMPLES / "04_second_sheet.xlsx")
    roster = book["结对名单"]
    for n in range(1, 119):
        book.copy_worksheet(roster).title = f"名单{n:03d}"
    assert len(book.sheetnames) == 120
    out = io.BytesIO()
    book.save(out)
    await coordinator.send("/import")
    await coordinator.expect("花名册")
    await coordinator.send_document("many.xlsx", out.getvalue())
    refused = await coordinator.expect("有好几个工作表")
    assert "名单012" not in refused.plain and "等" in refused.plain  # a few by name
    choose = await coordinator.expect("请点一下花名册所在的工作表")
    within_limits(choose)
    assert "第 1/6 页" in choose.plain
    choose = await turn_to(coordinator, choose, 5, 6)
    await coordinator.press("名单090", in_message=choose)
    await coordinator.expect("读取工作表“名单090”")
    await coordinator.expect("检查完了，还没有导入")


async def turn_to(user: FakeUser, message: BotMessage, page: int, pages: int) -> BotMessage:
    """Press 下一页 until `page` of `pages` shows (each page within Telegram's limits)."""
    for number in range(2, page + 1):
        await user.press(NEXT, in_message=message)
        message = await user.expect(rf"第 {number}/{pages} 页")
        within_limits(message)
    return message


def insert_rows(bot: BotProcess, sql: str, rows: list[tuple[object, ...]]) -> None:
    """Rows straight into the database (lists longer than a page, quickly)."""
    with bot.db() as conn:
        conn.executemany(sql, rows)
        conn.commit()


async def test_activity_picks_a_community_households_and_a_project_beyond_a_page(
        many_areas: BotProcess, coordinator: FakeUser) -> None:
    # 45 households in one community on page 3 of 6; 25 projects running.
    await import_csv(many_areas, HEADER + "".join(
        f"LP-{n:02d},住户{n:02d},笋岗社区005,笋岗路{n}号,1,低保,,\n" for n in range(1, 46)))
    await coordinator.send("/start")
    await coordinator.expect("管理员")
    insert_rows(many_areas, "INSERT INTO projects (name, budget_fen, starts_on, ends_on, "
                "created_by, created_at) VALUES (?, 100, '2026-01-01', '2026-12-31', 9001, ?)",
                [(f"项目{n:02d}", STAMP) for n in range(1, 26)])
    await coordinator.send("/activity")
    await coordinator.expect("活动叫什么")
    await coordinator.send("重阳节走访")
    await coordinator.expect("是哪一类活动")
    await coordinator.press(label("zh", "activity.kind.holiday_visit"))
    await coordinator.expect("是哪天的活动")
    await coordinator.press(label("zh", "activity.button.yesterday"))
    question = await coordinator.expect("在哪些社区")
    within_limits(question)
    assert "第 1/6 页" in question.plain and "笋岗社区005" not in question.labels
    await coordinator.press("东门社区002", in_message=question)
    question = await coordinator.expect("已选：东门社区002")
    question = await turn_to(coordinator, question, 3, 6)
    await coordinator.press("笋岗社区005", in_message=question)
    question = await coordinator.expect("已选：东门社区002、笋岗社区005")
    assert "第 3/6 页" in question.plain and "✅ 笋岗社区005" in question.labels
    await coordinator.press(label("zh", "activity.button.done"), in_message=question)
    scope = await coordinator.expect("哪些服务对象参加了")
    await coordinator.press(label("zh", "activity.button.pick"), in_message=scope)
    question = await coordinator.expect("请点选参加的服务对象")
    assert "第 1/3 页" in question.plain and "住户43" not in question.labels
    question = await turn_to(coordinator, question, 3, 3)
    await coordinator.press("住户43", in_message=question)
    question = await coordinator.expect("已选 1 户：住户43")
    assert "第 3/3 页" in question.plain
    await coordinator.press(label("zh", "activity.button.done"), in_message=question)
    question = await coordinator.expect("提供了哪些服务")
    await coordinator.press(label("zh", "activity.button.done"), in_message=question)
    question = await coordinator.expect("一共服务了多少人")
    await coordinator.press(label("zh", "activity.button.by_households", count=1),
                            in_message=question)
    question = await coordinator.expect("属于哪个民生微实事项目")
    assert "第 1/2 页" in question.plain and "项目23" not in question.labels
    question = await turn_to(coordinator, question, 2, 2)
    assert label("zh", "activity.button.no_project") in question.labels
    await coordinator.press("项目23", in_message=question)
    summary = await coordinator.expect("请核对一下")
    assert "所属项目：项目23" in summary.plain and "1 户" in summary.plain
    await coordinator.press(label("zh", "activity.button.confirm"), in_message=summary)
    await coordinator.expect("已保存活动：重阳节走访，1 户参加")
    with many_areas.db() as conn:
        areas = [r[0] for r in conn.execute(
            "SELECT a.name FROM activity_areas x JOIN areas a ON a.id = x.area_id ORDER BY 1")]
        households = [r[0] for r in conn.execute(
            "SELECT h.external_id FROM activity_households x "
            "JOIN households h ON h.id = x.household_id")]
        project = conn.execute("SELECT p.name FROM activities a "
                               "JOIN projects p ON p.id = a.project_id").fetchone()[0]
    assert areas == ["东门社区002", "笋岗社区005"] and households == ["LP-43"]
    assert project == "项目23"


async def test_new_project_ticks_a_community_on_a_later_page(
        many_areas: BotProcess, coordinator: FakeUser) -> None:
    await coordinator.send("/projects")
    await coordinator.expect("还没有民生微实事项目")
    await coordinator.press(label("zh", "projects.button.add"))
    await coordinator.expect("项目叫什么")
    await coordinator.send("长者助餐点")
    await coordinator.expect("项目预算多少元")
    await coordinator.send("5万")
    await coordinator.expect("项目周期是哪天到哪天")
    await coordinator.send("2026-09-01 至 2026-12-31")
    question = await coordinator.expect("项目在哪些社区")
    within_limits(question)
    question = await turn_to(coordinator, question, 4, 6)
    await coordinator.press("翠竹社区011", in_message=question)
    question = await coordinator.expect("已选：翠竹社区011")
    assert "第 4/6 页" in question.plain
    await coordinator.press(label("zh", "projects.button.done"), in_message=question)
    summary = await coordinator.expect("请核对一下")
    assert "翠竹社区011" in summary.plain
    await coordinator.press(label("zh", "projects.button.confirm"), in_message=summary)
    await coordinator.expect("已新增项目：长者助餐点")
    with many_areas.db() as conn:
        assert [r[0] for r in conn.execute(
            "SELECT a.name FROM project_areas x JOIN areas a ON a.id = x.area_id")] \
            == ["翠竹社区011"]


async def test_streets_move_and_pick_communities_on_a_later_page(
        many_areas: BotProcess, coordinator: FakeUser) -> None:
    # An existing street: a community from page 5 moved into it.
    await coordinator.send("/areas")
    await coordinator.expect("社区列表")
    await coordinator.press(label("zh", "streets.button.open"))
    listing = await coordinator.expect("街道和社区")
    await coordinator.press(label("zh", "streets.button.edit", street="东门街道"),
                            in_message=listing)
    view = await coordinator.expect("东门街道 下面有哪些社区")
    within_limits(view)
    assert "第 1/6 页" in view.plain and "莲塘社区004" not in view.labels
    view = await turn_to(coordinator, view, 5, 6)
    await coordinator.press("莲塘社区004", in_message=view)
    view = await coordinator.expect("东门街道 下面有哪些社区.*莲塘社区004")
    assert "第 5/6 页" in view.plain and "✅ 莲塘社区004" in view.labels
    await coordinator.press(label("zh", "streets.button.done"), in_message=view)
    await coordinator.expect("街道和社区")
    assert street_of(many_areas)["莲塘社区004"] == "东门街道"

    # A new street: a community from page 6 ticked in the add flow.
    await coordinator.press(label("zh", "streets.button.add"))
    await coordinator.expect("新街道叫什么")
    await coordinator.send("湖贝街道")
    question = await coordinator.expect("湖贝街道 下面有哪些社区")
    question = await turn_to(coordinator, question, 6, 6)
    await coordinator.press("黄贝社区017", in_message=question)
    question = await coordinator.expect("已选：黄贝社区017")
    assert "第 6/6 页" in question.plain
    await coordinator.press(label("zh", "streets.button.done"), in_message=question)
    await coordinator.expect("已新建街道 湖贝街道")
    assert street_of(many_areas)["黄贝社区017"] == "湖贝街道"


async def test_pair_offers_45_workers_a_page_at_a_time(
        bot: BotProcess, coordinator: FakeUser) -> None:
    add_workers(bot, 45)
    await import_csv(bot, HEADER + "LH-1,张大爷,翠竹社区,翠竹路1号,1,独居老人,,\n")
    await coordinator.send("/pair")
    await coordinator.expect("安排结对")
    await coordinator.send("张大爷")
    question = await coordinator.expect("张大爷 由谁结对")
    within_limits(question)
    assert "社工043 · 翠竹社区 (0)" not in question.labels
    question = await turn_to(coordinator, question, 3, 3)
    await coordinator.press("社工043 · 翠竹社区 (0)", in_message=question)
    await coordinator.expect("确认：社工043 从今天起结对 张大爷")
    await coordinator.press(label("zh", "pair.yes"))
    await coordinator.expect("已结对：社工043 ↔ 张大爷")
    with bot.db() as conn:
        assert conn.execute("SELECT worker_id FROM pairings WHERE ended_on IS NULL"
                            ).fetchone()[0] == 5043


async def test_refer_offers_every_colleague_a_page_at_a_time(
        bot: BotProcess, resident: FakeUser, api: FakeBotApi) -> None:
    add_worker(bot, 7001, "陈社工")
    add_workers(bot, 25, area="东门社区")
    worker = api.user(7001, "陈社工", language_code="zh-hans")
    ref = await submit_report(resident)
    card = await worker.expect(rf"新求助.*{ref}")
    await worker.press(label("zh", "triage.button.take"), in_message=card)
    await worker.expect(rf"{ref} 由您负责了")
    await worker.press(label("zh", "triage.button.ref"))
    question = await worker.expect("转给谁")
    within_limits(question)
    assert "第 1/2 页" in question.plain and "转给 社工023" not in question.labels
    question = await turn_to(worker, question, 2, 2)
    await worker.press("转给 社工023", in_message=question)
    await worker.expect(rf"已把 {ref} 转给 社工023")
    assert report_row(bot, ref)["taken_by"] == 5023


async def test_funds_list_45_a_page_at_a_time_and_one_on_page_3_is_retired(
        bot: BotProcess, coordinator: FakeUser) -> None:
    insert_rows(bot, "INSERT INTO funds (name, created_at) VALUES (?, ?)",
                [(f"基金{n:02d}", STAMP) for n in range(1, 41)])
    await coordinator.send("/funds")
    listing = await coordinator.expect("资金来源")
    within_limits(listing)
    assert "第 1/3 页" in listing.plain and "基金38" not in listing.plain
    listing = await turn_to(coordinator, listing, 3, 3)
    assert "基金38" in listing.plain
    await coordinator.press(label("zh", "funds.button.retire", name="基金38"), in_message=listing)
    confirm = await coordinator.expect("基金38")
    await coordinator.press(label("zh", "funds.button.yes"), in_message=confirm)
    await coordinator.expect("已停用资金来源 基金38")
    with bot.db() as conn:
        assert conn.execute("SELECT retired FROM funds WHERE name = '基金38'").fetchone()[0] == 1


async def test_programs_list_25_a_page_at_a_time_and_one_on_page_2_is_limited(
        bot: BotProcess, coordinator: FakeUser) -> None:
    insert_rows(bot, "INSERT INTO programs (name, rules, created_at) VALUES (?, ?, ?)",
                [(f"方案{n:02d}", '[{"kind": "call", "period": "quarter"}]', STAMP)
                 for n in range(1, 25)])
    await coordinator.send("/programs")
    listing = await coordinator.expect("结对方案：")
    within_limits(listing)
    opens = label("zh", "programs.limit.button", name="方案22")
    assert "第 1/2 页" in listing.plain and opens not in listing.labels
    listing = await turn_to(coordinator, listing, 2, 2)
    assert "方案22" in listing.plain
    await coordinator.press(opens, in_message=listing)
    view = await coordinator.expect("方案22 只对哪些类别")
    await coordinator.press(label("zh", "category.orphan"), in_message=view)
    view = await coordinator.expect("只适用于：孤儿")
    with bot.db() as conn:
        assert [tuple(r) for r in conn.execute(
            "SELECT p.name, c.category FROM program_categories c "
            "JOIN programs p ON p.id = c.program_id")] == [("方案22", "orphan")]


async def test_projects_list_45_a_page_at_a_time_and_one_on_page_3_is_retired(
        bot: BotProcess, coordinator: FakeUser) -> None:
    await coordinator.send("/start")
    await coordinator.expect("管理员")
    insert_rows(bot, "INSERT INTO projects (name, budget_fen, starts_on, ends_on, created_by, "
                "created_at) VALUES (?, 100, '2026-01-01', '2026-12-31', 9001, ?)",
                [(f"项目{n:02d}", STAMP) for n in range(1, 46)])
    await coordinator.send("/projects")
    listing = await coordinator.expect("民生微实事项目")
    within_limits(listing)
    assert "第 1/3 页" in listing.plain and "项目43" not in listing.plain
    listing = await turn_to(coordinator, listing, 3, 3)
    await coordinator.press(label("zh", "projects.button.retire", name="项目43"),
                            in_message=listing)
    confirm = await coordinator.expect("确定停用 项目43 吗")
    await coordinator.press(label("zh", "projects.button.yes"), in_message=confirm)
    await coordinator.expect("已停用项目 项目43")
    with bot.db() as conn:
        assert conn.execute("SELECT retired FROM projects WHERE name = '项目43'").fetchone()[0] == 1


async def every_choice(user: FakeUser, message: BotMessage, pages: int,
                       others: tuple[str, ...] = ()) -> tuple[list[str], BotMessage]:
    """The choices on every page of a paged question, in order (the page buttons and the
    `others` left out), turning to the last page; and that last page."""
    seen: list[str] = []
    for number in range(1, pages + 1):
        within_limits(message)
        assert f"第 {number}/{pages} 页" in message.plain
        seen += [t for t in message.labels if t not in (NEXT, PREVIOUS, *others)]
        if number < pages:
            await user.press(NEXT, in_message=message)
            message = await user.expect(rf"第 {number + 1}/{pages} 页")
    assert NEXT not in message.labels
    return seen, message


async def test_overdue_filter_offers_all_120_communities_and_one_on_page_2_filters(
        many_areas: BotProcess, coordinator: FakeUser, api: FakeBotApi) -> None:
    # Paired for two years with nothing logged: both missed last period's call and visit.
    add_worker(many_areas, 7001, "陈社工", area="东门社区005")
    await import_csv(many_areas, HEADER
                     + "LH-1,张大爷,东门社区005,东门路12号,1,独居老人,7001,2024-01-01\n"
                     + "LH-2,李阿婆,桂园社区007,桂园路8号,2,低保,7001,2024-01-01\n")
    all_ = label("zh", "overdue.all")
    await coordinator.send("/overdue")
    listing = await coordinator.expect("逾期任务")
    assert "张大爷" in listing.plain and "李阿婆" in listing.plain
    choose = await coordinator.expect("想只看一个社区")
    assert choose.labels[0] == all_
    seen, choose = await every_choice(coordinator, choose, 6, (all_,))
    assert seen == sorted(name.split("/")[1] for name in AREAS)

    # A forged page turn from a worker is refused like any other filter button.
    worker = api.user(7001, "陈社工", language_code="zh-hans")
    await worker.send("/start")
    await worker.expect("")
    assert "只对管理员开放" in await worker.press_data("ov:pg:1", worker.last_message)

    await coordinator.send("/overdue")
    await coordinator.expect("逾期任务")
    choose = await coordinator.expect("想只看一个社区")
    assert "第 1/6 页" in choose.plain and "桂园社区007" not in choose.labels
    choose = await turn_to(coordinator, choose, 2, 6)
    await coordinator.press("桂园社区007", in_message=choose)
    only = await coordinator.expect("社区：桂园社区007")
    assert "李阿婆" in only.plain and "张大爷" not in only.plain
    # The filter comes back at the page that holds the community chosen.
    again = await coordinator.expect("想只看一个社区")
    assert "第 2/6 页" in again.plain and "桂园社区007" in again.labels
    await coordinator.press(all_, in_message=again)
    everyone = await coordinator.expect("逾期任务")
    assert "张大爷" in everyone.plain and "李阿婆" in everyone.plain


async def test_streets_overview_pages_25_streets_and_one_on_page_2_is_adjusted(
        many_areas: BotProcess, coordinator: FakeUser, resident: FakeUser) -> None:
    # 19 more streets of one community each (莲塘社区001 … 019): 25 streets in all.
    with many_areas.db() as conn:
        for n in range(1, 20):
            made = conn.execute("INSERT INTO streets (name, created_at) VALUES (?, ?)",
                                (f"新区{n:02d}街道", STAMP)).lastrowid
            conn.execute("UPDATE areas SET street_id = ? WHERE name = ?",
                         (made, f"莲塘社区{n:03d}"))
        conn.commit()
    streets = sorted([f"{s}街道" for s in STREETS] + [f"新区{n:02d}街道" for n in range(1, 20)])
    edit = [label("zh", "streets.button.edit", street=s) for s in streets]
    add = label("zh", "streets.button.add")
    await coordinator.send("/areas")
    await coordinator.expect("社区列表")
    await coordinator.press(label("zh", "streets.button.open"))
    listing = await coordinator.expect("街道和社区")
    assert listing.labels[0] == add
    seen, listing = await every_choice(coordinator, listing, 2, (add,))
    assert seen == edit
    # Anyone else's page turn, forged, is refused.
    await resident.send("/start")
    await resident.expect("")
    assert "只对管理员开放" in await resident.press_data("sg:lp:1", resident.last_message)
    # Each page names the streets it has buttons for.
    assert f"{streets[24]}：" in listing.plain and f"{streets[0]}：" not in listing.plain

    await coordinator.press(PREVIOUS, in_message=listing)
    listing = await coordinator.expect("第 1/2 页")
    listing = await turn_to(coordinator, listing, 2, 2)
    target = streets[22]  # on page 2
    await coordinator.press(label("zh", "streets.button.edit", street=target),
                            in_message=listing)
    view = await coordinator.expect(f"{target} 下面有哪些社区")
    view = await turn_to(coordinator, view, 2, 6)
    await coordinator.press("桂园社区003", in_message=view)
    view = await coordinator.expect("桂园社区003")
    await coordinator.press(label("zh", "streets.button.done"), in_message=view)
    # Back at the page that holds the street.
    listing = await coordinator.expect("街道和社区")
    assert "第 2/2 页" in listing.plain and "桂园社区003" in listing.plain
    assert street_of(many_areas)["桂园社区003"] == target


async def test_aid_offers_all_45_households_of_a_worker_and_one_on_page_2_is_chosen(
        bot: BotProcess, api: FakeBotApi) -> None:
    add_worker(bot, 7001, "陈社工")
    await import_csv(bot, HEADER + "".join(
        f"LA-{n:02d},住户{n:02d},东门社区,东门路{n}号,1,低保,7001,2025-01-01\n"
        for n in range(1, 46)))
    worker = api.user(7001, "陈社工", language_code="zh-hans")
    await worker.send("/aid")
    question = await worker.expect("给哪一户")
    seen, question = await every_choice(worker, question, 3)
    assert seen == [f"住户{n:02d}" for n in range(1, 46)]
    await worker.press(PREVIOUS, in_message=question)
    question = await worker.expect("第 2/3 页")
    await worker.press("住户25", in_message=question)
    await worker.expect("这笔救助是什么形式")
    # A page turn of the step gone by changes nothing.
    assert "这一步已经过去了" in await worker.press_data("ad:hp:0", question)
    await worker.press("💵 现金")
    await worker.expect("金额是多少元")
    await worker.send("300")
    await worker.expect("从哪里出")
    await worker.press("社区基金")
    await worker.expect("用在哪方面")
    await worker.press("生活")
    await worker.expect("是哪天发的")
    await worker.press("昨天")
    await worker.expect("还有要补充")
    await worker.press("跳过")
    summary = await worker.expect("请核对一下")
    assert "服务对象：住户25" in summary.plain
    await worker.press("✅ 保存", in_message=summary)
    await worker.expect("已保存")
    with bot.db() as conn:
        assert [tuple(r) for r in conn.execute(
            "SELECT h.external_id, a.amount_fen FROM aid a "
            "JOIN households h ON h.id = a.household_id")] == [("LA-25", 30000)]


async def test_new_household_takes_a_community_from_page_2(
        many_areas: BotProcess, coordinator: FakeUser) -> None:
    await coordinator.send("/households")
    await coordinator.expect("服务对象名册")
    await coordinator.press(label("zh", "households.button.add"))
    await coordinator.expect("户主姓名是什么")
    await coordinator.send("张大爷")
    question = await coordinator.expect("属于哪个社区")
    within_limits(question)
    assert "第 1/6 页" in question.plain and "桂园社区012" not in question.labels
    question = await turn_to(coordinator, question, 2, 6)
    assert "桂园社区012" in question.labels and "东门社区001" not in question.labels
    await coordinator.press("桂园社区012", in_message=question)
    await coordinator.expect("住址是")
    await coordinator.send("桂园路12号")
    await coordinator.expect("几口人")
    await coordinator.send("1")
    question = await coordinator.expect("属于哪些类别")
    await coordinator.press(label("zh", "category.elderly_alone"), in_message=question)
    question = await coordinator.expect("属于哪些类别")
    await coordinator.press("好了 ✔", in_message=question)
    question = await coordinator.expect("致贫致困原因是什么")
    await coordinator.press(label("zh", "causes.done"), in_message=question)
    await coordinator.expect("主要有哪些需求")
    await coordinator.press("跳过")
    await coordinator.expect("联系电话")
    await coordinator.press("跳过")
    summary = await coordinator.expect("服务档案 · 张大爷")
    assert "桂园社区012" in summary.plain
    await coordinator.press("✅ 保存")
    await coordinator.expect("已保存服务对象 张大爷")
    with many_areas.db() as conn:
        assert conn.execute("SELECT a.name FROM households h JOIN areas a ON a.id = h.area_id"
                            ).fetchone()[0] == "桂园社区012"


async def test_a_report_resumed_after_a_restart_reopens_the_communities_at_the_page_left(
        many_areas: BotProcess, resident: FakeUser) -> None:
    question = await to_the_area_step(resident, "莲塘小区3栋502")
    await turn_to(resident, question, 4, 6)
    await many_areas.restart()  # kill -9, then start again
    await resident.send("/report")
    await resident.expect("您上次的求助还没填完")
    question = await resident.expect("属于哪个社区")
    assert "第 4/6 页" in question.plain and "翠竹社区011" in question.labels
    await resident.press("翠竹社区011", in_message=question)
    await resident.expect("第 6 步")
    with many_areas.db() as conn:
        draft = conn.execute("SELECT data FROM flows").fetchone()[0]
        area = conn.execute("SELECT id FROM areas WHERE name = '翠竹社区011'").fetchone()[0]
    assert f'"area_id": {area}' in draft


async def test_aid_resumed_reopens_the_households_at_the_page_left(
        bot: BotProcess, api: FakeBotApi) -> None:
    add_worker(bot, 7001, "陈社工")
    await import_csv(bot, HEADER + "".join(
        f"LA-{n:02d},住户{n:02d},东门社区,东门路{n}号,1,低保,7001,2025-01-01\n"
        for n in range(1, 46)))
    worker = api.user(7001, "陈社工", language_code="zh-hans")
    await worker.send("/aid")
    question = await worker.expect("给哪一户")
    await turn_to(worker, question, 3, 3)
    await worker.send("/aid")  # back to it later
    await worker.expect("您上次的救助还没记完")
    question = await worker.expect("给哪一户")
    assert "第 3/3 页" in question.plain and "住户44" in question.labels
    await worker.press("住户44", in_message=question)
    await worker.expect("住户44.*这笔救助是什么形式")


async def test_an_activity_resumed_from_start_reopens_the_communities_at_the_page_left(
        many_areas: BotProcess, coordinator: FakeUser) -> None:
    await coordinator.send("/activity")
    await coordinator.expect("活动叫什么")
    await coordinator.send("重阳节走访")
    await coordinator.expect("是哪一类活动")
    await coordinator.press(label("zh", "activity.kind.holiday_visit"))
    await coordinator.expect("是哪天的活动")
    await coordinator.press(label("zh", "activity.button.yesterday"))
    question = await coordinator.expect("在哪些社区")
    await coordinator.press("东门社区002", in_message=question)
    question = await coordinator.expect("已选：东门社区002")
    await turn_to(coordinator, question, 5, 6)
    await coordinator.send("/start")
    await coordinator.expect("没办完")
    question = await coordinator.expect("在哪些社区")
    assert "第 5/6 页" in question.plain and "已选：东门社区002" in question.plain
    await coordinator.press("莲塘社区003", in_message=question)
    question = await coordinator.expect("已选：东门社区002、莲塘社区003")
    assert "第 5/6 页" in question.plain


async def back_from_start(user: FakeUser, question: str, page: int, pages: int) -> BotMessage:
    """/start in the middle of a flow: the question again, at the page that was shown."""
    await user.send("/start")
    await user.expect("没办完")
    found = await user.expect(question)
    assert f"第 {page}/{pages} 页" in found.plain
    return found


async def test_the_other_paged_questions_resumed_from_start_reopen_at_the_page_left(
        many_areas: BotProcess, coordinator: FakeUser) -> None:
    # A new household's community.
    await coordinator.send("/households")
    await coordinator.press(label("zh", "households.button.add"),
                            in_message=await coordinator.expect("服务对象名册"))
    await coordinator.expect("户主姓名是什么")
    await coordinator.send("张大爷")
    await turn_to(coordinator, await coordinator.expect("属于哪个社区"), 3, 6)
    question = await back_from_start(coordinator, "属于哪个社区", 3, 6)
    await coordinator.press("笋岗社区004", in_message=question)
    await coordinator.expect("住址是")
    await coordinator.send("/cancel")
    await coordinator.expect("还需要什么")

    # The worker to pair with.
    add_workers(many_areas, 45, area="东门社区001")
    await import_csv(many_areas, HEADER + "LH-1,李阿婆,东门社区001,东门路1号,1,低保,,\n")
    await coordinator.send("/pair")
    await coordinator.expect("安排结对")
    await coordinator.send("李阿婆")
    await turn_to(coordinator, await coordinator.expect("李阿婆 由谁结对"), 2, 3)
    question = await back_from_start(coordinator, "李阿婆 由谁结对", 2, 3)
    await coordinator.press("社工030 · 东门社区001 (0)", in_message=question)
    await coordinator.expect("确认：社工030 从今天起结对 李阿婆")
    await coordinator.send("/cancel")
    await coordinator.expect("还需要什么")

    # A new project's communities.
    await coordinator.send("/projects")
    await coordinator.press(label("zh", "projects.button.add"),
                            in_message=await coordinator.expect("民生微实事项目"))
    await coordinator.expect("项目叫什么")
    await coordinator.send("长者助餐点")
    await coordinator.expect("项目预算多少元")
    await coordinator.send("5万")
    await coordinator.expect("项目周期是哪天到哪天")
    await coordinator.send("2026-09-01 至 2026-12-31")
    await turn_to(coordinator, await coordinator.expect("项目在哪些社区"), 6, 6)
    question = await back_from_start(coordinator, "项目在哪些社区", 6, 6)
    assert "黄贝社区020" in question.labels
    await coordinator.send("/cancel")
    await coordinator.expect("还需要什么")

    # A new street's communities.
    await coordinator.send("/areas")
    await coordinator.press(label("zh", "streets.button.open"),
                            in_message=await coordinator.expect("社区列表"))
    await coordinator.press(label("zh", "streets.button.add"),
                            in_message=await coordinator.expect("街道和社区"))
    await coordinator.expect("新街道叫什么")
    await coordinator.send("湖贝街道")
    await turn_to(coordinator, await coordinator.expect("湖贝街道 下面有哪些社区"), 2, 6)
    question = await back_from_start(coordinator, "湖贝街道 下面有哪些社区", 2, 6)
    assert "桂园社区020" in question.labels


async def finish_log(worker: FakeUser) -> BotMessage:
    """From /log's kind question on: a call yesterday, every optional step skipped; the
    message that says it is saved."""
    await worker.press(label("zh", "kind.call"))
    await worker.expect("是哪天的事")
    await worker.press(label("zh", "log.button.yesterday"))
    await worker.expect("提供了哪些服务")
    await worker.press(label("zh", "log.button.done"))
    await worker.expect("服务了几个人")
    await worker.press("1")
    for question in ("简单写几句", "1 很差", "提醒下次走访的人"):
        await worker.expect(question)
        await worker.press(label("zh", "log.button.skip"))
    return await worker.expect("已保存")


def logged_for(bot: BotProcess) -> list[str]:
    """The external ids of the households contacts were logged for, in order."""
    with bot.db() as conn:
        return [r[0] for r in conn.execute(
            "SELECT h.external_id FROM contacts c JOIN households h ON h.id = c.household_id "
            "ORDER BY c.id")]


async def test_log_offers_all_45_households_of_a_worker_and_one_on_page_2_is_logged(
        bot: BotProcess, api: FakeBotApi) -> None:
    add_worker(bot, 7001, "陈社工")
    await import_csv(bot, HEADER + "".join(
        f"LA-{n:02d},住户{n:02d},东门社区,东门路{n}号,1,低保,7001,2025-01-01\n"
        for n in range(1, 46)))
    worker = api.user(7001, "陈社工", language_code="zh-hans")
    await worker.send("/log")
    question = await worker.expect("您有 45 户")
    seen, first = await every_choice(worker, question, 3)
    assert seen == [f"住户{n:02d}" for n in range(1, 46)]
    await worker.send("/log")  # back to it later: the question reopens at the page left
    await worker.expect("您上次的服务记录还没填完")
    question = await worker.expect("您有 45 户")
    assert "第 3/3 页" in question.plain and "住户44" in question.labels
    await worker.press(PREVIOUS, in_message=question)
    question = await worker.expect("第 2/3 页")
    await worker.press("住户25", in_message=question)
    await worker.expect("住户25：这次做了什么")
    # A page turn of the step gone by (the first list, still showing) changes nothing.
    assert "这一步已经过去了" in await worker.press_data("lg:hp:0", first)
    saved = await finish_log(worker)
    assert "已保存：住户25" in saved.plain
    assert logged_for(bot) == ["LA-25"]


async def test_log_by_name_offers_every_match_a_page_at_a_time(
        bot: BotProcess, api: FakeBotApi) -> None:
    add_worker(bot, 7001, "陈社工")
    await import_csv(bot, HEADER + "".join(
        f"LW-{n:02d},王家{n:02d},东门社区,东门路{n}号,1,低保,7001,2025-01-01\n"
        for n in range(1, 26)) + "".join(
        f"LL-{n:02d},李家{n:02d},东门社区,东门路{n}号,1,低保,7001,2025-01-01\n"
        for n in range(1, 21)))
    worker = api.user(7001, "陈社工", language_code="zh-hans")
    await worker.send("/log")
    await worker.expect("您有 45 户")
    await worker.send("家")
    earlier = await worker.expect("名字里有“家”的有 45 户")
    assert "第 1/3 页" in earlier.plain
    await worker.send("王")
    found = await worker.expect("名字里有“王”的有 25 户")
    seen, found = await every_choice(worker, found, 2)
    assert seen == [f"王家{n:02d}" for n in range(1, 26)]
    # A page turn of the earlier search is refused: it would show the latest one's matches.
    assert "这一步已经过去了" in await worker.press(NEXT, in_message=earlier)
    await worker.press("王家23", in_message=found)
    await worker.expect("王家23：这次做了什么")
    saved = await finish_log(worker)
    assert "已保存：王家23" in saved.plain
    assert logged_for(bot) == ["LW-23"]


async def finish_aid(user: FakeUser, fund: str) -> BotMessage:
    """From /aid's kind question on: 300 yuan in cash from `fund` for daily life, given
    yesterday, no note; the summary confirmed. The summary."""
    await user.press("💵 现金")
    await user.expect("金额是多少元")
    await user.send("300")
    await user.press(fund, in_message=await user.expect("从哪里出"))
    await after_fund(user)
    return await confirm_aid(user)


async def after_fund(user: FakeUser) -> None:
    """/aid's purpose (daily life), day (yesterday) and note (skipped)."""
    await user.press("生活", in_message=await user.expect("用在哪方面"))
    await user.press("昨天", in_message=await user.expect("是哪天发的"))
    await user.press("跳过", in_message=await user.expect("还有要补充"))


async def confirm_aid(user: FakeUser) -> BotMessage:
    """Confirm /aid's summary; the summary."""
    summary = await user.expect("请核对一下")
    await user.press("✅ 保存", in_message=summary)
    await user.expect("已保存")
    return summary


def aid_given(bot: BotProcess) -> list[tuple[str, str]]:
    """(household external id, fund) of each aid entry, in order."""
    with bot.db() as conn:
        return [tuple(r) for r in conn.execute(
            "SELECT h.external_id, f.name FROM aid a JOIN households h ON h.id = a.household_id "
            "JOIN funds f ON f.id = a.fund_id ORDER BY a.id")]


async def test_aid_by_name_pages_the_matches_or_asks_for_more_of_the_name(
        bot: BotProcess, coordinator: FakeUser) -> None:
    await import_csv(bot, HEADER + "".join(
        f"LZ-{n:03d},张家{n:03d},东门社区,东门路{n}号,1,低保,,\n" for n in range(1, 131)))
    await coordinator.send("/aid")
    await coordinator.expect("请发服务对象的名字")
    await coordinator.send("张家")
    await coordinator.expect("名字里有“张家”的服务对象有 130 户，太多了")
    await coordinator.send("张家0")  # 张家001 … 张家099
    found = await coordinator.expect("名字里有“张家0”的有 99 户")
    assert "第 1/5 页" in found.plain
    await turn_to(coordinator, found, 3, 5)
    await coordinator.send("/aid")  # back to it later: the matches reopen at the page left
    await coordinator.expect("您上次的救助还没记完")
    found = await coordinator.expect("名字里有“张家0”的有 99 户")
    assert "第 3/5 页" in found.plain
    seen = [t for t in found.labels if t not in (NEXT, PREVIOUS)]
    assert seen == [f"张家{n:03d}" for n in range(41, 61)]
    for number in (4, 5):
        await coordinator.press(NEXT, in_message=found)
        found = await coordinator.expect(f"第 {number}/5 页")
        within_limits(found)
    assert found.labels == [*(f"张家{n:03d}" for n in range(81, 100)), PREVIOUS]
    await coordinator.press("张家090", in_message=found)
    await coordinator.expect("张家090：这笔救助是什么形式")
    summary = await finish_aid(coordinator, "社区基金")
    assert "服务对象：张家090" in summary.plain
    assert aid_given(bot) == [("LZ-090", "社区基金")]


def kin(family: str, code: str, count: int, worker: str = "") -> str:
    """CSV rows of `count` households of a family (王: 王家01, 王家02, …, ids W-01, W-02, …),
    paired with `worker` since 2025 when one is named."""
    since = "2025-01-01" if worker else ""
    return "".join(f"{code}-{n:02d},{family}家{n:02d},东门社区,东门路{n}号,1,低保,{worker},"
                   f"{since}\n" for n in range(1, count + 1))


async def test_pair_by_name_pages_the_matches_and_one_on_page_2_is_paired(
        bot: BotProcess, coordinator: FakeUser) -> None:
    add_worker(bot, 7001, "陈社工")
    await import_csv(bot, HEADER + kin("王", "W", 30) + kin("李", "L", 5))
    await coordinator.send("/pair")
    await coordinator.expect("安排结对")
    await coordinator.send("家")
    earlier = await coordinator.expect("名字里有“家”的有 35 户")
    await coordinator.send("王家")
    found = await coordinator.expect("名字里有“王家”的有 30 户")
    seen, found = await every_choice(coordinator, found, 2)
    assert seen == [f"王家{n:02d}" for n in range(1, 31)]
    # A page turn of the earlier search is refused: it would show the latest one's matches.
    assert "这一步已经过去了" in await coordinator.press(NEXT, in_message=earlier)
    found = await back_from_start(coordinator, "名字里有“王家”的有 30 户", 2, 2)
    await coordinator.press("王家27", in_message=found)
    await coordinator.press("陈社工 · 东门社区 (0)",
                            in_message=await coordinator.expect("王家27 由谁结对"))
    await coordinator.press("✅ 确认",
                            in_message=await coordinator.expect("确认：陈社工 从今天起结对 王家27"))
    await coordinator.expect("已结对：陈社工 ↔ 王家27")
    with bot.db() as conn:
        paired = [tuple(r) for r in conn.execute(
            "SELECT h.external_id, p.worker_id FROM pairings p "
            "JOIN households h ON h.id = p.household_id")]
    assert paired == [("W-27", 7001)]


async def test_households_search_pages_the_matches_and_opens_one_on_page_2(
        bot: BotProcess, coordinator: FakeUser) -> None:
    await import_csv(bot, HEADER + kin("王", "W", 30))
    await coordinator.send("/households")
    await coordinator.press(label("zh", "households.button.search"),
                            in_message=await coordinator.expect("服务对象名册"))
    await coordinator.expect("请发服务对象的名字")
    await coordinator.send("王家")
    found = await coordinator.expect("名字里有“王家”的有 30 户")
    seen, found = await every_choice(coordinator, found, 2)
    assert seen == [f"王家{n:02d}" for n in range(1, 31)]
    found = await back_from_start(coordinator, "名字里有“王家”的有 30 户", 2, 2)
    await coordinator.press("王家24", in_message=found)
    file = await coordinator.expect("服务档案 · 王家24")
    assert "东门路24号" in file.plain
    with bot.db() as conn:
        assert conn.execute("SELECT COUNT(*) FROM flows").fetchone()[0] == 0


async def test_a_case_is_linked_to_a_household_found_on_page_2_of_the_matches(
        bot: BotProcess, api: FakeBotApi) -> None:
    add_worker(bot, 7001, "陈社工")
    await import_csv(bot, HEADER + kin("王", "W", 30, "陈社工"))
    case = add_taken_report(bot, 7001, "王奶奶")
    worker = api.user(7001, "陈社工", language_code="zh-hans")
    await worker.send("/households")
    await worker.press(f"🔗 把 R-{case:04d} 关联到已有的户",
                       in_message=await worker.expect(f"您接手的求助 R-{case:04d}"))
    await worker.expect("要关联的服务对象")
    await worker.send("王家")
    found = await worker.expect(rf"名字里有“王家”的有 30 户。把求助 R-{case:04d} 关联到哪一户")
    found = await turn_to(worker, found, 2, 2)
    assert found.labels == [*(f"王家{n:02d}" for n in range(21, 31)), PREVIOUS]
    await worker.press("王家22", in_message=found)
    await worker.expect(f"求助 R-{case:04d} 已关联到 王家22")
    with bot.db() as conn:
        linked = conn.execute("SELECT h.external_id FROM reports r "
                              "JOIN households h ON h.id = r.household_id").fetchall()
    assert [tuple(r) for r in linked] == [("W-22",)]


async def test_aid_offers_all_45_funds_a_page_at_a_time_and_one_on_page_2_is_saved(
        bot: BotProcess, api: FakeBotApi) -> None:
    add_worker(bot, 7001, "陈社工")
    await import_csv(bot, HEADER + "LA-01,张大爷,东门社区,东门路1号,1,低保,7001,2025-01-01\n")
    insert_rows(bot, "INSERT INTO funds (name, created_at) VALUES (?, ?)",
                [(f"基金{n:02d}", STAMP) for n in range(1, 41)])
    with bot.db() as conn:
        funds = [r[0] for r in conn.execute("SELECT name FROM funds ORDER BY id")]
    assert len(funds) == 45
    worker = api.user(7001, "陈社工", language_code="zh-hans")
    await worker.send("/aid")
    await worker.press("💵 现金", in_message=await worker.expect("这笔救助是什么形式"))
    await worker.expect("金额是多少元")
    await worker.send("300")
    question = await worker.expect("从哪里出")
    seen, first = await every_choice(worker, question, 3)
    assert seen == funds
    await worker.send("/aid")  # back to it later: the funds reopen at the page left
    await worker.expect("您上次的救助还没记完")
    question = await worker.expect("从哪里出")
    assert "第 3/3 页" in question.plain and "基金40" in question.labels
    await worker.press(PREVIOUS, in_message=question)
    question = await worker.expect("第 2/3 页")
    await worker.press("基金30", in_message=question)
    # A page turn of the step gone by (the first list, still showing) changes nothing.
    assert "这一步已经过去了" in await worker.press_data("ad:fp:0", first)
    await after_fund(worker)
    summary = await confirm_aid(worker)
    assert "资金来源：基金30" in summary.plain
    assert aid_given(bot) == [("LA-01", "基金30")]
