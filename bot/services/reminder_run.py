"""The daily reminder run's question at scale: which obligations are due and at a stage today.

`obligations.everyone` builds every household's obligations from all its contacts of the
year; the run keeps the due ones at a reminder stage (`reminding.stages_today`). This gives
the same answer, in the same order, from less: only the rules at a stage today (on most days
none, and then nothing is read), only the running periods, only each household's latest
contact of each kind, columns through the domain's fast path
(`reminding.due_rows_at_stage`), and for what is reminded a tuple each, with one `Due` per
rule shared by all of them (planning, claiming and rendering read those; items are made only
when a test or support asks). tests/services/test_reminder_messages.py compares both on a
varied database. Only the reads run on the event loop (their SQL on aiosqlite's thread);
the rest in a worker thread, so residents are answered meanwhile.
"""

from __future__ import annotations

import asyncio
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from bot.domain.cadence import (
    Coverage,
    Obligation,
    ObligationKeys,
    Program,
    Rule,
    Stage,
    Status,
    earliest_needed,
)
from bot.domain.digest import Item
from bot.domain.periods import Period
from bot.domain.reminding import coverage_on, due_rows_at_stage, staged_keys, staged_rules
from bot.services.bulk import collector_paused
from storage import pairings, reminder_rows
from storage.db import Database, Row

Key = tuple[int, int, int, str]  # (worker, household, program, obligation key)


@dataclass(frozen=True, eq=False, slots=True)
class Due:
    """What every obligation of one programme rule at a stage today asks: one object per rule,
    shared by all of them (a run has a handful; compared and hashed by identity, in C)."""

    program_id: int
    rule: Rule
    period: Period
    due_by: date
    stage: Stage
    key: str  # the obligation key, call:2026-Q4
    due_text: str = field(init=False)  # due_by as the reminders table writes it

    def __post_init__(self) -> None:
        object.__setattr__(self, "due_text", self.due_by.isoformat())


# One obligation at a stage: (worker, household, what it asks, pairing). A tuple, not an
# object: a run finds 170,000 at 100,000 households, and makes objects only for what it
# renders.
Found = tuple[int, int, Due, int]
# One reminder claimed and still relevant, as deliver() sends it: (due by, household name,
# reminder id, household id, what it asks). In the order a worker's message lists them as it
# is (tuples compare in C; ids are unique, so the last two are never compared).
Send = tuple[date, str, int, int, Due]


def ids_of(sends: Iterable[Send]) -> list[int]:
    """The reminders' ids."""
    return [send[2] for send in sends]


class Current(Mapping[Key, tuple[Item, Stage]]):
    """What is due and at a reminder stage today: `found` in obligations.everyone's order,
    with the households' rows as read (names for the messages). As a mapping (by Key, in
    the same order) it gives items, made when asked (tests and support; the run reads
    `found`)."""

    def __init__(self, found: list[Found], houses: Mapping[int, Row],
                 programs: Mapping[int, str] | None = None) -> None:
        self.found = found
        self.houses = houses
        self._programs = programs or {}  # the programmes' names, by id
        self._index: dict[Key, Found] | None = None

    def index(self) -> dict[Key, Found]:
        """The obligations by Key (made once, when first asked: a run that only plans never
        needs it)."""
        if self._index is None:
            self._index = {(found[0], found[1], found[2].program_id, found[2].key): found
                           for found in self.found}
        return self._index

    def name(self, household_id: int) -> str:
        """The household's name, as read."""
        return str(self.houses[household_id][1])

    def item(self, found: Found) -> tuple[Item, Stage]:
        """One obligation as obligations.everyone gives it, with its stage."""
        worker_id, household_id, due, pairing_id = found
        house = self.houses[household_id]
        return Item(household_id, house[1], house[2], house[3], due.program_id,
                    self._programs[due.program_id],
                    Obligation(due.rule, due.period, Status.DUE, due.due_by, None, worker_id,
                               pairing_id)), due.stage

    def __getitem__(self, key: Key) -> tuple[Item, Stage]:
        return self.item(self.index()[key])

    def __iter__(self) -> Iterator[Key]:
        return iter(self.index())

    def __len__(self) -> int:
        return len(self.found)


async def current(db: Database, today: date, *, programs: Sequence[Program] | None = None,
                  households: Collection[int] | None = None) -> Current:
    """What `reminding.stages_today` keeps of `obligations.everyone(db, today, 0)`, in the
    same order: every running obligation that is due and at a reminder stage today (with
    households: of those households only).

    Only the SQL runs on the connection; the rest in a worker thread: at 100,000 households
    that is a second of Python, during which the event loop (every resident's reply) would
    otherwise wait."""
    if programs is None:
        programs = await pairings.programs(db)
    staged = [Program(p.id, p.name, tuple(rule for rule, _ in rules))
              for p in programs if (rules := staged_rules(p, today))]
    since = earliest_needed(staged, today, 0)
    if since is None:
        return Current([], {})  # no rule is at a stage today
    # Paused for the whole process, worker thread included, until the tuples are built.
    with collector_paused():
        read = await reminder_rows.read(db, since=since, today=today, households=households,
                                        staged=staged_keys(programs, today))
        return await asyncio.to_thread(_current, today, staged, read)


def _current(today: date, staged: list[Program], read: reminder_rows.Read) -> Current:
    """_found as Current, in one trip to the worker thread, those settled already left out."""
    settled = {row[0] for row in read.settled}
    read.settled.clear()
    found, houses = _found(today, staged, read, settled)
    return Current(found, houses, {p.id: p.name for p in staged})


def _found(today: date, staged: list[Program], read: reminder_rows.Read,
           settled: Collection[str] = ()) -> tuple[list[Found], dict[int, Row]]:
    """The obligations at a stage from the rows read (no connection: any thread), but those
    whose reminder is `settled` (reminder_rows.settled_key), and the households' rows. It
    empties `read` once assembled."""
    found, houses = reminder_rows.assemble(read, staged)
    # The rows as read are not needed again: let them go before the tuples are made (at
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
    keys = ObligationKeys()
    out: list[Found] = []
    order: list[int] = []  # each obligation's index in found (everyone's order)
    for program in staged:
        indexes = rows.get(program.id, [])
        latest = {kind: [found[i].latest[k] for i in indexes]
                  for k, kind in enumerate(reminder_rows.LATEST_KINDS)}
        columns, due = due_rows_at_stage(program, today, spans.get(program.id, []), latest)
        dues = [Due(program.id, rule, period, due_by, stage, keys(rule, period))
                for rule, period, due_by, stage in columns]
        # settled_key's text after the worker and household, once per rule.
        tails = [f" {d.program_id} {d.key} {d.stage.value}" for d in dues]
        for row, column, tenure in due:
            index = indexes[row]
            household = found[index].household_id
            if settled and f"{tenure.worker_id} {household}{tails[column]}" in settled:
                continue  # reminded already: the day after a run, nearly all of them
            out.append((tenure.worker_id, household, dues[column], tenure.pairing_id))
            order.append(index)
    if len(staged) > 1:
        # Programme by programme above; everyone's order is by household row (a row is one
        # household under one programme), then rule: a stable sort by row.
        ranked = sorted(range(len(out)), key=order.__getitem__)
        out = [out[i] for i in ranked]
    return out, houses
