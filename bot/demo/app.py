"""`zhongfu demo`: the real bot against the built-in Bot API server, played in a web page."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import sys
import tempfile
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from aiohttp import web

from bot.botapi.server import FakeBotApi, FakeUser
from bot.demo import clock
from bot.demo.render import chat_json
from bot.demo.seed import CAST, COMMUNITIES, COORDINATORS, Persona, seed
from bot.domain.lengths import CAPTION_MAX, shorten, utf16_len
from storage.db import Database

# A token of the right shape that Telegram never issued: the bot can only reach our server.
TOKEN = "1234567890:DEMO-not-a-real-token-000000"
BOT_USERNAME = "zhongfu_demo_bot"
ZONE = ZoneInfo("Asia/Shanghai")
DATABASE = "demo.sqlite3"
POLL_SECONDS = 20.0
MAX_TEXT = 4096
MAX_UPLOAD = 20 * 1024 * 1024  # what a bot may download through getFile
_IMAGE_MAGIC = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"GIF87a", b"GIF89a")
_VOICE_MAGIC = b"OggS"  # Ogg, as Telegram's apps record a voice note
LONGEST_SOUND = 24 * 3600  # seconds: what the page says a sound lasts, at most

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
log = logging.getLogger(__name__)


class Demo:
    """The Bot API server, the bot process, the demo database and who has a phone."""

    def __init__(self, workdir: Path, start: datetime) -> None:
        """Prepare (nothing runs until start()); the bot's clock will read `start` now."""
        self.workdir = workdir
        self.database = workdir / DATABASE
        self.api = FakeBotApi(token=TOKEN, username=BOT_USERNAME, first_name="众扶 Zhongfu")
        self.shift = start - datetime.now(UTC)
        self.start_at = start
        self.phones = [p.id for p in CAST if p.shown]
        self.people = {p.id: p for p in CAST}
        self.busy = ""  # what the demo is doing that keeps the bot away (a clock jump)
        self.notice = ""
        self.proc: asyncio.subprocess.Process | None = None
        self._clock_lock = asyncio.Lock()
        self._tasks: set[asyncio.Task[None]] = set()

    # ----- lifecycle ---------------------------------------------------------------------

    async def start(self) -> None:
        """Start the server, seed the database, start the bot and wait until it polls."""
        await self.api.start()
        for person in CAST:
            self.api.user(person.id, person.name, language_code=person.language,
                          phone=person.phone or None)
        db = await Database.open(self.database)
        try:
            await seed(db, self.start_at, ZONE)
        finally:
            await db.close()
        await self._start_bot()

    async def stop(self) -> None:
        """Stop the bot, then the server."""
        await self._stop_bot()
        for task in list(self._tasks):
            task.cancel()
        await self.api.stop()

    def env(self) -> dict[str, str]:
        """The bot's whole environment: nothing of the caller's settings gets through."""
        env = {name: os.environ[name] for name in ("PATH", "LANG", "SYSTEMROOT")
               if name in os.environ}
        # The checkout or installation this demo runs from is the one the bot runs from.
        env["PYTHONPATH"] = str(Path(__file__).resolve().parents[2])
        env.update({
            "HOME": str(self.workdir), "PYTHONUNBUFFERED": "1",
            "NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost",
            "TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_URL": self.api.base_url,
            "ZHONGFU_DATABASE": str(self.database), "ZHONGFU_TIMEZONE": ZONE.key,
            "ZHONGFU_COORDINATORS": ",".join(map(str, COORDINATORS)),
            "ZHONGFU_COORDINATOR_CHAT": "", "ZHONGFU_LANGUAGE": "zh",
            "ZHONGFU_AREAS": ",".join(COMMUNITIES), "ZHONGFU_LOG_LEVEL": "INFO",
            "ZHONGFU_SCHEDULER": "internal",
            "ZHONGFU_CLOCK_SHIFT": f"{self.shift.total_seconds():.3f}",
        })
        return env

    async def _start_bot(self) -> None:
        """`zhongfu run` in the demo folder (so no .env of the caller is read)."""
        polling = asyncio.ensure_future(self.api.wait_for_call("getUpdates", timeout=60))
        with (self.workdir / "bot.log").open("ab") as log:
            self.proc = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot", "run", cwd=self.workdir, env=self.env(),
                stdout=log, stderr=log)
        try:
            await polling
        except AssertionError:
            tail = (self.workdir / "bot.log").read_text("utf-8", errors="replace")[-2000:]
            raise RuntimeError(f"the bot did not start; the end of its log:\n{tail}") from None

    async def _stop_bot(self) -> None:
        """SIGTERM the bot and wait for it (it stops within 5 s)."""
        proc, self.proc = self.proc, None
        if proc is None or proc.returncode is not None:
            return
        proc.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(proc.wait(), 10)
        except TimeoutError:
            proc.kill()
            await proc.wait()

    # ----- the clock ---------------------------------------------------------------------

    def now(self) -> datetime:
        """What the bot's clock reads now."""
        return datetime.now(UTC) + self.shift

    async def jump(self, at: datetime) -> None:
        """Move the bot's clock to `at` and run the scheduler at that instant."""
        async with self._clock_lock:
            self.busy = f"clock → {at.astimezone(ZONE):%Y-%m-%d %H:%M}"
            self.api.changed()
            try:
                await self._stop_bot()
                self.shift = at - datetime.now(UTC)
                code, out = await self._cli("tick", "--at", at.isoformat())
                self.notice = "" if code == 0 else f"tick failed: {out.strip()[-300:]}"
            finally:
                # Whatever the tick did, the bot runs again, at the new time.
                try:
                    await self._start_bot()
                finally:
                    self.busy = ""
                    self.api.changed()

    async def _cli(self, *args: str) -> tuple[int, str]:
        """Another `zhongfu` command in the demo's environment."""
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", *args, cwd=self.workdir, env=self.env(),
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
        out, _ = await asyncio.wait_for(proc.communicate(), 120)
        return proc.returncode or 0, out.decode("utf-8", errors="replace")

    # ----- what the page sees ------------------------------------------------------------

    def user(self, persona_id: int) -> FakeUser:
        """The person behind a phone; 404 for anyone not in the cast."""
        if persona_id not in self.people:
            raise web.HTTPNotFound(text="no such person in the demo")
        return self.api.users[persona_id]

    def signature(self) -> str:
        """Changes whenever anything the page shows changes."""
        parts = [self.busy, self.notice, ",".join(map(str, self.phones)), str(self.shift)]
        for persona_id in self.phones:
            user = self.api.users[persona_id]
            chat = user.chat
            deleted = sum(1 for m in chat.messages if m.deleted)
            keyboard = chat.reply_keyboard[0] if chat.reply_keyboard else 0
            parts.append(f"{len(chat.events)}.{len(chat.incoming)}.{deleted}."
                         f"{len(user.answers)}.{keyboard}")
        return "|".join(parts)

    def state(self) -> dict[str, Any]:
        """Everything the page draws."""
        phones = []
        for persona_id in self.phones:
            person, user = self.people[persona_id], self.api.users[persona_id]
            answer = user.last_answer.text if user.last_answer else ""
            phones.append({**_persona(person), "answer": answer,
                           **chat_json(self.api, user.chat, person.language)})
        return {
            "version": self.signature(), "phones": phones,
            "cast": [_persona(p) for p in CAST],
            "clock": {"shift_ms": int(self.shift.total_seconds() * 1000), "zone": ZONE.key},
            "busy": self.busy, "notice": self.notice,
            "safety": {"database": str(self.database), "api": self.api.base_url + "…"},
        }

    def spawn(self, work: Awaitable[Any]) -> None:
        """Run work in the background (a button press waits for the bot's answer)."""
        async def guarded() -> None:
            try:
                await work
            except AssertionError:
                pass  # the bot did not answer a button press in time: Telegram shows nothing
            except Exception as exc:
                log.exception("demo: %s failed", work)
                self.notice = f"something went wrong: {exc}"
                self.api.changed()

        task = asyncio.ensure_future(guarded())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)


DEMO = web.AppKey("demo", Demo)


def _persona(person: Persona) -> dict[str, Any]:
    """A person as the page lists them."""
    return {"id": person.id, "name": person.name, "role": person.role,
            "language": person.language}


# ----- HTTP ------------------------------------------------------------------------------


def web_app(demo: Demo) -> web.Application:
    """The page and its small JSON API."""
    app = web.Application(client_max_size=MAX_UPLOAD + 1024 * 1024, middlewares=[_same_origin])
    routes: list[tuple[str, str, Handler]] = [
        ("GET", "/", _page),
        ("GET", "/api/state", _state),
        ("POST", "/api/phones", _phones),
        ("POST", "/api/clock", _clock),
        ("GET", "/api/file/{file_id}", _file),
        ("POST", "/api/chat/{id}/send", _send),
        ("POST", "/api/chat/{id}/press", _press),
        ("POST", "/api/chat/{id}/reply", _reply),
        ("POST", "/api/chat/{id}/location", _location),
        ("POST", "/api/chat/{id}/upload", _upload),
    ]
    for method, path, handler in routes:
        app.router.add_route(method, path, handler)
    app[DEMO] = demo
    return app


@web.middleware
async def _same_origin(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Only the page itself may use the API: another site open in the same browser (or a
    name rebound to 127.0.0.1) gets 403."""
    host = request.host.rsplit(":", 1)[0].strip("[]")
    if host not in ("127.0.0.1", "localhost"):
        raise web.HTTPForbidden(text="the demo answers on 127.0.0.1 only")
    origin = request.headers.get("Origin")
    if origin is not None and origin not in (f"http://{request.host}",):
        raise web.HTTPForbidden(text="requests from other sites are refused")
    return await handler(request)


def _demo(request: web.Request) -> Demo:
    """The demo a request of the page is about."""
    return request.app[DEMO]


async def _page(request: web.Request) -> web.StreamResponse:
    """The one HTML file of the page."""
    page = resources.files("bot.demo").joinpath("page.html").read_text("utf-8")
    return web.Response(text=page, content_type="text/html", charset="utf-8",
                        headers={"Cache-Control": "no-store"})


async def _state(request: web.Request) -> web.StreamResponse:
    """The page's state, once it differs from the version the page has (long poll)."""
    demo = _demo(request)
    seen = request.query.get("version", "")
    await demo.api.wait_until(lambda: demo.signature() != seen, POLL_SECONDS)
    return web.json_response(demo.state())


async def _body(request: web.Request) -> dict[str, Any]:
    """A JSON object body, or 400."""
    try:
        body = await request.json()
    except (ValueError, UnicodeDecodeError):
        raise web.HTTPBadRequest(text="expected a JSON body") from None
    if not isinstance(body, dict):
        raise web.HTTPBadRequest(text="expected a JSON object")
    return body


def _chat_user(request: web.Request) -> FakeUser:
    """The person whose phone a request comes from."""
    raw = request.match_info["id"]
    if not raw.isdigit():
        raise web.HTTPNotFound(text="no such person in the demo")
    return _demo(request).user(int(raw))


async def _phones(request: web.Request) -> web.StreamResponse:
    """Show or hide one person's phone."""
    demo, body = _demo(request), await _body(request)
    person = body.get("id")
    if not isinstance(person, int) or person not in demo.people:
        raise web.HTTPBadRequest(text="unknown person")
    if body.get("shown") and person not in demo.phones:
        demo.phones.append(person)
    elif not body.get("shown") and person in demo.phones:
        demo.phones.remove(person)
    demo.api.changed()
    return web.json_response({"ok": True})


async def _clock(request: web.Request) -> web.StreamResponse:
    """Move the bot's clock (a preset or a local date and time) and run the scheduler."""
    demo, body = _demo(request), await _body(request)
    local_now = demo.now().astimezone(ZONE)
    try:
        at = clock.target(local_now, str(body.get("preset") or ""), str(body.get("at") or ""))
    except ValueError as exc:
        raise web.HTTPBadRequest(text=str(exc)) from None
    if demo.busy:
        raise web.HTTPConflict(text="the clock is already moving")
    demo.spawn(demo.jump(at))
    return web.json_response({"ok": True, "at": at.isoformat()})


async def _file(request: web.Request) -> web.StreamResponse:
    """A file the bot sent or a person uploaded (photos shown, documents downloaded)."""
    stored = _demo(request).api.files.get(request.match_info["file_id"])
    if stored is None:
        raise web.HTTPNotFound()
    name = stored.file_name or stored.file_path.rsplit("/", 1)[-1]
    # Photos and sounds are shown or played in the page; other files are downloaded.
    disposition = "inline" if stored.folder in ("photos", "voice", "audio") else "attachment"
    # RFC 6266: an ASCII stand-in, and the real (often Chinese) name percent-encoded.
    fallback = "".join(c if c.isascii() and c.isprintable() and c not in '"\\' else "_"
                       for c in name)
    header = f"{disposition}; filename=\"{fallback}\"; filename*=UTF-8''{quote(name)}"
    return web.Response(body=stored.data, content_type=stored.mime_type or _guess(stored.data),
                        headers={"Content-Disposition": header})


def _guess(data: bytes) -> str:
    """A content type for a stored file that came without one."""
    if data.startswith(b"\x89PNG"):
        return "image/png"
    if data.startswith(b"\xff\xd8"):
        return "image/jpeg"
    return "application/octet-stream"


async def _send(request: web.Request) -> web.StreamResponse:
    """The person types a message (or a command)."""
    user, body = _chat_user(request), await _body(request)
    text = str(body.get("text") or "").strip()
    if not text or utf16_len(text) > MAX_TEXT:  # as Telegram counts: 𠀀 and emoji are two
        raise web.HTTPBadRequest(text=f"a message has 1 to {MAX_TEXT} characters")
    await user.send(text)
    return web.json_response({"ok": True})


async def _press(request: web.Request) -> web.StreamResponse:
    """The person presses an inline button (only one still on the message)."""
    demo, user, body = _demo(request), _chat_user(request), await _body(request)
    message_id, data = body.get("message_id"), body.get("data")
    message = user.chat.find(message_id) if isinstance(message_id, int) else None
    if message is None or not any(d == data for row in message.buttons for _, d in row):
        raise web.HTTPConflict(text="that button is gone")
    demo.spawn(user.callback(message, str(data), 15.0))
    return web.json_response({"ok": True})


async def _reply(request: web.Request) -> web.StreamResponse:
    """The person presses a reply-keyboard button (sending its text or their phone)."""
    user, body = _chat_user(request), await _body(request)
    label = str(body.get("text") or "")
    shown = user.chat.reply_keyboard
    buttons = [b for row in (shown[1].get("keyboard") or [] if shown else []) for b in row]
    button = next((b for b in buttons if (b if isinstance(b, str) else b.get("text")) == label),
                  None)
    if button is None:
        raise web.HTTPConflict(text="that button is gone")
    if shown is not None and shown[1].get("one_time_keyboard"):
        user.chat.reply_keyboard = None
    if isinstance(button, dict) and button.get("request_contact"):
        await user.send_contact()
    else:
        await user.send(label)
    return web.json_response({"ok": True})


async def _location(request: web.Request) -> web.StreamResponse:
    """The person shares a point picked on the page."""
    user, body = _chat_user(request), await _body(request)
    lat, lon = body.get("latitude"), body.get("longitude")
    if not (isinstance(lat, int | float) and -90 <= lat <= 90
            and isinstance(lon, int | float) and -180 <= lon <= 180):
        raise web.HTTPBadRequest(text="latitude and longitude are numbers on the globe")
    shown = user.chat.reply_keyboard
    if shown is not None and shown[1].get("one_time_keyboard"):
        user.chat.reply_keyboard = None
    await user.send_location(float(lat), float(lon))
    return web.json_response({"ok": True})


async def _upload(request: web.Request) -> web.StreamResponse:
    """The person sends a file: an image as a photo, an Ogg recording as a voice note, other
    sound as an audio file (as long as the page measured it), anything else as a
    document."""
    user = _chat_user(request)
    form = await request.post()
    part, caption = form.get("file"), shorten(str(form.get("caption") or ""), CAPTION_MAX) or None
    if not isinstance(part, web.FileField):
        raise web.HTTPBadRequest(text="no file in the upload")
    data = part.file.read(MAX_UPLOAD + 1)
    if not data or len(data) > MAX_UPLOAD:
        raise web.HTTPBadRequest(text="a file has 1 byte to 20 MB")
    if data.startswith(_IMAGE_MAGIC) or (data[:4] == b"RIFF" and data[8:12] == b"WEBP"):
        await user.send_photo(data, caption)
        return web.json_response({"ok": True})
    name = Path(part.filename or "file").name[:128] or "file"
    kind = part.content_type or "application/octet-stream"
    if data.startswith(_VOICE_MAGIC):
        await user.send_voice(data, _seconds(form.get("seconds")))
    elif kind.startswith("audio/"):
        await user.send_audio(data, _seconds(form.get("seconds")), name, kind)
    else:
        await user.send_document(name, data, kind, caption)
    return web.json_response({"ok": True})


def _seconds(said: object) -> int:
    """How long the page measured a sound to last (whole seconds; 0 when it could not)."""
    try:
        return min(max(round(float(str(said))), 0), LONGEST_SOUND)
    except (TypeError, ValueError, OverflowError):
        return 0


# ----- the command -------------------------------------------------------------------------


async def serve(host: str, port: int, workdir: Path | None, start: datetime,
                ready: Callable[[str], None]) -> int:
    """Run the demo until SIGINT or SIGTERM; `ready` gets the page's URL."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    with contextlib.ExitStack() as stack:
        if workdir is None:
            workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="zhongfu-demo-")))
        demo = Demo(workdir, start)
        runner = web.AppRunner(web_app(demo), access_log=None, shutdown_timeout=0.5)
        try:
            await demo.start()
            await runner.setup()
            site = web.TCPSite(runner, host, port)
            await site.start()
            bound = runner.addresses[0][1] if runner.addresses else port
            ready(f"http://{host}:{bound}/")
            await stop.wait()
        finally:
            await runner.cleanup()
            await demo.stop()
    return 0


def prepare(workdir: Path | None) -> None:
    """Refuse a demo folder that holds anything: the demo never touches existing data."""
    if workdir is not None and workdir.exists() and any(workdir.iterdir()):
        raise ValueError(f"--dir {workdir} is not empty; the demo only writes to a new folder")
    if workdir is not None:
        workdir.mkdir(parents=True, exist_ok=True)


def start_instant(text: str | None) -> datetime:
    """The instant the bot's clock starts at (a local time in the demo's zone if no offset)."""
    if not text:
        return datetime.now(UTC)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"--at must be an ISO-8601 date and time, got {text!r}") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=ZONE)

