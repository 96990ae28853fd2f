"""Something in front of Telegram (a filtering proxy, a captive portal, a reverse proxy whose
upstream route is missing) answers HTTP 404 with an HTML page. That is not Telegram refusing
the token: the bot says Telegram is not reachable and retries; only the Bot API's own JSON
with error_code 401 or 404 is a refused token.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web

from tests.conftest import BotProcess, bot_environment, new_database
from tests.rig.server import FakeBotApi

NOT_A_BOT_API = "Telegram not reachable (HTTP 404 that is not a Bot API answer)"


@pytest.fixture
async def middlebox() -> AsyncIterator[str]:
    """The base URL of a server answering every request 404 with an HTML page."""
    async def answer(request: web.Request) -> web.Response:
        return web.Response(status=404, text="<html><body>Not Found</body></html>",
                            content_type="text/html")

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", answer)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    try:
        yield f"http://127.0.0.1:{runner.addresses[0][1]}/bot"
    finally:
        await runner.cleanup()


async def test_an_html_404_is_not_a_refused_token(api: FakeBotApi, middlebox: str,
                                                  tmp_path: Path) -> None:
    env = bot_environment(api, tmp_path, TELEGRAM_API_URL=middlebox, ZHONGFU_LOG_LEVEL="INFO")
    await new_database(Path(env["ZHONGFU_DATABASE"]))  # as the first `run` left it
    bot = BotProcess(api, env, tmp_path)

    code, out = await bot.cli("tick")
    assert code == 1, out
    assert NOT_A_BOT_API in out, out
    assert "refused" not in out and "Traceback" not in out and "invalid JSON" not in out, out

    code, out = await bot.cli("doctor")
    assert "✗ Telegram not reachable at 127.0.0.1" in out, out
    assert "HTTP 404 that is not a Bot API answer" in out and "token refused" not in out, out

    # `run` keeps retrying (systemd would not restart an exit 2) until stopped.
    await bot.start(wait_polling=False)
    # Stopped once it has said it retries (a fixed sleep raced a slow start-up under load:
    # SIGTERM came before the bot had its handler, exit -15).
    for _ in range(300):
        if f"{NOT_A_BOT_API}; retrying" in bot.log():
            break
        await asyncio.sleep(0.1)
    await asyncio.sleep(1)  # and it keeps retrying, not exiting
    assert bot.proc is not None and bot.proc.returncode is None, bot.log()
    assert await bot.stop() == 0
    log = bot.log()
    assert f"{NOT_A_BOT_API}; retrying" in log, log
    assert "refused" not in log and "Traceback" not in log, log


async def test_the_bot_apis_own_401_is_a_refused_token(api: FakeBotApi, tmp_path: Path) -> None:
    env = bot_environment(api, tmp_path, TELEGRAM_BOT_TOKEN="123456:another-token-xyz")
    await new_database(Path(env["ZHONGFU_DATABASE"]))
    code, out = await BotProcess(api, env, tmp_path).cli("tick")
    assert code == 2, out
    assert "TELEGRAM_BOT_TOKEN was refused by Telegram" in out, out


async def test_failures_at_start_end_with_their_one_message(api: FakeBotApi,
                                                            tmp_path: Path) -> None:
    """A refused token or Telegram out of reach: the real message, then nothing (no
    "Unclosed client session" errors from sessions left open)."""
    env = bot_environment(api, tmp_path, TELEGRAM_BOT_TOKEN="123456:another-token-xyz",
                          ZHONGFU_LOG_LEVEL="INFO")
    await new_database(Path(env["ZHONGFU_DATABASE"]))
    process = BotProcess(api, env, tmp_path)
    for command in ("tick", "run"):
        code, out = await process.cli(command, timeout=20)
        assert code == 2, out
        said = [line for line in out.strip().splitlines()
                if "INFO bot.runner: zhongfu " not in line]  # the start line names the database
        assert said == ["zhongfu: TELEGRAM_BOT_TOKEN was refused by Telegram: check it"], out
    env.update(TELEGRAM_BOT_TOKEN="123456:TEST-token-abcdefghij",
               TELEGRAM_API_URL="http://127.0.0.1:9/bot")  # nothing listens there
    code, out = await process.cli("tick", timeout=20)
    assert code == 1, out
    assert "Telegram not reachable" in out and "Unclosed" not in out, out
