"""End to end: the registry, import, pairing, logging, /households, /due and the service file."""

from __future__ import annotations

import re
from datetime import timedelta

from openpyxl import Workbook

from tests.conftest import COORDINATOR_ID, BotProcess
from tests.rig.server import FakeBotApi, FakeUser
from tests.use_cases import catalog

CATALOG = catalog()
STAMP = "2026-01-01T00:00:00.000000+00:00"


def t(lang: str, key: str, **values: object) -> str:
    """A text as the bot shows it (tags removed)."""
    return re.sub(r"<[^>]+>", "", CATALOG.t(lang, key, **values))


def add_worker(bot: BotProcess, telegram_id: int, name: str, language: str = "zh") -> None:
    """Put a worker straight into the database (the invite path is tested elsewhere)."""
    with bot.db() as conn:
        conn.execute(
            "INSERT INTO people (telegram_id, display_name, language, role, active, created_at,"
            " updated_at) VALUES (?, ?, ?, 'worker', 1, ?, ?) ON CONFLICT (telegram_id) DO "
            "UPDATE SET role = 'worker', display_name = excluded.display_name",
            (telegram_id, name, language, STAMP, STAMP))
        conn.commit()


async def import_csv(bot: BotProcess, text: str) -> str:
    """Import households with the command line; the output."""
    path = bot.workdir / "h.csv"
    path.write_text(text, "utf-8")
    code, out = await bot.cli("import", "households", str(path))
    assert code == 0, out
    return out


def household_id(bot: BotProcess, external_id: str) -> int:
    with bot.db() as conn:
        return int(conn.execute("SELECT id FROM households WHERE external_id = ?",
                                (external_id,)).fetchone()[0])


HEADER = "编号,姓名,社区,地址,人数,类别,结对社工,结对日期\n"


async def paired_setup(bot: BotProcess, api: FakeBotApi) -> tuple[FakeUser, FakeUser]:
    """Two workers (zh, en), each paired since 2025 with one household; a third unpaired."""
    add_worker(bot, 7001, "陈社工", "zh")
    add_worker(bot, 7002, "Liu", "en")
    await import_csv(bot, HEADER
                     + "LH-1,张大爷,东门社区,东门路12号,1,独居老人,7001,2025-01-01\n"
                     + "LH-2,李阿婆,翠竹社区,翠竹路8号,2,低保,7002,2025-01-01\n"
                     + "LH-3,王小明,东门社区,东门路20号,2,困境儿童,,\n")
    return (api.user(7001, "陈社工", language_code="zh-hans"),
            api.user(7002, "Liu", language_code="en"))


# What the worker sees and taps, per language, when logging with every optional step skipped.
QUICK_LOG = {
    "zh": {"ask_kind": "这次做了什么", "ask_day": "是哪天的事", "yesterday": "昨天",
           "ask_services": "提供了哪些服务", "done": "好了 ✔", "ask_people": "服务了几个人",
           "ask_note": "简单写几句", "ask_wellbeing": "1 很差", "ask_next": "提醒下次走访的人",
           "skip": "跳过"},
    "en": {"ask_kind": "what was it", "ask_day": "When was it", "yesterday": "Yesterday",
           "ask_services": "Which services", "done": "Done ✔", "ask_people": "How many people",
           "ask_note": "A few words", "ask_wellbeing": "from 1", "ask_next": "next visitor",
           "skip": "Skip"},
}


async def log_yesterday(worker: FakeUser, words: dict[str, str], kind: str, saved: str) -> None:
    """/log a contact of `kind` dated yesterday for one person, skipping what may be skipped."""
    await worker.send("/log")
    await worker.expect(words["ask_kind"])
    await worker.press(kind)
    await worker.expect(words["ask_day"])
    await worker.press(words["yesterday"])
    await worker.expect(words["ask_services"])
    await worker.press(words["done"])
    await worker.expect(words["ask_people"])
    await worker.press("1")
    for question in ("ask_note", "ask_wellbeing", "ask_next"):
        await worker.expect(words[question])
        await worker.press(words["skip"])
    await worker.expect(saved)


# -- import -----------------------------------------------------------------------------------


async def test_import_in_chat_lists_errors_then_takes_the_corrected_file(
        bot: BotProcess, coordinator: FakeUser) -> None:
    await coordinator.send("/import")
    await coordinator.expect("CSV 或 Excel")
    bad = ("编号,姓名,社区,类别,人数\n"
           "A1,张大爷,东门社区,独居老人,1\n"
           "A2,李阿婆,西门社区,低保,两个\n"
           "A1,重复,东门社区,低保,1\n")
    await coordinator.send_document("households.csv", bad.encode("gb18030"), "text/csv")
    message = await coordinator.expect("发现 3 处错误")
    assert "第 3 行 · 社区：没有叫“西门社区”的社区" in message.plain
    assert "第 3 行 · 人数" in message.plain
    assert "第 4 行 · 编号：编号“A1”和第 2 行重复了" in message.plain
    await coordinator.expect("改好后把文件再发一次")
    with bot.db() as conn:
        assert conn.execute("SELECT COUNT(*) FROM households").fetchone()[0] == 0

    await coordinator.send_document("households.xlsx", b"this is no spreadsheet")
    await coordinator.expect("这不是表格文件")

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in (["编号", "姓名", "社区", "类别", "人数"],
                ["A1", "张大爷", "东门社区", "独居老人", 1],
                ["A2", "李阿婆", "翠竹社区", "低保", 2]):
        sheet.append(row)
    path = bot.workdir / "good.xlsx"
    book.save(path)
    await coordinator.send_document("good.xlsx", path.read_bytes())
    summary = await coordinator.expect("检查完了，还没有导入")
    assert "确认后：新增 2 户，更新 0 户，结对 0 户。" in summary.plain
    await coordinator.expect("确认导入")
    with bot.db() as conn:
        assert conn.execute("SELECT COUNT(*) FROM households").fetchone()[0] == 0
    await coordinator.press("✅ 确认导入")
    await coordinator.expect("导入完成：新增 2 户，更新 0 户")
    with bot.db() as conn:
        assert conn.execute("SELECT COUNT(*) FROM households").fetchone()[0] == 2
    await coordinator.send("hello")
    await coordinator.expect("我没太明白")  # the import flow has ended


async def test_import_is_for_coordinators_only(bot: BotProcess, api: FakeBotApi) -> None:
    add_worker(bot, 7001, "陈社工")
    worker = api.user(7001, "陈社工", language_code="zh-hans")
    await worker.send("/import")
    await worker.expect("只对管理员开放")


# -- adding a household in chat -----------------------------------------------------------------


async def test_coordinator_adds_and_edits_a_household_in_chat(bot: BotProcess,
                                                             coordinator: FakeUser) -> None:
    await coordinator.send("/households")
    await coordinator.expect("服务对象名册")
    await coordinator.press("➕ 新增服务对象")
    await coordinator.expect("户主姓名是什么")
    await coordinator.send("张大爷 <老街坊>")
    await coordinator.expect("属于哪个社区")
    await coordinator.press("东门社区")
    await coordinator.expect("住址是")
    await coordinator.send("东门路12号3栋502")
    await coordinator.expect("几口人")
    await coordinator.send("两个")
    await coordinator.expect("请发 1 到 30 之间的数字")
    await coordinator.send("1")
    await coordinator.expect("属于哪些类别")
    await coordinator.press("好了 ✔")
    assert "请至少选一个类别" in await coordinator.press("好了 ✔")
    await coordinator.press("独居老人")
    assert "✅ 独居老人" in (await coordinator.expect("属于哪些类别")).labels
    await coordinator.press("重病")
    assert {"✅ 独居老人", "✅ 重病"} <= set((await coordinator.expect("属于哪些类别")).labels)
    await coordinator.press("好了 ✔")
    causes = await coordinator.expect("致贫致困原因是什么")
    assert causes.labels[:3] == ["因病", "因残", "因学"]
    await coordinator.press("因残")
    await coordinator.press("独居")
    await coordinator.press("因病")
    await coordinator.press("✅ 因病")  # a second tap takes it back out
    await coordinator.send("腿脚不便，子女在外地")
    await coordinator.expect("主要有哪些需求")
    await coordinator.press("跳过")
    await coordinator.expect("联系电话")
    await coordinator.send("138 0000 0001")
    summary = await coordinator.expect("服务档案 · 张大爷 <老街坊>")
    assert "类别：独居老人、重病" in summary.plain and "13800000001" in summary.plain
    assert "致贫致困原因：因残、独居；腿脚不便，子女在外地" in summary.plain
    await coordinator.press("✅ 保存")
    await coordinator.expect("已保存服务对象 张大爷 <老街坊>")
    with bot.db() as conn:
        row = conn.execute("SELECT id, name, people_count, category, phone FROM households"
                           ).fetchone()
        categories = {r[0] for r in conn.execute("SELECT category FROM household_categories")}
    assert tuple(row)[1:] == ("张大爷 <老街坊>", 1, "elderly_alone", "13800000001")
    with bot.db() as conn:
        assert tuple(conn.execute("SELECT cause_codes, causes FROM households").fetchone()) == (
            "disability,alone", "腿脚不便，子女在外地")
    assert categories == {"elderly_alone", "serious_illness"}

    await coordinator.press_data(f"hx:edit:{row['id']}")
    await coordinator.expect("要改哪一项")
    await coordinator.press("人数")
    await coordinator.expect("几口人")
    await coordinator.send("2")
    await coordinator.expect("请核对")
    await coordinator.press("✅ 保存")
    await coordinator.expect("已更新")
    file = await coordinator.expect("服务档案")
    assert "类别：独居老人、重病" in file.plain
    with bot.db() as conn:
        assert conn.execute("SELECT people_count FROM households").fetchone()[0] == 2

    await coordinator.press_data(f"hx:edit:{row['id']}")
    await coordinator.expect("要改哪一项")
    await coordinator.press("类别")
    await coordinator.expect("属于哪些类别")
    await coordinator.press("✅ 独居老人")  # the first one was the primary: now 重病 is
    assert "独居老人" in (await coordinator.expect("属于哪些类别")).labels
    await coordinator.press("好了 ✔")
    await coordinator.expect("请核对")
    await coordinator.press("✅ 保存")
    await coordinator.expect("已更新")
    with bot.db() as conn:
        assert conn.execute("SELECT category FROM households").fetchone()[0] == "serious_illness"
        assert [r[0] for r in conn.execute("SELECT category FROM household_categories "
                                           "WHERE until IS NULL")] == ["serious_illness"]
        # 独居老人 is kept as carried until today (categories are dated: past figures stay).
        assert [tuple(r) for r in conn.execute(
            "SELECT category, until FROM household_categories WHERE until IS NOT NULL")] == [
            ("elderly_alone", bot.today().isoformat())]


# -- pairing and handover -------------------------------------------------------------------------


async def test_pairing_then_handover_keeps_history_and_tells_both_workers(
        bot: BotProcess, api: FakeBotApi, coordinator: FakeUser) -> None:
    add_worker(bot, 7001, "陈社工", "zh")
    add_worker(bot, 7002, "Liu", "en")
    first = api.user(7001, "陈社工", language_code="zh-hans")
    second = api.user(7002, "Liu", language_code="en")
    await import_csv(bot, "编号,姓名,社区,类别,结对社工,结对日期\n"
                          "LH-3,王小明,东门社区,困境儿童,,\n"
                          "LH-4,赵奶奶,翠竹社区,独居老人,陈社工,2025-01-01\n")
    await coordinator.send("/pair")
    await coordinator.expect("安排结对")
    await coordinator.send("小明")
    await coordinator.expect("王小明 由谁结对")
    await coordinator.press("陈社工 (1)")
    await coordinator.expect("确认：陈社工 从今天起结对 王小明")
    await coordinator.press("✅ 确认")
    await coordinator.expect("已结对：陈社工 ↔ 王小明")
    await first.expect("管理员给您安排了结对：王小明")

    # A handover of a household paired since last year: what is owed now moves to Liu.
    await first.send("/due")
    due = await first.expect("待办.*赵奶奶")
    # Past periods by the names people use, never codes such as 2026-Q3.
    assert "📞 电话（2026年第3季度），截止 2026-09-30" in due.plain
    assert "🏠 上门走访（2026年上半年）" in due.plain and "-Q" not in due.plain
    await coordinator.send("/pair")
    await coordinator.expect("安排结对")
    await coordinator.press("赵奶奶")
    await coordinator.expect("现在的结对社工：陈社工")
    await coordinator.press("Liu (0)")
    await coordinator.expect("把 赵奶奶 从 陈社工 交给 Liu")
    await coordinator.press("✅ 确认")
    await coordinator.expect("已交接")
    await second.expect("A coordinator has paired you with 赵奶奶")
    await first.expect("赵奶奶 已交接给 Liu")
    with bot.db() as conn:
        rows = conn.execute("SELECT h.external_id, worker_id, ended_on IS NULL, ended_reason "
                            "FROM pairings p JOIN households h ON h.id = p.household_id "
                            "ORDER BY p.id").fetchall()
    assert [tuple(r) for r in rows] == [("LH-4", 7001, 0, "handover"), ("LH-3", 7001, 1, None),
                                        ("LH-4", 7002, 1, None)]
    await second.send("/due")
    due = await second.expect("Due")
    assert "赵奶奶: 📞 Call (this quarter)" in due.plain
    await first.send("/households")
    listing = await first.expect("我的服务对象")
    assert "赵奶奶" not in listing.plain and "王小明" in listing.plain
    await first.send("/due")
    await first.expect("眼下没有待办")  # 王小明 was paired today: nothing owed this quarter


# -- logging -----------------------------------------------------------------------------------


async def test_worker_logs_each_kind_of_contact_in_chinese(bot: BotProcess,
                                                          api: FakeBotApi) -> None:
    worker, _ = await paired_setup(bot, api)
    await worker.send("/log")
    await worker.expect("我们来记一笔")
    await worker.expect("张大爷：这次做了什么")  # one household: chosen at once
    await worker.press("🏠 上门走访")
    # The next question takes the pressed message's place, under the answer chosen there.
    day = await worker.expect("是哪天的事")
    assert day.plain.startswith("✅ 🏠 上门走访\n\n")
    await worker.send("2999-01-01")
    await worker.expect("日期不能是以后的日子")
    await worker.press("今天")
    await worker.expect("提供了哪些服务")
    await worker.press("精神慰藉")
    await worker.expect("已选：精神慰藉")
    await worker.press("生活照料")
    await worker.expect("已选：精神慰藉、生活照料")
    await worker.press("好了 ✔")
    await worker.expect("服务了几个人")
    await worker.send("很多")
    await worker.expect("请发 1 到 99 之间的数字")
    await worker.send("2")
    await worker.expect("简单写几句")
    await worker.send("精神不错，腿还肿 <需复查>")
    await worker.expect("1 很差，5 很好")
    await worker.press("4")
    await worker.expect("提醒下次走访的人")
    await worker.send("记得带降压药")
    saved = await worker.expect("已保存：张大爷")
    assert "🏠 上门走访" in saved.plain
    assert "🤲 办实事" in saved.plain  # what is still due: the year's practical deed
    assert "📞 电话" not in saved.plain  # a visit also meets the quarter's call

    for kind in ("📞 电话", "🤲 办实事", "📝 其他服务"):
        await log_yesterday(worker, QUICK_LOG["zh"], kind, "已保存：张大爷")
    with bot.db() as conn:
        rows = conn.execute("SELECT kind, services, people_reached, note, wellbeing, next_note "
                            "FROM contacts ORDER BY id").fetchall()
    assert [r["kind"] for r in rows] == ["visit", "call", "deed", "other"]
    assert tuple(rows[0])[1:] == ('["comfort", "daily_care"]', 2, "精神不错，腿还肿 <需复查>", 4,
                                  "记得带降压药")


async def test_a_typed_kind_is_taken_only_when_it_names_one_button(
        bot: BotProcess, api: FakeBotApi) -> None:
    _, worker = await paired_setup(bot, api)
    await worker.send("/log")
    await worker.expect("what was it")
    await worker.send("a")  # a slip of the thumb: once in "Call", but no word of any button
    await worker.expect("Tap a button above to say what it was")
    await worker.send("visit")
    await worker.expect("When was it")
    await worker.send("/cancel")
    with bot.db() as conn:
        assert conn.execute("SELECT COUNT(*) FROM contacts").fetchone()[0] == 0


async def test_a_log_date_written_with_hao_is_taken(bot: BotProcess, api: FakeBotApi) -> None:
    worker, _ = await paired_setup(bot, api)
    await worker.send("/log")
    await worker.press("🏠 上门走访")
    await worker.expect("是哪天的事")
    await worker.send("11月15号")  # as most people write a date
    await worker.expect("提供了哪些服务")  # taken as written: no need to rewrite it
    await worker.press("精神慰藉")
    await worker.press("好了 ✔")
    await worker.press("1")
    for _ in range(3):  # note, wellbeing, note for the next visitor
        await worker.press("跳过")
    await worker.expect("已保存：张大爷")
    with bot.db() as conn:
        assert conn.execute("SELECT day FROM contacts").fetchone()[0] == "2026-11-15"


async def test_worker_logs_in_english_with_a_typed_date_and_can_delete(
        bot: BotProcess, api: FakeBotApi) -> None:
    _, worker = await paired_setup(bot, api)
    await worker.send("/log")
    await worker.expect("李阿婆: what was it")
    await worker.press("📞 Call")
    await worker.expect("When was it")
    await worker.send("not a date")
    await worker.expect("Send a date such as 2026-03-05")
    # A few days ago, typed: the bot refuses future dates and dates over a year back.
    typed = (bot.today() - timedelta(days=5)).isoformat()
    await worker.send(typed)
    await worker.expect("Which services")
    await worker.press("Policy check")
    await worker.press("Done ✔")
    await worker.expect("How many people")
    await worker.press("2")
    await worker.expect("A few words")
    await worker.send("All well")
    await worker.expect("from 1")
    await worker.press("Skip")
    await worker.expect("next visitor")
    await worker.press("Skip")
    await worker.expect(f"Saved: 李阿婆, 📞 Call on {typed}")
    await worker.press("🗑 Delete")
    await worker.expect("Delete the record of the call to 李阿婆")  # asked again first
    with bot.db() as conn:
        assert conn.execute("SELECT deleted FROM contacts").fetchone()[0] == 0
    await worker.press("✅ Yes, delete it")
    await worker.expect("The contact has been deleted")
    with bot.db() as conn:
        assert conn.execute("SELECT deleted FROM contacts").fetchone()[0] == 1
        audited = [tuple(r) for r in conn.execute(
            "SELECT actor_id, action, object_type FROM audit WHERE action LIKE 'contact.%' "
            "ORDER BY id")]
    assert audited == [(worker.id, "contact.add", "household"),
                       (worker.id, "contact.delete", "household")]

    for kind in ("🏠 Home visit", "🤲 Practical deed", "📝 Other service"):
        await log_yesterday(worker, QUICK_LOG["en"], kind, f"Saved: 李阿婆, {kind}")
    with bot.db() as conn:
        kinds = [r[0] for r in conn.execute(
            "SELECT kind FROM contacts WHERE deleted = 0 ORDER BY id")]
    assert kinds == ["visit", "deed", "other"]


async def test_logging_for_a_household_that_is_not_yours_is_refused(
        bot: BotProcess, api: FakeBotApi) -> None:
    worker, _ = await paired_setup(bot, api)
    theirs = household_id(bot, "LH-2")
    await worker.send("/start")
    await worker.expect("")
    answer = await worker.press_data(f"lq:{theirs}:call")
    assert "不是您结对的" in answer
    await worker.send("/log")
    await worker.expect("这次做了什么")
    answer = await worker.press_data(f"lg:h:{theirs}")
    assert "失效" in answer or "过去了" in answer
    await worker.send("/cancel")
    await worker.expect("没有保存")
    with bot.db() as conn:
        assert conn.execute("SELECT COUNT(*) FROM contacts").fetchone()[0] == 0


# -- /households, /due, the service file ---------------------------------------------------------


async def test_households_due_and_service_file_with_access_rules(
        bot: BotProcess, api: FakeBotApi, coordinator: FakeUser, resident: FakeUser) -> None:
    worker, other = await paired_setup(bot, api)
    mine = household_id(bot, "LH-1")
    await worker.send("/households")
    listing = await worker.expect("我的服务对象")
    assert "张大爷" in listing.plain and "⏳ 待完成" in listing.plain
    assert "李阿婆" not in listing.plain

    await worker.send("/due")
    due = await worker.expect("待办")
    assert "❌ 已逾期 张大爷" in due.plain  # last quarter's call, paired since 2025
    assert "⏳ 待完成 张大爷" in due.plain
    # Half-way through a report, a tap on a log button does not throw the report away.
    await worker.send("/report")
    await worker.press("🩺 生病或受伤")
    await worker.expect("请简单说说情况")
    answer = await worker.press("🏠 上门走访 · 张大爷", in_message=due)
    assert "正在填写别的内容" in answer
    await worker.send("楼上老人摔倒了需要人看看")
    await worker.expect("需要帮助的是谁")
    await worker.send("/cancel")
    await worker.expect("没有提交")
    await worker.press("🏠 上门走访 · 张大爷")
    await worker.expect("是哪天的事")
    await worker.send("/cancel")
    await worker.expect("没有保存")

    await worker.press_data(f"hf:{mine}")
    file = await worker.expect("服务档案 · 张大爷")
    assert "东门路12号" in file.plain and "陈社工" in file.plain
    assert "本期任务" in file.plain

    await other.send("/start")
    await other.expect("")
    answer = await other.press_data(f"hf:{mine}")
    assert "Only the paired worker and coordinators" in answer
    await resident.send("/start")
    await resident.expect("")
    answer = await resident.press_data(f"hf:{mine}")
    assert "只有结对社工和管理员" in answer
    await resident.send("/households")
    await resident.expect("社工")

    await coordinator.send("/start")
    await coordinator.expect("")
    await coordinator.press_data(f"hf:{mine}")
    file = await coordinator.expect("服务档案 · 张大爷")
    assert "✏️ 修改" in file.labels and "🗄 归档" in file.labels

    answer = await worker.press_data(f"hx:arch:{mine}")
    assert "只" in answer
    await coordinator.press("🗄 归档")
    await coordinator.expect("确定要把 张大爷 归档吗")
    await coordinator.press("确定归档")
    await coordinator.expect("张大爷 已归档")
    await worker.send("/households")
    await worker.expect("还没有结对的服务对象")


# -- from a report to a household, and correcting a contact -------------------------------------


def add_taken_report(bot: BotProcess, worker_id: int, subject: str) -> int:
    """A resident's report, already taken by the worker (the triage path is tested elsewhere)."""
    with bot.db() as conn:
        conn.execute("INSERT OR IGNORE INTO people (telegram_id, display_name, created_at, "
                     "updated_at) VALUES (1001, '李阿姨', ?, ?)", (STAMP, STAMP))
        area = conn.execute("SELECT id FROM areas WHERE name = '东门社区'").fetchone()[0]
        cursor = conn.execute(
            "INSERT INTO reports (reporter_id, category, description, subject, address, area_id,"
            " urgency, phone, status, taken_by, taken_at, created_at, updated_at) VALUES "
            "(1001, 'elderly_alone', '楼下老人腿肿得厉害，好几天没出门了', ?, '东门路30号', ?, "
            "'soon', '13800001001', 'acknowledged', ?, ?, ?, ?)",
            (subject, area, worker_id, STAMP, STAMP, STAMP))
        conn.commit()
        return int(cursor.lastrowid or 0)


async def test_worker_turns_a_case_into_a_household_or_links_it(
        bot: BotProcess, api: FakeBotApi) -> None:
    worker, other = await paired_setup(bot, api)
    first = add_taken_report(bot, 7001, "孙奶奶")
    await worker.send("/households")
    await worker.expect(f"您接手的求助 R-{first:04d}")
    await other.send("/start")
    await other.expect("")
    assert "Only the worker who took" in await other.press_data(f"rh:new:{first}")
    await worker.press(f"➕ 为 R-{first:04d} 新建服务对象")
    summary = await worker.expect("服务档案 · 孙奶奶")
    assert "东门路30号" in summary.plain and "独居老人" in summary.plain
    # The reporter's phone stays with the report: it is not the household's.
    assert "13800001001" not in summary.plain
    await worker.press("✅ 保存")
    await worker.expect(f"已为求助 R-{first:04d} 建好服务对象 孙奶奶")
    with bot.db() as conn:
        linked = conn.execute("SELECT household_id FROM reports WHERE id = ?",
                              (first,)).fetchone()[0]
        assert conn.execute("SELECT phone FROM households WHERE id = ?",
                            (linked,)).fetchone()[0] in (None, "")
        paired = conn.execute("SELECT worker_id FROM pairings WHERE household_id = ? AND "
                              "ended_on IS NULL", (linked,)).fetchone()[0]
    assert paired == 7001

    second = add_taken_report(bot, 7001, "张大爷")
    await worker.send("/households")
    await worker.expect(f"您接手的求助 R-{second:04d}")
    await worker.press(f"🔗 把 R-{second:04d} 关联到已有的户")
    await worker.expect("要关联的服务对象")
    await worker.send("张大爷")
    await worker.expect(f"把求助 R-{second:04d} 关联到哪一户")
    await worker.press("张大爷")
    await worker.expect(f"求助 R-{second:04d} 已关联到 张大爷")
    with bot.db() as conn:
        linked_trail = conn.execute("SELECT actor_id, object_id, detail FROM audit "
                                    "WHERE action = 'report.link'").fetchall()
    assert [tuple(r) for r in linked_trail] == [
        (7001, str(household_id(bot, "LH-1")), f'{{"report": {second}}}')]
    await worker.press_data(f"hf:{household_id(bot, 'LH-1')}")
    file = await worker.expect("服务档案 · 张大爷")
    assert f"R-{second:04d}" in file.plain

    # Need to know: the worker's search offers only their own households, and forged data
    # linking a case to someone else's household is refused.
    third = add_taken_report(bot, 7001, "李阿婆")
    await worker.send("/households")
    await worker.expect(f"您接手的求助 R-{third:04d}")
    await worker.press(f"🔗 把 R-{third:04d} 关联到已有的户")
    await worker.expect("要关联的服务对象")
    await worker.send("李阿婆")  # paired with the other worker
    await worker.expect("没找到")
    await worker.press_data(f"rh:to:{third}:{household_id(bot, 'LH-2')}")
    await worker.expect("没有找到这个服务对象")
    with bot.db() as conn:
        assert conn.execute("SELECT household_id FROM reports WHERE id = ?",
                            (third,)).fetchone()[0] is None


async def log_a_call_today(worker: FakeUser, note: str) -> None:
    """/log a call made today for one person, with a note and nothing else."""
    await worker.send("/log")
    await worker.expect("这次做了什么")
    await worker.press("📞 电话")
    await worker.expect("是哪天的事")
    await worker.press("今天")
    await worker.expect("提供了哪些服务")
    await worker.press("好了 ✔")
    await worker.expect("服务了几个人")
    await worker.press("1")
    await worker.expect("简单写几句")
    await worker.send(note)
    await worker.expect("1 很差")
    await worker.press("跳过")
    await worker.expect("提醒下次走访的人")
    await worker.press("跳过")
    await worker.expect("已保存：张大爷")


async def test_worker_corrects_a_contact_within_a_day(bot: BotProcess, api: FakeBotApi) -> None:
    worker, _ = await paired_setup(bot, api)
    await log_a_call_today(worker, "打错了")
    await worker.press("✏️ 修改")
    await worker.expect("是哪天的事")
    await worker.press("昨天")
    await worker.expect("提供了哪些服务")
    await worker.press("好了 ✔")
    await worker.expect("服务了几个人")
    await worker.press("1")
    await worker.expect("简单写几句")
    await worker.send("电话问候，一切都好")
    await worker.expect("1 很差")
    await worker.press("跳过")
    await worker.expect("提醒下次走访的人")
    await worker.press("跳过")
    await worker.expect("原来那条记录作废")
    with bot.db() as conn:
        rows = conn.execute("SELECT note, deleted FROM contacts ORDER BY id").fetchall()
    assert [tuple(r) for r in rows] == [("打错了", 1), ("电话问候，一切都好", 0)]
    # A coordinator reads both the entry and its correction in the audit trail.
    coordinator = api.user(COORDINATOR_ID, "王协调", language_code="zh-hans")
    await coordinator.send("/audit 户 张大爷")
    trail = await coordinator.expect("审计记录")
    assert "陈社工：改了一条服务记录 张大爷" in trail.plain
    assert "陈社工：记了一条服务记录 张大爷" in trail.plain


async def test_a_correction_saved_after_the_day_is_refused_not_added(bot: BotProcess,
                                                                    api: FakeBotApi) -> None:
    worker, _ = await paired_setup(bot, api)
    await log_a_call_today(worker, "打错了")
    await worker.press("✏️ 修改")  # within the 24 hours: the correction begins
    await worker.press("昨天")
    await worker.press("好了 ✔")
    await worker.press("1")
    await worker.send("电话问候，一切都好")
    await worker.press("跳过")
    await worker.expect("提醒下次走访的人")
    bot.set_clock(bot.now() + timedelta(hours=25))  # the worker comes back to it a day later
    await bot.restart()
    await worker.press("跳过")
    await worker.expect("超过 24 小时，改不了了")
    with bot.db() as conn:
        rows = conn.execute("SELECT note, deleted FROM contacts ORDER BY id").fetchall()
    assert [tuple(r) for r in rows] == [("打错了", 0)]  # one contact, not two
    await worker.send("/log")  # the correction is over: a new entry begins
    await worker.expect("这次做了什么")


async def test_correcting_a_contact_midway_through_another_log_keeps_that_log(
        bot: BotProcess, api: FakeBotApi) -> None:
    worker, _ = await paired_setup(bot, api)
    await worker.send("/log")
    await worker.press("📞 电话")
    await worker.press("今天")
    await worker.press("好了 ✔")
    await worker.press("1")
    await worker.send("第一次")
    await worker.press("跳过")
    await worker.press("跳过")
    saved = await worker.expect("已保存：张大爷")
    await worker.send("/log")  # a second log, half answered
    await worker.press("🏠 上门走访")
    await worker.expect("是哪天的事")
    answer = await worker.press("✏️ 修改", in_message=saved)
    assert "您正在填写别的内容" in answer
    await worker.press("今天")  # the second log goes on where it was
    await worker.expect("提供了哪些服务")
    with bot.db() as conn:
        rows = conn.execute("SELECT kind, note, deleted FROM contacts").fetchall()
    assert [tuple(r) for r in rows] == [("call", "第一次", 0)]


async def test_log_searches_by_name_when_a_worker_has_many_households(
        bot: BotProcess, api: FakeBotApi) -> None:
    add_worker(bot, 7001, "陈社工", "zh")
    rows = "".join(f"M-{n},住户{n:02d},东门社区,1,低保,7001,2025-01-01\n" for n in range(1, 13))
    await import_csv(bot, HEADER + rows.replace(",1,低保", ",地址,1,低保"))
    worker = api.user(7001, "陈社工", language_code="zh-hans")
    await worker.send("/log")
    await worker.expect("您有 12 户，请发名字")
    await worker.send("住户1")
    found = await worker.expect("记录哪一户")
    assert sorted(found.labels) == ["住户10", "住户11", "住户12"]
    await worker.send("没有这个人")
    await worker.expect("没找到名字里有“没有这个人”")
    await worker.send("住户07")
    await worker.expect("住户07：这次做了什么")


async def test_deactivated_workers_households_show_as_unpaired(
        bot: BotProcess, api: FakeBotApi, coordinator: FakeUser) -> None:
    await paired_setup(bot, api)
    await coordinator.send("/households")
    registry = await coordinator.expect("服务对象名册")
    assert "共 3 户，其中 1 户还没有结对社工" in registry.plain
    with bot.db() as conn:
        conn.execute("UPDATE people SET active = 0 WHERE telegram_id = 7001")
        conn.commit()
    await coordinator.send("/households")
    registry = await coordinator.expect("服务对象名册")
    assert "共 3 户，其中 2 户还没有结对社工" in registry.plain
    await coordinator.press_data(f"hf:{household_id(bot, 'LH-1')}", message=registry)
    service_file = await coordinator.expect("张大爷")
    assert "陈社工" in service_file.plain and "这位社工已离岗" in service_file.plain


async def test_a_look_at_a_service_file_is_in_the_audit_trail(
        bot: BotProcess, api: FakeBotApi, coordinator: FakeUser) -> None:
    worker, _ = await paired_setup(bot, api)
    await worker.send("/households")
    listing = await worker.expect("张大爷")
    await worker.press("张大爷", in_message=listing)
    await worker.expect("服务档案|张大爷")
    await coordinator.send("/audit")
    trail = await coordinator.expect("审计记录")
    assert "陈社工：查看了服务档案 张大爷" in trail.plain
    await coordinator.send("/audit 户 张大爷")
    trail = await coordinator.expect("审计记录")
    assert "查看了服务档案 张大爷" in trail.plain
    await coordinator.send("/audit 没有这个人")
    await coordinator.expect("没有找到“没有这个人”")
    await worker.send("/audit")
    await worker.expect("只对管理员开放")
    assert await worker.press_data("au:a:0") != ""
    with bot.db() as conn:
        actions = [r[0] for r in conn.execute("SELECT action FROM audit ORDER BY id")]
    assert actions.count("view.household") == 1 and "view.audit" in actions


async def test_causes_from_a_list_are_imported_and_shown_in_both_languages(
        bot: BotProcess, api: FakeBotApi, coordinator: FakeUser) -> None:
    add_worker(bot, 7002, "Liu", "en")
    await import_csv(bot, "编号,姓名,社区,地址,人数,类别,致贫致困原因,结对社工,结对日期\n"
                     "LH-1,张大爷,东门社区,东门路12号,1,独居老人,\"因病、因残;老伴去世\",7002,"
                     "2025-01-01\n"
                     "LH-2,王奶奶,东门社区,东门路14号,1,低保,腿脚不便，子女在外地,,\n")
    with bot.db() as conn:
        rows = conn.execute("SELECT cause_codes, causes FROM households ORDER BY id").fetchall()
    assert [tuple(r) for r in rows] == [("illness,disability", "老伴去世"),
                                       ("", "腿脚不便，子女在外地")]
    await coordinator.send("/households")
    await coordinator.expect("服务对象名册")
    await coordinator.press_data(f"hf:{household_id(bot, 'LH-1')}")
    file = await coordinator.expect("服务档案 · 张大爷")
    assert "致贫致困原因：因病、因残；老伴去世" in file.plain
    await coordinator.press_data(f"hf:{household_id(bot, 'LH-2')}")
    file = await coordinator.expect("服务档案 · 王奶奶")
    assert "致贫致困原因：腿脚不便，子女在外地" in file.plain
    liu = api.user(7002, "Liu", language_code="en")
    await liu.send("/households")
    await liu.expect("张大爷")
    await liu.press_data(f"hf:{household_id(bot, 'LH-1')}")
    file = await liu.expect("Service file")
    assert "Causes of hardship: Illness, Disability; 老伴去世" in file.plain


async def test_earlier_contacts_page_through_and_each_look_is_audited(
        bot: BotProcess, api: FakeBotApi) -> None:
    """A service file shows the latest ten contacts; "earlier" pages back through the rest,
    and every page looked at is in the audit trail, as the file itself is."""
    worker, _ = await paired_setup(bot, api)
    hid = household_id(bot, "LH-1")
    stamp = bot.now().isoformat()
    with bot.db() as conn:
        for n in range(12):  # the oldest two are on the second page
            day = (bot.today() - timedelta(days=20 - n)).isoformat()
            conn.execute("INSERT INTO contacts (household_id, worker_id, kind, day, note, "
                         "created_at, updated_at) VALUES (?, 7001, 'call', ?, ?, ?, ?)",
                         (hid, day, f"第{n + 1}次", stamp, stamp))
        conn.commit()
    await worker.send("/households")
    listing = await worker.expect("张大爷")
    await worker.press("张大爷", in_message=listing)
    service_file = await worker.expect("服务档案|张大爷")
    assert "第12次" in service_file.plain and "第2次" not in service_file.plain
    await worker.press("更早的记录", in_message=service_file)
    earlier = await worker.expect("张大爷 的更早记录")
    assert "第1次" in earlier.plain and "第2次" in earlier.plain and "第3次" not in earlier.plain
    with bot.db() as conn:
        looks = [tuple(r) for r in conn.execute(
            "SELECT actor_id, object_id, detail FROM audit WHERE action = 'view.household' "
            "ORDER BY id")]
    assert looks == [(7001, str(hid), '{}'), (7001, str(hid), '{"offset": 10}')]


async def test_a_flow_goes_no_further_once_its_role_is_gone(
        bot: BotProcess, api: FakeBotApi) -> None:
    """A coordinator removed from the configuration in the middle of /pair (a worker taken
    off duty has their flows ended with the change): their next answer ends the flow, says
    why and shows nothing of the registry; /start brings none of it back."""
    await paired_setup(bot, api)
    bot.env["ZHONGFU_COORDINATORS"] = f"{COORDINATOR_ID},9005"
    await bot.restart()
    former = api.user(9005, "二号协调", language_code="zh-hans")
    await former.send("/pair")
    await former.expect("安排结对")
    bot.env["ZHONGFU_COORDINATORS"] = str(COORDINATOR_ID)
    await bot.restart()
    await former.send("李")
    ended = await former.expect("您的身份有了变动")
    await former.expect_nothing(within=1.0)
    assert "李阿婆" not in ended.plain and not any("李阿婆" in b for b in ended.labels)
    with bot.db() as conn:
        assert conn.execute("SELECT COUNT(*) FROM flows").fetchone()[0] == 0
    await former.send("/start")
    await former.expect("您好")
    await former.expect_nothing(within=1.0)


async def test_a_worker_with_many_households_finds_one_not_listed(
        bot: BotProcess, api: FakeBotApi) -> None:
    """/households lists twenty; the rest are found by name through 🔍, among the worker's
    own households only."""
    add_worker(bot, 7001, "陈社工", "zh")
    rows = "".join(f"LH-{n},住户{n:02d},东门社区,东门路{n}号,1,独居老人,7001,2025-01-01\n"
                   for n in range(1, 23))
    await import_csv(bot, HEADER + rows + "LH-99,别人家,东门社区,东门路99号,1,低保,,\n")
    worker = api.user(7001, "陈社工", language_code="zh-hans")
    await worker.send("/households")
    listing = await worker.expect("我的服务对象")
    assert "还有 2 户没列出" in listing.plain
    await worker.press("🔍 查找", in_message=listing)
    await worker.expect("请发服务对象的名字")
    await worker.send("住户22")
    found = await worker.expect("")
    assert found.labels == ["住户22"]
    await worker.send("/households")
    await worker.press("🔍 查找", in_message=await worker.expect("我的服务对象"))
    await worker.expect("请发服务对象的名字")
    await worker.send("别人家")
    await worker.expect("没找到")
