"""End to end: /start, /help, /language, /cancel and the fallbacks, as people would use them."""

from __future__ import annotations

import asyncio
import json
import signal

from tests.conftest import COORDINATOR_ID, TOKEN, BotProcess
from tests.e2e.helpers_triage import add_worker
from tests.rig.server import FakeBotApi, FakeUser


async def test_start_greets_resident_in_chinese_with_menu(bot: BotProcess,
                                                          resident: FakeUser) -> None:
    await resident.send("/start")
    msg = await resident.expect(r"您好，李阿姨")
    labels = [text for row in msg.buttons for text, _ in row]
    assert "❓ 帮助" in labels
    assert any("语言" in label for label in labels)


async def test_start_greets_english_speaker_in_english(bot: BotProcess,
                                                       resident_en: FakeUser) -> None:
    await resident_en.send("/start")
    await resident_en.expect(r"Hello, Mary! This is Zhongfu")


async def test_coordinator_gets_coordinator_greeting(bot: BotProcess,
                                                     coordinator: FakeUser) -> None:
    await coordinator.send("/start")
    await coordinator.expect(r"欢迎使用众扶（您的身份：管理员）")


async def test_help_lists_role_commands(bot: BotProcess, resident: FakeUser,
                                        resident_en: FakeUser) -> None:
    await resident.send("/help")
    msg = await resident.expect(r"您可以用这些命令")
    assert "/language — 切换语言" in msg.plain
    assert "/cancel — 退出当前操作" in msg.plain
    await resident_en.send("/help")
    msg = await resident_en.expect(r"What you can do")
    assert "/language — Change language" in msg.plain


async def test_help_button_on_start_menu(bot: BotProcess, resident_en: FakeUser) -> None:
    await resident_en.send("/start")
    await resident_en.expect(r"Hello")
    await resident_en.press("❓ Help")
    await resident_en.expect(r"What you can do")


async def test_language_switch_is_remembered_across_restart(bot: BotProcess,
                                                            resident: FakeUser) -> None:
    await resident.send("/language")
    await resident.expect(r"请选择语言")
    await resident.press("English")
    await resident.expect(r"I will write to you in English")
    await bot.stop()
    await bot.start()
    await resident.send("/help")
    await resident.expect(r"What you can do")
    await resident.send("/language")
    await resident.expect(r"Please choose a language")
    await resident.press("中文")
    await resident.expect(r"以后用中文")


async def test_cancel_with_nothing_in_progress(bot: BotProcess, resident: FakeUser,
                                               resident_en: FakeUser) -> None:
    await resident.send("/cancel")
    await resident.expect(r"现在没有正在进行的操作")
    await resident_en.send("/cancel")
    await resident_en.expect(r"Nothing is in progress")


async def test_unknown_command_points_to_help(bot: BotProcess, resident: FakeUser,
                                              resident_en: FakeUser) -> None:
    await resident.send("/fly")
    await resident.expect(r"没有这个命令.*/help")
    await resident_en.send("/fly")
    await resident_en.expect(r"Unknown command.*/help")


async def test_messages_outside_a_flow_point_to_the_menu(bot: BotProcess,
                                                         resident: FakeUser) -> None:
    await resident.send("hello <b>there</b> & friends")
    msg = await resident.expect(r"我没太明白")
    assert msg.buttons, "the answer should carry the menu buttons"
    await resident.send_sticker()
    await resident.expect(r"我没太明白")
    await resident.send_photo(b"\xff\xd8\xff\xe0fake-jpeg")
    await resident.expect(r"我没太明白")
    await resident.send_voice()
    await resident.expect(r"我没太明白")


async def test_unknown_menu_button_is_answered(bot: BotProcess, resident: FakeUser) -> None:
    await resident.send("/start")
    await resident.expect(r"您好")
    await resident.press_data("cmd:nosuch")
    await resident.expect(r"按钮已经失效")


async def test_forged_language_button_changes_nothing(bot: BotProcess,
                                                      resident: FakeUser) -> None:
    await resident.send("/language")
    await resident.expect(r"请选择语言")
    answer = await resident.press_data("lang:xx")
    assert "失效" in answer
    await resident.send("/help")
    await resident.expect(r"您可以用这些命令")


async def test_group_messages_are_ignored_unless_addressed(bot: BotProcess, api: FakeBotApi,
                                                          resident: FakeUser) -> None:
    group = api.group(-100777, "街坊群")
    await group.send(resident, "今天天气不错")
    await group.send(resident, "/help")
    await resident.expect_nothing(within=1.5)
    assert not group.messages
    await group.send(resident, "@zhongfu_test_bot 你好")
    await group.expect(r"请私信我")


async def test_command_menus_published_per_role_and_language(bot: BotProcess, api: FakeBotApi,
                                                             coordinator: FakeUser) -> None:
    await coordinator.send("/start")
    await coordinator.expect(r"管理员")
    await api.wait_for_call("setMyCommands", predicate=lambda p: "chat" in str(p.get("scope")))
    default_zh = [c["command"] for c in api.commands_for(None, "zh")]
    assert default_zh[:3] == ["start", "report", "myreports"]
    assert "help" in default_zh and "cancel" in default_zh
    en = {c["command"]: c["description"] for c in api.commands_for(None, "en")}
    assert en["language"] == "Change language"
    assert [c["command"] for c in api.commands_for(None, "")] == default_zh
    scope = {"type": "chat", "chat_id": COORDINATOR_ID}
    assert api.commands_for(scope, ""), f"no chat-scoped menu for the coordinator: {api.commands}"


async def test_blocking_the_bot_is_remembered(bot: BotProcess, resident: FakeUser) -> None:
    await resident.send("/start")
    await resident.expect(r"您好")

    def reachable() -> int:
        with bot.db() as conn:
            return int(conn.execute("SELECT reachable FROM people WHERE telegram_id = 1001")
                       .fetchone()[0])

    resident.block()
    assert await bot.updates_settled(count=2) == ["done", "done"]
    assert reachable() == 0
    resident.unblock()
    assert await bot.updates_settled(count=3) == ["done", "done", "done"]
    assert reachable() == 1


async def test_sigterm_stops_within_five_seconds(bot: BotProcess) -> None:
    assert await bot.stop(timeout=5.0) == 0


async def test_sigint_stops_within_five_seconds(bot: BotProcess, resident: FakeUser) -> None:
    await resident.send("/help")
    await resident.expect(r"您可以用这些命令")
    assert bot.proc is not None
    bot.proc.send_signal(signal.SIGINT)
    assert await asyncio.wait_for(bot.proc.wait(), 5.0) == 0
    assert "Traceback" not in bot.log()


async def test_token_never_in_logs(bot: BotProcess, resident: FakeUser) -> None:
    await resident.send("/start")
    await resident.expect(r"您好")
    await bot.stop()
    log = bot.log()
    assert "getUpdates" in log or "running as" in log, "debug logging should be on in tests"
    assert TOKEN not in log
    assert TOKEN.split(":")[1] not in log


async def test_update_being_handled_at_sigkill_is_handled_after_restart(
        bot: BotProcess, api: FakeBotApi, resident: FakeUser) -> None:
    hold = api.hold("sendMessage", lambda params: "您好" in str(params.get("text", "")))
    await resident.send("/start")
    await hold.reached()  # the /start handler is now waiting on its reply: kill it there
    await bot.kill()
    hold.release()
    await bot.start()
    await resident.expect(r"您好，李阿姨")
    assert await bot.updates_settled() == ["done"]


async def test_an_update_is_stored_exactly_as_telegram_sent_it(
        bot: BotProcess, api: FakeBotApi, resident: FakeUser) -> None:
    sent = api.push_update("message", {
        "message_id": 77, "date": 1795985170, "text": "/help", "entities": [
            {"type": "bot_command", "offset": 0, "length": 5}],
        "chat": {"id": resident.chat_id, "type": "private", "first_name": "李阿姨"},
        "from": {"id": resident.chat_id, "is_bot": False, "first_name": "李阿姨",
                 "language_code": "zh-hans"},
    })
    assert sent is not None
    await resident.expect(r"您可以用这些命令")
    assert await bot.updates_settled() == ["done"]
    with bot.db() as conn:
        [payload] = [r[0] for r in conn.execute("SELECT payload FROM updates")]
    # Not PTB's re-serialisation (which adds defaults such as channel_chat_created: false).
    assert json.loads(payload) == sent


async def test_an_update_that_kills_the_bot_three_times_is_set_aside(
        bot: BotProcess, api: FakeBotApi, resident: FakeUser) -> None:
    greeting = "您好，李阿姨"
    await resident.send("/start")
    for attempt in range(3):  # each start replays it, and it dies at the same place again
        hold = api.hold("sendMessage", lambda params: greeting in str(params.get("text", "")))
        if attempt:
            await bot.start()
        await hold.reached()
        await bot.kill()
        hold.release()
    await bot.start()
    assert await bot.updates_settled() == ["failed"]
    assert "set aside" in bot.log()
    await resident.send("/help")  # the bot goes on with the person's next message
    await resident.expect(r"您可以用这些命令")
    assert await bot.updates_settled(count=2) == ["failed", "done"]


async def test_replayed_updates_are_handled_in_order(bot: BotProcess, api: FakeBotApi,
                                                     resident: FakeUser) -> None:
    hold = api.hold("sendMessage", lambda params: "您可以用这些命令" in str(params.get("text")))
    await resident.send("/help")
    await hold.reached()
    await resident.send("/cancel")
    await bot.kill()
    hold.release()
    await bot.start()
    await resident.expect(r"您可以用这些命令")
    await resident.expect(r"现在没有正在进行的操作")
    assert await bot.updates_settled() == ["done", "done"]
    with bot.db() as conn:
        rows = conn.execute("SELECT payload, state FROM updates ORDER BY update_id").fetchall()
    texts = [json.loads(r["payload"])["message"]["text"] for r in rows]
    assert texts == ["/help", "/cancel"]
    assert {r["state"] for r in rows} == {"done"}


async def test_coordinator_help_lists_every_command(bot: BotProcess, api: FakeBotApi,
                                                    coordinator: FakeUser) -> None:
    await coordinator.send("/help")
    listing = await coordinator.expect(r"管理员命令")
    for line in ("/report — 告诉我们谁需要帮助", "/cases — ", "/log — ", "/due — ",
                 "/invite — 生成社工邀请链接", "/pair — ", "/programs — 查看和新建结对方案",
                 "/overdue — ", "/digest — ", "/workers — ", "/areas — ", "/import — "):
        assert line in listing.plain, line
    await coordinator.send("/language")
    await coordinator.press("English")
    await coordinator.expect(r"in English")
    await coordinator.send("/help")
    listing = await coordinator.expect(r"Commands for coordinators")
    assert "/programs — See and define assistance programs" in listing.plain
    scope = {"type": "chat", "chat_id": COORDINATOR_ID}
    # The language was changed before /help was handled (one chat's updates go in order),
    # so the coordinator's menu has been republished in English by now.
    menu = {c["command"]: c["description"] for c in api.commands_for(scope, "")}
    assert menu["invite"] == "Make an invite link for a worker"
    assert menu["programs"] == "See and define assistance programs"


async def test_start_goes_on_when_telegram_refuses_the_menu_for_now(
        bot: BotProcess, api: FakeBotApi) -> None:
    """Telegram limits how often a menu may be set: a refusal leaves the old menu, and /start
    still shows the greeting and the question left open."""
    add_worker(bot, 2001, "陈社工")
    worker = api.user(2001, "陈社工", language_code="zh-hans")
    await worker.send("/report")
    await worker.expect(r"出了什么事")
    api.fail_next("setMyCommands", 429, "Too Many Requests: retry after 30", retry_after=30)
    await worker.send("/start")
    await worker.expect(r"陈社工，您好")
    await worker.expect(r"上次还有一件事没办完")
    await worker.expect(r"出了什么事")


async def test_a_failure_outside_any_flow_asks_to_try_again_not_to_answer_a_question(
        bot: BotProcess, api: FakeBotApi, resident: FakeUser) -> None:
    """Nothing was being filled in: the apology says to try again, and promises no question
    to be asked again (which a person outside a flow would wait for in vain)."""
    api.fail_next("sendMessage", 400, "Bad Request: message is invalid")
    await resident.send("/help")
    sorry = await resident.expect("抱歉")
    assert "请再试一次" in sorry.plain and "问题再问" not in sorry.plain
    await resident.send("/help")
    await resident.expect("/report")
