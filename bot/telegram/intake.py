"""Durable update intake: store every fetched update before confirming it, replay the undone.

Telegram forgets an update once a later offset is asked for; python-telegram-bot's own
updater asks right after fetching, so an update whose handler was running when the process
died would be lost. Here each batch is committed to the `updates` table first, each update is
marked done after its handler finished, and at start the undone ones are handled again.
Updates of one chat are handled in order; different chats run concurrently. In webhook mode
(bot/telegram/webhook.py) each posted update goes through `accept`: committed, then answered.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sqlite3
from collections.abc import Callable
from datetime import datetime, timedelta

from telegram import Update
from telegram.error import Conflict, NetworkError, RetryAfter, TelegramError, TimedOut
from telegram.ext import Application

from bot.telegram.transport import UpdatesRequest
from storage import heartbeats
from storage import updates as stored
from storage.db import Database

log = logging.getLogger(__name__)

# Only the kinds of update the bot handles: Telegram sends nothing else (less to store, and
# nothing kept that the bot never needed).
ALLOWED_UPDATES = ["message", "edited_message", "callback_query", "my_chat_member"]

# An update whose handling killed the process this many times is set aside, not retried forever.
MAX_ATTEMPTS = 3
# While a batch cannot be stored (full disk, read-only file), fetch it again after this long,
# doubling up to STORE_BACKOFF_MAX: Telegram keeps updates until a later offset confirms them.
STORE_BACKOFF = 2.0
STORE_BACKOFF_MAX = 60.0


# The time of the last getUpdates answer is written at most this often (`zhongfu doctor`
# says ✗ when it is minutes old): the first answer after a start is written at once.
HEARTBEAT_EVERY = timedelta(minutes=1)

# Seconds between getUpdates calls while Telegram answers 409 Conflict.
CONFLICT_WAIT = 5.0


class AnotherPoller(Exception):
    """Telegram kept answering 409 Conflict: another process takes this bot's updates."""


def chat_key(update: Update) -> int:
    """Updates with the same key are handled one after another, in order."""
    if update.effective_chat is not None:
        return update.effective_chat.id
    if update.effective_user is not None:
        return update.effective_user.id
    return 0


class Intake:
    """Fetches, stores, dispatches and acknowledges updates."""

    def __init__(self, app: Application, db: Database,  # type: ignore[type-arg]
                 clock: Callable[[], datetime], poll_timeout: int,
                 received: UpdatesRequest | None = None, *,
                 conflict_seconds: float = 300.0) -> None:
        self.app = app
        # How long a 409 Conflict may last before polling gives up (AnotherPoller).
        self.conflict_seconds = conflict_seconds
        self.received = received  # updates as Telegram sent them, to store as they came
        self.db = db
        self.clock = clock
        self.poll_timeout = poll_timeout
        # Each update with whether its first attempt was counted when it was stored.
        self._queues: dict[int, asyncio.Queue[tuple[Update, bool]]] = {}
        self._workers: dict[int, asyncio.Task[None]] = {}
        self.polling = asyncio.Event()
        self._beat: datetime | None = None  # when the last heartbeat was written

    async def replay(self) -> int:
        """Handle the updates a previous run stored but did not finish; return how many."""
        pending = await stored.pending(self.db)
        for item in pending:
            if item.attempts >= MAX_ATTEMPTS:
                log.error("update %s failed %s times; set aside", item.update_id, item.attempts)
                await stored.finish(self.db, item.update_id, self.clock(), failed=True)
                continue
            update = Update.de_json(json.loads(item.payload), self.app.bot)
            self._dispatch(update, counted=False)
        if pending:
            log.info("replaying %d update(s) left unhandled", len(pending))
        return len(pending)

    async def poll(self) -> None:
        """Fetch updates until cancelled, committing each batch before asking for more."""
        offset = await stored.next_offset(self.db)
        backoff = 1.0
        store_backoff = STORE_BACKOFF
        loop = asyncio.get_running_loop()
        conflict_since: float | None = None
        # The first call does not wait: its answer is the heartbeat that tells `doctor` a
        # freshly started bot reaches Telegram.
        timeout = 0
        while True:
            try:
                batch = await self.app.bot.get_updates(
                    offset=offset, timeout=timeout, allowed_updates=ALLOWED_UPDATES
                )
                timeout = self.poll_timeout
                backoff = 1.0
                if conflict_since is not None:
                    log.warning("getUpdates works again: the other process stopped")
                conflict_since = None
            except Conflict as exc:
                # Another process polls with the same token (here or on another server):
                # Telegram hands each update to only one of them.
                if conflict_since is None:
                    conflict_since = loop.time()
                    log.error("409 Conflict from Telegram (%s): another process takes this "
                              "bot's updates (the same TELEGRAM_BOT_TOKEN runs elsewhere); "
                              "stopping if it lasts %.0f s", exc, self.conflict_seconds)
                lasted = loop.time() - conflict_since
                if lasted >= self.conflict_seconds:
                    raise AnotherPoller(
                        f"Telegram answered 409 Conflict for {lasted:.0f} s: another process "
                        "takes this bot's updates (the same TELEGRAM_BOT_TOKEN runs elsewhere, "
                        "on this server or another); stop it, or give one of them another "
                        "token") from None
                await asyncio.sleep(min(CONFLICT_WAIT,
                                        max(0.1, self.conflict_seconds - lasted)))
                continue
            except RetryAfter as exc:
                await asyncio.sleep(_seconds(exc.retry_after))
                continue
            except (TimedOut, NetworkError) as exc:
                log.warning("getUpdates failed (%s); retrying in %.0f s", exc, backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 30.0)
                continue
            except TelegramError as exc:
                log.error("getUpdates refused: %s", exc)
                await asyncio.sleep(5)
                continue
            await self._heartbeat()
            self.polling.set()
            if not batch:
                continue
            rows = [(u.update_id, self._payload(u)) for u in batch]
            try:
                await stored.save(self.db, rows, self.clock())
            except sqlite3.Error as exc:
                # Not stored, so not confirmed: the offset stays and Telegram sends the same
                # updates again. The process lives on until the disk has room again.
                log.error("%d update(s) not stored (%s): check free disk space (df -h); "
                          "fetching them again in %.0f s", len(batch), exc, store_backoff)
                await asyncio.sleep(store_backoff)
                store_backoff = min(store_backoff * 2, STORE_BACKOFF_MAX)
                continue
            store_backoff = STORE_BACKOFF
            offset = max(u.update_id for u in batch) + 1
            for update in batch:
                self._dispatch(update, counted=True)

    async def _heartbeat(self) -> None:
        """Record that Telegram answered getUpdates (at most once a minute)."""
        now = self.clock()
        if self._beat is not None and abs(now - self._beat) < HEARTBEAT_EVERY:
            return
        try:
            await heartbeats.record(self.db, "poll", now)
        except sqlite3.Error as exc:  # tried again at the next answer; updates go on
            log.warning("the polling heartbeat was not recorded (%s)", exc)
            return
        self._beat = now

    def _payload(self, update: Update) -> str:
        """The update's JSON to store: as received when kept, else rebuilt from PTB's object."""
        data = self.received.received(update.update_id) if self.received is not None else None
        return json.dumps(data if data is not None else update.to_dict(), ensure_ascii=False)

    def parse(self, data: dict[str, object]) -> Update:
        """The Update in a posted JSON object; raises if it is not one."""
        return Update.de_json(data, self.app.bot)

    async def accept(self, update: Update, data: dict[str, object],
                     wait_ms: int | None = None) -> bool:
        """Commit one update posted to the webhook and hand it to its chat's worker; False if
        it was stored before (Telegram repeats an update it got no 200 for), so it is handled
        once. Raises sqlite3.Error when it could not be committed."""
        payload = json.dumps(data, ensure_ascii=False)
        if not await stored.accept(self.db, update.update_id, payload, self.clock(), wait_ms):
            return False
        self._dispatch(update, counted=True)
        return True

    def _dispatch(self, update: Update, *, counted: bool) -> None:
        key = chat_key(update)
        queue = self._queues.get(key)
        if queue is None:
            queue = self._queues[key] = asyncio.Queue()
        queue.put_nowait((update, counted))
        if key not in self._workers:
            self._workers[key] = asyncio.create_task(self._work(key, queue))

    async def _work(self, key: int, queue: asyncio.Queue[tuple[Update, bool]]) -> None:
        """Handle one chat's updates in order; the task ends when the chat goes quiet."""
        try:
            while not queue.empty():
                update, counted = queue.get_nowait()
                try:
                    await self._handle(update, counted)
                except sqlite3.Error as exc:
                    # The database refused (locked, disk full): the update stays pending and
                    # is replayed at the next start; this chat's later updates go on.
                    log.error("update %s left pending, handled again at the next start "
                              "(%s: %s)", update.update_id, type(exc).__name__, exc)
                    log.debug("the traceback of that error", exc_info=True)
                except Exception:
                    log.exception("update %s left pending", update.update_id)
        finally:
            # No await since the loop's last check: the queue is empty unless we were
            # cancelled, and then what is left stays pending in the table for the next start.
            self._workers.pop(key, None)
            self._queues.pop(key, None)

    async def _handle(self, update: Update, counted: bool) -> None:
        """Handle one update and mark it done; count the attempt first if storing it did not."""
        attempt = 1 if counted else await stored.begin_attempt(self.db, update.update_id)
        if attempt > MAX_ATTEMPTS:
            await stored.finish(self.db, update.update_id, self.clock(), failed=True)
            return
        try:
            # Handler errors are caught by the application and sent to the error handler.
            await self.app.process_update(update)
        except Exception:
            log.exception("update %s could not be processed", update.update_id)
        await stored.finish(self.db, update.update_id, self.clock())

    async def drain(self, seconds: float) -> bool:
        """Wait up to `seconds` for running handlers; cancel what is left (replayed later)."""
        tasks = list(self._workers.values())
        if not tasks:
            return True
        _, still = await asyncio.wait(tasks, timeout=seconds)
        for task in still:
            task.cancel()
        if still:
            await asyncio.wait(still, timeout=1)
        return not still


def _seconds(value: object) -> float:
    if hasattr(value, "total_seconds"):
        return float(value.total_seconds())
    return float(value)  # type: ignore[arg-type]
