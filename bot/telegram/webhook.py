"""Webhook mode: Telegram posts each update here; it is answered 200 only once committed.

PTB's own webhook server answers before the update is stored anywhere, so an update whose
handler was running when the process died would be lost. Here the update is committed to the
intake table first (bot/telegram/intake.py) and then handed to its chat's worker; an update
posted again (Telegram retries whatever got no 200) is stored once and handled once. While
the database cannot take the write, the answer is 503 and Telegram retries later.
"""

from __future__ import annotations

import hmac
import json
import logging
import sqlite3

from aiohttp import web

from bot.services.context import Services
from bot.services.health import health
from bot.telegram.intake import Intake

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_BODY = 1024 * 1024
# How long a post waits for another process's write lock before answering 503.
COMMIT_WAIT_MS = 2000


class WebhookServer:
    """The HTTP server behind the reverse proxy: the webhook path and /healthz."""

    def __init__(self, intake: Intake, services: Services) -> None:
        settings = services.settings
        assert settings.webhook_secret is not None, "webhook mode needs a secret"
        self.intake = intake
        self.services = services
        self.secret = settings.webhook_secret.encode()
        self.path = settings.webhook_path
        self.host, self.port = settings.listen
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        """Listen on ZHONGFU_LISTEN."""
        app = web.Application(client_max_size=MAX_BODY + 1)
        app.router.add_get("/healthz", self.healthz)
        app.router.add_post(self.path, self.receive)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        await web.TCPSite(self._runner, self.host, self.port).start()
        log.info("webhook server listening on %s:%d%s", self.host, self.port, self.path)

    async def stop(self) -> None:
        """Stop accepting posts (Telegram keeps what it could not deliver)."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def receive(self, request: web.Request) -> web.Response:
        """Check the secret, read and commit the update, then answer 200."""
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, self.secret):
            log.warning("webhook post with a missing or wrong secret token from %s",
                        request.remote)
            return _answer(403, "forbidden")
        body = await _body(request)
        if body is None:
            return _answer(400, "body over 1 MB")
        data = _update(body)
        if data is None:
            return _answer(400, "not a JSON update")
        try:
            update = self.intake.parse(data)
        except Exception as exc:  # whatever the JSON holds, the answer is 400, not a crash
            log.warning("update %s not understood: %s", data["update_id"], type(exc).__name__)
            return _answer(400, "not a Telegram update")
        try:
            added = await self.intake.accept(update, data, COMMIT_WAIT_MS)
        except sqlite3.Error as exc:
            # Not committed: Telegram must try again, so never 200 here.
            log.warning("update %s not committed (%s); answered 503", data["update_id"], exc)
            return _answer(503, "database unavailable, retry later")
        if not added:
            log.info("update %s posted again; already stored", data["update_id"])
        return _answer(200, "ok")

    async def healthz(self, request: web.Request) -> web.Response:
        """200 with the bot's state while the database takes writes, else 503."""
        state = await health(self.services)
        return web.json_response(state.as_json(), status=200 if state.database_writable else 503)


async def _body(request: web.Request) -> bytes | None:
    """The posted body, or None past MAX_BODY (read no further than that)."""
    if (request.content_length or 0) > MAX_BODY:
        return None
    chunks: list[bytes] = []
    size = 0
    while chunk := await request.content.read(64 * 1024):
        size += len(chunk)
        if size > MAX_BODY:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def _update(body: bytes) -> dict[str, object] | None:
    """The posted JSON object if it looks like an update (has a numeric update_id)."""
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return None
    if not isinstance(data, dict) or type(data.get("update_id")) is not int:
        return None
    return data


def _answer(status: int, text: str) -> web.Response:
    return web.json_response({"ok": status == 200, "description": text}, status=status)
