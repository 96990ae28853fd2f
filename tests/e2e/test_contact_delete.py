"""End to end: the service file's buttons for the worker's latest contact say which record they
change, and a delete is asked again before anything is deleted."""

from __future__ import annotations

from tests.conftest import BotProcess
from tests.e2e.reporting import label
from tests.e2e.test_households import household_id, paired_setup
from tests.rig.server import BotMessage, FakeBotApi, FakeUser


async def log_call(worker: FakeUser, day: str, lang: str = "zh") -> None:
    """/log a call of `day` for the worker's only household, every optional step skipped."""
    zh = lang == "zh"
    await worker.send("/log")
    await worker.expect("这次做了什么" if zh else "what was it")
    await worker.press("📞 电话" if zh else "📞 Call")
    await worker.expect("是哪天的事" if zh else "When")
    await worker.send(day)
    await worker.expect("提供了哪些服务" if zh else "Which services")
    await worker.press("好了 ✔" if zh else "Done ✔")
    await worker.press("1")
    for _ in range(3):
        await worker.expect("跳过" if zh else "Skip")
        await worker.press("跳过" if zh else "Skip")
    await worker.expect("已保存" if zh else "Saved")


def deleted(bot: BotProcess) -> list[int]:
    """The deleted flag of every contact, oldest first."""
    with bot.db() as conn:
        return [int(r[0]) for r in conn.execute("SELECT deleted FROM contacts ORDER BY id")]


async def open_file(bot: BotProcess, worker: FakeUser, external_id: str, title: str
                    ) -> BotMessage:
    await worker.press_data(f"hf:{household_id(bot, external_id)}")
    return await worker.expect(title)


async def test_service_file_names_the_record_and_asks_before_deleting_it(
        bot: BotProcess, api: FakeBotApi) -> None:
    worker, other = await paired_setup(bot, api)
    await log_call(worker, "2026-11-15")
    file = await open_file(bot, worker, "LH-1", "服务档案 · 张大爷")
    # Named by the record: a bare "✏️ 修改" under a profile reads as "edit the household".
    assert "✏️ 改 11月15日的电话记录" in file.labels, file.labels
    assert "🗑 删 11月15日的电话记录" in file.labels
    assert "✏️ 修改" not in file.labels and "🗑 删除" not in file.labels

    await worker.press("🗑 删 11月15日的电话记录", in_message=file)
    question = await worker.expect("确定要删掉 张大爷 11月15日的电话记录吗")
    assert question.labels == ["✅ 确定删除", "↩️ 不删了"]
    assert deleted(bot) == [0]  # nothing deleted at one tap
    await worker.press("↩️ 不删了", in_message=question)
    await worker.expect("这条记录没有删")
    assert deleted(bot) == [0]

    # Another worker forging the confirmation deletes nothing.
    await other.send("/start")
    await other.expect("")
    sure = question.buttons[0][0][1]
    assert sure is not None and sure.startswith("cx:sure:")
    answer = await other.press_data(sure)
    assert answer == label("en", "error.stale_button")
    assert deleted(bot) == [0]

    await worker.press("🗑 删 11月15日的电话记录", in_message=file)
    question = await worker.expect("确定要删掉")
    await worker.press("✅ 确定删除", in_message=question)
    await worker.expect("这条记录已删除")
    assert deleted(bot) == [1]
    # The question pressed again, once the record is gone, deletes nothing more.
    answer = await worker.press_data(question.buttons[0][0][1] or "", question)
    assert answer == label("zh", "error.stale_button")


async def test_service_file_contact_buttons_in_english(bot: BotProcess, api: FakeBotApi) -> None:
    _, liu = await paired_setup(bot, api)
    await log_call(liu, "2026-11-15", "en")
    file = await open_file(bot, liu, "LH-2", "李阿婆")
    assert "🗑 Delete the call of 15/11" in file.labels, file.labels
    await liu.press("🗑 Delete the call of 15/11", in_message=file)
    question = await liu.expect("Delete the record of the call to 李阿婆 on 15/11")
    await liu.press("✅ Yes, delete it", in_message=question)
    await liu.expect("deleted")
    assert deleted(bot) == [1]


async def killed_before_answering(bot: BotProcess, api: FakeBotApi, user: FakeUser, button: str,
                                  message: BotMessage, answer: str) -> None:
    """`user` presses `button`; once what it does is saved and `answer` is on its way, kill -9
    the bot (that answer never reaches them) and start it again: the press is handled again."""
    held: list[object] = []

    def first(params: dict[str, object]) -> bool:
        """Only the first handling's answer is held (and lost with the process)."""
        if held or str(params.get("text", "")) != answer:
            return False
        held.append(params)
        return True

    hold = api.hold("sendMessage", first)
    await user.press(button, in_message=message)
    await hold.reached()
    await bot.kill()
    await bot.start()
    assert "pending" not in await bot.updates_settled()


async def test_a_delete_confirmed_just_before_a_crash_is_answered_as_deleted_after_it(
        bot: BotProcess, api: FakeBotApi) -> None:
    """Killed (-9) once the delete is saved but before the worker is told: the press handled
    again at the restart says what the first handling would have, deleted; not that the
    button is stale."""
    worker, _ = await paired_setup(bot, api)
    await log_call(worker, "2026-11-15")
    file = await open_file(bot, worker, "LH-1", "服务档案 · 张大爷")
    await worker.press("🗑 删 11月15日的电话记录", in_message=file)
    question = await worker.expect("确定要删掉")
    done = label("zh", "log.deleted")
    await killed_before_answering(bot, api, worker, "✅ 确定删除", question, done)
    assert deleted(bot) == [1]
    await worker.expect(done)  # the restart's answer: the first one never went out
    assert [m.plain for m in worker.messages].count(done) == 1
    alerts = [p.get("text") for p in api.calls_to("answerCallbackQuery")]
    assert label("zh", "error.stale_button") not in alerts, alerts
    assert deleted(bot) == [1]
