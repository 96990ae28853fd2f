"""The aiohttp transport under PTB: what a Bot API call sends, and the errors PTB expects."""

from __future__ import annotations

import asyncio
import base64
import socket
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from aiohttp import web
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, InputFile
from telegram.error import BadRequest, InvalidToken, NetworkError, TimedOut

from bot.delivery.pacing import Pacer
from bot.delivery.sender import Outcome, Sender, Sent
from bot.telegram.app import pool_size
from bot.telegram.transport import AiohttpRequest
from storage.db import Database

TOKEN = "123:abc"


class Server:
    """A tiny Bot API stand-in: records what it got, answers as told."""

    def __init__(self) -> None:
        self.got: list[tuple[str, dict[str, object]]] = []
        self.stall = 0.0
        self.url = ""
        self.token_refused = False  # answer as Telegram does to a revoked token
        self.password: str | None = None  # basic auth asked, as by a self-hosted Bot API

    async def handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        if self.password is not None and request.headers.get("Authorization") != \
                "Basic " + base64.b64encode(f"bureau:{self.password}".encode()).decode():
            return web.json_response({"ok": False, "error_code": 401,
                                      "description": "Unauthorized"}, status=401)
        if self.token_refused:
            return web.json_response({"ok": False, "error_code": 401,
                                      "description": "Unauthorized"}, status=401)
        fields: dict[str, object] = {}
        if request.content_type.startswith("multipart/"):
            async for part in await request.multipart():
                data = await part.read()  # type: ignore[union-attr]
                fields[part.name or ""] = (part.filename, bytes(data))  # type: ignore[union-attr]
        elif request.content_type == "application/json":  # as Telegram takes it
            fields.update(await request.json())
        else:
            fields.update(await request.post())
        self.got.append((method, fields))
        if self.stall:
            await asyncio.sleep(self.stall)
        if method == "sendMessage" and fields.get("text") == "refuse":
            return web.json_response({"ok": False, "error_code": 400,
                                      "description": "Bad Request: message text is empty"},
                                     status=400)
        if method == "getMe":
            return web.json_response({"ok": True, "result": {
                "id": 123, "is_bot": True, "first_name": "zf", "username": "zf_bot"}})
        return web.json_response({"ok": True, "result": {
            "message_id": 1, "date": 0, "chat": {"id": 5, "type": "private"},
            "text": str(fields.get("text", "")),
        }})


@pytest.fixture
async def server() -> AsyncIterator[Server]:
    state = Server()
    app = web.Application()
    app.router.add_post("/bot{token}/{method}", state.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    state.url = f"http://127.0.0.1:{port}/bot"
    yield state
    await runner.cleanup()


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    """The database a sender marks blocked people in."""
    database = await Database.open(tmp_path / "z.sqlite3")
    yield database
    await database.close()


def _bot(url: str, **kwargs: float) -> Bot:
    return Bot(TOKEN, base_url=url, request=AiohttpRequest(**kwargs))  # type: ignore[arg-type]


async def test_a_message_goes_out_with_its_fields_and_comes_back_parsed(server: Server) -> None:
    async with _bot(server.url) as bot:
        sent = await bot.send_message(5, "您好 <b>&</b>", parse_mode="HTML")
    assert sent.text == "您好 <b>&</b>"
    method, fields = server.got[-1]
    assert method == "sendMessage"
    # One JSON body with its values typed, not a form of JSON-encoded strings.
    assert fields["chat_id"] == 5 and fields["parse_mode"] == "HTML"


async def test_a_file_goes_out_as_multipart_with_its_name(server: Server) -> None:
    async with _bot(server.url) as bot:
        await bot.send_document(5, InputFile(b"col1,col2\n1,2\n", filename="export.csv"),
                                caption="本月")
    method, fields = server.got[-1]
    assert method == "sendDocument"
    assert fields["document"] == ("export.csv", b"col1,col2\n1,2\n")
    assert fields["caption"] == (None, "本月".encode())


async def test_a_refusal_is_telegrams_error_not_a_network_one(server: Server) -> None:
    async with _bot(server.url) as bot:
        with pytest.raises(BadRequest, match=r"(?i)message text is empty"):
            await bot.send_message(5, "refuse")


async def test_nobody_listening_is_a_network_error() -> None:
    with socket.socket() as probe:  # a port that was free a moment ago
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    bot = _bot(f"http://127.0.0.1:{port}/bot")
    await bot.request.initialize()  # not bot.initialize(): that would call getMe
    try:
        with pytest.raises(NetworkError) as caught:
            await bot.send_message(5, "hello")
        assert not isinstance(caught.value, TimedOut)
    finally:
        await bot.request.shutdown()


async def test_a_server_that_does_not_answer_times_out(server: Server) -> None:
    async with _bot(server.url, read_timeout=0.3, write_timeout=0.1,
                    connect_timeout=0.1) as bot:
        server.stall = 2.0
        with pytest.raises(TimedOut):
            await bot.send_message(5, "hello")


async def test_a_full_pool_times_out_without_sending(server: Server) -> None:
    async with _bot(server.url, connection_pool_size=1, pool_timeout=0.2,
                    read_timeout=5.0) as bot:
        server.stall = 1.0
        first = asyncio.create_task(bot.send_message(5, "first"))
        await asyncio.sleep(0.1)
        with pytest.raises(TimedOut, match="not sent"):
            await bot.send_message(5, "second")
        await first
    assert [fields["text"] for _, fields in server.got if "text" in fields] == ["first"]


async def test_the_senders_direct_calls_send_what_ptbs_own_methods_send(
        server: Server, db: Database) -> None:
    """Texts, edits, button removals and press answers skip PTB's Bot methods (bench/README):
    Telegram must get the very same parameters, and the sender the message's id."""
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("好的", callback_data="f:ok")]])
    async with _bot(server.url) as bot:
        sender = Sender(bot, db, lambda: datetime.now(UTC))
        direct = [
            await sender.text(5, "您好 <b>&amp;</b>", keyboard),
            await sender.text(5, "没有按钮"),
            await sender.edit(5, 7, "<i>改好了</i>", keyboard),
            await sender.drop_buttons(5, 7),
        ]
        await sender.answer("q1", "已收到", alert=True)
        await sender.answer("q2")
        ours = server.got[1:]
        server.got.clear()
        await bot.send_message(5, "您好 <b>&amp;</b>", parse_mode="HTML",
                               reply_markup=keyboard, disable_web_page_preview=True)
        await bot.send_message(5, "没有按钮", parse_mode="HTML",
                               disable_web_page_preview=True)
        await bot.edit_message_text("<i>改好了</i>", chat_id=5, message_id=7,
                                    parse_mode="HTML", reply_markup=keyboard,
                                    disable_web_page_preview=True)
        await bot.edit_message_reply_markup(5, 7, reply_markup=None)
        await bot.answer_callback_query("q1", "已收到", show_alert=True)
        await bot.answer_callback_query("q2", show_alert=False)
    assert ours == server.got
    assert [(r.outcome, r.message) for r in direct] == [(Outcome.SENT, Sent(5, 1))] * 4


async def test_a_second_of_paced_messages_finds_connections_beside_a_press_answer(
        server: Server, db: Database) -> None:
    """The pacer lets a second's messages go at once: with Telegram slow to answer (a proxy,
    a busy day), none may wait out the pool timeout and fail unsent, nor hold up the answer
    to a button someone just pressed."""
    per_second = 28
    async with _bot(server.url, connection_pool_size=pool_size(per_second),
                    pool_timeout=1.0, read_timeout=5.0) as bot:
        server.stall = 1.2  # longer than the pool timeout
        sender = Sender(bot, db, lambda: datetime.now(UTC), Pacer(per_second=per_second))
        burst = [asyncio.ensure_future(sender.text(1000 + n, f"提醒 {n}"))
                 for n in range(per_second)]
        await asyncio.sleep(0.05)
        started = asyncio.get_running_loop().time()
        await sender.answer("q1", "已收到")
        answered = asyncio.get_running_loop().time() - started
        results = await asyncio.gather(*burst)
    assert [r.outcome for r in results] == [Outcome.SENT] * per_second, \
        [r.error for r in results if not r.ok]
    assert answered < 2.0  # its own call's time, not a wait for a connection first


async def test_a_revoked_token_is_told_as_such(server: Server, db: Database) -> None:
    """Telegram refusing the token mid-run (revoked with @BotFather) reaches the log as a
    refused token, not as a Bot API method that does not exist."""
    async with _bot(server.url) as bot:
        server.token_refused = True
        sender = Sender(bot, db, lambda: datetime.now(UTC))
        result = await sender.text(5, "您好")
        with pytest.raises(InvalidToken):
            await sender.answer("q1")
    assert result.outcome is Outcome.RETRY
    assert isinstance(result.exception, InvalidToken), result.error


async def test_a_self_hosted_api_behind_basic_auth_gets_the_netrc_credentials(
        server: Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """~/.netrc (or $NETRC) is read for the Bot API host, as aiohttp's trust_env did."""
    netrc = tmp_path / "netrc"
    netrc.write_text("machine 127.0.0.1 login bureau password s3cret\n")
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))  # aiohttp reads it from the environment
    server.password = "s3cret"
    async with _bot(server.url) as bot:
        assert (await bot.get_me()).username == "zf_bot"


async def test_a_proxy_variable_that_cannot_be_read_says_so_every_time(
        server: Server, monkeypatch: pytest.MonkeyPatch) -> None:
    """A typo in HTTP_PROXY is named at every call; it must not use up the connections
    until the calls only say "pool timeout"."""
    monkeypatch.setenv("HTTP_PROXY", "http://10.0.0.5:3128,")  # aiohttp reads the environment
    monkeypatch.setenv("NO_PROXY", "")
    monkeypatch.setenv("no_proxy", "")
    bot = Bot(TOKEN, base_url=server.url,
              request=AiohttpRequest(connection_pool_size=2, pool_timeout=0.2),
              get_updates_request=AiohttpRequest())  # PTB's own would read the variable
    await bot.request.initialize()
    try:
        for _ in range(4):
            with pytest.raises(NetworkError) as caught:
                await bot.send_message(5, "hello")
            assert "Pool timeout" not in str(caught.value), caught.value
    finally:
        await bot.request.shutdown()
