"""`zhongfu run` and `zhongfu tick`: open the database, build the application, do the work."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import threading
from collections.abc import AsyncIterator
from datetime import datetime

from telegram.error import BadRequest, InvalidToken, NetworkError, RetryAfter, TimedOut
from telegram.ext import Application

from bot.config import SUPPORTED_LANGUAGES, ConfigError, Settings
from bot.delivery.outbox import Outbox
from bot.delivery.pacing import Pacer
from bot.i18n import Catalog
from bot.jobs import tick as scheduler
from bot.services import housekeeping
from bot.services.context import Services, clock_for
from bot.telegram.app import POLL_TIMEOUT, build_application
from bot.telegram.context import PACER_KEY
from bot.telegram.intake import ALLOWED_UPDATES, AnotherPoller, Intake
from bot.telegram.menus import publish_all
from bot.telegram.transport import RECEIVED_KEY
from bot.telegram.webhook import WebhookServer
from bot.version import version
from storage import areas, lock, people
from storage.db import Database, DatabaseUnavailable, cannot_make

log = logging.getLogger(__name__)

# SIGTERM must stop the bot within 5 s: handlers get this long to finish, the rest is replayed.
DRAIN_SECONDS = 2.5
# Each later step of the shutdown (the poller, the sender) gets this long to notice its cancel.
STEP_SECONDS = 0.5
# After a stop signal the process is gone within this many seconds whatever hangs (a network
# close that never returns, a blocked database thread): everything confirmed is already
# committed, so exiting mid-shutdown loses nothing that a kill -9 would not.
STOP_SECONDS = 4.5
# `zhongfu tick` sends what it queued for this long; what is left waits for the next tick
# (or the running bot, which sends from the same outbox).
TICK_SEND_SECONDS = 45.0
# `zhongfu tick` exits with this when Telegram could not be reached, or messages wait to be
# tried again after a failed send (cron mails the operator); its one line says which. The
# README, docs/reminders.md and `tick --help` promise it, beside 0 (done) and 2 (settings or
# database: bot/cli.py), so it is not split into statuses of their own.
EXIT_WAITING = 1
OUTBOX_KEY = "zhongfu.outbox"
COMMANDS_KEY = "zhongfu.commands"


@contextlib.asynccontextmanager
async def opened(settings: Settings, *, create: bool = False, alone: bool = False,
                 ) -> AsyncIterator[tuple[Application, Services]]:  # type: ignore[type-arg]
    """The database and an initialised application, both closed on the way out. A missing
    database file is created only with `create` (`zhongfu run`), never its folder; `alone`
    (`zhongfu run`): refused while another `run` serves the same database."""
    # Before the lock file is made beside it: a missing file or folder is named as such.
    Database.check_path(settings.database, create=create)
    with contextlib.ExitStack() as stack:
        try:
            if alone:
                stack.enter_context(lock.running(settings.database))
            # Shared by `run` and `tick` processes; `restore` refuses while anyone holds it.
            stack.enter_context(lock.held(settings.database, exclusive=False))
        except lock.AlreadyRunning as exc:
            raise ConfigError(
                f"another `zhongfu run` (process {exc}) is already running on "
                f"{settings.database}: stop it first, or give this one another "
                "ZHONGFU_DATABASE"
            ) from None
        except lock.DatabaseInUse:
            raise ConfigError(
                f"{settings.database} is being restored (`zhongfu restore`); start again after"
            ) from None
        except OSError as exc:
            raise DatabaseUnavailable(cannot_make(settings.database, exc)) from None
        async with _opened(settings, create) as pair:
            yield pair


@contextlib.asynccontextmanager
async def _opened(settings: Settings,
                  create: bool) -> AsyncIterator[tuple[Application, Services]]:  # type: ignore[type-arg]
    where = settings.database.absolute()
    new = not where.exists()
    db = await Database.open(where, create=create)
    if new:
        log.warning("created a new empty database at %s", where)
    log.info("zhongfu %s, database %s (schema v%d)", version(), where, db.schema_version)
    try:
        await areas.seed(db, settings.areas)
        services = Services(settings, db, Catalog.load(SUPPORTED_LANGUAGES, settings.language),
                            clock=clock_for(settings))
        app, table = build_application(services)
        app.bot_data[COMMANDS_KEY] = table
        pacer = Pacer(per_second=settings.pace_per_second,
                      per_chat_seconds=settings.pace_chat_seconds)
        outbox = Outbox(services, app.bot, pacer)
        services.on_queued = outbox.wake
        app.bot_data[OUTBOX_KEY] = outbox
        app.bot_data[PACER_KEY] = pacer
        try:
            yield app, services
        finally:
            # On every way out (a refused token, Telegram not reachable at start, a crash):
            # PTB closes nothing it did not finish initialising, and an open aiohttp session
            # ends the process with "Unclosed client session" errors after the real message.
            await _close_transport(app)
    finally:
        await db.close()


async def _close_transport(app: Application) -> None:  # type: ignore[type-arg]
    """Close the bot's HTTP sessions (closing a closed one does nothing)."""
    for request in (app.bot.request, app.bot_data.get(RECEIVED_KEY)):
        if request is not None:
            with contextlib.suppress(Exception):
                await request.shutdown()


async def _initialise(app: Application, stop: asyncio.Event) -> bool:  # type: ignore[type-arg]
    """Connect to Telegram (getMe), retrying while the network is down; False if stopped."""
    delay = 1.0
    while not stop.is_set():
        try:
            await app.initialize()
            return True
        except InvalidToken:
            raise ConfigError("TELEGRAM_BOT_TOKEN was refused by Telegram: check it") from None
        except (NetworkError, TimedOut) as exc:
            log.warning("Telegram not reachable (%s); retrying in %.0f s", exc, delay)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), delay)
            delay = min(delay * 2, 60.0)
    return False


async def run(settings: Settings) -> int:
    """Run the bot until SIGTERM or SIGINT."""
    stop = asyncio.Event()
    on_stop_signal(asyncio.get_running_loop(), stop)
    async with opened(settings, create=True, alone=True) as (app, services):
        if not await _initialise(app, stop):
            return 0
        try:
            await _serve(app, services, stop)
        except AnotherPoller as exc:
            raise ConfigError(str(exc)) from None
        finally:
            if app.running:
                await app.stop()
            await app.shutdown()
    log.info("stopped")
    return 0


def on_stop_signal(loop: asyncio.AbstractEventLoop, stop: asyncio.Event,
                   seconds: float = STOP_SECONDS) -> None:
    """On SIGTERM or SIGINT, set `stop` and make sure the process is gone `seconds` later.

    A plain signal handler rather than the loop's, and a thread rather than a task: both
    work even when the event loop is stuck, which is when they are needed.
    """

    def handle(signum: int, _frame: object) -> None:
        if stop_requested.is_set():
            return
        stop_requested.set()
        log.info("stopping (%s)", signal.Signals(signum).name)
        loop.call_soon_threadsafe(stop.set)
        watchdog = threading.Timer(seconds, _exit_now, args=(seconds,))
        watchdog.daemon = True
        watchdog.start()

    stop_requested = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, handle)


def _exit_now(seconds: float) -> None:
    log.warning("shutdown took over %.1f s; exiting now (unfinished updates are replayed at "
                "the next start)", seconds)
    logging.shutdown()
    os._exit(0)


async def _serve(app: Application, services: Services,  # type: ignore[type-arg]
                 stop: asyncio.Event) -> None:
    """Start the application, replay, then take updates (webhook or polling) until stopped."""
    settings = services.settings
    outbox: Outbox = app.bot_data[OUTBOX_KEY]
    if not settings.webhook_url:
        # Back to polling: a webhook left from webhook mode would refuse getUpdates.
        await app.bot.delete_webhook(drop_pending_updates=False)
    if settings.scheduler == "internal":
        scheduler.schedule(app, services, outbox.pacer)
    await app.start()
    intake = Intake(app, services.db, services.clock, POLL_TIMEOUT, app.bot_data[RECEIVED_KEY],
                    conflict_seconds=settings.conflict_seconds,
                    retry_seconds=settings.retry_seconds)
    # Webhook mode listens before anything is replayed: a port in use stops the start here.
    server = await _listen(services, intake) if settings.webhook_url else None
    try:
        await publish_all(app.bot, services, app.bot_data[COMMANDS_KEY],
                          await people.staff(services.db))
        await intake.replay()
        sender = asyncio.create_task(outbox.run())
        try:
            if server is not None:
                await _serve_webhook(app, settings, stop)
            else:
                await _poll(app, intake, stop)
        finally:
            await intake.drain(DRAIN_SECONDS)
            # Claimed rows of a send cut short here are taken back at the next start
            # (Outbox.run).
            await _cancelled(sender, "sender")
    finally:
        if server is not None:
            # The webhook stays set: Telegram keeps the updates until the bot is back.
            await server.stop()


async def _poll(app: Application, intake: Intake,  # type: ignore[type-arg]
                stop: asyncio.Event) -> None:
    """Long-poll until asked to stop."""
    poller = asyncio.create_task(intake.poll())
    log.info("running as @%s (long polling)", app.bot.username)
    stopper = asyncio.create_task(stop.wait())
    await asyncio.wait({poller, stopper}, return_when=asyncio.FIRST_COMPLETED)
    stopper.cancel()
    if poller.done():
        poller.result()  # polling ended by itself: raise what ended it
    await _cancelled(poller, "poller")


async def _cancelled(task: asyncio.Task[None], name: str) -> None:
    """Cancel `task` and wait a moment for it to end; a task that ignores its cancel (a
    network close that never returns) is left behind rather than hold up the shutdown."""
    task.cancel()
    done, _ = await asyncio.wait({task}, timeout=STEP_SECONDS)
    if not done:
        log.warning("%s did not stop within %.1f s; going on without it", name, STEP_SECONDS)


async def _listen(services: Services, intake: Intake) -> WebhookServer:
    """Listen on ZHONGFU_LISTEN (webhook mode)."""
    server = WebhookServer(intake, services)
    try:
        await server.start()
    except OSError as exc:
        host, port = services.settings.listen
        raise ConfigError(f"ZHONGFU_LISTEN {host}:{port} cannot be listened on: {exc}") from None
    return server


async def _serve_webhook(app: Application, settings: Settings,  # type: ignore[type-arg]
                         stop: asyncio.Event) -> None:
    """Tell Telegram where to post, and serve until asked to stop."""
    if await _set_webhook(app, settings, stop):
        log.info("running as @%s (webhook %s)", app.bot.username, settings.webhook_path)
        await stop.wait()


async def _set_webhook(app: Application, settings: Settings,  # type: ignore[type-arg]
                       stop: asyncio.Event) -> bool:
    """setWebhook with the secret, retrying while the network is down; False if stopped."""
    delay = 1.0
    while not stop.is_set():
        try:
            await app.bot.set_webhook(
                settings.webhook_url or "", secret_token=settings.webhook_secret,
                allowed_updates=ALLOWED_UPDATES, drop_pending_updates=False,
            )
            return True
        except BadRequest as exc:
            # Refused (not HTTPS, bad domain or port): a restart would not change that.
            raise ConfigError(f"Telegram refused ZHONGFU_WEBHOOK_URL: {exc}") from None
        except (NetworkError, RetryAfter) as exc:
            log.warning("setWebhook failed (%s); retrying in %.0f s", exc, delay)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), delay)
            delay = min(delay * 2, 60.0)
    return False


async def tick(settings: Settings, at: datetime) -> int:
    """Do once what is due at `at`, then exit."""
    async with opened(settings) as (app, services):
        try:
            await app.initialize()
        except InvalidToken:
            raise ConfigError("TELEGRAM_BOT_TOKEN was refused by Telegram: check it") from None
        except (NetworkError, TimedOut) as exc:
            # Nothing was recorded as sent: the next tick does the same work.
            log.error("Telegram not reachable (%s); nothing done, the next tick retries", exc)
            return EXIT_WAITING
        outbox: Outbox = app.bot_data[OUTBOX_KEY]
        try:
            await scheduler.tick(services, app.bot, at, outbox.pacer)
            await outbox.drain(TICK_SEND_SECONDS, at)
            waiting = await housekeeping.waiting_after_failure(services)
        finally:
            await app.shutdown()
    if not waiting:
        return 0
    # A non-zero exit: cron mails the operator. Nothing is lost: the next ticks (or the
    # running bot) try again for up to 48 hours.
    if outbox.pacer.failures:
        log.error("%d message(s) could not be sent (Telegram not reachable or failing) and "
                  "wait for the next tick", waiting)
    else:
        # An outage that has ended: what failed then waits for its next try (a reminder
        # five minutes on, the outbox's backoff up to ten), which is no outage now; or a
        # reminder Telegram held back longer than a tick waits (a flood wait).
        log.warning("Telegram answered; %d message(s) wait to be tried again at a later tick "
                    "(they failed earlier, or Telegram asked their chat to wait)", waiting)
    return EXIT_WAITING
