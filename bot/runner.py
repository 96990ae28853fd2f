"""`zhongfu run` and `zhongfu tick`: open the database, build the application, do the work."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import AsyncIterator
from datetime import datetime

from telegram.error import InvalidToken, NetworkError, TimedOut
from telegram.ext import Application

from bot import scheduler
from bot.config import SUPPORTED_LANGUAGES, ConfigError, Settings
from bot.i18n import Catalog
from bot.services.context import Services, clock_for
from bot.telegram.app import POLL_TIMEOUT, build_application
from bot.telegram.intake import Intake
from bot.telegram.menus import publish_all
from storage import areas, people
from storage.db import Database

log = logging.getLogger(__name__)

# SIGTERM must stop the bot within 5 s: handlers get this long to finish, the rest is replayed.
DRAIN_SECONDS = 2.5


@contextlib.asynccontextmanager
async def opened(settings: Settings) -> AsyncIterator[tuple[Application, Services]]:  # type: ignore[type-arg]
    """The database and an initialised application, both closed on the way out."""
    db = await Database.open(settings.database)
    try:
        await areas.seed(db, settings.areas)
        services = Services(settings, db, Catalog.load(SUPPORTED_LANGUAGES, settings.language),
                            clock=clock_for(settings))
        app, table = build_application(services)
        services.extra["commands"] = table
        yield app, services
    finally:
        await db.close()


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
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    async with opened(settings) as (app, services):
        if not await _initialise(app, stop):
            return 0
        try:
            await _serve(app, services, stop)
        finally:
            if app.running:
                await app.stop()
            await app.shutdown()
    log.info("stopped")
    return 0


async def _serve(app: Application, services: Services,  # type: ignore[type-arg]
                 stop: asyncio.Event) -> None:
    """Start the application, replay, poll and tick until asked to stop."""
    await app.bot.delete_webhook(drop_pending_updates=False)
    if services.settings.scheduler == "internal":
        scheduler.schedule(app)
    await app.start()
    await publish_all(app.bot, services, services.extra["commands"],
                      await people.staff(services.db))
    intake = Intake(app, services.db, services.clock, POLL_TIMEOUT)
    await intake.replay()
    poller = asyncio.create_task(intake.poll())
    log.info("running as @%s", app.bot.username)
    stopper = asyncio.create_task(stop.wait())
    await asyncio.wait({poller, stopper}, return_when=asyncio.FIRST_COMPLETED)
    poller.cancel()
    stopper.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await poller
    await intake.drain(DRAIN_SECONDS)


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
            return 1
        try:
            await scheduler.tick(services, app.bot, at)
        finally:
            await app.shutdown()
    return 0
