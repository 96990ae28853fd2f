"""End to end: what a coordinator reads about one worker, and the tasks they leave open.

Two workers in two communities (陈社工 in 东门社区, Liu in 翠竹社区), each paired since 2025
with one household; 王小明 in 东门社区 is nobody's yet. A Chinese coordinator and an English
one. Where a test needs two programmes, 月度探访 (a call every month) holds Liu's household
only, so the district owes four rules and 陈社工 three.
"""

from __future__ import annotations

import re
import struct

import pytest

from tests.conftest import COORDINATOR_ID, BotProcess
from tests.e2e.helpers_triage import add_worker
from tests.e2e.test_households import HEADER, household_id, import_csv
from tests.rig.objects import BotMessage
from tests.rig.server import FakeBotApi, FakeUser
from tests.use_cases import catalog

CATALOG = catalog()
ENGLISH_COORDINATOR = 9002
STAMP = "2024-01-01T00:00:00.000000+00:00"
Q4 = "2026-10-01 2026-12-31"


def t(lang: str, key: str, **values: object) -> str:
    """A text as the person reads it (tags removed, entities as the characters)."""
    return re.sub(r"<[^>]+>", "", CATALOG.t(lang, key, **values)).replace(
        "&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def said(lang: str, key: str, **values: object) -> str:
    """`t` as a pattern for `expect`: the text itself, nothing in it read as a regex."""
    return re.escape(t(lang, key, **values))


@pytest.fixture
def bot_env(bot_env: dict[str, str]) -> dict[str, str]:
    """Two coordinators: one reads Chinese, one English."""
    bot_env["ZHONGFU_COORDINATORS"] = f"{COORDINATOR_ID},{ENGLISH_COORDINATOR}"
    return bot_env


@pytest.fixture
def english(api: FakeBotApi) -> FakeUser:
    """The coordinator whose Telegram is in English."""
    return api.user(ENGLISH_COORDINATOR, "Ann", language_code="en")


async def seed(bot: BotProcess) -> None:
    """The two workers, their households, and 王小明 unpaired."""
    add_worker(bot, 7001, "陈社工", "东门社区")
    add_worker(bot, 7002, "Liu", "翠竹社区")
    await import_csv(bot, HEADER
                     + "LH-1,张大爷,东门社区,东门路12号,1,独居老人,7001,2025-01-01\n"
                     + "LH-2,李阿婆,翠竹社区,翠竹路8号,2,低保,7002,2025-01-01\n"
                     + "LH-3,王小明,东门社区,东门路20号,2,困境儿童,,\n")


def monthly_programme(bot: BotProcess) -> None:
    """A second programme, 月度探访 (a call every month), holding Liu's household since 2025."""
    with bot.db() as conn:
        program = conn.execute(
            "INSERT INTO programs (name, rules, created_at) VALUES ('月度探访', "
            "'[{\"kind\": \"call\", \"period\": \"month\"}]', ?)", (STAMP,)).lastrowid
        conn.execute(
            "INSERT INTO pairings (household_id, worker_id, program_id, started_on, created_at)"
            " VALUES (?, 7002, ?, '2025-01-01', ?)", (household_id(bot, "LH-2"), program, STAMP))
        conn.commit()


def panels(photo: BotMessage) -> int:
    """How many small charts a trend picture holds: 0.9 in of frame and 2.3 in each, at
    150 dpi (bot/charts/trend.py), read from the PNG's height."""
    assert photo.data is not None and photo.data.startswith(b"\x89PNG")
    height = struct.unpack(">I", photo.data[20:24])[0]
    return round((height - 135) / 345)


def kept_lines(figures: BotMessage) -> list[str]:
    """The promise-kept lines of /stats: one per programme rule owed."""
    return [line for line in figures.plain.splitlines() if "（上期 " in line or "(before " in line]


async def no_picture_before_the_next_answer(user: FakeUser) -> None:
    """Nothing drawn came after the figures: /help's answer comes next (one chat's updates are
    handled in order, so a picture of /stats would have arrived before it)."""
    await user.send("/help")
    await user.expect("/stats")
    assert not [m for m in user.messages if m.kind == "photo"]


# -- 1. whose figures -------------------------------------------------------------------------


async def test_a_coordinator_asks_for_one_workers_figures_by_id_or_name(
        bot: BotProcess, api: FakeBotApi, coordinator: FakeUser) -> None:
    await seed(bot)
    add_worker(bot, 7004, "陈小红", "翠竹社区")
    await coordinator.send(f"/stats {Q4} 7001")
    by_id = await coordinator.expect("服务统计")
    assert by_id.plain.splitlines()[0] == "📊 陈社工的服务统计", by_id.plain
    await coordinator.send(f"/stats {Q4} 陈社工")
    by_name = await coordinator.expect("服务统计")
    assert by_name.plain == by_id.plain
    # A name alone: which period, then the same figures.
    await coordinator.send("/stats 陈社工")
    ask = await coordinator.expect("想看陈社工哪段时间的统计")
    await coordinator.press("本季度", in_message=ask)
    assert (await coordinator.expect("服务统计")).plain == by_id.plain

    # Several names hold the text: none is guessed, and the answer says how to name one.
    await coordinator.send(f"/stats {Q4} 陈")
    several = await coordinator.expect("有 2 位社工的名字里有“陈”")
    assert "陈小红、陈社工" in several.plain
    assert "/stats 2026-01-01 2026-03-31 陈小红" in several.plain
    await coordinator.send(f"/stats {Q4} 不存在")
    unknown = await coordinator.expect("没有找到名字里有“不存在”的社工")
    assert "/workers" in unknown.plain and "/stats 2026-01-01 2026-03-31 社工名字" in unknown.plain
    await coordinator.send("/stats 上个月")  # neither dates nor a name
    hint = await coordinator.expect("日期没看懂")
    assert "/stats 2026-01-01 2026-03-31 陈社工" in hint.plain
    await coordinator.press_data("st:quarter:424242", ask)  # nobody's id (forged)
    await coordinator.expect("没有找到这位社工")

    # The worker's own figures are theirs; a colleague's are not, by name or by id.
    worker = api.user(7001, "陈社工", language_code="zh-hans")
    await worker.send(f"/stats {Q4}")
    own = await worker.expect("服务统计")
    assert own.plain.splitlines()[0] == "📊 我的服务统计"
    for other in ("Liu", "7002"):
        await worker.send(f"/stats {Q4} {other}")
        await worker.expect(said("zh", "stats.refused.not_yours"))
    await worker.send(f"/stats {Q4} 陈")  # themselves among others: theirs are all they see
    assert (await worker.expect("服务统计")).plain == own.plain


async def test_one_workers_figures_in_english_carry_their_name_as_written(
        bot: BotProcess, english: FakeUser) -> None:
    await seed(bot)
    add_worker(bot, 7005, "Kim <Lee> & co", "翠竹社区")
    await english.send(f"/stats {Q4} Kim")
    shown = await english.expect("figures")
    assert shown.plain.splitlines()[0] == "📊 Kim <Lee> & co's figures", shown.plain
    await english.send(f"/stats {Q4} 7002")
    assert (await english.expect("figures")).plain.splitlines()[0] == "📊 Liu's figures"
    await english.send("/stats liu")
    ask = await english.expect("Which period of Liu's figures")
    await english.press("This quarter", in_message=ask)
    assert (await english.expect("figures")).plain.splitlines()[0] == "📊 Liu's figures"
    await english.send(f"/stats {Q4} i")
    several = await english.expect("2 workers have “i” in their names")
    assert "Kim <Lee> & co, Liu." in several.plain
    await english.send(f"/stats {Q4} Zed")
    await english.expect("No worker's name contains “Zed”")
    await english.send(f"/stats {Q4}")
    assert (await english.expect("figures")).plain.splitlines()[0] == "📊 Figures (everyone)"


async def test_overdue_names_the_workers_a_text_matches_rather_than_pick_one(
        bot: BotProcess, coordinator: FakeUser, english: FakeUser) -> None:
    await seed(bot)
    add_worker(bot, 7004, "陈小红", "翠竹社区")
    await coordinator.send("/overdue 陈")
    several = await coordinator.expect("有 2 位社工的名字里有“陈”")
    assert "陈小红、陈社工" in several.plain and "/overdue 陈小红" in several.plain
    await coordinator.send("/overdue 陈社工")
    await coordinator.expect("社工：陈社工")
    add_worker(bot, 7006, "Liu", "东门社区")  # the same name twice: the id says which
    await english.send("/overdue liu")
    twice = await english.expect("2 workers have “liu” in their names")
    assert "Liu (id 7002), Liu (id 7006)" in twice.plain and "/overdue 7002" in twice.plain


# -- 2. one worker's trend ----------------------------------------------------------------------


async def test_a_workers_trend_chart_is_drawn_from_their_own_obligations(
        bot: BotProcess, api: FakeBotApi, coordinator: FakeUser) -> None:
    await seed(bot)
    monthly_programme(bot)
    add_worker(bot, 7003, "赵社工", "东门社区")
    trend = re.escape(t("zh", "chart.trend")[:8])

    await coordinator.send(f"/stats {Q4}")  # everyone: the district's four rules
    district = await coordinator.expect("服务统计（全部）")
    assert len(kept_lines(district)) == 4
    assert panels(await coordinator.expect(trend, kind="photo")) == 4

    await coordinator.send(f"/stats {Q4} 陈社工")  # one worker: his three, as the lines say
    chen = await coordinator.expect("陈社工的服务统计")
    assert len(kept_lines(chen)) == 3 and "月度探访" not in chen.plain
    assert panels(await coordinator.expect(trend, kind="photo")) == 3

    liu = api.user(7002, "Liu", language_code="en")  # Liu's own, with the monthly calls
    await liu.send("/stats")
    await liu.press("This quarter", in_message=await liu.expect("Which period"))
    mine = await liu.expect("My figures")
    assert len(kept_lines(mine)) == 4 and "月度探访" in mine.plain
    assert panels(await liu.expect(re.escape(t("en", "chart.trend")[:12]), kind="photo")) == 4

    zhao = api.user(7003, "赵社工", language_code="zh-hans")  # owes nothing: no trend at all
    await zhao.send("/stats")
    await zhao.press("本季度", in_message=await zhao.expect("哪段时间"))
    nothing = await zhao.expect("我的服务统计")
    assert "结对 0 户" in nothing.plain and not kept_lines(nothing)
    await no_picture_before_the_next_answer(zhao)


# -- 3. programmes by their names -------------------------------------------------------------


async def test_the_digest_and_its_charts_name_programmes_as_people_read_them(
        bot: BotProcess, coordinator: FakeUser, english: FakeUser) -> None:
    await seed(bot)
    monthly_programme(bot)
    await coordinator.send("/digest")
    digest = await coordinator.expect("每周简报")
    assert "• 一对一结对帮扶：" in digest.plain and "• 月度探访：" in digest.plain
    assert "one-to-one" not in digest.plain
    call = await coordinator.expect("电话（每季度）", kind="photo", timeout=60)
    assert "· 一对一结对帮扶 · 电话（每季度）：" in call.plain, call.plain
    monthly = await coordinator.expect("电话（每月）", kind="photo", timeout=60)
    assert "· 月度探访 · 电话（每月）：" in monthly.plain

    await english.send("/digest")
    digest = await english.expect("Weekly digest")
    assert "• one-to-one pairing: " in digest.plain and "• 月度探访: " in digest.plain
    call = await english.expect(r"Call \(quarterly\)", kind="photo", timeout=60)
    assert "· one-to-one pairing · Call (quarterly):" in call.plain, call.plain


# -- 4. /pair's hints -------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["zh", "en"])
async def test_each_pair_step_hints_at_its_own_buttons(
        bot: BotProcess, coordinator: FakeUser, english: FakeUser, lang: str) -> None:
    await seed(bot)
    monthly_programme(bot)  # two programmes: /pair asks which
    user = coordinator if lang == "zh" else english
    await user.send("/pair")
    await user.expect(re.escape(t(lang, "pair.intro")[:6]))
    await user.send("王小明")
    await user.expect(re.escape(t(lang, "pair.ask_worker", name="王小明")[:8]))
    await user.send("Liu")  # typed, not tapped: each step's hint names its own buttons
    await user.expect(said(lang, "pair.expect.worker"))
    await user.press("Liu · 翠竹社区 (1)")  # one household, under two programmes
    await user.expect(said(lang, "pair.ask_program"))
    await user.send("一对一")
    await user.expect(said(lang, "pair.expect.program"))
    await user.press(t(lang, "program.one-to-one"))
    await user.expect(said(lang, "pair.confirm", worker="Liu", name="王小明",
                        program=t(lang, "program.one-to-one")))
    await user.send("ok")
    hint = await user.expect(said(lang, "pair.expect.confirm"))
    assert ("社工" not in hint.plain) if lang == "zh" else ("worker" not in hint.plain)
    await user.press(t(lang, "pair.yes"))
    await user.expect(said(lang, "pair.done", worker="Liu", name="王小明"))


# -- 5. a language chosen mid-task ------------------------------------------------------------


async def test_choosing_english_mid_pairing_asks_the_open_question_again_in_english(
        bot: BotProcess, coordinator: FakeUser) -> None:
    await seed(bot)
    await coordinator.send("/pair")
    await coordinator.expect("安排结对")
    await coordinator.send("王小明")
    await coordinator.expect("王小明 由谁结对")
    await coordinator.send("/language")
    await coordinator.press("English", in_message=await coordinator.expect("请选择语言"))
    await coordinator.expect(said("en", "language.set"))
    await coordinator.expect(said("en", "language.flow_open", task=t("en", "flow.task.pair")))
    question = await coordinator.expect("Who should be paired with 王小明")
    assert "陈社工 · 东门社区 (1)" in question.labels
    assert not [m for m in coordinator.messages if t("en", "language.next") in m.plain]
    await coordinator.press("陈社工 · 东门社区 (1)", in_message=question)
    await coordinator.expect("Pair 陈社工 with 王小明 from today")
    await coordinator.press(t("en", "pair.yes"))
    await coordinator.expect("Paired: 陈社工 ↔ 王小明")
    # With nothing open, the menu as before.
    await coordinator.send("/language")
    await coordinator.press("中文", in_message=await coordinator.expect("choose a language"))
    await coordinator.expect(said("zh", "language.set"))
    await coordinator.expect(said("zh", "language.next"))


async def test_choosing_chinese_mid_pairing_asks_the_open_question_again_in_chinese(
        bot: BotProcess, english: FakeUser) -> None:
    await seed(bot)
    await english.send("/pair")
    await english.expect("Pairing: first find the household")
    await english.send("王小明")
    await english.press("Liu · 翠竹社区 (1)",
                        in_message=await english.expect("Who should be paired with 王小明"))
    await english.expect("Pair Liu with 王小明 from today")
    await english.send("/language")
    await english.press("中文", in_message=await english.expect("choose a language"))
    await english.expect(said("zh", "language.set"))
    await english.expect("您还有一件事没办完：安排结对")
    confirm = await english.expect("确认：Liu 从今天起结对 王小明")
    assert t("zh", "pair.yes") in confirm.labels
    await english.press(t("zh", "pair.yes"), in_message=confirm)
    await english.expect("已结对：Liu ↔ 王小明")


# -- 6. /pair and communities -----------------------------------------------------------------


async def test_pair_offers_the_households_community_first_and_warns_of_another(
        bot: BotProcess, coordinator: FakeUser, english: FakeUser) -> None:
    await seed(bot)
    await coordinator.send("/pair")
    await coordinator.expect("安排结对")
    await coordinator.send("王小明")
    question = await coordinator.expect("王小明 由谁结对")
    assert "东门社区的社工排在前面" in question.plain
    assert question.labels[:2] == ["陈社工 · 东门社区 (1)", "Liu · 翠竹社区 (1)"]
    await coordinator.press("Liu · 翠竹社区 (1)", in_message=question)
    confirm = await coordinator.expect("确认：Liu 从今天起结对 王小明")
    assert "⚠️ 请留意：Liu是翠竹社区的社工，不在东门社区。" in confirm.plain
    await coordinator.press(t("zh", "pair.no"), in_message=confirm)
    await coordinator.expect(said("zh", "flow.pair.cancelled"))
    await coordinator.send("/pair")
    await coordinator.send("王小明")
    await coordinator.press("陈社工 · 东门社区 (1)",
                            in_message=await coordinator.expect("王小明 由谁结对"))
    confirm = await coordinator.expect("确认：陈社工 从今天起结对 王小明")
    assert "请留意" not in confirm.plain

    await english.send("/pair")
    await english.send("李阿婆")  # 翠竹社区: Liu first
    question = await english.expect("Who should be paired with 李阿婆")
    assert "Workers of 翠竹社区 come first" in question.plain
    assert question.labels[0] == "Liu · 翠竹社区 (1)"
    assert question.labels.index("陈社工 · 东门社区 (1)") > 0
    await english.press("陈社工 · 东门社区 (1)", in_message=question)
    confirm = await english.expect("Hand 李阿婆 over from Liu to 陈社工")
    assert "⚠️ Please note: 陈社工 works in 东门社区, not in 翠竹社区." in confirm.plain


async def test_pair_says_when_no_worker_serves_the_households_community(
        bot: BotProcess, coordinator: FakeUser) -> None:
    await seed(bot)
    with bot.db() as conn:
        conn.execute("INSERT INTO areas (name, created_at) VALUES ('笋岗社区', ?)", (STAMP,))
        conn.commit()
    await import_csv(bot, HEADER + "LH-4,孙阿姨,笋岗社区,笋岗路1号,1,低保,,\n")
    await coordinator.send("/pair")
    await coordinator.send("孙阿姨")
    question = await coordinator.expect("孙阿姨 由谁结对")
    assert "⚠️ 还没有笋岗社区的社工" in question.plain
    await coordinator.press("陈社工 · 东门社区 (1)", in_message=question)
    confirm = await coordinator.expect("确认：陈社工 从今天起结对 孙阿姨")
    assert "请留意：陈社工是东门社区的社工，不在笋岗社区" in confirm.plain
