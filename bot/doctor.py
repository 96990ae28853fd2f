"""`zhongfu doctor`: check a deployment before it goes live, one line per check with ✓ or ✗.

Nothing here changes anything: the database is opened read-only (its write lock is only
probed), Telegram is asked getMe, getWebhookInfo and getChat. `--quick` checks only the
configuration and the database (with, in polling mode, the running bot's last getUpdates
answer recorded there) without Telegram, and in webhook mode asks the running bot's own
/healthz: a container's HEALTHCHECK in either mode.
"""

from __future__ import annotations

import asyncio
import json
import os
import platform
import sqlite3
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from bot.config import ConfigError, Settings, load_settings
from bot.services.context import clock_for
from bot.version import version

# A webhook error Telegram reported longer ago than this is history, not a problem now.
RECENT_ERROR = timedelta(hours=24)
# Nightly backups: the newest older than this means the timer or cron job stopped.
STALE_BACKUP = timedelta(days=2)


@dataclass(frozen=True)
class Check:
    """One line of the doctor's answer."""

    ok: bool
    what: str
    fix: str = ""

    def line(self) -> str:
        """`✓ what`, or `✗ what — what to do`."""
        if self.ok:
            return f"✓ {self.what}"
        return f"✗ {self.what}" + (f" — {self.fix}" if self.fix else "")


COORDINATOR_CHAT = "coordinators' chat"
OUTBOX_STUCK = timedelta(minutes=15)
# Long polling answers at least every POLL_TIMEOUT (20 s) and the running bot records the
# time at most once a minute: a last answer older than this means the bot is not polling.
HEARTBEAT_STALE = timedelta(minutes=5)  # messages waiting longer: the sender is not running


def doctor_cli(env: Mapping[str, str], *, quick: bool) -> int:
    """Print every check; exit status 1 if any failed."""
    checks = asyncio.run(run_checks(env, quick=quick))
    for check in checks:
        print(check.line(), flush=True)
    return 0 if all(c.ok for c in checks) else 1


async def run_checks(env: Mapping[str, str], *, quick: bool) -> list[Check]:
    """Every check, in the order an operator would fix them."""
    try:
        settings = load_settings(env, token_required=True)
    except ConfigError as exc:
        return [Check(False, f"configuration: {exc}", "set it in the environment or .env")]
    checks = [_version(), _configuration(settings), *_database(settings),
              *_heartbeats(settings)]
    if quick:
        checks += _chat_id_hint(settings)
        if settings.webhook_url:
            checks.append(await asyncio.to_thread(_healthz, settings))
        return checks
    telegram = await _telegram(settings)
    checks += telegram
    if not any(c.what.startswith(COORDINATOR_CHAT) for c in telegram):  # Telegram not asked
        checks += _chat_id_hint(settings)
    checks += [_backups(settings), _coordinators(settings), _outbox(settings),
               _timezone(settings), _font()]
    return checks


def _version() -> Check:
    return Check(True, f"zhongfu {version()} (Python {platform.python_version()})")


def _configuration(settings: Settings) -> Check:
    mode = f"webhook {settings.webhook_url}" if settings.webhook_url else "long polling"
    return Check(True, f"configuration: {mode}, {len(settings.coordinators)} coordinator(s), "
                       f"scheduler {settings.scheduler}")


def _database(settings: Settings) -> list[Check]:
    """The file opens, is intact, has this program's schema and takes writes."""
    from storage.inspect import examine
    from storage.probe import MIN_FREE_BYTES, free_bytes

    path = settings.database.absolute()
    if not path.exists():
        folder = path.parent
        if not folder.is_dir():
            return [Check(False, f"database: the folder {folder} does not exist",
                          "check ZHONGFU_DATABASE, or create the folder and give it to the "
                          "user running zhongfu")]
        if os.access(folder, os.W_OK):
            return [Check(True, f"database: none yet at {path}; `zhongfu run` creates it "
                                "(check ZHONGFU_DATABASE if there should be one)")]
        return [Check(False, f"database: {folder} cannot be written",
                      "give the folder to the user running zhongfu")]
    try:
        state = examine(path)
    except sqlite3.Error as exc:
        room = free_bytes(path)
        if room is not None and room < MIN_FREE_BYTES:  # even reading a WAL file needs room
            return [Check(False, f"database {path} cannot be written (database or disk is "
                                 f"full, {exc}){_free(room)}", _FULL)]
        return [Check(False, f"database {path} cannot be read ({exc})",
                      "restore a backup: zhongfu restore FILE")]
    if not state.intact:
        return [Check(False, f"database {path} is damaged",
                      "stop the bot and restore a backup: zhongfu restore FILE")]
    if state.version > state.latest:
        return [Check(False, f"database {path} has schema v{state.version}, newer than this "
                             f"program (v{state.latest})", "upgrade zhongfu")]
    checks = []
    if state.version < state.latest:
        checks.append(Check(False, f"database {path} has schema v{state.version}, this program "
                                   f"v{state.latest}",
                            "start the bot to migrate it (a copy is kept beside it first)"))
    # A probe refused for want of room has said how much is free already.
    free = "" if "free" in (state.problem or "") else _free(state.free_bytes)
    if not state.writable:
        checks.append(Check(False, f"database {path} cannot be written ({state.problem}){free}",
                            _FULL))
    return checks or [Check(True, f"database {path}: schema v{state.version}, intact, "
                                  f"writable{free}")]


_FULL = ("check free disk space (df -h), the file's owner, and that no other program holds "
         "it locked")


_NOT_RUNNING = ("start it (systemctl start zhongfu / docker compose up -d) and see its log "
                "(journalctl -u zhongfu / docker compose logs)")


def _heartbeats(settings: Settings) -> list[Check]:
    """In polling mode, the running bot's last getUpdates answer (and, with the internal
    scheduler, its last tick) is recent. In webhook mode /healthz says whether it runs."""
    from storage.inspect import heartbeat

    if settings.webhook_url or not settings.database.exists():
        return []
    try:
        polled = heartbeat(settings.database, "poll")
        ticked = heartbeat(settings.database, "tick") if settings.scheduler == "internal" \
            else None
    except sqlite3.Error:
        return []  # the database check says why
    now = clock_for(settings)()
    if polled is None:
        return [Check(False, "the bot has had no getUpdates answer yet: it is not running, "
                             "or cannot reach Telegram", _NOT_RUNNING)]
    age = now - polled
    if age > HEARTBEAT_STALE:
        return [Check(False, f"the bot's last getUpdates answer came {_ago(age)} ago: it is "
                             "not running, or cannot reach Telegram", _NOT_RUNNING)]
    checks = [Check(True, f"the bot is polling: its last getUpdates answer came {_ago(age)} "
                          "ago")]
    # No tick recorded yet says nothing: the first runs a second after the start.
    if ticked is not None and now - ticked > HEARTBEAT_STALE:
        checks.append(Check(False, f"the scheduler's last tick ended {_ago(now - ticked)} ago",
                            "see the bot's log for what stops the tick"))
    elif ticked is not None:
        checks.append(Check(True, f"the scheduler ticks: the last ended {_ago(now - ticked)} "
                                  "ago"))
    return checks


def _ago(age: timedelta) -> str:
    """`40 s`, `12 min`, `5 h`, `3 days`."""
    seconds = max(0, int(age.total_seconds()))
    if seconds < 120:
        return f"{seconds} s"
    if seconds < 2 * 3600:
        return f"{seconds // 60} min"
    if seconds < 2 * 86400:
        return f"{seconds // 3600} h"
    return f"{seconds // 86400} days"


def _free(free_bytes: int | None) -> str:
    """`, 1.2 GiB free on its disk` (nothing when unknown)."""
    if free_bytes is None:
        return ""
    for unit, size in (("GiB", 1024**3), ("MiB", 1024**2)):
        if free_bytes >= size:
            return f", {free_bytes / size:.1f} {unit} free on its disk"
    return f", {free_bytes // 1024} KiB free on its disk"


async def _telegram(settings: Settings) -> list[Check]:
    """Reachability, the token (getMe) and the webhook (getWebhookInfo)."""
    from telegram import Bot
    from telegram.error import InvalidToken, NetworkError, TelegramError, TimedOut

    # The bot's own transport (proxy settings included): doctor cannot say ✓ when the bot
    # cannot reach Telegram, nor ✗ when it can.
    from bot.telegram.transport import AiohttpRequest

    host = urlsplit(settings.api_url).netloc
    request = AiohttpRequest(connect_timeout=5, read_timeout=10)
    updates = AiohttpRequest(connect_timeout=5, read_timeout=10)
    bot = Bot(settings.require_token(), base_url=settings.api_url,
              base_file_url=settings.file_url, request=request, get_updates_request=updates)
    try:
        try:
            await bot.initialize()  # getMe
        except InvalidToken:
            return [Check(True, f"Telegram reachable at {host}"),
                    Check(False, "token refused by Telegram",
                          "copy the token again from @BotFather (/token) into "
                          "TELEGRAM_BOT_TOKEN")]
        except (NetworkError, TimedOut) as exc:
            return [Check(False, f"Telegram not reachable at {host} ({exc})",
                          "check the server's internet access (outgoing HTTPS), DNS, "
                          "HTTPS_PROXY if Telegram is reached through a proxy, and "
                          "TELEGRAM_API_URL"),
                    Check(False, "token not checked: Telegram not reachable")]
        try:
            hook = await _webhook(bot, settings)
        except TelegramError as exc:
            hook = Check(False, f"webhook state unknown: {exc}")
        return [Check(True, f"Telegram reachable at {host}"),
                Check(True, f"token accepted: the bot is @{bot.username}"), hook,
                *await _coordinator_chat(bot, settings)]
    finally:
        # Closed whether or not getMe worked (a Bot not initialised does not close them).
        await request.shutdown()
        await updates.shutdown()


async def _webhook(bot: object, settings: Settings) -> Check:
    from telegram import Bot

    assert isinstance(bot, Bot)
    info = await bot.get_webhook_info()
    pending = info.pending_update_count
    if not settings.webhook_url:
        if info.url:
            return Check(False, f"a webhook is set ({info.url}) but zhongfu is configured for "
                                "long polling", "start the bot (`zhongfu run` deletes it), or "
                                "set ZHONGFU_WEBHOOK_URL")
        return Check(True, f"no webhook: long polling ({pending} update(s) waiting)")
    if info.url != settings.webhook_url:
        return Check(False, f"Telegram posts to {info.url or 'nowhere'}, not to "
                            f"ZHONGFU_WEBHOOK_URL", "start the bot: `zhongfu run` sets it")
    error_at = info.last_error_date
    if info.last_error_message and error_at and datetime.now(UTC) - error_at < RECENT_ERROR:
        return Check(False, f"webhook {info.url}: Telegram's last delivery failed at "
                            f"{error_at:%Y-%m-%d %H:%M} UTC ({info.last_error_message}); "
                            f"{pending} update(s) waiting",
                     "check that the proxy forwards this URL to ZHONGFU_LISTEN and that its "
                     "TLS certificate is valid")
    return Check(True, f"webhook {info.url}: {pending} update(s) waiting")


def _unsigned_group(chat_id: int | None) -> bool:
    """Whether a chat id looks like a group's with its minus sign lost: a supergroup's id is
    -100 and ten digits more, and no user's id is that long."""
    return chat_id is not None and chat_id > 0 and len(str(chat_id)) == 13 \
        and str(chat_id).startswith("100")


def _chat_id_hint(settings: Settings) -> list[Check]:
    """ZHONGFU_COORDINATOR_CHAT without its minus sign, seen without asking Telegram."""
    chat_id = settings.coordinator_chat
    if not _unsigned_group(chat_id):
        return []
    return [Check(False, f"ZHONGFU_COORDINATOR_CHAT={chat_id} looks like a group's id without "
                         "its minus sign", f"a group's id begins with -100: set "
                         f"ZHONGFU_COORDINATOR_CHAT=-{chat_id}")]


async def _coordinator_chat(bot: object, settings: Settings) -> list[Check]:
    """ZHONGFU_COORDINATOR_CHAT is a chat the bot can write to (getChat)."""
    from telegram import Bot
    from telegram.error import BadRequest, Forbidden, TelegramError

    assert isinstance(bot, Bot)
    chat_id = settings.coordinator_chat
    if chat_id is None:
        return []
    what = f"{COORDINATOR_CHAT} ZHONGFU_COORDINATOR_CHAT={chat_id}"
    try:
        chat = await bot.get_chat(chat_id)
    except BadRequest as exc:
        if "not found" not in str(exc).lower():
            return [Check(False, f"{what}: Telegram refused it ({exc})",
                          "check the id (a group's id begins with -100)")]
        if _unsigned_group(chat_id):
            fix = f"a group's id begins with -100: set ZHONGFU_COORDINATOR_CHAT=-{chat_id}"
        elif chat_id > 0:
            fix = ("a person must send /start to the bot first; a group's id is negative "
                   "(-100…)")
        else:
            fix = "add the bot to the coordinators' group, and check the id"
        return [Check(False, f"{what}: Telegram knows no such chat for this bot", fix)]
    except Forbidden as exc:
        return [Check(False, f"{what}: the bot cannot write there ({exc})",
                      "add the bot to the coordinators' group again")]
    except TelegramError as exc:
        return [Check(False, f"{what}: not checked ({exc})")]
    name = chat.title or chat.full_name or str(chat_id)
    return [Check(True, f"{COORDINATOR_CHAT}: {name} ({chat.type})")]


def _healthz(settings: Settings) -> Check:
    """The running bot's /healthz on ZHONGFU_LISTEN (webhook mode)."""
    host, port = settings.listen
    if host in ("0.0.0.0", "::", ""):
        host = "127.0.0.1"
    url = f"http://{host}:{port}/healthz"
    try:
        # Straight to the bot, never through a configured proxy.
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with opener.open(url, timeout=10) as answer:
            state = json.load(answer)
    except urllib.error.HTTPError as exc:
        return Check(False, f"the bot's {url} answers {exc.code}",
                     "the database cannot be written: see the bot's log")
    except (OSError, ValueError) as exc:
        return Check(False, f"the bot does not answer at {url} ({exc})",
                     "is it running? see its log (journalctl -u zhongfu / docker compose logs)")
    return Check(True, f"the bot answers at {url}: {state.get('pending_updates')} update(s) "
                       "pending")


def _backups(settings: Settings) -> Check:
    folder = settings.backups
    found = folder.glob("*.sqlite3") if folder.is_dir() else iter(())
    # `.partial-…` files are copies still being written by backup.sh.
    copies = sorted((p for p in found if not p.name.startswith(".")),
                    key=lambda p: p.stat().st_mtime)
    if not copies:
        return Check(False, f"backups: none in {folder}",
                     f"run `zhongfu backup {folder}/zhongfu-manual-$(date +%F).sqlite3` and "
                     "enable the nightly backup (deploy/zhongfu-backup.timer)")
    newest = copies[-1]
    taken = datetime.fromtimestamp(newest.stat().st_mtime, UTC)
    if datetime.now(UTC) - taken > STALE_BACKUP:
        return Check(False, f"backups: the newest in {folder} is from {taken:%Y-%m-%d}",
                     "check the nightly backup (systemctl status zhongfu-backup.timer)")
    return Check(True, f"backups: {len(copies)} in {folder}, newest {newest.name}")


def _coordinators(settings: Settings) -> Check:
    from storage.inspect import people_seen

    if not settings.coordinators:
        return Check(False, "no coordinators configured",
                     "put your Telegram user id (from @userinfobot) in ZHONGFU_COORDINATORS")
    try:
        seen = people_seen(settings.database, settings.coordinators) \
            if settings.database.exists() else set()
    except sqlite3.Error:
        seen = set()
    missing = sorted(settings.coordinators - seen)
    if missing:
        return Check(False, "coordinator(s) who have not opened the bot yet: "
                            + ", ".join(map(str, missing)),
                     "ask them to open the bot in Telegram and press Start")
    return Check(True, f"all {len(seen)} coordinator(s) have opened the bot")


def _outbox(settings: Settings) -> Check:
    """Messages to others, reminders and digests still waiting to go out, since when, and
    how many were given up."""
    from storage.inspect import Backlog, outbox_backlog

    try:
        found = (outbox_backlog(settings.database) if settings.database.exists()
                 else Backlog(0, None, 0, 0))
    except sqlite3.Error as exc:
        return Check(False, f"outbox cannot be read ({exc})", "see the database check above")
    given_up = (f"; {found.dropped} given up (refused, or failing for 48 hours)"
                if found.dropped else "")
    if not found.waiting:
        return Check(True, f"outbox: every message to others has gone out{given_up}")
    what = f"outbox: {found.waiting} message(s) waiting"
    if found.retrying:
        what += f" ({found.retrying} after a failed send)"
    stuck = found.retrying > 0
    if found.oldest is not None:
        age = datetime.now(UTC) + settings.clock_shift - datetime.fromisoformat(found.oldest)
        what += f", the oldest for {int(age.total_seconds() // 60)} min"
        stuck = stuck or age > OUTBOX_STUCK
    if stuck:
        return Check(False, what + given_up, "check that the bot runs and reaches Telegram "
                     "(see above); nothing is lost: they go out when it does")
    return Check(True, what + given_up)


def _timezone(settings: Settings) -> Check:
    local = clock_for(settings)().astimezone(settings.timezone)
    return Check(True, f"time zone {settings.timezone.key}: it is {local:%Y-%m-%d %H:%M} there")


def _font() -> Check:
    from bot.charts import cjk_font

    font = cjk_font()
    if font is None:
        return Check(False, "no font that draws Chinese: the digest's chart numbers its bars",
                     "apt-get install fonts-noto-cjk (the Docker image has it)")
    return Check(True, f"font for Chinese in charts: {font}")
