"""End to end: an agency's list imported, screened by a worker, overdue in the digest, answered."""

from __future__ import annotations

import asyncio
import io
import shutil
from datetime import datetime

import pytest
from openpyxl import load_workbook

from tests.conftest import ROOT, ZONE, BotProcess
from tests.e2e.helpers_triage import add_worker, take_off_duty
from tests.rig.objects import BotMessage
from tests.rig.server import FakeBotApi, FakeUser

EXAMPLE = ROOT / "examples" / "referrals.csv"
SOURCE = "人力资源局"


async def import_example(bot: BotProcess) -> str:
    """`zhongfu import referrals examples/referrals.csv --source 人力资源局`; the output."""
    path = bot.workdir / "referrals.csv"
    shutil.copy(EXAMPLE, path)
    code, out = await bot.cli("import", "referrals", str(path), "--source", SOURCE)
    assert code == 0, out
    return out


def sheet_rows(data: bytes) -> list[list[object]]:
    """The rows of the first sheet of an XLSX file."""
    book = load_workbook(io.BytesIO(data), read_only=True)
    sheet = book.worksheets[0]
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    book.close()
    return rows


async def card_of(worker: FakeUser, name: str) -> BotMessage:
    """The Take card of the referred person `name` among the worker's messages."""
    def cards() -> list[BotMessage]:
        return [m for m in worker.messages if name in m.plain and "新的转介" in m.plain]

    assert await worker.server.wait_until(lambda: bool(cards()), 10.0), worker.messages
    return cards()[-1]


async def screen_eligible(worker: FakeUser) -> None:
    """Take 赵建国's card and walk every step to a household and an assisted close."""
    card = await card_of(worker, "赵建国")
    assert "13800138001" not in card.plain and "东门路18号" not in card.plain  # need to know
    await worker.press("我来跟进", in_message=card)
    taken = await worker.expect("由您跟进了")
    assert "13800138001" in taken.plain  # the worker who has it sees the phone
    await worker.press("联系上了")
    await worker.expect("已记下")
    await worker.press("上门走访完成")
    await worker.expect("已记下")
    await worker.press("认定结果")
    await worker.expect("可以多选")
    await worker.press("低保")
    await worker.press("临时救助")
    await worker.press("保存")
    assessed = await worker.expect("认定：")
    assert "低保" in assessed.plain and "临时救助" in assessed.plain
    await worker.press("已帮忙提交申请")
    await worker.expect("申请：已提交")
    await worker.press("批准了")
    await worker.expect("申请：已批准")
    await worker.press("纳入服务对象")
    await worker.expect("已纳入服务对象名册")
    await worker.press("办结")
    await worker.expect("以什么结果办结")
    await worker.press("已获救助")
    await worker.expect("已办结")


@pytest.mark.slow
async def test_a_list_is_imported_screened_overdue_and_answered(
        bot: BotProcess, api: FakeBotApi, coordinator: FakeUser) -> None:
    await coordinator.send("/start")  # the digest reaches only who has opened the bot
    await coordinator.expect("您好")
    add_worker(bot, 7001, "陈社工", "东门社区")
    out = await import_example(bot)
    assert "新增 3 人" in out
    again = await import_example(bot)  # the same list twice: nothing doubles
    assert "新增 0 人" in again and "3 人跳过" in again
    worker = api.user(7001, "陈社工", language_code="zh-hans")
    await worker.send("/start")
    await worker.expect("")
    code, out = await bot.cli("tick", "--at", bot.now().isoformat())  # the cards go out
    assert code == 0, out
    await screen_eligible(worker)

    card = await card_of(worker, "孙志强")
    await worker.press("我来跟进", in_message=card)
    await worker.expect("由您跟进了")
    for attempt in (1, 2):
        await worker.press("没打通")
        await worker.expect(f"第 {attempt} 次没打通")
    await worker.press("没打通")
    await worker.expect("3 次没打通，按“联系不上”办结了")
    answer = await worker.press_data(f"rf:co:{referral_id(bot, '孙志强')}:assisted")
    assert "已经办结" in answer  # closing twice changes nothing

    with bot.db() as conn:
        household = conn.execute("SELECT h.name, h.category FROM referrals r JOIN households h "
                                 "ON h.id = r.household_id WHERE r.name = '赵建国'").fetchone()
        assert tuple(household) == ("赵建国", "dibao")
        kinds = [r[0] for r in conn.execute(
            "SELECT kind FROM referral_events e JOIN referrals r ON r.id = e.referral_id "
            "WHERE r.name = '孙志强' ORDER BY e.id")]
        assert kinds == ["imported", "taken", "unreachable", "unreachable", "unreachable"]

    # 钱秀英 (no focus: 30 days) is still untaken on the Monday after her deadline.
    code, out = await bot.cli("tick", "--at", "2026-12-21T09:30:00+08:00")
    assert code == 0, out
    digest = await coordinator.expect("超过期限的转介")
    assert SOURCE in digest.plain and "钱秀英" in digest.plain
    assert "孙志强" not in digest.plain and "赵建国" not in digest.plain

    path = bot.workdir / "return.xlsx"
    code, out = await bot.cli("export", "referrals", "--source", SOURCE, "--quarter", "2026Q4",
                              str(path))
    assert code == 0, out
    rows = sheet_rows(path.read_bytes())
    header, body = rows[0], {r[1]: r for r in rows[1:]}
    assert "电话" not in header  # no contact details unless confirmed
    outcome = header.index("办理结果")
    assert body["赵建国"][outcome] == "已获救助"
    assert body["孙志强"][outcome] == "联系不上"
    assert body["钱秀英"][outcome] in (None, "")
    assert body["赵建国"][header.index("认定结果")] == "低保、临时救助"
    with bot.db() as conn:
        assert conn.execute("SELECT COUNT(*) FROM audit WHERE action = 'export.referrals'"
                            ).fetchone()[0] == 1

    # /stats counts the referrals by source, and the period's export has a sheet of them.
    await coordinator.send("/stats 2026-10-01 2026-12-31")
    figures = await coordinator.expect("转介（按来源）", timeout=30)
    assert f"{SOURCE}：3 人，已结案 2（其中获得帮扶 1），跟进中 1" in figures.plain
    workbook = bot.workdir / "period.xlsx"
    code, out = await bot.cli("export", "--from", "2026-10-01", "--to", "2026-12-31",
                              str(workbook))
    assert code == 0, out
    from openpyxl import load_workbook
    book = load_workbook(workbook, read_only=True)
    assert "转介" in book.sheetnames
    listed = [row for row in book["转介"].iter_rows(values_only=True)][1:]
    assert sorted(str(r[4]) for r in listed) == ["孙志强", "赵建国", "钱秀英"]


def referral_id(bot: BotProcess, name: str) -> int:
    with bot.db() as conn:
        return int(conn.execute("SELECT id FROM referrals WHERE name = ?", (name,)).fetchone()[0])


async def test_import_in_chat_with_bad_rows_then_return_with_contacts(
        bot: BotProcess, api: FakeBotApi, coordinator: FakeUser) -> None:
    add_worker(bot, 7001, "陈社工", "东门社区")
    worker = api.user(7001, "陈社工", language_code="zh-hans")
    await worker.send("/start")
    await worker.expect("")
    await import_example(bot)  # 人力资源局's HR-2026-0901 … 0903
    await coordinator.send("/referrals")
    await coordinator.press("导入名单")
    await coordinator.expect("哪个单位转来的")
    await coordinator.press("区法院")
    await coordinator.expect("区法院")
    bad = ("来源编号,姓名,社区,电话,重点关注\n"
           "FY-1,周大伟,东门社区,13900000001,大病\n"
           "FY-1,周大伟,东门社区,13900000001,大病\n"
           "FY-2,吴小红,西门社区,,\n"
           "HR-2026-0901,赵建国,东门社区,,\n")
    await coordinator.send_document("court.csv", bad.encode("utf-8"), "text/csv")
    errors = await coordinator.expect("发现 3 处错误")
    assert "第 3 行 · 来源编号：来源编号“FY-1”和第 2 行重复了" in errors.plain
    assert "第 4 行 · 社区：没有叫“西门社区”的社区" in errors.plain
    assert "第 5 行 · 来源编号：来源编号“HR-2026-0901”是人力资源局的" in errors.plain
    with bot.db() as conn:
        assert conn.execute("SELECT COUNT(*) FROM referrals").fetchone()[0] == 3
    good = "来源编号,姓名,社区,电话,重点关注\nFY-1,周大伟,东门社区,13900000001,大病\n"
    await coordinator.send_document("court.csv", good.encode("utf-8"), "text/csv")
    await coordinator.expect("区法院 的名单导入完成：新增 1 人")
    card = await card_of(worker, "周大伟")
    assert "13900000001" not in card.plain
    with bot.db() as conn:
        due = conn.execute("SELECT received_on, due_on FROM referrals WHERE name = '周大伟'"
                           ).fetchone()
    assert (due[0], due[1]) == ("2026-11-18", "2026-11-25")  # focus: a week

    other = api.user(7002, "翠竹社工", language_code="zh-hans")
    add_worker(bot, 7002, "翠竹社工", "翠竹社区")
    await other.send("/start")
    await other.expect("")
    answer = await other.press_data(f"rf:tk:{referral_id(bot, '周大伟')}", other.last_message)
    assert "不是您所在社区的" in answer
    with bot.db() as conn:
        assert conn.execute("SELECT stage FROM referrals WHERE name = '周大伟'"
                            ).fetchone()[0] == "new"

    await coordinator.send("/referrals")
    await coordinator.press("反馈表")
    await coordinator.press("区法院")
    forged = await coordinator.press_data("rf:rq:2:" + "9" * 50, coordinator.last_message)
    assert "失效" in forged
    await coordinator.press("2026年第4季度")
    asked = await coordinator.expect("要不要带上居民的电话和地址")
    assert asked.plain.startswith("2026年第4季度的反馈表")
    await coordinator.press("带电话和地址")
    document = await coordinator.expect("2026年第4季度反馈表，共 1 人", kind="document")
    assert document.data is not None
    rows = sheet_rows(document.data)
    assert rows[0][-2:] == ["电话", "地址"]
    assert rows[1][1] == "周大伟" and rows[1][-2] == "13900000001"
    with bot.db() as conn:
        detail = conn.execute("SELECT detail FROM audit WHERE action = 'export.referrals'"
                              ).fetchone()[0]
    assert '"contacts": true' in detail


async def test_coordinator_keeps_the_sources(bot: BotProcess, api: FakeBotApi,
                                             coordinator: FakeUser) -> None:
    await coordinator.send("/sources")
    listing = await coordinator.expect("转介来源单位")
    assert all(name in listing.plain for name in (SOURCE, "区法院", "教育局", "社区网格员"))
    await coordinator.press("➕ 添加")
    await coordinator.expect("新来源单位的名称")
    await coordinator.send("区法院")
    await coordinator.expect("已经有叫“区法院”的来源单位了")
    await coordinator.send("区医院")
    await coordinator.expect("已保存：区医院")
    await coordinator.press("停用 教育局")
    await coordinator.expect("已停用：教育局")
    await coordinator.press("好了 ✔")
    await coordinator.expect("导入名单请发 /referrals")
    with bot.db() as conn:
        rows = dict(conn.execute("SELECT name, retired FROM referral_sources").fetchall())
    assert rows["区医院"] == 0 and rows["教育局"] == 1
    add_worker(bot, 7001, "陈社工", "东门社区")
    worker = api.user(7001, "陈社工", language_code="zh-hans")
    await worker.send("/sources")
    await worker.expect("只对管理员开放")


async def test_assigned_referral_of_someone_in_the_registry_is_linked_not_duplicated(
        bot: BotProcess, api: FakeBotApi, coordinator: FakeUser) -> None:
    households = bot.workdir / "households.csv"
    households.write_text("编号,姓名,社区,类别,电话\nLH-7,钱秀英,翠竹社区,低保,13800138002\n",
                          "utf-8")
    code, out = await bot.cli("import", "households", str(households))
    assert code == 0, out
    add_worker(bot, 7001, "陈社工", "翠竹社区")
    add_worker(bot, 7002, "林社工", "翠竹社区")
    worker, colleague = (api.user(7001, "陈社工", language_code="zh-hans"),
                         api.user(7002, "林社工", language_code="zh-hans"))
    for person in (worker, colleague):
        await person.send("/start")
        await person.expect("")
    await import_example(bot)
    qian = referral_id(bot, "钱秀英")

    await coordinator.send("/referrals")
    await coordinator.expect("待接手（3）")
    await coordinator.press(f"Z-{qian:04d}")
    await coordinator.press("指派社工")
    await coordinator.expect("本社区的社工排在前面")
    await coordinator.press("陈社工")
    await coordinator.expect("已指派给 陈社工")
    assigned = await worker.expect("管理员把转介")
    assert "13800138002" in assigned.plain

    # A colleague of the same community forges the button of a referral that is not theirs.
    answer = await colleague.press_data(f"rf:c:{qian}:y", colleague.last_message)
    assert "不是由您跟进的" in answer

    await worker.press("联系上了")
    await worker.press("认定结果")
    await worker.press("低边")
    await worker.press("保存")
    await worker.expect("认定：低边")
    await worker.press("纳入服务对象")
    offered = await worker.expect("名册里可能已经有这个人了")
    # Forged data naming a household that is not one of those offered links nothing.
    with bot.db() as conn:
        elsewhere = conn.execute(
            "INSERT INTO households (name, address, people_count, category, created_at, "
            "updated_at) VALUES ('王奶奶', '翠竹路8号', 1, 'other', '2026-01-01', '2026-01-01')"
        ).lastrowid
        conn.commit()
    await worker.press_data(f"rf:hh:{qian}:{elsewhere}", offered)
    with bot.db() as conn:
        assert conn.execute("SELECT household_id FROM referrals WHERE id = ?",
                            (qian,)).fetchone()[0] is None
    await worker.press("🔗 钱秀英", in_message=offered)
    await worker.expect("已关联到名册里的 钱秀英，没有重复建档")
    with bot.db() as conn:
        assert conn.execute("SELECT COUNT(*) FROM households WHERE name = '钱秀英'"
                            ).fetchone()[0] == 1
        linked = conn.execute("SELECT h.external_id FROM referrals r JOIN households h ON "
                              "h.id = r.household_id WHERE r.id = ?", (qian,)).fetchone()[0]
        assert linked == "LH-7"


async def test_a_long_list_is_one_message_per_worker_and_overdue_shows_by_source(
        bot: BotProcess, api: FakeBotApi, coordinator: FakeUser) -> None:
    add_worker(bot, 7001, "陈社工", "东门社区")
    worker = api.user(7001, "陈社工", language_code="zh-hans")
    await worker.send("/start")
    await worker.expect("")
    rows = "".join(f"WG-{n},居民{n},东门社区,{'受灾' if n == 1 else ''}\n" for n in range(1, 11))
    path = bot.workdir / "grid.csv"
    path.write_text("来源编号,姓名,社区,重点关注\n" + rows, "utf-8")
    code, out = await bot.cli("import", "referrals", str(path), "--source", "社区网格员")
    assert code == 0, out
    code, out = await bot.cli("tick", "--at", bot.now().isoformat())
    assert code == 0, out
    summary = await worker.expect("有 10 位居民需要摸排（其中重点关注 1 位）")
    await worker.expect_nothing(within=1.0)  # not ten cards
    await worker.press("看待接手的名单", in_message=summary)
    listing = await worker.expect("待接手（10）")
    assert listing.plain.index("居民1 ") < listing.plain.index("居民2 ")  # focus first

    bot.set_clock(datetime(2026, 11, 26, 10, 0, tzinfo=ZONE))  # the focus one is a day late
    await bot.restart()
    await coordinator.send("/overdue")
    overdue = await coordinator.expect("超过期限的转介（1）")
    assert "社区网格员（1 人）" in overdue.plain and "居民1 " in overdue.plain


async def test_with_every_agency_retired_import_and_return_say_how_to_add_one(
        bot: BotProcess, coordinator: FakeUser) -> None:
    """Importing a list or making a return starts with a choice among the agencies: with
    none left, the coordinator is told to add one (/sources), not asked to tap nothing."""
    with bot.db() as conn:
        conn.execute("UPDATE referral_sources SET retired = 1")
        conn.commit()
    await coordinator.send("/referrals")
    menu = await coordinator.expect("")
    await coordinator.press("导入名单", in_message=menu)
    told = await coordinator.expect("还没有转介来源单位")
    assert "/sources" in told.plain and not told.labels
    await coordinator.press("反馈表", in_message=menu)
    await coordinator.expect("还没有转介来源单位")
    with bot.db() as conn:
        assert conn.execute("SELECT COUNT(*) FROM flows").fetchone()[0] == 0


async def test_a_referral_card_held_back_never_reaches_a_worker_taken_off_duty(
        bot: BotProcess, api: FakeBotApi, coordinator: FakeUser) -> None:
    """The full card of an assigned referral (phone, address) is checked again as it goes
    out: a worker taken off duty while Telegram held it back gets nothing."""
    add_worker(bot, 7001, "陈社工", "翠竹社区")
    worker = api.user(7001, "陈社工", language_code="zh-hans")
    await import_example(bot)
    qian = referral_id(bot, "钱秀英")
    with bot.db() as conn:
        phone = conn.execute("SELECT phone FROM referrals WHERE id = ?", (qian,)).fetchone()[0]
    assert phone
    await coordinator.send("/referrals")
    await coordinator.expect("待接手")
    await coordinator.press(f"Z-{qian:04d}")
    await coordinator.press("指派社工")
    await coordinator.expect("本社区的社工排在前面")
    api.fail_chat(worker.id, 429, "Too Many Requests: retry after 4", retry_after=4)
    await coordinator.press("陈社工")
    await coordinator.expect("已指派给 陈社工")
    await take_off_duty(coordinator, "陈社工")
    await coordinator.expect(r"陈社工 已离岗")
    await asyncio.sleep(5)  # the flood wait is over: whatever was waiting has gone out
    assert not [m.plain for m in worker.messages if phone in m.plain]


async def handed_back(worker: FakeUser, name: str) -> BotMessage:
    """The Take card of `name` handed back to the community, among the worker's messages."""
    def cards() -> list[BotMessage]:
        return [m for m in worker.messages if name in m.plain and "转介交回社区" in m.plain]

    assert await worker.server.wait_until(lambda: bool(cards()), 10.0), worker.messages
    return cards()[-1]


async def test_a_worker_taken_off_duty_hands_their_referrals_back_with_what_was_found(
        bot: BotProcess, api: FakeBotApi, coordinator: FakeUser) -> None:
    """陈社工 has visited 赵建国 and tried 孙志强 once when taken off duty: both go back to
    东门社区 at once (no tick), the coordinator hears how many, a colleague gets their Take
    cards with how far screening got, takes one and goes on from there; a coordinator hands
    a referral at a later stage to another worker on duty, who is told."""
    add_worker(bot, 7001, "陈社工", "东门社区")
    add_worker(bot, 7002, "林社工", "东门社区")
    add_worker(bot, 7003, "王社工", "东门社区")
    chen, lin, wang = (api.user(7001, "陈社工", language_code="zh-hans"),
                       api.user(7002, "林社工", language_code="zh-hans"),
                       api.user(7003, "王社工", language_code="zh-hans"))
    for person in (chen, lin, wang):
        await person.send("/start")
        await person.expect("")
    await import_example(bot)
    code, out = await bot.cli("tick", "--at", bot.now().isoformat())  # the cards go out
    assert code == 0, out
    await chen.press("我来跟进", in_message=await card_of(chen, "赵建国"))
    await chen.expect("由您跟进了")
    await chen.press("联系上了")
    await chen.expect("已记下")
    await chen.press("上门走访完成")
    await chen.expect("已记下")
    await chen.press("我来跟进", in_message=await card_of(chen, "孙志强"))
    await chen.expect("由您跟进了")
    await chen.press("没打通")
    await chen.expect("第 1 次没打通")
    zhao, sun = referral_id(bot, "赵建国"), referral_id(bot, "孙志强")

    await take_off_duty(coordinator, "陈社工")
    await coordinator.expect("陈社工 已离岗：交还 0 个个案、2 个转介")
    with bot.db() as conn:
        rows = {r[0]: (r[1], r[2], r[3]) for r in conn.execute(
            "SELECT name, stage, worker_id, attempts FROM referrals")}
        detail = conn.execute("SELECT detail FROM audit WHERE action = 'role.deactivate'"
                              ).fetchone()[0]
        trail = [r[0] for r in conn.execute("SELECT object_id FROM audit WHERE action = "
                                            "'referral.released' ORDER BY id")]
    assert rows["赵建国"] == ("surveyed", None, 0)  # the visit stays done
    assert rows["孙志强"] == ("new", None, 1)  # nobody has it; the try still counts
    assert f'"referrals_released": [{zhao}, {sun}]' in detail
    assert [int(r) for r in trail] == [zhao, sun]

    card = await handed_back(lin, "赵建国")
    assert "已做到：已上门，待认定" in card.plain
    assert "13800138001" not in card.plain and "东门路18号" not in card.plain  # need to know
    assert "没打通：1 次" in (await handed_back(lin, "孙志强")).plain
    await handed_back(wang, "赵建国")
    await lin.press("我来跟进", in_message=card)
    taken = await lin.expect("由您跟进了")
    assert "前一位社工做过的都记着" in taken.plain
    assert "进度：已上门，待认定 · 跟进人：林社工" in taken.plain
    assert "13800138001" in taken.plain  # now theirs: the phone
    labels = " ".join(taken.labels)
    assert "认定结果" in labels and "联系上了" not in labels  # no need to call again
    with bot.db() as conn:
        kinds = [r[0] for r in conn.execute(
            "SELECT kind FROM referral_events WHERE referral_id = ? ORDER BY id", (zhao,))]
    assert kinds == ["imported", "taken", "reached", "surveyed", "released", "taken"]

    # The coordinator gives 赵建国 (visited) from 林社工 to 王社工; 王社工 carries on.
    await coordinator.send("/referrals")
    await coordinator.expect("跟进中的转介")
    await coordinator.press(f"Z-{zhao:04d}")
    await coordinator.press("改派社工")
    choose = await coordinator.expect("把 .* 指派给谁")
    assert "王社工" in choose.labels and "陈社工" not in choose.labels  # off duty: not offered
    answer = await coordinator.press_data(f"rf:aw:{zhao}:7001", choose)  # nor forged
    assert "不是在岗的社工" in answer
    await coordinator.press("王社工", in_message=choose)
    await coordinator.expect(f"Z-{zhao:04d} 已指派给 王社工")
    told = await wang.expect("交给您接着跟进")
    assert "已上门，待认定" in told.plain and "13800138001" in told.plain
    await wang.press("认定结果", in_message=told)
    await wang.expect("可以多选")
    with bot.db() as conn:
        assert tuple(conn.execute("SELECT stage, worker_id FROM referrals WHERE id = ?",
                                  (zhao,)).fetchone()) == ("surveyed", 7003)
