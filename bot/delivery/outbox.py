"""The outbox sender: delivers what use cases queued for people other than the one acting.

One task per process sends what is due: chats in parallel, each chat in order, paced within
Telegram's limits by the process's one pacer. Notices of one group (new workers joined, new
reports of a community) that wait together for one chat go out as one message, so a burst
never turns into minutes of backlog. A 429 holds only the chat it was about. What could not
be sent is tried again with backoff, across restarts: rows are claimed, sent, then marked.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, ReplyKeyboardRemove

from bot.delivery import process_id
from bot.delivery.pacing import Pacer
from bot.delivery.sender import GIVE_UP_AFTER, Outcome, ReplyMarkup, Result, Sender
from bot.domain.lengths import telegram_length
from bot.domain.people import Role
from bot.domain.reports import Status
from bot.domain.triage import Action as CaseAction
from bot.services import access, cases, referral_notices, routing, withdrawals
from bot.services.context import Services
from storage import outbox as store
from storage import referrals, reports, triage
from storage.db import remedy, transient_error

log = logging.getLogger(__name__)

MERGE_MAX = 20  # notices merged into one message at most (one button row each)
MERGE_BUDGET = 3500  # merged lines as Telegram counts them (telegram_length), below 4,096
# Transient failures back off to RETRY_CAP and are retried until GIVE_UP_AFTER (48 hours)
# since the row was queued, however many attempts that takes.
RETRY_CAP = timedelta(minutes=10)
IDLE_POLL = 5.0  # seconds between looks at the table when nobody woke the sender
CLAIM_BATCH = 500
PER_CHAT_ROUND = 4  # messages one chat sends per round at most
# Chats Telegram told to wait longer than this are not claimed until then, so their rows
# never fill a claim batch ahead of everyone else's.
HOLD_SKIP = 2.0
# A group's notices to one chat go out at once when the chat is quiet; while they keep
# coming, each merged message waits twice as long as the one before (up to GROUP_GAP_MAX),
# so a hundred joins in a minute make a handful of messages, not a hundred.
GROUP_GAP_MIN = 2.0
GROUP_GAP_MAX = 30.0
# Only notices that can wait are held back so; new-report cards go as soon as the chat's pace
# allows (merging whatever waits by then): someone may be in danger. Held back on purpose,
# they keep no place in their chat's order: later messages do not wait behind them.
GAPPED_GROUPS = frozenset({"join"})
_UNORDERED = tuple(sorted(GAPPED_GROUPS))


async def _untaken(services: Services, chat_id: int, report_id: Any) -> bool:
    """A new-report card: nobody has taken the report yet."""
    found = await reports.get(services.db, int(report_id))
    return found is not None and found.status is Status.NEW


async def _may_view(services: Services, chat_id: int, report_id: Any) -> bool:
    """A case's details: the person may see them now (the one access check)."""
    found = await reports.get(services.db, int(report_id))
    if found is None:
        return False
    actor = await access.actor_by_id(services, chat_id)
    return await access.case(services, actor, CaseAction.VIEW, found) is None


async def _holds_referral(services: Services, chat_id: int, referral_id: Any) -> bool:
    """A referral's full card: the referral is this person's, and they are on duty, now."""
    found = await referrals.get(services.db, int(referral_id))
    actor = await access.actor_by_id(services, chat_id)
    return found is not None and found.worker_id == chat_id and actor.role.is_staff


async def _holds_role(services: Services, chat_id: int, role: Any) -> bool:
    """A message to someone for a staff role: they still hold it (access ends with it)."""
    return await access.holds(services, chat_id, Role(str(role)))


async def _holds_case(services: Services, chat_id: int, reply: Any) -> bool:
    """A reporter's reply: this chat holds the case now, and is on duty."""
    found = await reports.get(services.db, int(reply[0]))
    return (found is not None and found.taken_by == chat_id
            and await access.holds(services, chat_id, Role.WORKER))


async def _reply_again(services: Services, chat_id: int, reply: Any) -> list[store.Outgoing]:
    """A reporter's reply for a worker who no longer holds the case: for the one who does."""
    return await cases.reply_again(services, int(reply[0]), int(reply[1]))


Check = Callable[[Services, int, Any], Awaitable[bool]]
Instead = Callable[[Services, int, Any], Awaitable[list[store.Outgoing]]]

# Delivery-time checks: a queued row whose `after` has one of these keys goes out only if
# the check, given the chat and the key's value, says yes as it goes out; else it is dropped.
CHECKS: dict[str, Check] = {
    routing.UNLESS_TAKEN: _untaken,  # cards of reports someone took while they waited
    routing.CASE_VIEW: _may_view,  # a case's details, when taken off duty or handed on
    referral_notices.HOLDER_ONLY: _holds_referral,  # an assigned referral's full card
    routing.FOR_ROLE: _holds_role,  # anything written to a worker or coordinator as such
    routing.TO_HOLDER: _holds_case,  # a reporter's reply, for the case's holder
}
# What a row a check refuses is owed instead (else nothing): queued with the drop, in one
# transaction. A reporter's reply that waited (a flood wait, an outage) while the case changed
# hands goes to whoever holds it now, worded for them, never to the one who held it.
INSTEAD: dict[str, Instead] = {
    routing.TO_HOLDER: _reply_again,
}


async def _refused(services: Services, row: store.Queued) -> str | None:
    """The first check of the row that says no now (its key), or None to send it."""
    for key, check in CHECKS.items():
        value = row.after.get(key)
        if value is not None and not await check(services, row.chat_id, value):
            return key
    return None


def markup_of(rows: Sequence[Sequence[tuple[str, str]]]) -> InlineKeyboardMarkup | None:
    """Inline buttons from (label, callback data) rows; None for no buttons."""
    if not rows:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(label, callback_data=data) for label, data in row]
         for row in rows])


class Outbox:
    """Claims, merges, sends and marks outbox rows."""

    def __init__(self, services: Services, bot: Bot, pacer: Pacer) -> None:
        self.services = services
        self.sender = Sender(bot, services.db, services.clock, pacer)
        self.sender.release_on_flood = True
        self.pacer = pacer
        self._wake = asyncio.Event()
        self._groups: dict[tuple[int, str], tuple[float, float]] = {}  # last sent, gap
        self.claimer = process_id.this_process()
        # Since when a passing database failure stops every round (None: rounds work).
        self._paused: datetime | None = None

    def wake(self) -> None:
        """Something was queued: look now instead of at the next poll."""
        self._wake.set()

    async def take_back_orphans(self) -> int:
        """Queue again what a process that died (kill -9, a crash) had claimed, at once rather
        than after the lease; claims of a live process (a `zhongfu tick`) stay its own."""
        try:
            dead = [claimer for claimer in await store.claimers(self.services.db)
                    if claimer != self.claimer and process_id.gone(claimer)]
            taken = await store.take_back(self.services.db, dead)
        except Exception:
            # The database refused (locked, disk full): the claims go out after the lease.
            log.exception("could not take back old claims")
            return 0
        if taken:
            log.info("took back %d message(s) a stopped process had claimed", taken)
        return taken

    async def run(self) -> None:
        """Send until cancelled (inside `zhongfu run`)."""
        await self.take_back_orphans()
        while True:
            self._wake.clear()
            idle = await self._round()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), idle)

    async def _round(self) -> float:
        """Send what is due; the seconds to sleep before the next look. What is queued stays
        queued when the database refuses."""
        try:
            await self.flush()
            idle = await self._idle()
        except Exception as exc:
            self._refused(exc)
            with contextlib.suppress(Exception):  # a read may still work under a held lock
                return await self._idle()
            return IDLE_POLL
        if self._paused is not None:
            log.warning("outbox recovered: the database answers again (paused since %s)",
                        self._paused.isoformat(timespec="seconds"))
            self._paused = None
        return idle

    def _refused(self, exc: Exception) -> None:
        """Log a round the database refused: a passing refusal (a lock held past the busy
        timeout, a full disk) when it begins, then quietly until a round works again (the
        sender keeps trying by itself); anything else each time, with its traceback."""
        passing = transient_error(exc)
        if passing is None:
            log.exception("outbox round failed; trying again shortly")
        elif self._paused is None:
            log.warning("outbox paused: the database refused (%s: %s); what is queued waits "
                        "and goes out once it answers", remedy(passing), passing)
            self._paused = self.services.clock()
        else:
            log.debug("outbox still paused (%s)", passing)

    async def _idle(self) -> float:
        """Seconds to sleep before the next look (the next due row, at most IDLE_POLL)."""
        now = self.services.clock()
        due = await store.next_due(self.services.db, now, _UNORDERED)
        if due is None:
            return IDLE_POLL
        wait = (due - now).total_seconds()
        return min(IDLE_POLL, max(0.05, wait))

    async def flush(self, at: datetime | None = None) -> int:
        """Send everything due now (or at `at`, for a tick run for an instant); return how
        many rows went out."""
        now = self.services.clock()
        if at is not None and at > now:
            now = at
        held = self.pacer.held_chats(HOLD_SKIP)
        # A chat's rows behind one that waits (a flood wait, a retry) stay in the table:
        # each chat's messages arrive in the order they were queued.
        rows = await store.claim(self.services.db, now, CLAIM_BATCH, held, self.claimer,
                                 _UNORDERED)
        if not rows:
            return 0
        by_chat: dict[int, list[store.Queued]] = {}
        for row in rows:
            by_chat.setdefault(row.chat_id, []).append(row)
        counts = await asyncio.gather(*(self._chat(chat, items)
                                        for chat, items in by_chat.items()))
        return sum(counts)

    async def drain(self, seconds: float, at: datetime | None = None) -> None:
        """Send what is due, for up to `seconds` (for `zhongfu tick`); the rest waits."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        await self.take_back_orphans()
        while loop.time() < deadline:
            remaining = deadline - loop.time()
            try:
                sent = await asyncio.wait_for(self.flush(at), remaining)
            except TimeoutError:
                return  # claimed rows go back to the table after the lease
            if not sent:
                return

    async def _chat(self, chat_id: int, rows: list[store.Queued]) -> int:
        """One chat's rows in order, groups merged; stop at the first failure that holds
        the chat (a message refused for good is given up alone)."""
        rows = await self._still_wanted(rows)
        sent = 0
        messages = _batches(rows)
        # Keep only what goes out within seconds (the pacer allows about one a second per
        # chat); the rest goes back unclaimed, so no claim outlives the lease.
        later = [row for batch in messages[PER_CHAT_ROUND:] for row in batch]
        messages = messages[:PER_CHAT_ROUND]
        await store.release(self.services.db, [row.id for row in later], self.services.clock())
        # A group whose gap is over sends everything of it that waits in this round, not one
        # message of MERGE_MAX a gap: else a long burst queues faster than it drains.
        opened: set[str] = set()
        for index, batch in enumerate(messages):
            group = _gapped(batch)
            wait = 0.0 if group in opened else self._group_wait(chat_id, batch)
            if wait > 0:
                await store.release(self.services.db, [row.id for row in batch],
                                    self.services.clock() + timedelta(seconds=wait))
                continue
            result = await self._send(chat_id, batch)
            if result.ok:
                if group is not None and group not in opened:
                    self._group_sent(chat_id, batch)
                    opened.add(group)
                await self._done(chat_id, batch, result)
                sent += len(batch)
                continue
            if result.outcome is Outcome.FAILED:
                # Telegram refused this message for good (a bad request, an edit it will not
                # make): it alone is given up; the chat's next messages go on in order.
                await self._failed(batch, result)
                continue
            # The rest waits with it (a flood wait, a passing failure), or the chat is gone.
            rest = [row for later in messages[index:] for row in later]
            await self._failed(rest, result)
            break
        return sent

    async def _still_wanted(self, rows: list[store.Queued]) -> list[store.Queued]:
        """The rows whose checks (CHECKS, by the keys in their `after`) still say yes now;
        the others are dropped, not retried (nobody needs them, or they may not see them),
        and what they are owed INSTEAD queued in their place."""
        wanted, moot = [], []
        instead: list[store.Outgoing] = []
        for row in rows:
            refused = await _refused(self.services, row)
            if refused is None:
                wanted.append(row)
                continue
            log.info("outbox message %s to %s dropped: its check %r says no now", row.id,
                     row.chat_id, refused)
            moot.append(row.id)
            owed = INSTEAD.get(refused)
            if owed is not None:
                instead += await owed(self.services, row.chat_id, row.after[refused])
        if moot:
            await store.drop(self.services.db, moot, self.services.clock(), instead)
        if instead:
            self.wake()
        return wanted

    async def _send(self, chat_id: int, batch: list[store.Queued]) -> Result:
        first = batch[0]
        if first.op == "delete":
            return await self.sender.delete(chat_id, int(first.target["message_id"]))
        if first.op == "edit":
            return await self.sender.edit(chat_id, int(first.target["message_id"]), first.text,
                                          markup_of(first.buttons))
        if first.op == "location":
            return await self.sender.location(chat_id, float(first.target["latitude"]),
                                              float(first.target["longitude"]))
        if first.op == "photo":
            return await self.sender.photo(chat_id, str(first.target["file_id"]),
                                           first.text or None)
        if first.op == "voice":
            said = self.sender.audio if first.target.get("audio") else self.sender.voice
            return await said(chat_id, str(first.target["file_id"]))
        if len(batch) == 1:
            markup: ReplyMarkup | None = markup_of(first.buttons)
            if first.target.get("remove_keyboard"):
                markup = ReplyKeyboardRemove()  # e.g. the receipt after the contact keyboard
            return await self.sender.text(chat_id, first.text, markup)
        text, buttons = self._merged(batch)
        return await self.sender.text(chat_id, text, markup_of(buttons))

    def _merged(self, batch: list[store.Queued]) -> tuple[str, list[tuple[tuple[str, str], ...]]]:
        """One message for several notices of a group: a header, their lines, their buttons."""
        first = batch[0]
        kind = (first.group or "").split(":")[0]
        values = {**first.item.get("values", {}), "count": len(batch)}
        header = self.services.catalog.t(first.lang, f"outbox.merged.{kind}", **values)
        lines = [str(row.item.get("line") or row.text) for row in batch]
        # A merged row may carry buttons of its own (a Take button naming its report).
        buttons = [tuple((str(a), str(b)) for a, b in button_row) for row in batch
                   for button_row in (row.item.get("buttons") or row.buttons)]
        return "\n".join([header, *lines]), buttons

    def _group_wait(self, chat_id: int, batch: list[store.Queued]) -> float:
        """Seconds this group's next merged message must still wait (0: send now)."""
        group = _gapped(batch)
        if group is None:
            return 0.0
        last, gap = self._groups.get((chat_id, group), (-1e9, GROUP_GAP_MIN))
        return max(0.0, last + gap - asyncio.get_running_loop().time())

    def _group_sent(self, chat_id: int, batch: list[store.Queued]) -> None:
        """A gapped group went out: the next waits twice as long while notices keep coming."""
        group = _gapped(batch)
        if group is None:
            return
        now = asyncio.get_running_loop().time()
        last, gap = self._groups.get((chat_id, group), (-1e9, GROUP_GAP_MIN))
        busy = now - last < 2 * gap
        self._groups[(chat_id, group)] = (now, min(GROUP_GAP_MAX, gap * 2) if busy
                                          else GROUP_GAP_MIN)

    async def _done(self, chat_id: int, batch: list[store.Queued], result: Result) -> None:
        message_id = result.message.message_id if result.message is not None else None
        now = self.services.clock()
        # A row dropped on its way (an erasure took what it carried) reached the chat anyway.
        late = await store.mark_sent(self.services.db, [row.id for row in batch], message_id,
                                     now)
        for row in batch:
            notice = row.after.get("notice")
            if notice and message_id is not None:
                await triage.record_notice(self.services.db, int(notice[0]), chat_id,
                                           message_id, str(notice[1]), now)
            referral = row.after.get("referral_notice")
            if referral and message_id is not None:
                await referrals.record_notice(self.services.db, int(referral), chat_id,
                                              message_id)
            for named in row.after.get(referral_notices.SUMMARY_OF) or ():
                if message_id is not None:
                    await referrals.record_notice(self.services.db, int(named), chat_id,
                                                  message_id, referrals.SUMMARY)
            shown = row.after.get(withdrawals.DETAILS)
            if shown and message_id is not None:
                # [subject, id], and the kind for a pin, a photo or a voice note; details
                # whose reporter was erased while they went out are taken back at once.
                kind = str(shown[2]) if len(shown) > 2 else withdrawals.TEXT
                await withdrawals.shown(self.services, chat_id, message_id, str(shown[0]),
                                        int(shown[1]), now, kind,
                                        erased=late.get(row.id, "") == store.ERASED)

    async def _failed(self, rows: list[store.Queued], result: Result) -> None:
        """Hold, retry later, or give up, by what Telegram said: a permanent refusal gives up
        at once; a transient failure is retried until GIVE_UP_AFTER since the row was queued."""
        db, now = self.services.db, self.services.clock()
        ids = [row.id for row in rows]
        if result.outcome is Outcome.HELD:
            await store.release(db, ids, now + timedelta(seconds=result.retry_after))
            return
        attempts = max(row.attempts for row in rows) + 1
        error = result.error or result.outcome.value
        retry_at = now + _backoff(attempts)
        if result.outcome in (Outcome.FORBIDDEN, Outcome.FAILED):
            log.warning("outbox gave up on %s message(s) to %s: refused: %s", len(ids),
                        rows[0].chat_id, result.error)
            await store.mark_failed(db, ids, error, retry_at, drop=True)
            if result.outcome is Outcome.FORBIDDEN:
                await self._tell_sender(rows)
            return
        expired = [row.id for row in rows if now - row.created_at >= GIVE_UP_AFTER]
        if expired:
            log.warning("outbox gave up on %s message(s) to %s after failing for %d hours: %s",
                        len(expired), rows[0].chat_id, GIVE_UP_AFTER.total_seconds() // 3600,
                        result.error)
            await store.mark_failed(db, expired, error, retry_at, drop=True)
        waiting = [i for i in ids if i not in expired]
        if waiting:
            log.info("outbox: %s message(s) to %s not sent (%s); trying again at %s",
                     len(waiting), rows[0].chat_id, error, retry_at.isoformat())
            await store.mark_failed(db, waiting, error, retry_at)

    async def _tell_sender(self, rows: list[store.Queued]) -> None:
        """Someone blocked the bot: whoever wrote to them (a worker relaying a message) is
        told, so they can try another way."""
        # Whoever relayed is staff (a worker writing to a reporter): told only while on duty.
        notices = [store.Outgoing(int(n["chat_id"]), str(n["text"]),
                                  store.buttons_of(n.get("buttons") or []), str(n["lang"]),
                                  after=routing.as_worker())
                   for row in rows if (n := row.after.get("if_blocked"))]
        if notices:
            await store.enqueue(self.services.db, notices, self.services.clock())
            self.wake()


def _backoff(attempts: int) -> timedelta:
    return min(RETRY_CAP, timedelta(seconds=2 ** attempts))


def _gapped(batch: list[store.Queued]) -> str | None:
    """The batch's group when it is one that waits between messages (joins), else None."""
    group = batch[0].group if batch[0].op == "send" else None
    if group is None or group.split(":")[0] not in GAPPED_GROUPS:
        return None
    return group


def _batches(rows: list[store.Queued]) -> list[list[store.Queued]]:
    """Rows in order, each group's waiting rows gathered where the group first appears."""
    out: list[list[store.Queued]] = []
    open_groups: dict[str, list[store.Queued]] = {}
    sizes: dict[str, int] = {}
    for row in rows:
        group = row.group if row.op == "send" else None
        if group is None:
            out.append([row])
            continue
        batch = open_groups.get(group)
        line = telegram_length(str(row.item.get("line") or row.text)) + 1
        if batch is None or len(batch) >= MERGE_MAX or sizes[group] + line > MERGE_BUDGET:
            batch = open_groups[group] = [row]
            sizes[group] = 0
            out.append(batch)
        else:
            batch.append(row)
        sizes[group] += line
    return out
