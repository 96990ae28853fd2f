"""What households are owed: the one place that runs the cadence engine over stored rows.

Storage reads pairings and contacts (storage.pairings.*_cadence, storage.reminders.all_cadence,
storage.figures.cadence_stream and fold_marks); bot.domain.cadence.obligations (one
household) computes, or bot.domain.marks and bot.domain.columns for the digest's many (as
bits, in columns); /due, the service
file, /log's answer, reminders, /overdue, the digest and its charts all ask here.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Collection, Iterable, Iterator, Sequence
from datetime import date

from bot.domain import marks as mk
from bot.domain.cadence import (
    Obligation,
    Program,
    earliest_needed,
    obligations,
)
from bot.domain.columns import Columns, Folding, Plan
from bot.domain.digest import Item
from bot.domain.periods import PeriodKind
from bot.services.bulk import collector_paused
from storage import figures, pairings, reminders
from storage.db import Database
from storage.pairings import Cadence


def _owed(cadence: Cadence, today: date, history_periods: int | None) -> list[Obligation]:
    return obligations(cadence.program, cadence.tenures, cadence.records, today,
                       history_periods=history_periods)


async def for_household(db: Database, household_id: int, today: date,
                        history_periods: int | None = 0) -> list[tuple[Program, Obligation]]:
    """What the household owes under each programme it has been paired in, as of today."""
    return [(c.program, o) for c in await pairings.household_cadence(db, household_id)
            for o in _owed(c, today, history_periods)]


async def for_worker(db: Database, worker_id: int, today: date, history_periods: int = 1,
                     household_ids: Iterable[int] | None = None) -> dict[int, list[Obligation]]:
    """For each of the worker's households: the obligations the worker is responsible for
    (the running period and `history_periods` before it)."""
    result: dict[int, list[Obligation]] = {}
    for c in await pairings.worker_cadence(db, worker_id, household_ids):
        result.setdefault(c.household_id, []).extend(
            o for o in _owed(c, today, history_periods) if o.worker_id == worker_id)
    return result


async def everyone(db: Database, today: date, history_periods: int | None = 0, *,
                   programs: Sequence[Program] | None = None) -> list[Item]:
    """Every obligation of every household (archived ones too: archiving ends the pairings,
    so an archived household owes only what fell due before): the running period of each
    rule and `history_periods` periods before it."""
    if programs is None:
        programs = await pairings.programs(db)
    # Older contacts meet none of the periods asked for: they are not read at all.
    since = earliest_needed(programs, today, history_periods)
    with collector_paused():
        found, houses = await reminders.all_cadence(db, programs=programs, since=since)
        out: list[Item] = []
        for c in found:
            house = houses[c.household_id]
            out.extend(Item(c.household_id, house.name, house.area_id, house.area_name,
                            c.program.id, c.program.name, o)
                       for o in _owed(c, today, history_periods))
    return out


def streamed(conn: sqlite3.Connection, today: date, history_periods: int | None,
             worker_id: int | None = None, *,
             program_ids: Collection[int] | None = None) -> Iterator[Item]:
    """`everyone` household by household over a connection of its own (figures, exports: a
    year of contacts is never held at once). With worker_id, what that worker answers for;
    with program_ids, only those programmes (`everyone` counts the active ones)."""
    for c, house in figures.cadence_stream(conn, worker_id):
        if program_ids is not None and c.program.id not in program_ids:
            continue
        for o in _owed(c, today, history_periods):
            if worker_id is None or o.worker_id == worker_id:
                yield Item(c.household_id, house.name, house.area_id, house.area_name,
                           c.program.id, c.program.name, o)


def owed_columns(conn: sqlite3.Connection, today: date, history_periods: int, *,
                 program_ids: Collection[int]) -> Columns:
    """`streamed` as the digest counts it (domain.columns): each programme rule's running
    period and `history_periods` before it, owed and met as bits (domain.marks;
    storage.figures.fold_marks), for every household, as columns."""
    frames: dict[PeriodKind, mk.Window] = {}
    columns: dict[mk.Column, int] = {}  # each column once, by its place in the read
    plans: list[tuple[Program, Plan]] = []
    for program in figures.programs(conn):
        if program.id not in program_ids:
            continue
        plan: Plan = []
        for rule in program.rules:
            frame = frames.get(rule.period)
            if frame is None:
                frame = frames[rule.period] = mk.window(rule.period, today, history_periods)
            plan.append((rule, frame, columns.setdefault(mk.column(rule, frame), len(columns))))
        plans.append((program, plan))
    folding = Folding(today, plans, len(columns))
    figures.fold_marks(conn, list(columns), today, folding.add_one, folding.add)
    return folding.columns()
