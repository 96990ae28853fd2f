"""Webhook mode, driven the way Telegram drives it: posts with the secret header, retries of
whatever got no 200, and a bot that may die right after answering."""

from __future__ import annotations

import asyncio
import json
import socket
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tests.conftest import BotProcess
from tests.rig.server import FakeBotApi, FakeUser

SECRET = "s3cret_Webhook-token"
PUBLIC_URL = "https://zhongfu.example.org/telegram/hook"


def free_port() -> int:
    """A port nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def bot_env(api: FakeBotApi, bot_env: dict[str, str]) -> dict[str, str]:
    """The default environment in webhook mode; the fake Telegram posts to the bot directly
    (as the reverse proxy would pass the public URL on)."""
    port = free_port()
    bot_env.update({
        "ZHONGFU_WEBHOOK_URL": PUBLIC_URL,
        "ZHONGFU_WEBHOOK_SECRET": SECRET,
        "ZHONGFU_LISTEN": f"127.0.0.1:{port}",
    })
    api.webhook_target = f"http://127.0.0.1:{port}/telegram/hook"
    return bot_env


def health_url(bot: BotProcess) -> str:
    """The bot's /healthz."""
    return f"http://{bot.env['ZHONGFU_LISTEN']}/healthz"


async def healthz(bot: BotProcess) -> tuple[int, dict[str, Any]]:
    """GET /healthz: status and JSON body."""
    async with aiohttp.ClientSession() as session, session.get(health_url(bot)) as resp:
        return resp.status, await resp.json()


def stored_updates(bot: BotProcess) -> list[tuple[int, str]]:
    """(update_id, state) of every update in the intake table."""
    with bot.db() as conn:
        rows = conn.execute("SELECT update_id, state FROM updates ORDER BY update_id")
        return [(r[0], r[1]) for r in rows]


async def test_webhook_is_set_with_the_secret_and_serves_people(
        bot: BotProcess, api: FakeBotApi, resident: FakeUser) -> None:
    call = api.calls_to("setWebhook")[-1]
    assert call["url"] == PUBLIC_URL
    assert call["secret_token"] == SECRET
    assert {"message", "callback_query", "my_chat_member"} <= set(call["allowed_updates"])
    assert not api.calls_to("getUpdates"), "webhook mode must not poll"
    await resident.send("/start")
    await resident.expect(r"您好，李阿姨")
    assert await bot.updates_settled(count=1) == ["done"]
    assert [status for _, status in api.deliveries] == [200]
    status, body = await healthz(bot)
    assert status == 200
    assert body["database_writable"] is True
    assert body["pending_updates"] == 0
    assert body["last_update_received"] is not None
    assert "scheduler_last_tick" in body
    info = await api._webhook_info({})
    assert info["url"] == PUBLIC_URL and info["pending_update_count"] == 0


async def test_wrong_or_missing_secret_is_refused_and_nothing_is_stored(
        bot: BotProcess, api: FakeBotApi, resident: FakeUser) -> None:
    update = {"update_id": 777, "message": {
        "message_id": 1, "date": 1, "chat": resident.chat.obj, "from": resident.tg_user,
        "text": "/start", "entities": [{"type": "bot_command", "offset": 0, "length": 6}]}}
    assert await api.post_update(update, secret="wrong-secret") == 403
    assert await api.post_update(update, secret="") == 403
    assert stored_updates(bot) == []
    await resident.expect_nothing(within=1.0)
    assert "wrong secret" in bot.log()
    assert SECRET not in bot.log()


async def test_bodies_that_are_not_updates_get_400_and_the_bot_carries_on(
        bot: BotProcess, api: FakeBotApi, resident: FakeUser) -> None:
    assert await api.post_update(b"this is not json") == 400
    assert await api.post_update(b"[1, 2, 3]") == 400
    assert await api.post_update(b'{"update_id": "seven"}') == 400
    assert await api.post_update(b'{"update_id": 8, "message": "not a message"}') == 400
    too_big = json.dumps({"update_id": 5, "pad": "x" * (1024 * 1024)}).encode()
    assert await api.post_update(too_big) == 400
    assert stored_updates(bot) == []
    await resident.send("/start")
    await resident.expect(r"您好，李阿姨")
    assert (await healthz(bot))[0] == 200


async def test_an_update_posted_twice_is_handled_once(
        bot: BotProcess, api: FakeBotApi, resident: FakeUser) -> None:
    await resident.send("/start")
    await resident.expect(r"您好，李阿姨")
    assert await bot.updates_settled(count=1) == ["done"]
    # The answer can reach the resident before the delivery loop has noted its 200.
    assert await api.wait_until(lambda: bool(api.delivered), 10)
    (update_id, update), = api.delivered.items()
    # Telegram repeats an update whose answer it did not get (a proxy timeout, say).
    assert await api.post_update(update) == 200
    assert await api.post_update(update) == 200
    await resident.expect_nothing(within=1.5)
    assert stored_updates(bot) == [(update_id, "done")]


async def test_update_answered_then_crash_is_handled_after_restart(
        bot: BotProcess, api: FakeBotApi, resident: FakeUser) -> None:
    hold = api.hold("sendMessage", lambda params: "您好" in str(params.get("text", "")))
    await resident.send("/start")
    await hold.reached()  # the handler runs; Telegram already has its 200 and forgot it
    assert [status for _, status in api.deliveries] == [200]
    assert api.pending_updates == []
    await bot.kill()
    hold.release()
    await bot.start()
    await resident.expect(r"您好，李阿姨")
    assert await bot.updates_settled(count=1) == ["done"]
    assert len(api.deliveries) == 1, "the update came from the bot's own table, not Telegram"


async def test_locked_database_answers_503_until_the_write_can_be_committed(
        bot: BotProcess, api: FakeBotApi, resident: FakeUser) -> None:
    blocker = bot.db()
    blocker.isolation_level = None
    blocker.execute("BEGIN IMMEDIATE")  # another program holds the write lock
    try:
        await resident.send("/start")
        assert await api.wait_until(lambda: any(s == 503 for _, s in api.deliveries), 15)
        status, body = await healthz(bot)
        assert status == 503 and body["database_writable"] is False
        info = await api._webhook_info({})
        assert info["pending_update_count"] == 1, "Telegram keeps the update to retry it"
        assert "503" in info["last_error_message"]
        assert 200 not in [s for _, s in api.deliveries]
    finally:
        blocker.rollback()
        blocker.close()
    await resident.expect(r"您好，李阿姨", timeout=15)
    assert await bot.updates_settled(count=1) == ["done"]
    assert api.deliveries[-1][1] == 200
    assert (await healthz(bot))[0] == 200


async def test_back_to_polling_deletes_the_webhook(
        bot: BotProcess, api: FakeBotApi, resident: FakeUser) -> None:
    await resident.send("/start")
    await resident.expect(r"您好，李阿姨")
    assert await bot.stop() == 0
    assert api.webhook_url == PUBLIC_URL, "a stopped bot keeps its webhook (Telegram queues)"
    for name in ("ZHONGFU_WEBHOOK_URL", "ZHONGFU_WEBHOOK_SECRET", "ZHONGFU_LISTEN"):
        del bot.env[name]
    await bot.start()  # waits for getUpdates, which the fake refuses while a webhook is set
    assert api.calls_to("deleteWebhook")
    assert api.webhook_url == ""
    await resident.send("/help")
    await resident.expect(r"您可以用这些命令")


async def test_doctor_quick_asks_the_bot_health_in_webhook_mode(
        bot: BotProcess, api: FakeBotApi) -> None:
    status, out = await bot.cli("doctor", "--quick")
    assert status == 0, out
    assert f"✓ the bot answers at {health_url(bot)}" in out
    status, out = await bot.cli("doctor")
    assert f"✓ webhook {PUBLIC_URL}: 0 update(s) waiting" in out, out
    await bot.stop()
    status, out = await bot.cli("doctor", "--quick")
    assert status == 1 and "✗ the bot does not answer" in out


async def test_health_shows_the_internal_scheduler_ticking(
        api: FakeBotApi, bot_env: dict[str, str], workdir: Path) -> None:
    bot_env["ZHONGFU_SCHEDULER"] = "internal"
    process = BotProcess(api, bot_env, workdir)
    await process.start()
    try:
        body: dict[str, Any] = {}
        for _ in range(100):  # the first tick runs a second after start
            status, body = await healthz(process)
            if body["scheduler_last_tick"]:
                break
            await asyncio.sleep(0.1)
        assert status == 200 and body["scheduler_last_tick"], body
        ticked = datetime.fromisoformat(body["scheduler_last_tick"])
        assert abs(ticked - process.now()) < timedelta(minutes=2), "the bot's own clock"
    finally:
        assert await process.stop() == 0


async def test_webhook_refused_by_telegram_stops_with_one_line(
        api: FakeBotApi, bot_env: dict[str, str], workdir: Path) -> None:
    api.fail_next("setWebhook", 400, "Bad Request: bad webhook: Webhook can be set up only on "
                                     "ports 80, 88, 443 or 8443")
    bot_env["ZHONGFU_LOG_LEVEL"] = "WARNING"
    status, out = await BotProcess(api, bot_env, workdir).cli("run", timeout=60)
    assert status == 2, out
    assert out.strip().splitlines()[-1].startswith("zhongfu: Telegram refused "
                                                   "ZHONGFU_WEBHOOK_URL"), out


async def test_webhook_set_again_after_telegram_was_unreachable(
        api: FakeBotApi, bot_env: dict[str, str], workdir: Path, resident: FakeUser) -> None:
    api.fail_next("setWebhook", 502, "Bad Gateway")
    process = BotProcess(api, bot_env, workdir)
    await process.start()  # returns at the first (failed) setWebhook
    try:
        await api.wait_for_call("setWebhook", timeout=15)
        await resident.send("/start")
        await resident.expect(r"您好，李阿姨")
    finally:
        assert await process.stop() == 0
