"""What the daily reminder run reads: pairings, and only the latest contact of each kind.

The run asks one thing of a household's contacts: whether one that counts falls in each
running period. The latest contact of each kind dated on or before today answers it (if it
is not in the period, none is), so SQLite hands over at most one date per kind and household
instead of every contact of the year (storage.reminders.all_cadence).
"""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import date

from bot.domain.cadence import ContactKind, Program, Tenure
from storage.db import Database, Row
from storage.reminders import CURRENT, PAIRED_HOUSES, PairingPart, held_pairings

LATEST_KINDS = tuple(ContactKind)  # the order of Running.latest
# One column per kind: the latest day of that kind (the kinds are the enum's own values).
_LATEST = ", ".join(f"MAX(CASE WHEN c.kind = '{kind.value}' THEN c.day END)"
                    for kind in LATEST_KINDS)
_NONE = (None,) * len(LATEST_KINDS)


class _Days(dict[str | None, date | None]):
    """Dates read once each (a year has 365; a million rows name them again and again)."""

    def __init__(self) -> None:
        super().__init__({None: None})

    def __missing__(self, text: str) -> date:
        day = self[text] = date.fromisoformat(text)
        return day

    def day(self, text: str) -> date:
        """The date of a column that is never empty."""
        found = self[text]
        assert found is not None
        return found


@dataclass(frozen=True, slots=True)
class Running:
    """One household under one programme: its pairings, its latest contact of each kind."""

    household_id: int
    program: Program
    tenures: list[Tenure]
    latest: tuple[date | None, ...]  # by LATEST_KINDS; None: no contact in [since, today]


@dataclass(frozen=True, slots=True)
class Read:
    """The run's reads as SQLite gave them: households, held pairings, latest contacts, and
    the reminders of the running periods that are settled (sent, cancelled or dropped)."""

    houses: list[Row]
    pairings: list[PairingPart]
    contacts: list[Row]
    settled: list[Row] = field(default_factory=list)


async def read(db: Database, *, since: date, today: date,
               households: Collection[int] | None = None,
               staged: Sequence[StagedKey] = ()) -> Read:
    """The rows `assemble` builds from, read and nothing more (assemble may run in a worker
    thread: at 100,000 households it is a second of Python), and the reminders `settled`
    today. With households: only those, and no settled ones. Without, and with `staged` (the
    rules at a stage today, reminding.staged_keys) each with a settled reminder: not the
    households `unsettled` leaves out, whose every obligation at a stage is settled already
    (the same Read but for them: what they would give, `_found` leaves out as settled)."""
    if households is None and staged and await _each_settled(db, today, staged):
        # The day after a run: SQLite finds the few households with anything left to remind
        # (a new pairing, a contact deleted, a catch-up), Python sees only those.
        ids = await unsettled(db, today, staged)
        return await _read(db, since=since, today=today, households=ids, with_settled=True)
    return await _read(db, since=since, today=today, households=households,
                       with_settled=households is None)


async def _read(db: Database, *, since: date, today: date,
                households: Collection[int] | None, with_settled: bool) -> Read:
    """read's rows, of these households if given; the settled keys of those if asked."""
    # A reminder never names an archived household (archiving ends its pairings, so it owes
    # nothing running; this holds whatever its pairings say).
    only, ids = CURRENT, tuple[str, ...]()
    if households is not None:
        # One JSON array, whatever the number (no limit on bound variables to mind).
        only, ids = CURRENT + " AND h.id IN (SELECT value FROM json_each(?))", (
            json.dumps(sorted(households)),)
    houses = await db.fetchall(PAIRED_HOUSES + only, ids)
    if not houses:
        return Read([], [], [], [])
    pairing_rows = await held_pairings(db, only, ids)
    # Households first (CROSS JOIN fixes the order): SQLite then finds each one's contacts in
    # the (household, day, kind) index, rather than every contact since `since` by the day
    # index and then the table (five times the work at a million contacts).
    contact_rows = await db.fetchall(
        f"SELECT h.id, {_LATEST} FROM households h CROSS JOIN contacts c "
        "ON c.household_id = h.id AND c.deleted = 0 AND c.day >= ? AND c.day <= ? "
        f"WHERE 1{only} GROUP BY h.id", (since.isoformat(), today.isoformat(), *ids))
    # A retry's claimed reminders are open, never settled: then nothing is left out.
    return Read(houses, pairing_rows, contact_rows,
                await settled(db, today, households) if with_settled else [])


# One rule at a stage today: (programme id, obligation key of its running period, stage, the
# period's first day, the contact kinds that meet it comma-separated): reminding.staged_keys.
StagedKey = tuple[int, str, str, str, str]
_SETTLED_STATES = "('sent', 'cancelled', 'dropped')"


def _staged_table(staged: Sequence[StagedKey]) -> tuple[str, tuple[object, ...]]:
    """The staged keys as a CTE `staged(program_id, okey, stage, since, kinds)` and its
    parameters."""
    rows = ", ".join("(?, ?, ?, ?, ?)" for _ in staged)
    return (f"WITH staged(program_id, okey, stage, since, kinds) AS (VALUES {rows}) ",
            tuple(value for key in staged for value in key))


async def _each_settled(db: Database, today: date, staged: Sequence[StagedKey]) -> bool:
    """Whether every rule at a stage today has a settled reminder: the day after a run. On a
    stage's first day one has none, and then nearly every household it binds may owe it:
    every household is read, as before, and `unsettled` is not asked."""
    cte, params = _staged_table(staged)
    # Stops at the first rule with none (each look is a scan of the running periods'
    # reminders by due_by: 30 ms at 100,000 households when none is found).
    each = await db.fetchval(
        f"{cte}SELECT NOT EXISTS (SELECT 1 FROM staged s WHERE NOT EXISTS (SELECT 1 "
        "FROM reminders r WHERE r.program_id = s.program_id AND r.obligation_key = s.okey "
        f"AND r.stage = s.stage AND r.due_by >= ? AND r.state IN {_SETTLED_STATES}))",
        (*params, today.isoformat()))
    return bool(each)


async def unsettled(db: Database, today: date, staged: Sequence[StagedKey]) -> list[int]:
    """The households (archived ones too: read leaves them out) that may owe a reminder not
    settled yet: those with a pairing that covers today under a programme with a rule at a
    stage, for whose worker one of those rules has no settled reminder and no contact that
    meets it. Every other household owes nothing new: an obligation at a stage is due (no
    contact of a counting kind dated from the period's start to today:
    cadence.current_statuses) and the responsible tenure's, a part of a pairing covering
    today (Tenure.covers, end exclusive), with that pairing's worker, so its reminder's key
    is one checked here."""
    cte, params = _staged_table(staged)
    rows = await db.fetchall(
        # The settled reminders once, by their range of due_by, and an automatic index on
        # them: ten times fewer pages than a probe of reminders_once per pairing and rule
        # (by worker first, so all over the index).
        f"{cte}, done AS MATERIALIZED (SELECT household_id, worker_id, program_id, "
        "obligation_key, stage FROM reminders "
        f"WHERE due_by >= ? AND state IN {_SETTLED_STATES} "
        # Not another stage's (in a final week, the first stage's are settled too).
        "AND (program_id, obligation_key, stage) IN (SELECT program_id, okey, stage "
        "FROM staged)) "
        "SELECT DISTINCT p.household_id FROM staged s "
        "JOIN pairings p ON p.program_id = s.program_id "
        "WHERE p.started_on <= ? AND (p.ended_on IS NULL OR p.ended_on > ?) "
        "AND NOT EXISTS (SELECT 1 FROM done r WHERE r.household_id = p.household_id "
        "AND r.worker_id = p.worker_id AND r.program_id = p.program_id "
        "AND r.obligation_key = s.okey AND r.stage = s.stage) "
        "AND NOT EXISTS (SELECT 1 FROM contacts c WHERE c.household_id = p.household_id "
        "AND c.deleted = 0 AND c.day >= s.since AND c.day <= ? "
        "AND instr(',' || s.kinds || ',', ',' || c.kind || ',') > 0)",
        (*params, *[today.isoformat()] * 4))
    return [row[0] for row in rows]


def settled_key(worker_id: int, household_id: int, program_id: int, obligation_key: str,
                stage: str) -> str:
    """A reminder's unique key as `settled` reads it: one text, not five values (170,000 of
    them the day after a run at 100,000 households)."""
    return f"{worker_id} {household_id} {program_id} {obligation_key} {stage}"


async def settled(db: Database, today: date, households: Collection[int] | None = None
                  ) -> list[Row]:
    """The keys (settled_key) of the reminders of periods running today that need nothing
    more: sent, cancelled or dropped (with households: theirs only). Planning them again
    would change nothing (one row per key), and a claim never takes them."""
    only, ids = "", tuple[str, ...]()
    if households is not None:
        only, ids = " AND household_id IN (SELECT value FROM json_each(?))", (
            json.dumps(sorted(households)),)
    # A running period's reminders are due on or after today: reminders_due finds them.
    return await db.fetchall(
        "SELECT worker_id || ' ' || household_id || ' ' || program_id || ' ' || obligation_key "
        f"|| ' ' || stage FROM reminders WHERE due_by >= ? AND state IN {_SETTLED_STATES}"
        f"{only}", (today.isoformat(), *ids))


def assemble(found: Read, programs: Sequence[Program]
             ) -> tuple[list[Running], dict[int, Row]]:
    """Every household read (not archived), under each of these programmes it was paired
    in (and that holds it), in the order all_cadence gives: its pairings, and its latest
    contact of each kind dated from `since` to `today` (as read); and the rows of the
    households as read, by id (storage.reminders.house_of names one: only those reminded
    need it, on the day after a run none). Pure: no connection, any thread."""
    if not found.houses:
        return [], {}
    known = {p.id: p for p in programs}
    houses = {row[0]: row for row in found.houses}
    days = _Days()
    latest = {r[0]: tuple(map(days.__getitem__, r[1:])) for r in found.contacts}
    tenures: dict[tuple[int, int], list[Tenure]] = {}
    for pairing_id, household_id, worker_id, program_id, started_on, ended_on in found.pairings:
        tenures.setdefault((household_id, program_id), []).append(
            Tenure(pairing_id, worker_id, days.day(started_on), days[ended_on]))
    out = [Running(household_id, known[program_id], spans, latest.get(household_id, _NONE))
           for (household_id, program_id), spans in tenures.items()
           if program_id in known and household_id in houses]
    return out, houses
