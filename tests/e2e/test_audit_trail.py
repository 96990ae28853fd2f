"""End to end: a coordinator reads /audit page after page (every entry once, the filter kept),
and every line names what it is about in words: a community, a programme, a fund, the trail's
own filter, an export's dates, never an internal code."""

from __future__ import annotations

import re

from tests.conftest import COORDINATOR_ID, BotProcess
from tests.e2e.test_households import paired_setup, t
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
