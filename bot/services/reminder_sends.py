"""The reminder run's bookkeeping: plan a day's reminders once, claim those ready, record sends.

The daily run (bot/jobs/reminders.py) asks `reminder_run` what is due, then goes through
these use cases for everything it keeps in the reminders table (storage/reminders.py):
whether today's run is planned, planning it, claiming what is ready (stale reminders are
cancelled), who the workers are, and what became of each message. Sending is the job's.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime
from operator import itemgetter

from bot.domain.people import Role
from bot.services import access, reminder_run
from bot.services.context import Services
from bot.services.reminder_run import Current, Found, Key, Send, ids_of
from storage import reminders as store
from storage.db import Row
from storage.reminders import Claimed
from storage.reminders import Worker as Recipient

__all__ = ["Batch", "Claimed", "Current", "Key", "Recipient", "Send", "cancel", "claim_ready",
           "failed", "has_ready", "ids_of", "on_duty", "plan_and_claim", "planned", "recipients",
           "sent", "take_back"]

REMINDER_JOB = "reminders"  # the run's name in scheduled_runs; its key is the local date

Batch = dict[int, list[Send]]  # claimed and still relevant, by worker


async def planned(services: Services, today: date) -> bool:
    """Whether the run of this local day has been planned already."""
    return await store.run_done(services.db, REMINDER_JOB, today.isoformat())


async def has_ready(services: Services, now: datetime) -> bool:
    """Whether a planned or failed reminder is ready to (re)send (a cheap check every tick)."""
    return await store.has_ready(services.db, now)


def _planned(current: Current) -> tuple[list[Found], store.Plan]:
    """The run's obligations worker by worker, and as store.plan_claimed takes them."""
    # Worker by worker: the unique index (worker first) then grows in a few places instead of
    # everywhere (a fifth less CPU). The sort is stable, so each worker's reminders keep
    # everyone's order and ids keep ordering them as before (deliver breaks ties by id).
    found = sorted(current.found, key=_worker)
    dues = {due: n for n, due in enumerate(dict.fromkeys(due for _, _, due, _ in found))}
    return found, store.plan([(due.program_id, due.key, due.stage.value, due.due_text)
                              for due in dues],
                             ((worker, household, dues[due]) for worker, household, due, _
                              in found))


_worker = itemgetter(0)


async def plan_and_claim(services: Services, today: date, current: Current, now: datetime,
                         claimer: str | None = None) -> tuple[int | None, Batch]:
    """Claim whatever is ready, then record today's run and a reminder for each obligation at
    a stage, claimed as they are written (one transaction, no second pass over them); how
    many are new (None: planned already) and the claimed still relevant, by worker (the rest
    cancelled)."""
    found, plan = await asyncio.to_thread(_planned, current)
    # What was ready before the run (retries, a dead process's claims) first: claimed after,
    # the claim would walk the run's new rows too (being sent, in reminders_open) to find
    # none of them ready. A reminder planned already keeps its row, claimed here if ready.
    rows = await store.claim_rows(services.db, now, claimer=claimer)
    new = await store.plan_claimed(services.db, REMINDER_JOB, today.isoformat(), plan, today,
                                   now, claimer)
    del plan
    if new is None:
        return None, (await _settled(services, rows, current) if rows else {})
    by_worker, stale = await asyncio.to_thread(_batch, current, found, new, rows)
    await store.cancel(services.db, stale)
    return (len(new), by_worker)


def _batch(current: Current, found: list[Found], new: store.New, rows: list[Row]
           ) -> tuple[Batch, list[int]]:
    """The new reminders (`found` as planned) and the other claimed rows still relevant, by
    worker in claim_rows' order (worker, then id), and the ids of the others."""
    by_worker, stale = _matched(rows, current) if rows else ({}, [])
    if isinstance(new, range):
        ids: Sequence[int | None] = new  # every one new, in the order planned
    else:  # some were planned already (the clock went back, a catch-up): by their keys
        made = {(w, h, p, key, stage): id_ for id_, w, h, p, key, stage in new}
        ids = [made.get((w, h, due.program_id, due.key, due.stage.value))
               for w, h, due, _ in found]
    houses = current.houses  # a household's name is its row's second column
    worker, sends = None, []
    for id_, (worker_id, household, due, _) in zip(ids, found, strict=True):
        if id_ is None:
            continue
        if worker_id != worker:  # found is worker by worker: one look-up per worker
            worker, sends = worker_id, by_worker.setdefault(worker_id, [])
        # The claimed rows' ids are older than the new ones: in id order, after them.
        sends.append((due.due_by, houses[household][1], id_, household, due))
    if rows:
        by_worker = dict(sorted(by_worker.items()))
    return by_worker, stale


async def claim_ready(services: Services, today: date, now: datetime,
                      claimer: str | None = None) -> Batch:
    """Claim every reminder ready to (re)send on a tick that plans nothing (a retry, a
    take-over); those still relevant by worker, the rest cancelled. What is due today is
    worked out only for the households of the reminders claimed, not for every household
    (seconds at 100,000 households, on every tick while a retry waits)."""
    rows = await store.claim_rows(services.db, now, claimer=claimer)
    if not rows:
        return {}
    households = {household_id for _, _, household_id, *_ in rows}
    return await _settled(services, rows,
                          await reminder_run.current(services.db, today, households=households))


async def _settled(services: Services, rows: list[Row], current: Current) -> Batch:
    """The claimed rows still relevant, by worker; the others cancelled."""
    # Matched off the event loop (the rows are plain values, read already).
    by_worker, stale = await asyncio.to_thread(_matched, rows, current)
    await store.cancel(services.db, stale)
    return by_worker


def _matched(rows: list[Row], current: Current) -> tuple[Batch, list[int]]:
    """claim_rows' rows still relevant, by worker (in their order), and the ids of the
    others."""
    stale: list[int] = []
    by_worker: Batch = {}
    index, name = current.index(), current.name
    for id_, worker_id, household_id, program_id, key, stage, _, _ in rows:
        found = index.get((worker_id, household_id, program_id, key))
        if found is None or found[2].stage.value != stage:
            stale.append(id_)  # met, handed over, or at another stage now
            continue
        due = found[2]
        by_worker.setdefault(worker_id, []).append(
            (due.due_by, name(household_id), id_, household_id, due))
    return by_worker, stale


async def take_back(services: Services, claimer: str, gone: Callable[[str], bool]) -> int:
    """Reminders and digests that a process now `gone` (kill -9, a crash) had claimed, made
    ready at once instead of after the lease; how many. Claims of a live process stay its own."""
    dead = [other for other in await store.claimers(services.db)
            if other != claimer and gone(other)]
    return await store.take_back(services.db, dead)


async def recipients(services: Services, ids: Iterable[int]) -> dict[int, Recipient]:
    """The workers with these ids, as the run writes to them (unknown ids are left out)."""
    return await store.people_by_id(services.db, ids)


async def on_duty(services: Services, worker_id: int) -> bool:
    """Whether the worker still holds their role, read now (asked as each reminder message
    goes out: one taken off duty during a run, or a flood wait, gets nothing more)."""
    return await access.holds(services, worker_id, Role.WORKER)


async def cancel(services: Services, ids: Sequence[int]) -> None:
    """These reminders are no longer to be sent (their worker left)."""
    await store.cancel(services.db, ids)


async def sent(services: Services, ids: Sequence[int], message_id: int | None,
               now: datetime) -> None:
    """Telegram accepted the message carrying these reminders."""
    await store.mark_sent(services.db, ids, message_id, now)


async def failed(services: Services, ids: Sequence[int], error: str, retry_at: datetime,
                 *, drop: bool = False, give_up_before: datetime | None = None) -> int:
    """Not sent: tried again from retry_at (while still relevant), or given up if drop, or
    if planned before `give_up_before` (failing for too long); how many were given up."""
    return await store.mark_failed(services.db, ids, error, retry_at, drop=drop,
                                   give_up_before=give_up_before)
