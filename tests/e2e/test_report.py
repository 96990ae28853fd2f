"""End to end: a resident reports someone in need, in Chinese and in English."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta

import pytest

from tests.conftest import BotProcess
from tests.e2e.reporting import label, submit_report
from tests.rig.server import BotMessage, FakeBotApi, FakeUser


def stored_reports(bot: BotProcess) -> list[dict[str, object]]:
    with bot.db() as conn:
        return [dict(r) for r in conn.execute("SELECT * FROM reports ORDER BY id")]


async def test_full_report_in_chinese(bot: BotProcess, resident: FakeUser) -> None:
    await resident.send("/start")
    await resident.expect(r"您好")
    await resident.press("🆘 有人需要帮助")
    await resident.expect(r"出了什么事")
    await resident.press("👵 独居老人")
    await resident.expect(r"请简单说说情况")
    await resident.send("楼下张大爷腿肿得厉害，几天没出门了")
    await resident.expect(r"需要帮助的是谁")
    await resident.send("张大爷，80岁左右")
    await resident.expect(r"在哪里")
    await resident.press("📍 发送我的位置")  # the reply-keyboard button shares the location
    await resident.expect(r"位置收到了")
    await resident.expect(r"再打字补充")
    await resident.send("东门小区3栋502")
    await resident.expect(r"属于哪个社区")
    await resident.press("东门社区")
    await resident.expect(r"有多着急")
    await resident.press("🔴 现在有危险")
    await resident.expect(r"请马上拨打 120")
    await resident.expect(r"有照片吗")
    await resident.send_photo(b"\xff\xd8\xff\xe0photo-one")
    await resident.expect(r"照片收到了（1/3）")
    await resident.press("好了 ✔")
    await resident.expect(r"怎么联系您")
    await resident.press("📞 发送我的手机号")
    await resident.expect(r"请核对")
    summary = await resident.expect(r"求助内容")
    for part in ("独居老人", "楼下张大爷腿肿得厉害", "张大爷，80岁左右", "已发送位置",
                 "东门小区3栋502", "东门社区", "现在有危险", "照片：1 张", "+8613800001001"):
        assert part in summary.plain, part
    await resident.press("✅ 确认提交")
    receipt = await resident.expect(r"已收到，编号 R-0001")
    assert "120" in receipt.plain and "/myreports" in receipt.plain

    [row] = stored_reports(bot)
    assert row["category"] == "elderly_alone" and row["urgency"] == "danger"
    assert row["address"] == "东门小区3栋502" and row["latitude"] is not None
    assert row["phone"] == "+8613800001001" and row["anonymous"] == 0
    assert len(json.loads(str(row["photos"]))) == 1
    with bot.db() as conn:
        assert conn.execute("SELECT COUNT(*) FROM flows").fetchone()[0] == 0

    await resident.send("/myreports")
    listing = await resident.expect(r"您提交的求助")
    assert "R-0001" in listing.plain and "等待社工接手" in listing.plain
    await resident.press("R-0001")
    history = await resident.expect(r"R-0001 现在：等待社工接手")
    assert "您提交了求助" in history.plain


async def _to_the_area_question(resident: FakeUser) -> BotMessage:
    await resident.send("/report")
    await resident.press("👵 独居老人")
    await resident.send("楼下张大爷腿肿得厉害，几天没出门了")
    await resident.send("张大爷，80岁左右")
    await resident.expect(r"在哪里")
    await resident.send("东门小区3栋502")
    return await resident.expect(r"属于哪个社区")


async def test_the_next_question_takes_the_pressed_ones_place_under_the_answer(
        bot: BotProcess, api: FakeBotApi, resident: FakeUser) -> None:
    question = await _to_the_area_question(resident)
    sent_before = len(api.calls_to("sendMessage"))
    dropped_before = len(api.calls_to("editMessageReplyMarkup"))
    await resident.press("东门社区", in_message=question)
    urgency = await resident.expect(r"有多着急")
    assert urgency.message_id == question.message_id  # the same message, now the next question
    assert urgency.plain.startswith("✅ 东门社区\n\n")
    assert "🔴 现在有危险" in urgency.labels and "东门社区" not in urgency.labels
    assert len(api.calls_to("sendMessage")) == sent_before
    # No keyboard left behind to take away: one call fewer per press.
    assert len(api.calls_to("editMessageReplyMarkup")) == dropped_before
    # A second tap on the area, from a stale copy of the keyboard, changes nothing.
    answer = await resident.press_data(str(question.reply_markup["inline_keyboard"][0][0]
                                           ["callback_data"]), urgency)
    assert "这一步已经过去了" in answer
    with bot.db() as conn:
        assert conn.execute("SELECT step FROM flows").fetchone()[0] == "urgency"


async def test_a_question_that_cannot_take_the_pressed_ones_place_comes_as_a_new_message(
        bot: BotProcess, api: FakeBotApi, resident: FakeUser) -> None:
    question = await _to_the_area_question(resident)
    api.fail_next("editMessageText", 400, "Bad Request: message can't be edited")
    await resident.press("东门社区", in_message=question)
    urgency = await resident.expect(r"有多着急")
    assert urgency.message_id != question.message_id

    def pressed() -> BotMessage:
        return next(m for m in resident.messages if m.message_id == question.message_id)

    # As before in-place questions: the pressed question stays, its buttons taken away.
    assert await api.wait_until(lambda: not pressed().labels, 5)
    assert pressed().plain == question.plain


async def test_full_report_in_english_anonymous(bot: BotProcess, resident_en: FakeUser) -> None:
    ref = await submit_report(resident_en, lang="en", category="money_food",
                              description="A family on the 3rd floor has had no food for days",
                              subject=None, area=None, urgency="not_urgent")
    assert ref == "R-0001"
    [row] = stored_reports(bot)
    assert row["anonymous"] == 1 and row["phone"] is None and row["area_id"] is None
    assert row["subject"] is None
    await resident_en.send("/myreports")
    listing = await resident_en.expect(r"Your reports")
    assert "R-0001" in listing.plain and "waiting for a worker" in listing.plain


async def test_edit_from_summary_then_confirm(bot: BotProcess, resident: FakeUser) -> None:
    await _to_summary(resident)
    await resident.press("✏️ 修改")
    await resident.expect(r"要改哪一项")
    await resident.press("情况说明")
    await resident.expect(r"请简单说说情况")
    await resident.send("改一下：张大爷发烧了，需要有人看看")
    summary = await resident.expect(r"求助内容")
    assert "张大爷发烧了" in summary.plain
    assert "腿肿" not in summary.plain
    await resident.press("✏️ 修改")
    await resident.press("紧急程度")
    await resident.expect(r"有多着急")
    await resident.press("🟢 不着急")
    summary = await resident.expect(r"求助内容")
    assert "不着急" in summary.plain and "张大爷发烧了" in summary.plain
    await resident.press("✅ 确认提交")
    await resident.expect(r"R-0001")
    [row] = stored_reports(bot)
    assert row["description"] == "改一下：张大爷发烧了，需要有人看看"
    assert row["urgency"] == "not_urgent"


async def test_cancel_from_summary(bot: BotProcess, resident: FakeUser) -> None:
    await _to_summary(resident)
    await resident.press("✖️ 不提交了")
    await resident.expect(r"这次求助没有提交")
    assert stored_reports(bot) == []


STEPS = list(range(9))


@pytest.mark.parametrize("answered", STEPS)
async def test_cancel_at_every_step(bot: BotProcess, resident: FakeUser, answered: int) -> None:
    await _answer_steps(resident, answered)
    await resident.send("/cancel")
    await resident.expect(r"这次求助没有提交")
    await resident.send("还在吗")
    await resident.expect(r"我没太明白")
    assert stored_reports(bot) == []


async def test_wrong_kinds_of_input_keep_the_step(bot: BotProcess, resident: FakeUser) -> None:
    await resident.send("/report")
    await resident.expect(r"出了什么事")
    await resident.send_photo(b"\xff\xd8photo")
    await resident.expect(r"请点上面的一个按钮，选出最接近的情况")
    await resident.send("随便写点")
    await resident.expect(r"请点上面的一个按钮，选出最接近的情况")
    await resident.press("🩺 生病或受伤")
    await resident.expect(r"请简单说说情况")
    await resident.send_sticker()
    await resident.expect(r"请打字说说情况")
    await resident.send_location(22.5, 114.1)
    await resident.expect(r"请打字说说情况")
    await resident.send("太短")
    await resident.expect(r"至少写 5 个字")
    await resident.send("长" * 2001)
    await resident.expect(r"2000 字以内")
    await resident.send("邻居王奶奶摔倒了起不来")
    await resident.expect(r"需要帮助的是谁")
    await resident.send_voice()
    await resident.expect(r"请打字写一下需要帮助的人")
    await resident.press("跳过")
    await resident.expect(r"在哪里")
    await resident.send_sticker()
    await resident.expect(r"请点“发送我的位置”，或者打字写地址")
    await resident.send("东门小区5栋")
    await resident.expect(r"属于哪个社区")
    await resident.send("火星社区")
    await resident.expect(r"请点上面的一个社区按钮")
    await resident.send("翠竹社区")
    await resident.expect(r"有多着急")
    await resident.send("很急吧")
    await resident.expect(r"告诉我们有多着急")
    await resident.press("🟠 这几天需要帮助")
    await resident.expect(r"有照片吗")
    await resident.send("没有照片")
    await resident.expect(r"请发照片；没有照片就点“跳过”")
    await resident.press("跳过")
    await resident.expect(r"怎么联系您")
    await resident.send("12ab")
    await resident.expect(r"这个号码好像不对")
    await resident.send_sticker()
    await resident.expect(r"请点“发送我的手机号”")
    await resident.send("138-0013-8000")
    summary = await resident.expect(r"求助内容")
    assert "13800138000" in summary.plain and "翠竹社区" in summary.plain
    await resident.send("好的")
    await resident.expect(r"请点上面的“确认提交”")


async def _to_urgency(user: FakeUser, lang: str) -> None:
    """Answer a report up to "how urgent?"."""
    await user.send("/report")
    await user.press(label(lang, "report.category.health"))
    await user.send("楼下王奶奶摔倒了起不来，很疼")
    await user.press(label(lang, "report.button.skip"))
    await user.send("东门小区5栋301")
    await user.press("东门社区")
    await user.expect(r"有多着急|How urgent")


async def test_typed_urgent_is_asked_again_never_filed_as_not_urgent(
        bot: BotProcess, resident: FakeUser) -> None:
    await _to_urgency(resident, "zh")
    for typed in ("着急", "急"):  # both are in "🟢 不着急" only, after its 不
        await resident.send(typed)
        await resident.expect(r"拿不准您说的是哪一个")
        again = await resident.expect(r"有多着急")
        assert again.labels == [label("zh", f"report.urgency.{u}")
                                for u in ("danger", "soon", "not_urgent")]
    await resident.press("🔴 现在有危险", in_message=again)
    await resident.expect(r"有照片吗")
    await resident.press("跳过")
    await resident.press("🙈 不留名")
    summary = await resident.expect(r"求助内容")
    assert "现在有危险" in summary.plain and "不着急" not in summary.plain


async def test_typed_not_urgent_is_taken_in_chinese_and_english(
        bot: BotProcess, resident: FakeUser, resident_en: FakeUser) -> None:
    await _to_urgency(resident, "zh")
    await resident.send("不急")
    await resident.expect(r"有照片吗")
    await _to_urgency(resident_en, "en")
    await resident_en.send("urgent")
    await resident_en.expect(r"could not tell which one")
    await resident_en.expect(r"How urgent")
    await resident_en.send("not urgent")
    await resident_en.expect(r"Any photos")
    for user, lang in ((resident, "zh"), (resident_en, "en")):
        await user.press(label(lang, "report.button.skip"))
        await user.press(label(lang, "report.button.anonymous"))
    assert "不着急" in (await resident.expect(r"求助内容")).plain
    assert "Not urgent" in (await resident_en.expect(r"Your report")).plain


async def test_special_characters_come_back_exactly(bot: BotProcess, resident: FakeUser) -> None:
    tricky = '<b>Tom & "Jerry"</b> *bold* _x_ `code` [a](b) 😀 &amp; <'
    await resident.send("/report")
    await resident.press("📝 其他情况")
    await resident.send(tricky)
    await resident.expect(r"需要帮助的是谁")
    await resident.send("<i>who</i>")
    await resident.expect(r"在哪里")
    await resident.send("<script>东门</script>")
    await resident.press("不清楚")
    await resident.press("🟢 不着急")
    await resident.expect(r"有照片吗")
    await resident.press("跳过")
    await resident.press("🙈 不留名")
    summary = await resident.expect(r"求助内容")
    assert tricky in summary.plain
    assert "<i>who</i>" in summary.plain and "<script>东门</script>" in summary.plain
    await resident.press("✅ 确认提交")
    await resident.expect(r"R-0001")
    [row] = stored_reports(bot)
    assert row["description"] == tricky
    await resident.send("/myreports")
    listing = await resident.expect(r"您提交的求助")
    assert '<b>Tom & "Jerry"</b>' in listing.plain


async def test_sigkill_between_steps_keeps_answers(bot: BotProcess, resident: FakeUser) -> None:
    await resident.send("/report")
    await resident.press("🩺 生病或受伤")
    await resident.send("三楼李大爷发烧三天了，一个人住")
    await resident.expect(r"需要帮助的是谁")
    await bot.restart()  # kill -9, then start again
    await resident.send("李大爷")
    await resident.expect(r"在哪里")
    await bot.restart()
    await resident.send("翠竹小区8栋301")
    await resident.expect(r"属于哪个社区")
    await bot.restart()
    await resident.press("翠竹社区")
    await resident.press("🟠 这几天需要帮助")
    await resident.expect(r"有照片吗")
    await resident.press("跳过")
    await resident.press("🙈 不留名")
    summary = await resident.expect(r"求助内容")
    for part in ("生病或受伤", "三楼李大爷发烧三天了", "李大爷", "翠竹小区8栋301", "翠竹社区"):
        assert part in summary.plain
    await resident.press("✅ 确认提交")
    await resident.expect(r"R-0001")


async def test_double_confirm_makes_one_report(bot: BotProcess, resident: FakeUser) -> None:
    summary = await _to_summary(resident)
    await resident.press_data("rp:ok", message=summary)
    await resident.expect(r"已收到，编号 R-0001")
    await resident.press_data("rp:ok", message=summary)
    await resident.expect(r"已经提交过了，编号是 R-0001")
    assert len(stored_reports(bot)) == 1


async def _summary_of_a_second_report(resident: FakeUser) -> BotMessage:
    """Yesterday's report sent; today's written up to its summary, not confirmed."""
    await submit_report(resident)
    await resident.send("/report")
    await resident.press("🧒 孩子没人照顾")
    await resident.send("隔壁的孩子一个人在家两天了，没人管")
    await resident.press("跳过")
    await resident.send("翠竹小区8栋")
    await resident.press("翠竹社区")
    await resident.press("🟠 这几天需要帮助")
    await resident.press("跳过")
    await resident.press("🙈 不留名")
    return await resident.expect(r"求助内容.*孩子没人照顾")


async def test_confirm_on_a_cancelled_summary_says_it_was_not_sent(
        bot: BotProcess, resident: FakeUser) -> None:
    summary = await _summary_of_a_second_report(resident)
    await resident.send("/cancel")
    await resident.expect(r"这次求助没有提交")
    await resident.expect(r"还需要什么")
    await resident.press("✅ 确认提交", in_message=summary)  # the summary still on screen
    said = await resident.expect(r"这条求助没有提交")
    assert "R-0001" not in said.plain and "已经提交" not in said.plain
    assert said.labels == ["🆘 有人需要帮助"]
    [shown] = [m for m in resident.messages if m.message_id == summary.message_id]
    assert shown.labels == []  # that summary cannot be pressed again
    await resident.press("🆘 有人需要帮助", in_message=said)
    await resident.expect(r"出了什么事")
    assert len(stored_reports(bot)) == 1


async def test_confirm_on_an_expired_summary_says_it_was_not_sent(
        bot: BotProcess, resident: FakeUser) -> None:
    summary = await _summary_of_a_second_report(resident)
    with bot.db() as conn:
        conn.execute("UPDATE flows SET updated_at = ?",
                     ((bot.now() - timedelta(hours=49)).isoformat(),))
    resident.drain()
    await resident.press("✅ 确认提交", in_message=summary)
    await resident.expect(r"已经清除了")
    said = await resident.expect(r"这条求助没有提交")
    assert "R-0001" not in said.plain
    await resident.expect_nothing(within=0.5)
    assert len(stored_reports(bot)) == 1


async def test_a_second_confirm_on_the_summary_sent_repeats_its_reference_not_the_latest(
        bot: BotProcess, resident: FakeUser) -> None:
    summary = await _to_summary(resident)
    data = "rp:ok"  # what the Confirm button carries
    await resident.press_data(data, message=summary)
    await resident.expect(r"已收到，编号 R-0001")
    await submit_report(resident, description="三楼李大爷发烧三天了，家里没人")
    await resident.press_data(data, message=summary)  # an old tap, delivered late
    said = await resident.expect(r"已经提交过了")
    assert "R-0001" in said.plain and "R-0002" not in said.plain


async def test_confirm_replayed_after_crash_makes_one_report(bot: BotProcess, api: FakeBotApi,
                                                             resident: FakeUser) -> None:
    summary = await _to_summary(resident)
    hold = api.hold("sendMessage", lambda p: "R-0001" in str(p.get("text", "")))
    press = asyncio.create_task(resident.press_data("rp:ok", message=summary, timeout=30))
    await hold.reached()  # the report is committed; the receipt is on its way: kill now
    await bot.kill()
    hold.release()
    await bot.start()
    await press  # the replayed press is answered
    await resident.expect(r"R-0001")
    assert len(stored_reports(bot)) == 1


async def test_hourly_limit(api: FakeBotApi, bot_env: dict[str, str], workdir,  # type: ignore[no-untyped-def]
                            resident: FakeUser) -> None:
    bot_env["ZHONGFU_REPORTS_PER_HOUR"] = "2"
    process = BotProcess(api, bot_env, workdir)
    await process.start()
    try:
        # Two different needs (the same one twice would be asked about as a repeat).
        assert await submit_report(resident) == "R-0001"
        assert await submit_report(resident, category="health") == "R-0002"
        await resident.send("/report")
        await resident.expect(r"这一小时里已经提交了好几条")
        assert len(stored_reports(process)) == 2
    finally:
        await process.stop()


async def test_draft_dropped_after_48_hours(bot: BotProcess, resident: FakeUser) -> None:
    await resident.send("/report")
    await resident.press("🩺 生病或受伤")
    await resident.expect(r"请简单说说情况")
    old = (bot.now() - timedelta(hours=49)).isoformat()
    with bot.db() as conn:
        conn.execute("UPDATE flows SET updated_at = ?", (old,))
    await resident.send("隔壁阿姨好几天没出门了")
    await resident.expect(r"已经清除了")
    await resident.expect(r"我没太明白")
    assert stored_reports(bot) == []


async def test_nobody_sees_anyone_elses_reports(bot: BotProcess, resident: FakeUser,
                                                resident_en: FakeUser) -> None:
    await submit_report(resident)
    await resident_en.send("/myreports")
    await resident_en.expect(r"You have not sent any reports yet")
    answer = await resident_en.press_data("mr:1")
    assert "only see reports you made" in answer


async def test_typed_area_when_no_areas_configured(api: FakeBotApi, bot_env: dict[str, str],
                                                   workdir, resident_en: FakeUser) -> None:  # type: ignore[no-untyped-def]
    bot_env["ZHONGFU_AREAS"] = ""
    process = BotProcess(api, bot_env, workdir)
    await process.start()
    try:
        await resident_en.send("/report")
        await resident_en.press(label("en", "report.category.housing"))
        await resident_en.send("The roof leaks into a flat of an old couple")
        await resident_en.expect(r"Who needs help")
        await resident_en.press("Skip")
        await resident_en.send("Block 3, Donghu estate")
        await resident_en.expect(r"Which community or street")
        await resident_en.send("Donghu street")
        await resident_en.expect(r"How urgent")
        await resident_en.press("🟠 Within days")
        await resident_en.expect(r"Any photos")
        await resident_en.press("Skip")
        await resident_en.send("+86 138 0013 8000")
        summary = await resident_en.expect(r"Your report")
        assert "Community: Donghu street" in summary.plain
        assert "+8613800138000" in summary.plain
    finally:
        await process.stop()


async def _answer_steps(user: FakeUser, count: int) -> None:
    """Answer the first `count` steps of a report."""
    await user.send("/report")
    await user.expect(r"出了什么事")
    actions = [
        lambda: user.press("🩺 生病或受伤"),
        lambda: user.send("对门老人家摔倒了，腿很疼"),
        lambda: user.press("跳过"),
        lambda: user.send("东门小区1栋101"),
        lambda: user.press("东门社区"),
        lambda: user.press("🟠 这几天需要帮助"),
        lambda: user.press("跳过"),
        lambda: user.press("🙈 不留名"),
    ]
    expects = [r"请简单说说情况", r"需要帮助的是谁", r"在哪里", r"属于哪个社区", r"有多着急",
               r"有照片吗", r"怎么联系您", r"求助内容"]
    for action, expected in zip(actions[:count], expects[:count], strict=True):
        await action()
        await user.expect(expected)


async def _to_summary(user: FakeUser):  # type: ignore[no-untyped-def]
    """Answer every step; return the summary message."""
    await _answer_steps(user, 7)
    await user.press("🙈 不留名")
    return await user.expect(r"求助内容")


async def test_a_phone_typed_in_full_width_digits_is_taken(bot: BotProcess,
                                                          resident: FakeUser) -> None:
    await _answer_steps(resident, 7)  # up to "怎么联系您"
    await resident.send("１３８００１３８０００")  # a Chinese keyboard in full-width mode
    summary = await resident.expect(r"求助内容")
    assert "13800138000" in summary.plain
    await resident.press("✅ 确认提交", in_message=summary)
    await resident.expect(r"已收到，编号 R-0001")
    assert stored_reports(bot)[0]["phone"] == "13800138000"


async def test_the_anonymous_button_of_an_older_keyboard_still_works(bot: BotProcess,
                                                                     resident: FakeUser) -> None:
    await _answer_steps(resident, 7)  # up to "怎么联系您"
    await resident.send("🙈 匿名提交")  # the label this button had before, on a kept keyboard
    summary = await resident.expect(r"求助内容")
    assert "匿名" in summary.plain


async def test_three_photos_then_moves_on(bot: BotProcess, resident_en: FakeUser) -> None:
    await resident_en.send("/report")
    await resident_en.press(label("en", "report.category.housing"))
    await resident_en.send("Water is coming through the ceiling")
    await resident_en.expect(r"Who needs help")
    await resident_en.press("Skip")
    await resident_en.expect(r"Where\?")
    await resident_en.press("📍 Share my location")
    await resident_en.expect(r"Location received")
    await resident_en.press("Next ➡️")
    await resident_en.press("Not sure")
    await resident_en.press("🟢 Not urgent")
    await resident_en.expect(r"Any photos")
    for number in (1, 2):
        await resident_en.send_photo(b"\xff\xd8\xff\xe0" + bytes([number]))
        await resident_en.expect(rf"Photo received \({number}/3\)")
    await resident_en.send_photo(b"\xff\xd8\xff\xe0\x03")
    await resident_en.expect(r"All 3 photos received")
    await resident_en.expect(r"how can we reach you")
    await resident_en.send_contact()
    summary = await resident_en.expect(r"Your report")
    assert "Photos: 3" in summary.plain and "location shared" in summary.plain
    await resident_en.press("✅ Confirm and send")
    await resident_en.expect(r"your reference is R-0001")
    [row] = stored_reports(bot)
    assert len(json.loads(str(row["photos"]))) == 3
    assert row["address"] is None and row["latitude"] is not None


async def test_an_album_of_five_photos_keeps_three_and_says_so_once(bot: BotProcess,
                                                                      resident: FakeUser) -> None:
    await _answer_steps(resident, 6)  # up to "有照片吗"
    for number in range(1, 6):  # Telegram delivers an album as one message a photo
        await resident.send_photo(b"\xff\xd8\xff\xe0" + bytes([number]), album="album-1")
    await resident.expect(r"3 张照片都收到了")
    await resident.expect(r"怎么联系您")
    await resident.expect(r"这一组里多出来的就不收了")
    await resident.send("/start")  # a marker: everything before it has been answered
    await resident.expect(r"怎么联系您")
    said = [m.plain for m in resident.messages]
    assert sum("多出来的就不收了" in text for text in said) == 1
    assert not any(text.startswith("请点“发送我的手机号”") for text in said)
    await resident.press("🙈 不留名")
    summary = await resident.expect(r"求助内容")
    assert "照片：3 张" in summary.plain


async def test_editing_a_sent_answer_does_not_answer_the_next_step(bot: BotProcess,
                                                                  resident: FakeUser) -> None:
    await resident.send("/report")
    await resident.press("🩺 生病或受伤")
    await resident.expect(r"请简单说说情况")
    sent = await resident.send("隔壁老人发烧了没人管")
    await resident.expect(r"需要帮助的是谁")
    await resident.edit(sent, "隔壁老人发高烧了没人管")
    await resident.expect(r"请把改好的内容重新发一遍")
    await resident.send("王大爷")
    await resident.expect(r"在哪里")
    with bot.db() as conn:
        data = json.loads(conn.execute("SELECT data FROM flows").fetchone()[0])
    assert data["description"] == "隔壁老人发烧了没人管"
    assert data["subject"] == "王大爷"


async def test_start_in_the_middle_of_a_report_shows_where_you_were(
        bot: BotProcess, resident: FakeUser) -> None:
    await resident.send("/report")
    await resident.press("🩺 生病或受伤")
    await resident.expect(r"请简单说说情况")
    await resident.send("/start")
    await resident.expect(r"您好，李阿姨")
    await resident.expect(r"上次还有一件事没办完")
    await resident.expect(r"请简单说说情况")
    await resident.send("楼下奶奶摔了一跤，起不来")
    await resident.expect(r"需要帮助的是谁")


async def test_a_press_whose_answer_fails_still_moves_the_report_on(
        bot: BotProcess, api: FakeBotApi, resident: FakeUser) -> None:
    """Answering a press only stops its spinner: when Telegram fails that call (a timeout, its
    own error), the step is still taken and the next answer still counts."""
    await resident.send("/report")
    question = await resident.expect(r"出了什么事")
    api.fail_next("answerCallbackQuery", 500, "Internal Server Error")
    # The press itself is never answered: not awaited, it would wait for that answer.
    pressing = asyncio.create_task(resident.press("🩺 生病或受伤", in_message=question,
                                                  timeout=3))
    await resident.expect(r"请简单说说情况")
    await asyncio.gather(pressing, return_exceptions=True)
    await resident.send("隔壁老人发烧了没人管")
    await resident.expect(r"需要帮助的是谁")
    said = " ".join(m.plain for m in resident.messages)
    assert "没处理好" not in said and "先不算数" not in said


async def test_a_live_location_moving_on_the_map_gets_no_answers(
        bot: BotProcess, api: FakeBotApi, resident: FakeUser) -> None:
    """A live location is edited by Telegram every time the phone moves, for hours: those
    edits are not corrections, and the bot stays quiet about them."""
    await resident.send("/report")
    await resident.press("🩺 生病或受伤")
    await resident.send("隔壁老人发烧了没人管")
    await resident.send("王大爷")
    await resident.expect(r"在哪里")
    sent = await resident.send_location(22.54, 114.12)
    more = await resident.expect(r"没有要补充的")
    for n in range(3):
        api.push_update("edited_message", {
            **sent, "edit_date": int(sent["date"]) + n + 1,
            "location": {"latitude": 22.54 + n / 1000, "longitude": 114.12,
                         "live_period": 900}})
    await resident.expect_nothing(within=1.5)
    await resident.press("下一步 ➡️", in_message=more)
    area = await resident.expect(r"属于哪个社区")
    await resident.press("东门社区", in_message=area)
    await resident.expect(r"有多着急")
