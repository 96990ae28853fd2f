"""Telegram through the bureau's proxy: HTTPS_PROXY / HTTP_PROXY and NO_PROXY are honoured by
the running bot as by `zhongfu doctor` (which uses the bot's own transport).

TELEGRAM_API_URL names a host that does not resolve: only a proxy can reach it. A tiny
forward proxy in the test process sends everything on to the built-in Bot API server.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import ClientSession, web

from tests.conftest import BotProcess, bot_environment
from tests.rig.server import FakeBotApi


class ForwardProxy:
    """A plain-HTTP forward proxy to the fake Bot API, remembering what it forwarded."""

    def __init__(self, api: FakeBotApi) -> None:
        self.api = api
        self.forwarded: list[str] = []
        self.port = 0
        self._runner: web.AppRunner | None = None

    async def _handle(self, request: web.Request) -> web.Response:
        self.forwarded.append(request.path.rsplit("/", 1)[-1])
        async with ClientSession() as session, session.request(
                request.method, f"http://127.0.0.1:{self.api.port}{request.path_qs}",
                data=await request.read(),
                headers={"Content-Type": request.headers.get("Content-Type", "")}) as answer:
            return web.Response(status=answer.status, body=await answer.read(),
                                content_type=answer.content_type)

    async def start(self) -> None:
        app = web.Application(client_max_size=60 * 1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self._handle)
        # A client that hangs up (the bot stopped mid long poll) ends the forwarding at once,
        # as a real proxy does: else the stop waits for the upstream answer, up to 20 s.
        self._runner = web.AppRunner(app, access_log=None, handler_cancellation=True)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = self._runner.addresses[0][1]

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()


@pytest.fixture
async def proxy(api: FakeBotApi) -> AsyncIterator[ForwardProxy]:
    server = ForwardProxy(api)
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


async def test_the_bot_and_doctor_reach_telegram_through_the_proxy(
        api: FakeBotApi, proxy: ForwardProxy, tmp_path: Path) -> None:
    env = bot_environment(api, tmp_path,
                          TELEGRAM_API_URL=f"http://telegram.invalid:{api.port}/bot",
                          HTTP_PROXY=f"http://127.0.0.1:{proxy.port}",
                          HTTPS_PROXY=f"http://127.0.0.1:{proxy.port}")
    bot = BotProcess(api, env, tmp_path)
    await bot.start()
    try:
        resident = api.user(1001, "李阿姨", language_code="zh-hans")
        await resident.send("/start")
        await resident.expect("您好", timeout=15)
        assert {"getMe", "getUpdates", "sendMessage"} <= set(proxy.forwarded)
    finally:
        await bot.stop()
    code, out = await bot.cli("doctor")
    assert "✓ Telegram reachable at telegram.invalid" in out, out
    assert "✓ token accepted" in out, out

    # Without the proxy the host does not resolve: doctor says so, as the bot would find.
    for name in ("HTTP_PROXY", "HTTPS_PROXY"):
        del env[name]
    code, out = await bot.cli("doctor")
    assert code == 1 and "✗ Telegram not reachable at telegram.invalid" in out, out

    # NO_PROXY is honoured: the Bot API on 127.0.0.1 is reached directly, not through a
    # proxy that is not there.
    env.update(TELEGRAM_API_URL=api.base_url, HTTP_PROXY="http://127.0.0.1:9",
               HTTPS_PROXY="http://127.0.0.1:9", NO_PROXY="127.0.0.1,localhost",
               no_proxy="127.0.0.1,localhost")
    code, out = await bot.cli("doctor")
    assert "✓ Telegram reachable at 127.0.0.1" in out, out
