"""End to end: a coordinator sets their own title (民政专干, 社工督导, 管理员 or their own
words) from /workers; the greeting, /workers, the notices to workers and /audit show it."""

from __future__ import annotations

from tests.conftest import COORDINATOR_ID, BotProcess
from tests.e2e.helpers_triage import add_worker
from tests.e2e.test_households import import_csv
from tests.e2e.test_referrals import import_example, referral_id
from tests.rig.server import FakeBotApi, FakeUser


def stored_title(bot: BotProcess) -> tuple[str | None, str | None] | None:
    with bot.db() as conn:
        row = conn.execute("SELECT preset, custom FROM staff_titles WHERE telegram_id = ?",
                           (COORDINATOR_ID,)).fetchone()
    return None if row is None else (row[0], row[1])


async def pair(coordinator: FakeUser, household: str, worker: str) -> None:
    """/pair: find the household, tap the worker, confirm (Chinese)."""
    await coordinator.send("/pair")
    await coordinator.expect("安排结对")
    await coordinator.send(household)
    ask = await coordinator.expect(f"{household} 由谁结对")
    await coordinator.press(worker, in_message=ask)
    await coordinator.expect("确认")
    await coordinator.press("✅ 确认")
    await coordinator.expect("已结对")


async def test_a_coordinator_takes_a_title_that_workers_then_see(
        bot: BotProcess, api: FakeBotApi, coordinator: FakeUser) -> None:
    add_worker(bot, 7001, "陈社工", "翠竹社区")
    worker = api.user(7001, "陈社工", language_code="zh-hans")
    await import_csv(bot, "编号,姓名,社区,类别,结对社工,结对日期\n"
                          "LH-3,王小明,东门社区,困境儿童,,\n"
                          "LH-4,赵奶奶,翠竹社区,独居老人,,\n")
    await coordinator.send("/start")
    await coordinator.expect("王协调，您好！欢迎使用众扶（您的身份：管理员）。")
    await worker.send("/start")
    await worker.expect("欢迎回到")

    await coordinator.send("/workers")
    listing = await coordinator.expect("社工名单")
    assert "管理员：\n• 王协调 · 管理员" in listing.plain
    # A worker cannot take a title, even with forged buttons; a made-up choice is stale.
    assert "只对管理员开放" in await worker.press_data("tt:p:civil_affairs")
    assert "只对管理员开放" in await worker.press_data("tt:open")
    assert "按钮已经失效" in await coordinator.press_data("tt:p:mayor", listing)
    assert stored_title(bot) is None

    await coordinator.press("🏷 我的称呼")
    choices = await coordinator.expect("您现在的称呼：管理员")
    assert choices.labels == ["民政专干", "社工督导", "✅ 管理员（默认）", "✏️ 自己填写"]
    await coordinator.press("民政专干")
    await coordinator.expect("您的称呼现在是 民政专干")
    assert stored_title(bot) == ("civil_affairs", None)
    await coordinator.send("/start")
    await coordinator.expect("王协调，您好！欢迎使用众扶（您的身份：民政专干）。")
    await coordinator.send("/workers")
    listing = await coordinator.expect("社工名单")
    assert "• 王协调 · 民政专干" in listing.plain

    # Workers read the title and the name in what a coordinator did for them.
    await pair(coordinator, "王小明", "陈社工")
    await worker.expect("🤝 民政专干 王协调给您安排了结对：王小明")
    await import_example(bot)
    qian = referral_id(bot, "钱秀英")
    await coordinator.send("/referrals")
    await coordinator.press(f"Z-{qian:04d}")
    await coordinator.press("指派社工")
    choose = await coordinator.expect("指派给谁")
    await coordinator.press("陈社工", in_message=choose)
    await coordinator.expect("已指派给 陈社工")
    await worker.expect(f"民政专干 王协调把转介 Z-{qian:04d} 指派给您了")

    # Words of one's own: checked, then kept.
    await coordinator.send("/workers")
    await coordinator.press("🏷 我的称呼")
    await coordinator.expect("您现在的称呼：民政专干")
    await coordinator.press("✏️ 自己填写")
    await coordinator.expect("请发您的称呼，比如“街道民政专干”（12 个字以内")
    await coordinator.send("<b>主任</b>")
    await coordinator.expect("只写文字")
    await coordinator.send("一" * 13)
    await coordinator.expect("称呼太长了，请在 12 个字以内")
    await coordinator.send("  街道民政专干  ")
    await coordinator.expect("您的称呼现在是 街道民政专干")
    assert stored_title(bot) == (None, "街道民政专干")
    await pair(coordinator, "赵奶奶", "陈社工")
    await worker.expect("🤝 街道民政专干 王协调给您安排了结对：赵奶奶")

    await coordinator.send(f"/audit {COORDINATOR_ID}")
    trail = await coordinator.expect("审计记录")
    assert "王协调：把自己的称呼设为 街道民政专干" in trail.plain
    assert "王协调：把自己的称呼设为 民政专干" in trail.plain

    # Back to the default: the generic word again, and nothing stored.
    await coordinator.send("/workers")
    await coordinator.press("🏷 我的称呼")
    choices = await coordinator.expect("您现在的称呼：街道民政专干")
    assert "✅" not in " ".join(choices.labels)
    await coordinator.press("管理员（默认）")
    await coordinator.expect("您的称呼现在是 管理员")
    assert stored_title(bot) is None
    await coordinator.send("/start")
    await coordinator.expect("欢迎使用众扶（您的身份：管理员）。")
    await coordinator.send(f"/audit {COORDINATOR_ID}")
    trail = await coordinator.expect("审计记录")
    assert "王协调：把自己的称呼设为 管理员" in trail.plain


async def test_in_english_a_title_reads_in_each_workers_language(
        bot: BotProcess, api: FakeBotApi) -> None:
    coordinator = api.user(COORDINATOR_ID, "Wang", language_code="en")
    add_worker(bot, 7001, "陈社工", "东门社区")
    add_worker(bot, 7002, "Liu", "翠竹社区")
    chen = api.user(7001, "陈社工", language_code="zh-hans")
    liu = api.user(7002, "Liu", language_code="en")
    for person in (chen, liu):
        await person.send("/start")
        await person.expect("")
    await import_csv(bot, "编号,姓名,社区,类别,结对社工,结对日期\n"
                          "LH-3,王小明,东门社区,困境儿童,,\n"
                          "LH-4,赵奶奶,翠竹社区,独居老人,,\n")
    await coordinator.send("/workers")
    listing = await coordinator.expect("Workers")
    assert "Coordinators:\n• Wang · Coordinator" in listing.plain
    await coordinator.press("🏷 My title")
    await coordinator.expect("Your title now: Coordinator")
    await coordinator.press("Social-work supervisor")
    await coordinator.expect("your title is now Social-work supervisor")
    await coordinator.send("/start")
    await coordinator.expect("Hello, Wang! Your role on Zhongfu: Social-work supervisor.")

    for household, worker in (("王小明", "陈社工"), ("赵奶奶", "Liu")):
        await coordinator.send("/pair")
        await coordinator.expect("find the household")
        await coordinator.send(household)
        ask = await coordinator.expect(f"Who should be paired with {household}")
        await coordinator.press(worker, in_message=ask)
        await coordinator.expect("from today")
        await coordinator.press("✅ Confirm")
        await coordinator.expect("Paired")
    await chen.expect("🤝 社工督导 Wang给您安排了结对：王小明")
    await liu.expect("🤝 Social-work supervisor Wang has paired you with 赵奶奶")

    await coordinator.send("/workers")
    await coordinator.press("🏷 My title")
    await coordinator.press("✏️ Type my own")
    await coordinator.expect(r"Send your title \(up to 12 characters")
    await coordinator.send("Team & lead")
    await coordinator.expect("only words")
    await coordinator.send("Team leader")
    await coordinator.expect("your title is now Team leader")
    await coordinator.send(f"/audit {COORDINATOR_ID}")
    trail = await coordinator.expect("Audit")
    assert "Wang: set their title to Team leader" in trail.plain
    assert "Wang: set their title to Social-work supervisor" in trail.plain
