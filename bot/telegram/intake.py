"""Durable update intake: store every fetched update before confirming it, replay the undone.

Telegram forgets an update once a later offset is asked for; python-telegram-bot's own
updater asks right after fetching, so an update whose handler was running when the process
died would be lost. Here each batch is committed to the `updates` table first, each update is
marked done after its handler finished, and at start the undone ones are handled again.
Updates of one chat are handled in order; different chats run concurrently. In webhook mode
(bot/telegram/webhook.py) each posted update goes through `accept`: committed, then answered.

A handler that meets a passing storage failure (a full disk, an I/O error, a lock held past
the busy timeout) rolled its transaction back: the update is tried again in this process after
`retry_seconds`, quietly, until it works, and the person is told once (bot/telegram/app.py).
If a newer update of the same chat gets its turn first (the person tried again, or went on),
the waiting one is set aside as 'superseded' instead: one chat's updates are never handled
out of order, and what the person sent last is what counts.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from telegram import Update
from telegram.error import Conflict, NetworkError, RetryAfter, TelegramError, TimedOut
from telegram.ext import Application

from bot.telegram.failures import Failures
from bot.telegram.transport import UpdatesRequest
from storage import heartbeats
from storage import updates as stored
from storage.db import Database, remedy, transient_error

log = logging.getLogger(__name__)

# Only the kinds of update the bot handles: Telegram sends nothing else (less to store, and
# nothing kept that the bot never needed).
ALLOWED_UPDATES = ["message", "edited_message", "callback_query", "my_chat_member"]

# An update whose handling killed the process this many times is set aside, not retried forever.
# One attempt is counted per process that takes the update up (when it is stored, or replayed
# at start); the tries again within a process after a passing failure are not counted again: a
# failure they end in is not a crash, and a crash ends the process, whose successor counts.
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


@dataclass(eq=False)
class _Item:
    """An update in its chat's queue."""

    update: Update
    counted: bool  # this process's attempt at it is counted in the table already
    failures: int = 0  # passing storage failures met in this process (rounds so far)
    handled: bool = False  # handled: only recording it as done is left


def chat_key(update: Update) -> int:
    """Updates with the same key are handled one after another, in order."""
    if update.effective_chat is not None:
        return update.effective_chat.id
    if update.effective_user is not None:
        return update.effective_user.id
    return 0


def _chat(update: Update) -> int | None:
    """The chat stored with an update (None for an update of no chat and no person)."""
    return chat_key(update) or None


class Intake:
    """Fetches, stores, dispatches and acknowledges updates."""

    def __init__(self, app: Application, db: Database,  # type: ignore[type-arg]
                 clock: Callable[[], datetime], poll_timeout: int,
                 received: UpdatesRequest | None = None, *,
                 retry_seconds: Sequence[float], conflict_seconds: float = 300.0) -> None:
        self.app = app
        # How long a 409 Conflict may last before polling gives up (AnotherPoller).
        self.conflict_seconds = conflict_seconds
        self.received = received  # updates as Telegram sent them, to store as they came
        self.db = db
        self.clock = clock
        self.poll_timeout = poll_timeout
        self._queues: dict[int, asyncio.Queue[_Item]] = {}
        self._workers: dict[int, asyncio.Task[None]] = {}
        # Seconds before an update whose handler met a passing storage failure is tried
        # again, the last repeated until it works (Settings.retry_seconds says why these).
        self.retry_seconds = tuple(retry_seconds)
        assert self.retry_seconds, "at least one delay"
        self.failures = Failures.of(app.bot_data)
        # Per chat, the update waiting to be tried again (at most one: a newer one's turn
        # sets the older aside); and by update id, when each waiting one is tried.
        self._waiting: dict[int, _Item] = {}
        self._timers: dict[int, asyncio.TimerHandle] = {}
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
            newer = await stored.superseded_by(self.db, item.update_id)
            if newer is not None:
                await self._set_aside(item.update_id, newer)
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
            rows = [(u.update_id, self._payload(u), _chat(u)) for u in batch]
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
        if not await stored.accept(self.db, update.update_id, payload, self.clock(), wait_ms,
                                   _chat(update)):
            return False
        self._dispatch(update, counted=True)
        return True

    def _dispatch(self, update: Update, *, counted: bool) -> None:
        self._enqueue(chat_key(update), _Item(update, counted))

    def _enqueue(self, key: int, item: _Item) -> None:
        """Queue an update behind its chat's others; start the chat's worker if it is idle."""
        queue = self._queues.get(key)
        if queue is None:
            queue = self._queues[key] = asyncio.Queue()
        queue.put_nowait(item)
        if key not in self._workers:
            self._workers[key] = asyncio.create_task(self._work(key, queue))

    async def _work(self, key: int, queue: asyncio.Queue[_Item]) -> None:
        """Handle one chat's updates in order; the task ends when the chat goes quiet."""
        try:
            while not queue.empty():
                item = queue.get_nowait()
                try:
                    await self._turn(key, item)
                except sqlite3.Error as exc:
                    # Refused for good (not a passing failure): the update stays pending and is
                    # replayed at the next start; this chat's later updates go on.
                    log.error("update %s left pending, handled again at the next start "
                              "(%s: %s)", item.update.update_id, type(exc).__name__, exc)
                    log.debug("the traceback of that error", exc_info=True)
                except Exception:
                    log.exception("update %s left pending", item.update.update_id)
        finally:
            # No await since the loop's last check: the queue is empty unless we were
            # cancelled, and then what is left stays pending in the table for the next start.
            self._workers.pop(key, None)
            self._queues.pop(key, None)

    async def _turn(self, key: int, item: _Item) -> None:
        """An update's turn in its chat: handle it (again), or only record it as done; a
        waiting older one of the chat is set aside first."""
        uid = item.update.update_id
        self._timers.pop(uid, None)
        if item.handled:
            await self._finish(key, item)
            return
        waiting = self._waiting.get(key)
        if item.failures and waiting is not item:
            return  # set aside while it waited: a newer update of its chat went first
        if waiting is not None and (waiting is item or waiting.update.update_id < uid):
            del self._waiting[key]
            if waiting is not item:
                timer = self._timers.pop(waiting.update.update_id, None)
                if timer is not None:
                    timer.cancel()
                await self._set_aside(waiting.update.update_id, uid)
        await self._handle(key, item)

    async def _handle(self, key: int, item: _Item) -> None:
        """Handle one update and mark it done; count the attempt first if storing it did not.
        A passing storage failure leaves it waiting to be tried again."""
        uid = item.update.update_id
        if not item.counted:
            try:
                attempt = await stored.begin_attempt(self.db, uid)
            except sqlite3.Error as exc:
                self._wait(key, item, _passing(exc))
                return
            item.counted = True
            if attempt > MAX_ATTEMPTS:
                # (If this cannot be written, the next start sets it aside: attempts are in.)
                self.failures.forget(uid)
                await stored.finish(self.db, uid, self.clock(), failed=True)
                return
        error: sqlite3.Error | None = None
        try:
            # Handler errors are caught by the application and sent to the error handler,
            # which notes a passing storage failure for us (bot/telegram/failures.py).
            await self.app.process_update(item.update)
        except Exception as exc:
            error = transient_error(exc)
            if error is None:
                log.exception("update %s could not be processed", uid)
        error = self.failures.take(uid) or error
        if error is not None:
            self._wait(key, item, error)
            return
        if item.failures:
            log.info("update %s handled at try %d", uid, item.failures + 1)
            item.failures = 0
        await self._finish(key, item)

    async def _finish(self, key: int, item: _Item) -> None:
        """Record a handled update as done; if that cannot be written now, try it later
        (the handler is not run again)."""
        uid = item.update.update_id
        try:
            await stored.finish(self.db, uid, self.clock())
        except sqlite3.Error as exc:
            item.handled = True
            self._wait(key, item, _passing(exc))
            return
        self.failures.forget(uid)

    def _wait(self, key: int, item: _Item, error: sqlite3.Error) -> None:
        """Try the update again after the next of `retry_seconds`; one log line a round."""
        item.failures += 1
        delay = self.retry_seconds[min(item.failures, len(self.retry_seconds)) - 1]
        uid = item.update.update_id
        if not item.handled:
            self._waiting[key] = item
        loop = asyncio.get_running_loop()
        self._timers[uid] = loop.call_later(delay, self._enqueue, key, item)
        what = "not recorded as handled" if item.handled else "not handled"
        if item.failures == 1:
            log.error("update %s %s (%s): %s; trying it again in %.0f s", uid, what, error,
                      remedy(error), delay)
        else:
            log.warning("update %s still %s (%s); trying it again in %.0f s", uid, what, error,
                        delay)

    async def _set_aside(self, update_id: int, newer: int) -> None:
        """Set aside, unhandled, an update that newer update `newer` of its chat went before."""
        log.info("update %s set aside unhandled: update %s of the same chat went first (the "
                 "person tried again or went on)", update_id, newer)
        self.failures.forget(update_id)
        try:
            await stored.supersede(self.db, update_id, self.clock())
        except sqlite3.Error as exc:
            # Still pending in the table: the next start finds it superseded again, once the
            # newer one is recorded as done (until then both are replayed, in order).
            log.warning("update %s could not be recorded as set aside (%s)", update_id, exc)

    async def drain(self, seconds: float) -> bool:
        """Wait up to `seconds` for running handlers; cancel what is left (replayed later)."""
        # Updates waiting to be tried again stay pending in the table: the next start has them.
        for timer in self._timers.values():
            timer.cancel()
        self._timers.clear()
        self._waiting.clear()
        tasks = list(self._workers.values())
        if not tasks:
            return True
        _, still = await asyncio.wait(tasks, timeout=seconds)
        for task in still:
            task.cancel()
        if still:
            await asyncio.wait(still, timeout=1)
        return not still


def _passing(exc: sqlite3.Error) -> sqlite3.Error:
    """`exc` when it may pass by itself; any other refusal is raised again (the update stays
    pending until the next start)."""
    if transient_error(exc) is None:
        raise exc
    return exc


def _seconds(value: object) -> float:
    if hasattr(value, "total_seconds"):
        return float(value.total_seconds())
    return float(value)  # type: ignore[arg-type]
