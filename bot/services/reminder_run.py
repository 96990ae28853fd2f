"""The daily reminder run's question at scale: which obligations are due and at a stage today.

`obligations.everyone` builds every household's obligations from all its contacts of the
year; the run keeps the due ones at a reminder stage (`reminding.stages_today`). This gives
the same answer, in the same order, from less: only the rules at a stage today (on most days
none, and then nothing is read), only the running periods, only each household's latest
contact of each kind, columns through the domain's fast path (`reminding.due_at_stage`),
and objects only for what is reminded. tests/services/test_reminder_messages.py compares
both on a varied database. Only the reads run on the event loop (their SQL on aiosqlite's
thread); the objects are built in a worker thread, so residents are answered meanwhile.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Collection, Iterable, Sequence
from datetime import date

from bot.domain.cadence import (
    Coverage,
    Obligation,
    ObligationKeys,
    Program,
    Stage,
    earliest_needed,
)
from bot.domain.digest import Item
from bot.domain.reminding import coverage_on, due_at_stage, staged_rules
from bot.services.bulk import collector_paused
from storage import pairings, reminder_rows
from storage.db import Database
from storage.reminders import house_of

Found = list[tuple[Item, Stage]]  # at a reminder stage today, in obligations.everyone's order
Key = tuple[int, int, int, str]  # (worker, household, program, obligation key)
Current = dict[Key, tuple[Item, Stage]]  # the same, by_key


async def current(db: Database, today: date, *, programs: Sequence[Program] | None = None,
                  households: Collection[int] | None = None) -> Current:
    """What `reminding.stages_today` keeps of `obligations.everyone(db, today, 0)`, by_key in
    the same order: every running obligation that is due and at a reminder stage today
    (with households: of those households only).

    Only the SQL runs on the connection; the items are built in a worker thread: at 100,000
    households that is seconds of Python, during which the event loop (every resident's
    reply) would otherwise wait."""
    if programs is None:
        programs = await pairings.programs(db)
    staged = [Program(p.id, p.name, tuple(rule for rule, _ in rules))
              for p in programs if (rules := staged_rules(p, today))]
    since = earliest_needed(staged, today, 0)
    if since is None:
        return {}  # no rule is at a stage today
    # Paused for the whole process, worker thread included, until the objects are built.
    with collector_paused():
        read = await reminder_rows.read(db, since=since, today=today, households=households)
        return await asyncio.to_thread(_by_key, today, staged, read)


def _by_key(today: date, staged: list[Program], read: reminder_rows.Read) -> Current:
    """_items by_key, in one trip to the worker thread, those settled already left out."""
    settled = {row[0] for row in read.settled}
    read.settled.clear()
    if not settled:
        return by_key(_items(today, staged, read))
    # Left out before their items are made: the day after a run, nearly all of them.
    key, text = ObligationKeys(), reminder_rows.settled_key
    return by_key(_items(today, staged, read, lambda o, household, program, stage: text(
        o.worker_id, household, program, key(o.rule, o.period), stage.value) not in settled))


def _items(today: date, staged: list[Program], read: reminder_rows.Read,
           wanted: Callable[[Obligation, int, int, Stage], bool] | None = None) -> Found:
    """The items at a stage from the rows read (no connection: any thread), those `wanted`
    (obligation, household, programme, stage) if given. It empties `read` once assembled."""
    found, houses = reminder_rows.assemble(read, staged)
    # The rows as read are not needed again: let them go before the items are made (at
    # 100,000 households the run's peak memory fell by a seventh).
    for as_read in (read.houses, read.pairings, read.contacts):
        as_read.clear()
    # The domain works a programme at a time, on the households covered today.
    rows: dict[int, list[int]] = {}
    spans: dict[int, list[Coverage]] = {}
    for index, r in enumerate(found):
        span = coverage_on(r.tenures, today)
        if span is not None:
            rows.setdefault(r.program.id, []).append(index)
            spans.setdefault(r.program.id, []).append(span)
    by_row: dict[int, list[tuple[Obligation, Stage]]] = {}
    for program in staged:
        indexes = rows.get(program.id, [])
        latest = {kind: [found[i].latest[k] for i in indexes]
                  for k, kind in enumerate(reminder_rows.LATEST_KINDS)}
        for row, obligation, stage in due_at_stage(program, today,
                                                  spans.get(program.id, []), latest):
            index = indexes[row]
            if wanted is None or wanted(obligation, found[index].household_id, program.id,
                                        stage):
                by_row.setdefault(index, []).append((obligation, stage))
    out: Found = []
    for index in sorted(by_row):
        r = found[index]
        house = house_of(houses[r.household_id])
        out.extend((Item(r.household_id, house.name, house.area_id, house.area_name,
                         r.program.id, r.program.name, o), stage)
                   for o, stage in by_row[index])
    return out


def by_key(found: Iterable[tuple[Item, Stage]]) -> Current:
    """The items by (worker, household, program, obligation key), in the same order."""
    # Each key's text written once per rule and period, not for each of 170,000 obligations.
    key = ObligationKeys()
    return {(item.obligation.worker_id, item.household_id, item.program_id,
             key(item.obligation.rule, item.obligation.period)): (item, stage)
            for item, stage in found}
