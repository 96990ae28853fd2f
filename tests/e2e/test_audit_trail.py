"""End to end: a coordinator reads /audit page after page (every entry once, the filter kept),
and every line names what it is about in words: a community, a programme, a fund, the trail's
own filter, an export's dates, never an internal code."""

from __future__ import annotations

import re

from tests.conftest import COORDINATOR_ID, BotProcess
from tests.e2e.reporting import submit_report
from tests.e2e.test_households import paired_setup, t
from tests.e2e.test_referrals import card_of
from tests.e2e.test_referrals import import_example as import_referrals
from tests.rig.server import BotMessage, FakeBotApi, FakeUser

ENTRY = re.compile(r"^\d\d-\d\d \d\d:\d\d ")  # a line of the trail starts with its time
WORDS = {"zh": {"title": "审计记录", "more": "⬇️ 更早的记录", "system": "系统", "colon": "："},
         "en": {"title": "Audit trail", "more": "⬇️ Earlier", "system": "the system",
                "colon": ": "}}


def entry_lines(page: BotMessage) -> list[str]:
    """The entries a page of the trail shows, one a line."""
    return [line for line in page.plain.splitlines() if ENTRY.match(line)]


async def read_all(user: FakeUser, command: str, lang: str = "zh") -> list[list[str]]:
    """Send an /audit command and press Earlier until there is no more: each page's lines."""
    words = WORDS[lang]
    await user.send(command)
    page = await user.expect(words["title"])
    pages = [entry_lines(page)]
    while words["more"] in page.labels:
        await user.press(words["more"], in_message=page)
        page = await user.expect(words["title"])
        pages.append(entry_lines(page))
    return pages


def expected(bot: BotProcess, lang: str, where: str = "1 = 1",
             params: tuple[object, ...] = ()) -> list[str]:
    """What each entry on record (newest first) begins with: who, then the action's name."""
    words = WORDS[lang]
    with bot.db() as conn:
        rows = conn.execute(
            "SELECT p.display_name, a.action FROM audit a LEFT JOIN people p "
            f"ON p.telegram_id = a.actor_id WHERE {where} ORDER BY a.id DESC", params).fetchall()
    return [f"{name or words['system']}{words['colon']}{t(lang, f'audit.action.{action}')}"
            for name, action in rows]


def add_to_area(bot: BotProcess, telegram_id: int, area: str) -> None:
    """A worker of the roster serves a community too (its referral cards come to them)."""
    with bot.db() as conn:
        conn.execute("INSERT INTO person_areas (telegram_id, area_id) SELECT ?, id FROM areas "
                     "WHERE name = ?", (telegram_id, area))
        conn.commit()


def household_id(bot: BotProcess, name: str) -> int:
    with bot.db() as conn:
        return int(conn.execute("SELECT id FROM households WHERE name = ?", (name,)).fetchone()[0])


async def look_at_file(worker: FakeUser, name: str, times: int) -> None:
    """The worker opens a household's service file from /households, `times` times."""
    await worker.send("/households")
    listing = await worker.expect(name)
    for _ in range(times):
        await worker.press(name, in_message=listing)
        await worker.expect(f"{name}.*服务记录|{name}")


async def add_fund(coordinator: FakeUser, name: str) -> None:
    await coordinator.send("/funds")
    await coordinator.expect("资金来源")
    await coordinator.press("➕ 新增资金来源")
    await coordinator.expect("叫什么")
    await coordinator.send(name)
    await coordinator.expect("已新增资金来源")


def assert_read_once(pages: list[list[str]], wanted: list[str]) -> None:
    """Every entry on record shows, once, in order, a page of at most ten at a time."""
    seen = [line for page in pages for line in page]
    assert all(0 < len(page) <= 10 for page in pages), pages
    assert len(seen) == len(wanted), (seen, wanted)
    for line, start in zip(seen, wanted, strict=True):
        assert start in line, (line, start)


async def test_the_whole_trail_pages_back_to_its_first_entry_and_keeps_its_filter(
        bot: BotProcess, api: FakeBotApi, coordinator: FakeUser) -> None:
    worker, _ = await paired_setup(bot, api)
    await add_fund(coordinator, "爱心超市")
    await look_at_file(worker, "张大爷", 12)
    await coordinator.send("/invite")
    await coordinator.expect("邀请")
    await look_at_file(worker, "张大爷", 10)
    # 25 entries: the roster's import, the fund, 22 looks, the invite; three pages.
    everything = expected(bot, "zh")
    assert len(everything) == 25
    pages = await read_all(coordinator, "/audit")
    assert [len(page) for page in pages] == [10, 10, 5]
    assert_read_once(pages, everything)
    assert "系统：导入了名册" in pages[-1][-1]

    # One person's doings: only theirs, on every page.
    mine = expected(bot, "zh", "a.actor_id = 7001")
    pages = await read_all(coordinator, "/audit 陈社工")
    assert [len(page) for page in pages] == [10, 10, 2]
    assert_read_once(pages, mine)
    assert all("陈社工：查看了服务档案 张大爷" in line for page in pages for line in page)

    # One household: only what concerns it, on every page.
    zhang = household_id(bot, "张大爷")
    about = expected(bot, "zh", "a.object_type = 'household' AND a.object_id = ?", (str(zhang),))
    pages = await read_all(coordinator, "/audit 户 张大爷")
    assert [len(page) for page in pages] == [10, 10, 2]
    assert_read_once(pages, about)
    # A page button of an earlier release (an offset) is stale, not read as an entry's id.
    assert "已经失效" in await coordinator.press_data("au:a:10")
    # A digit that is no number (a superscript) is looked up as a name, not read as an id.
    await coordinator.send("/audit ²")
    await coordinator.expect("没有找到“²”")


async def test_an_english_coordinator_pages_back_through_the_trail(
        bot: BotProcess, api: FakeBotApi) -> None:
    worker, _ = await paired_setup(bot, api)
    await look_at_file(worker, "张大爷", 11)
    coordinator = api.user(COORDINATOR_ID, "Wang", language_code="en")
    everything = expected(bot, "en")
    assert len(everything) == 12
    pages = await read_all(coordinator, "/audit", "en")
    assert [len(page) for page in pages] == [10, 2]
    assert_read_once(pages, everything)
    assert "陈社工: opened the service file of 张大爷" in pages[0][0]
    assert "the system: imported a roster" in pages[-1][-1]


async def rename_source(coordinator: FakeUser, old: str, new: str) -> None:
    await coordinator.send("/sources")
    await coordinator.expect("转介来源单位")
    await coordinator.press(f"✏️ {old}")
    await coordinator.expect(f"请发“{old}”的新名称")
    await coordinator.send(new)
    await coordinator.expect(f"已保存：{new}")


async def export(coordinator: FakeUser, span: str, button: str, done: str) -> None:
    await coordinator.send(f"/export {span}")
    await coordinator.press(button)
    await coordinator.expect(done, kind="document")


def trail_text(pages: list[list[str]]) -> str:
    return "\n".join(line for page in pages for line in page)


async def test_every_line_of_the_trail_names_what_it_was_about_in_words(
        bot: BotProcess, api: FakeBotApi, coordinator: FakeUser, resident: FakeUser) -> None:
    worker, _ = await paired_setup(bot, api)
    add_to_area(bot, 7001, "东门社区")
    await resident.send("/start")
    await resident.expect("")
    await add_fund(coordinator, "爱心<超市>&")  # typed text, shown as typed
    await export(coordinator, "2026-11-01 2026-11-30", t("zh", "export.button.xlsx"), "数据表格")
    await rename_source(coordinator, "教育局", "区教育局")
    await import_referrals(bot)
    code, out = await bot.cli("tick", "--at", bot.now().isoformat())  # the cards go out
    assert code == 0, out
    card = await card_of(worker, "赵建国")
    await worker.press("🙋 我来跟进", in_message=card)
    await worker.expect("由您跟进了")
    code, out = await bot.cli("erase", "person", str(resident.id))
    assert code == 0, out
    for command in ("/audit", "/audit 陈社工", "/audit 户 张大爷"):
        await coordinator.send(command)
        await coordinator.expect("审计记录|还没有相关记录")

    seen = trail_text(await read_all(coordinator, "/audit"))
    for line in ("系统：导入了名册（新增 3 户，更新 0 户）",
                 "王协调：新增了资金来源“爱心<超市>&”",
                 "王协调：导出了数据（2026年11月1日至11月30日）",
                 "王协调：改了转介来源单位名称“教育局” → “区教育局”",
                 "系统：导入了转介名单“人力资源局”",
                 "陈社工：接手了转介 Z-0001 赵建国",
                 "系统：清除了个人信息 一位已匿名的居民",
                 "王协调：查看了审计记录（全部）",
                 "王协调：查看了审计记录（陈社工的操作）",
                 "王协调：查看了审计记录（张大爷一户）"):
        assert line in seen, (line, seen)
    assert not re.search(r"[：\s]\d+$|[ph]\d+|\b[a-z]+\.[a-z]+\b", seen, re.M), seen


async def test_an_english_coordinator_reads_the_same_trail_in_english(
        bot: BotProcess, api: FakeBotApi, resident: FakeUser) -> None:
    await paired_setup(bot, api)
    coordinator = api.user(COORDINATOR_ID, "Wang", language_code="en")
    await coordinator.send("/funds")
    await coordinator.press("➕ Add a fund")
    await coordinator.expect("What is the new fund called")
    await coordinator.send("Love <Fund>")
    await coordinator.expect("Fund added")
    await export(coordinator, "2026-11-01 2026-11-30", t("en", "export.button.xlsx"),
                 "Here is the spreadsheet")
    await export(coordinator, "2026-10-15 2026-11-14", t("en", "export.button.xlsx"),
                 "Here is the spreadsheet")
    await resident.send("/start")
    await resident.expect("")
    code, out = await bot.cli("erase", "person", str(resident.id))
    assert code == 0, out
    for command in ("/audit", "/audit 陈社工", "/audit household 张大爷"):
        await coordinator.send(command)
        await coordinator.expect("Audit trail|Nothing recorded yet")

    seen = trail_text(await read_all(coordinator, "/audit", "en"))
    for line in ("the system: imported a roster (3 added, 0 updated)",
                 "Wang: added a fund: Love <Fund>",
                 "Wang: exported data for 1–30 Nov 2026",
                 "Wang: exported data for 15 Oct – 14 Nov 2026",
                 "the system: erased the personal data of a resident, now anonymous",
                 "Wang: read the audit trail (all of it)",
                 "Wang: read the audit trail (what 陈社工 did)",
                 "Wang: read the audit trail (household 张大爷)"):
        assert line in seen, (line, seen)
    assert not re.search(r":\s\d+$|[ph]\d+|\b[a-z]+\.[a-z]+\b", seen, re.M), seen


def retire_button(listing: BotMessage, community: str) -> str:
    """The data of the Retire button on a community's row of /areas."""
    rows = [row for row in listing.buttons if row[0][0].endswith(community)]
    assert rows, listing.labels
    return rows[0][1][1] or ""


def live(user: FakeUser, message: BotMessage) -> BotMessage:
    """A message as it is now in the chat (its buttons may have gone since)."""
    return next(m for m in user.messages if m.message_id == message.message_id)


def retired(bot: BotProcess, community: str) -> bool:
    with bot.db() as conn:
        return bool(conn.execute("SELECT retired FROM areas WHERE name = ?",
                                 (community,)).fetchone()[0])


def audited(bot: BotProcess, action: str) -> int:
    with bot.db() as conn:
        return int(conn.execute("SELECT COUNT(*) FROM audit WHERE action = ?",
                                (action,)).fetchone()[0])


async def test_communities_and_programmes_are_changed_on_record_and_retiring_is_confirmed(
        bot: BotProcess, api: FakeBotApi, coordinator: FakeUser, resident: FakeUser) -> None:
    worker, _ = await paired_setup(bot, api)  # 东门社区: 张大爷 and 王小明; 翠竹社区: 李阿婆
    add_to_area(bot, 7001, "东门社区")
    ref = await submit_report(resident, area="东门社区")
    await coordinator.send("/areas")
    await coordinator.press("➕ 添加社区")
    await coordinator.send("笋岗社区")
    listing = await coordinator.expect("已保存：笋岗社区")
    await coordinator.press("改名：笋岗社区")
    await coordinator.send("笋岗")
    await coordinator.expect("已保存：笋岗")
    listing = await coordinator.expect("社区列表")

    # Retiring asks first, saying what the community still has.
    await coordinator.press_data(retire_button(listing, "东门社区"), listing)
    confirm = await coordinator.expect("确定停用社区“东门社区”吗")
    assert "没办完的求助 1 件，服务对象 2 户，在岗社工 1 位" in confirm.plain, confirm.plain
    # What it has moves to a community chosen here (none is left under a retired one).
    assert confirm.labels == ["转到 笋岗", "转到 翠竹社区", "先不了"], confirm.labels
    await coordinator.press("先不了", in_message=confirm)
    await coordinator.expect("好的，社区“东门社区”继续使用")
    assert not retired(bot, "东门社区")
    await coordinator.press_data(retire_button(listing, "东门社区"), listing)
    confirm = await coordinator.expect("确定停用社区“东门社区”吗")
    sure = confirm.buttons[0][0][1] or ""
    assert "只对管理员开放" in await worker.press_data(sure, confirm)  # checked at the press
    assert not retired(bot, "东门社区")
    await coordinator.press_data(retire_button(listing, "东门社区"), listing)
    other = await coordinator.expect("确定停用社区“东门社区”吗")  # asked twice
    await coordinator.press("转到 翠竹社区", in_message=confirm)
    await coordinator.expect("已停用社区“东门社区”")
    assert retired(bot, "东门社区")
    # The same confirmation pressed again, or the other one: already done, nothing more on
    # record, and the other one's buttons go.
    assert "已经停用了" in await coordinator.press_data(sure, confirm)
    assert "已经停用了" in await coordinator.press("转到 翠竹社区", in_message=other)
    assert await bot.until(lambda: not live(coordinator, other).buttons)
    assert "已经停用了" in await coordinator.press_data(retire_button(listing, "东门社区"),
                                                     listing)
    assert audited(bot, "area.retire") == 1
    with bot.db() as conn:  # its open report went with it, still waiting to be taken
        status, area = conn.execute(
            "SELECT r.status, a.name FROM reports r JOIN areas a ON a.id = r.area_id "
            "WHERE r.id = ?", (int(ref.removeprefix("R-")),)).fetchone()
    assert (status, area) == ("new", "翠竹社区")

    await coordinator.send("/programs")
    await coordinator.press("➕ 新建结对方案")
    await coordinator.send("困境儿童<关爱>")
    await coordinator.press("📞 电话：不要求")
    await coordinator.press("✅ 保存")
    await coordinator.expect("结对方案已保存")

    seen = trail_text(await read_all(coordinator, f"/audit {COORDINATOR_ID}"))
    for line in ("王协调：新增了社区“笋岗社区”（现名“笋岗”）",
                 "王协调：改了社区名称“笋岗社区” → “笋岗”",
                 # Where its work went is on record, and said.
                 "王协调：停用了社区“东门社区”，事务转到“翠竹社区”",
                 "王协调：新建了结对方案“困境儿童<关爱>”"):
        assert line in seen, (line, seen)


async def test_in_english_a_community_is_retired_after_a_confirmation_and_on_record(
        bot: BotProcess, api: FakeBotApi) -> None:
    await paired_setup(bot, api)
    coordinator = api.user(COORDINATOR_ID, "Wang", language_code="en")
    await coordinator.send("/areas")
    listing = await coordinator.expect("Communities")
    await coordinator.press_data(retire_button(listing, "翠竹社区"), listing)
    confirm = await coordinator.expect("Retire the community “翠竹社区”")
    assert "open reports 0, households 1, workers on duty 0" in confirm.plain, confirm.plain
    await coordinator.press("Not now", in_message=confirm)
    await coordinator.expect("“翠竹社区” stays in use")
    await coordinator.press_data(retire_button(listing, "翠竹社区"), listing)
    confirm = await coordinator.expect("Retire the community “翠竹社区”")
    assert confirm.labels == ["Move to 东门社区", "Not now"], confirm.labels
    await coordinator.press("Move to 东门社区", in_message=confirm)
    done = await coordinator.expect("Community “翠竹社区” is retired")
    assert "households (1)" in done.plain and "now with “东门社区”" in done.plain, done.plain
    assert "already retired" in await coordinator.press_data(confirm.buttons[0][0][1] or "",
                                                            confirm)
    await coordinator.press(t("en", "triage.areas.add"))
    await coordinator.send("翠竹社区")  # brought back
    await coordinator.expect("Saved: 翠竹社区")
    assert not retired(bot, "翠竹社区")

    await coordinator.send("/programs")
    await coordinator.press("➕ New program")
    await coordinator.send("Monthly calls")
    await coordinator.press("📞 Call: not required")
    await coordinator.press("✅ Save")
    await coordinator.expect("Program saved")

    seen = trail_text(await read_all(coordinator, f"/audit {COORDINATOR_ID}", "en"))
    for line in ("Wang: retired a community: 翠竹社区, its work moved to 东门社区",
                 "Wang: brought back a community: 翠竹社区",
                 "Wang: created a program: Monthly calls"):
        assert line in seen, (line, seen)
    assert audited(bot, "area.retire") == 1


async def test_archiving_confirmed_twice_archives_once_and_says_it_was_done(
        bot: BotProcess, api: FakeBotApi, coordinator: FakeUser) -> None:
    await paired_setup(bot, api)
    await coordinator.send("/start")
    await coordinator.expect("")
    await coordinator.press_data(f"hf:{household_id(bot, '张大爷')}")
    file = await coordinator.expect("服务档案 · 张大爷")
    await coordinator.press("🗄 归档", in_message=file)
    first = await coordinator.expect("确定要把 张大爷 归档吗")
    await coordinator.press("🗄 归档", in_message=file)  # a second confirmation, meanwhile
    second = await coordinator.expect("确定要把 张大爷 归档吗")
    await coordinator.press("确定归档", in_message=first)
    await coordinator.expect("张大爷 已归档，结对已结束")
    await coordinator.press("确定归档", in_message=second)
    await coordinator.expect("张大爷 已经归档过了，不用再点")
    await coordinator.press_data(first.buttons[0][0][1] or "", first)  # the first, again
    await coordinator.expect("张大爷 已经归档过了")
    await coordinator.press("🗄 归档", in_message=file)  # the old file's button: no question
    await coordinator.expect("张大爷 已经归档过了")
    await coordinator.expect_nothing(0.5)
    assert audited(bot, "household.archive") == 1
    seen = trail_text(await read_all(coordinator, "/audit 户 张大爷"))
    assert seen.count("王协调：归档了服务对象 张大爷") == 1, seen


async def test_in_english_a_second_archive_confirmation_is_answered_as_done(
        bot: BotProcess, api: FakeBotApi) -> None:
    await paired_setup(bot, api)
    coordinator = api.user(COORDINATOR_ID, "Wang", language_code="en")
    await coordinator.send("/start")
    await coordinator.expect("")
    await coordinator.press_data(f"hf:{household_id(bot, '李阿婆')}")
    file = await coordinator.expect("Service file · 李阿婆")
    await coordinator.press("🗄 Archive", in_message=file)
    first = await coordinator.expect("Archive 李阿婆?")
    await coordinator.press("🗄 Archive", in_message=file)
    second = await coordinator.expect("Archive 李阿婆?")
    await coordinator.press("Yes, archive", in_message=second)
    await coordinator.expect("李阿婆 is archived")
    await coordinator.press("Not now", in_message=first)  # the other confirmation
    await coordinator.expect("李阿婆 was already archived; nothing more to do")
    assert audited(bot, "household.archive") == 1
    seen = trail_text(await read_all(coordinator, "/audit household 李阿婆", "en"))
    assert seen.count("Wang: archived the household 李阿婆") == 1, seen
