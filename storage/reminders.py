"""Reminders sent to workers and digests sent to coordinators, and the bulk reads they need.

A reminder row is planned ('pending') before anything is sent, claimed ('sending') by one
process in a transaction, then marked 'sent' once Telegram accepted it, or 'failed' with the
time of the next attempt. A claim left by a crashed process is taken over after a lease.
The unique key (worker, household, program, obligation key, stage) makes every reminder go
out at most once, whatever the clock does.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import NamedTuple

from bot.domain.cadence import ContactKind, ContactRecord, Program, Stage, Tenure
from storage.clock import from_db, to_db
from storage.db import Database, Row, Tx
from storage.pairings import Cadence
from storage.pairings import programs as active_programs
from storage.program_categories import holding

LEASE = timedelta(minutes=10)  # a 'sending' claim older than this was left by a crash


# -- bulk reads ------------------------------------------------------------------------------


@dataclass(frozen=True)
class House:
    """What a digest line names about a household."""

    name: str
    area_id: int | None
    area_name: str | None


# Every household that was ever paired, archived ones too (see houses_of): what a household
# owed before it was archived stays owed (and met or missed) in the figures of those periods;
# archiving ends its pairings, so it owes nothing after. Add CURRENT to leave archived ones
# out (what is said to a worker today: reminders).
PAIRED_HOUSES = (
    "SELECT h.id, h.name, h.area_id, a.name AS area_name FROM households h "
    "LEFT JOIN areas a ON a.id = h.area_id "
    "WHERE EXISTS (SELECT 1 FROM pairings p WHERE p.household_id = h.id)")
CURRENT = " AND h.archived = 0"  # a condition on h: households not archived


def houses_of(rows: Iterable[Row]) -> dict[int, House]:
    """PAIRED_HOUSES' rows by household id (pure: any thread)."""
    return {int(r[0]): house_of(r) for r in rows}


def house_of(row: Row) -> House:
    """One row of PAIRED_HOUSES as a House (pure: any thread)."""
    return House(row[1], row[2], row[3])


async def paired_houses(db: Database) -> dict[int, House]:
    """Every household that was ever paired (archived ones too), with what a message prints
    of it."""
    return houses_of(await db.fetchall(PAIRED_HOUSES))


PairingPart = tuple[int, int, int, int, str, str | None]


async def held_pairings(db: Database, only: str = "", params: Sequence[object] = ()
                        ) -> list[PairingPart]:
    """The pairings (id, household_id, worker_id, program_id, started_on, ended_on), archived
    households' too, by household, programme and start, each cut to the days its programme
    holds the household (storage.program_categories: a part per stretch, none if never);
    `only` narrows the households (a condition on h, as CURRENT, with its parameters)."""
    holds = await holding(db)
    limited = holds.limited
    rows = await db.fetchall(
        "SELECT p.id, p.household_id, p.worker_id, p.program_id, p.started_on, p.ended_on, "
        f"{holds.categories()} FROM pairings p JOIN households h ON h.id = p.household_id "
        f"WHERE 1{only} ORDER BY p.household_id, p.program_id, p.started_on",
        tuple(params))
    found: list[PairingPart] = []
    for pairing_id, household_id, worker_id, program_id, started_on, ended_on, codes in rows:
        if program_id not in limited:
            found.append((pairing_id, household_id, worker_id, program_id, started_on,
                          ended_on))
            continue
        for start, end in holds.spans(program_id, codes, date.fromisoformat(started_on),
                                      date.fromisoformat(ended_on) if ended_on else None):
            found.append((pairing_id, household_id, worker_id, program_id, start.isoformat(),
                          end.isoformat() if end else None))
    return found


async def all_cadence(db: Database, *, programs: Sequence[Program] | None = None,
                      since: date | None = None) -> tuple[list[Cadence], dict[int, House]]:
    """Every household (archived ones too: their past periods still count), under each
    programme it was paired in (and that holds it): its pairings and contacts as rows (with
    since: only contacts dated on or after it), and the names to print."""
    known = {p.id: p for p in (programs if programs is not None
                               else await active_programs(db))}
    houses = await paired_houses(db)
    if not houses:
        return [], {}
    pairing_rows = await held_pairings(db)
    contact_rows = await db.fetchall(
        "SELECT c.household_id, c.day, c.kind FROM contacts c WHERE c.deleted = 0"
        + ("" if since is None else " AND c.day >= ?"),
        () if since is None else (since.isoformat(),))
    tenures: dict[tuple[int, int], list[Tenure]] = {}
    for pairing_id, household_id, worker_id, program_id, started_on, ended_on in pairing_rows:
        ended = date.fromisoformat(ended_on) if ended_on else None
        tenures.setdefault((household_id, program_id), []).append(
            Tenure(pairing_id, worker_id, date.fromisoformat(started_on), ended))
    records: dict[int, list[ContactRecord]] = {}
    kinds = {k.value: k for k in ContactKind}
    days: dict[str, date] = {}
    for r in contact_rows:
        day = days.get(r["day"])
        if day is None:
            day = days[r["day"]] = date.fromisoformat(r["day"])
        records.setdefault(r["household_id"], []).append(ContactRecord(day, kinds[r["kind"]]))
    out = [Cadence(household_id, known[program_id], spans, records.get(household_id, []))
           for (household_id, program_id), spans in tenures.items()
           if program_id in known and household_id in houses]
    return out, houses


@dataclass(frozen=True)
class Worker:
    """What the scheduler needs to know about a person it writes to."""

    telegram_id: int
    name: str
    language: str | None
    role: str
    active: bool
    reachable: bool
    language_code: str | None = None  # Telegram's setting, used until a language is chosen


_WORKER_COLUMNS = "telegram_id, display_name, language, role, active, reachable, language_code"


def _worker(r: Row) -> Worker:
    return Worker(int(r["telegram_id"]), r["display_name"], r["language"], r["role"],
                  bool(r["active"]), bool(r["reachable"]), r["language_code"])


async def people_by_id(db: Database, ids: Iterable[int]) -> dict[int, Worker]:
    """The people with these ids (unknown ids are left out)."""
    wanted = sorted(set(ids))
    found: dict[int, Worker] = {}
    for start in range(0, len(wanted), 500):
        chunk = wanted[start:start + 500]
        rows = await db.fetchall(
            f"SELECT {_WORKER_COLUMNS} FROM people "
            f"WHERE telegram_id IN ({','.join('?' * len(chunk))})", chunk)
        for r in rows:
            found[int(r["telegram_id"])] = _worker(r)
    return found


async def unreachable_staff(db: Database) -> list[Worker]:
    """Workers and coordinators who blocked the bot (Telegram answered 403), by name."""
    rows = await db.fetchall(
        f"SELECT {_WORKER_COLUMNS} FROM people "
        "WHERE reachable = 0 AND active = 1 AND role IN ('worker', 'coordinator') "
        "ORDER BY display_name, telegram_id")
    return [_worker(r) for r in rows]


async def untaken_reports(db: Database) -> int:
    """How many reports nobody has taken yet."""
    return int(await db.fetchval("SELECT COUNT(*) FROM reports WHERE status = 'new'") or 0)


# -- runs ------------------------------------------------------------------------------------


async def run_done(db: Database, job: str, key: str) -> bool:
    """Whether the run `key` of `job` (a local date, an ISO week) has been done."""
    return await db.fetchval("SELECT 1 FROM scheduled_runs WHERE job = ? AND run_key = ?",
                             (job, key)) is not None


# -- reminders -------------------------------------------------------------------------------


class Planned(NamedTuple):
    """A reminder to plan: who, for which household obligation, at which stage.

    A named tuple, as Claimed: a run plans 170,000 at 100,000 households.
    """

    worker_id: int
    household_id: int
    program_id: int
    obligation_key: str
    stage: Stage
    due_by: date


@dataclass(frozen=True, slots=True)
class Reminder:
    """A stored reminder."""

    id: int
    worker_id: int
    household_id: int
    program_id: int
    obligation_key: str
    stage: Stage
    due_by: date
    run_day: date
    state: str
    attempts: int
    next_attempt_at: datetime
    message_id: int | None
    error: str | None
    sent_at: datetime | None

    @property
    def obligation(self) -> tuple[int, int, int, str]:
        """(worker, household, program, obligation key): what the reminder is about."""
        return self.worker_id, self.household_id, self.program_id, self.obligation_key


class Claimed(NamedTuple):
    """A reminder just claimed: what sending it needs, its state and attempts before the claim.

    A named tuple, not a frozen dataclass (immutable all the same): a claim builds 170,000
    at 100,000 households, and a frozen dataclass's __init__ (a setattr per field) cost
    three times the tuple's.
    """

    id: int
    worker_id: int
    household_id: int
    program_id: int
    obligation_key: str
    stage: Stage
    state: str
    attempts: int

    @property
    def obligation(self) -> tuple[int, int, int, str]:
        """(worker, household, program, obligation key): what the reminder is about."""
        return self.worker_id, self.household_id, self.program_id, self.obligation_key


_REMINDER = ("id, worker_id, household_id, program_id, obligation_key, stage, due_by, run_day, "
             "state, attempts, next_attempt_at, message_id, error, sent_at")


_STAGES = {stage.value: stage for stage in Stage}  # a dict look-up, not an Enum call per row
# A run's 170,000 rows name a few days and one instant: each is parsed once.
_day = lru_cache(maxsize=1024)(date.fromisoformat)
_instant = lru_cache(maxsize=1024)(from_db)


def _reminder(r: Row) -> Reminder:
    # Unpacked in _REMINDER's order: a claim reads 170,000 rows at 100,000 households.
    (id_, worker_id, household_id, program_id, obligation_key, stage, due_by, run_day, state,
     attempts, next_attempt_at, message_id, error, sent_at) = r
    return Reminder(
        id_, worker_id, household_id, program_id, obligation_key, _STAGES[stage],
        _day(due_by), _day(run_day), state, attempts, _instant(next_attempt_at), message_id,
        error, _instant(sent_at) if sent_at else None)


_CLAIMED = "id, worker_id, household_id, program_id, obligation_key, stage, state, attempts"
# What a claim takes, as the partial index reminders_open is written: SQLite uses that index
# only when the query names its condition, so a claim (and the check every tick) reads the
# open reminders instead of every reminder ever planned. The condition is implied by READY.
_OPEN = "state IN ('pending', 'sending', 'failed')"
_READY = (f"{_OPEN} AND ((state IN ('pending', 'failed') AND next_attempt_at <= ?) "
          "OR (state = 'sending' AND claimed_at < ?))")


# What every reminder of one rule at a stage shares: (programme, obligation key, stage,
# due_by as ISO text). A run has a handful.
PlanDue = tuple[int, str, str, str]


@dataclass(frozen=True)
class Plan:
    """Reminders to plan, as plan_run and plan_claimed take them (made by `plan`).

    SQLite reads them itself, one statement for all (a trip to SQLite's thread per row cost
    36 s of CPU for 170,000 reminders): `text` is one JSON object, a member per worker whose
    value lists that worker's reminders, each one integer, household << shift | due (an
    index in `dues`). Nothing is parsed per row but the integer (six json_extract per row,
    the form before, cost SQLite a quarter of a second at 170,000 reminders), and the
    worker's id is the member's name, read once per worker.
    """

    text: str
    dues: Sequence[PlanDue]
    shift: int  # bits of the due's index under the household's id
    count: int  # how many reminders

    def select(self) -> tuple[str, list[object]]:
        """The columns worker_id … due_by of each reminder, in the order planned, as a
        SELECT (without its FROM) and its parameters (the dues)."""
        index = f"(r.value & {(1 << self.shift) - 1})"
        cases = [f"CASE {index} " + " ".join(f"WHEN {n} THEN ?" for n in range(len(self.dues)))
                 + " END" for _ in range(4)]
        columns = ", ".join(["CAST(w.key AS INTEGER)", f"r.value >> {self.shift}", *cases])
        return columns, [due[field] for field in range(4) for due in self.dues]


# Members in the text's order, then each worker's list in its order: json_each's element id
# grows in document order and key is a list's index, so this is the order planned.
_PLANNED_FROM = "FROM json_each(?) w, json_each(w.value) r ORDER BY w.id, r.key"


def plan(dues: Sequence[PlanDue], rows: Iterable[tuple[int, int, int]]) -> Plan:
    """Reminders to plan, (worker, household, index of its due in `dues`), each worker's
    together (their ids follow this order), as plan_run and plan_claimed take them (pure:
    any thread; at 170,000 reminders a few hundredths of a second)."""
    shift = max(1, (len(dues) - 1).bit_length())
    members: list[str] = []
    seen: set[int] = set()
    count = 0
    worker: int | None = None
    packed: list[int] = []
    for worker_id, household_id, due in rows:
        if worker_id != worker:
            if worker is not None:
                members.append(f'"{worker}": [{", ".join(map(str, packed))}]')
            if worker_id in seen:
                raise ValueError(f"worker {worker_id}'s reminders are not together")
            seen.add(worker_id)
            worker, packed = worker_id, []
        if not 0 <= household_id < 1 << (63 - shift) or not 0 <= due < len(dues):
            raise ValueError(f"no room for household {household_id}, due {due}")
        packed.append(household_id << shift | due)
        count += 1
    if worker is not None:
        members.append(f'"{worker}": [{", ".join(map(str, packed))}]')
    return Plan("{" + ", ".join(members) + "}", tuple(dues), shift, count)


def _by_worker(planned: Planned) -> int:
    return planned.worker_id


def planned_json(planned: Iterable[Planned]) -> Plan:
    """Reminders as plan_run and plan_claimed take them, worker by worker (pure: any
    thread)."""
    # Worker by worker: the unique index (worker first) then grows in a few places instead of
    # everywhere (a fifth less CPU). The sort is stable, so each worker's reminders keep their
    # order and ids keep ordering them as before (deliver breaks ties by id).
    dues: dict[PlanDue, int] = {}
    rows = [(p.worker_id, p.household_id, dues.setdefault(
        (p.program_id, p.obligation_key, p.stage.value, p.due_by.isoformat()), len(dues)))
            for p in sorted(planned, key=_by_worker)]
    return plan(list(dues), rows)


async def _run_recorded(tx: Tx, job: str, run_key: str, stamp: str) -> bool:
    """Record a run in scheduled_runs; False if it was recorded already (done before)."""
    return bool(await tx.rowcount(
        "INSERT OR IGNORE INTO scheduled_runs (job, run_key, done_at) VALUES (?, ?, ?)",
        (job, run_key, stamp)))


async def plan_run(db: Database, job: str, run_key: str, planned: Iterable[Planned],
                   run_day: date, now: datetime) -> int | None:
    """Record the run and its reminders ('pending') in one transaction; None if the run was
    done already, else how many reminders are new (one already planned for the same key is
    kept). The bot's run plans with plan_claimed."""
    stamp = to_db(now)
    encoded = planned_json(planned)
    async with db.transaction() as tx:
        if not await _run_recorded(tx, job, run_key, stamp):
            return None
        if not encoded.count:
            return 0
        columns, dues = encoded.select()
        return await tx.rowcount(
            "INSERT OR IGNORE INTO reminders (worker_id, household_id, program_id, "
            "obligation_key, stage, due_by, run_day, next_attempt_at, created_at) "
            f"SELECT {columns}, ?, ?, ? {_PLANNED_FROM}",
            (*dues, run_day.isoformat(), stamp, stamp, encoded.text))


# What plan_claimed wrote: the new rows' ids, range(first, first + count) in the order
# planned when every planned reminder was new; else the new rows read back (NEW_COLUMNS).
New = range | list[Row]
NEW_COLUMNS = "id, worker_id, household_id, program_id, obligation_key, stage"


async def plan_claimed(db: Database, job: str, run_key: str, planned: Plan, run_day: date,
                       now: datetime, claimer: str | None = None) -> New | None:
    """plan_run with the reminders already written by `plan`, the new ones claimed
    by `claimer` as they are written ('sending', one attempt), in the same transaction; None
    if the run was done already, else which rows are new (New). A reminder planned already
    (same worker, household, programme, obligation key and stage) is kept as it is."""
    stamp = to_db(now)
    async with db.transaction() as tx:
        if not await _run_recorded(tx, job, run_key, stamp):
            return None
        # Written claimed, they need no UPDATE of every row after (two seconds of SQLite at
        # 170,000 reminders).
        last = await tx.fetchval("SELECT COALESCE(MAX(id), 0) FROM reminders")
        count = planned.count
        if not count:
            return range(last + 1, last + 1)
        columns, dues = planned.select()
        added = await tx.rowcount(
            "INSERT OR IGNORE INTO reminders (worker_id, household_id, program_id, "
            "obligation_key, stage, due_by, run_day, next_attempt_at, created_at, state, "
            "attempts, claimed_at, claimed_by) "
            f"SELECT {columns}, ?, ?, ?, 'sending', 1, ?, ? {_PLANNED_FROM}",
            (*dues, run_day.isoformat(), stamp, stamp, stamp, claimer, planned.text))
        # The write lock is held since the MAX above: a new row's id is one more than the
        # largest id before it (an INTEGER PRIMARY KEY without AUTOINCREMENT), and rows go in
        # as the SELECT gives them, in the order planned (_PLANNED_FROM's ORDER BY). So when
        # every planned row went in (none ignored), their ids are last + 1 ... last + count
        # in that order: nothing needs reading back (a third of a second at 170,000).
        if added == count and await tx.fetchval(
                "SELECT COALESCE(MAX(id), 0) FROM reminders") == last + count:
            return range(last + 1, last + count + 1)
        return await tx.fetchall(
            f"SELECT {NEW_COLUMNS} FROM reminders WHERE id > ? ORDER BY id", (last,))


async def has_ready(db: Database, now: datetime, lease: timedelta = LEASE) -> bool:
    """Whether claim() would hand out anything (a cheap check for every tick)."""
    found = await db.fetchval(f"SELECT 1 FROM reminders WHERE {_READY} LIMIT 1",
                              (to_db(now), to_db(now - lease)))
    return found is not None


async def claim(db: Database, now: datetime, lease: timedelta = LEASE,
                claimer: str | None = None) -> list[Claimed]:
    """Take every reminder that is ready to (re)send: pending, failed and due for a retry,
    or claimed by a process that died. Claimed rows are 'sending', count an attempt and name
    `claimer` (see `claimers`, `take_back`)."""
    return claimed(await claim_rows(db, now, lease, claimer))


async def claim_rows(db: Database, now: datetime, lease: timedelta = LEASE,
                     claimer: str | None = None) -> list[Row]:
    """claim's rows as SQLite gave them (turn them into Claimed with `claimed`, which may
    run in a worker thread)."""
    stamp = to_db(now)
    stale = to_db(now - lease)
    async with db.transaction() as tx:
        rows = await tx.fetchall(
            f"SELECT {_CLAIMED} FROM reminders WHERE {_READY} ORDER BY worker_id, id",
            (stamp, stale))
        if rows:
            # The rows just read (the transaction holds the write lock), by id in one
            # statement: their ids as one JSON array (not 340 statements of 500 ids). Found by
            # rowid, a quarter less CPU than the condition again through reminders_open.
            await tx.execute("UPDATE reminders SET state = 'sending', claimed_at = ?, "
                             "claimed_by = ?, attempts = attempts + 1 "
                             "WHERE id IN (SELECT value FROM json_each(?))",
                             (stamp, claimer, json.dumps([r[0] for r in rows])))
    return rows


async def claimers(db: Database) -> list[str]:
    """The processes holding claims on reminders or digests being sent (unnamed left out)."""
    rows = await db.fetchall(
        f"SELECT claimed_by FROM reminders WHERE {_OPEN} AND state = 'sending' "
        "AND claimed_by IS NOT NULL UNION SELECT claimed_by FROM digests "
        "WHERE state = 'sending' AND claimed_by IS NOT NULL")
    return sorted(str(r[0]) for r in rows)


async def take_back(db: Database, claimers: Sequence[str]) -> int:
    """Make what these (dead) processes had claimed ready to send again at once; how many
    reminders and digests."""
    if not claimers:
        return 0
    marks = ",".join("?" * len(claimers))
    async with db.transaction() as tx:
        taken = await tx.rowcount(
            "UPDATE reminders SET state = 'pending', claimed_at = NULL, claimed_by = NULL "
            f"WHERE {_OPEN} AND state = 'sending' AND claimed_by IN ({marks})", tuple(claimers))
        return taken + await tx.rowcount(
            "UPDATE digests SET state = 'pending', claimed_at = NULL, claimed_by = NULL "
            f"WHERE state = 'sending' AND claimed_by IN ({marks})", tuple(claimers))


def claimed(rows: Iterable[Row]) -> list[Claimed]:
    """claim_rows' rows as Claimed (pure: any thread)."""
    # Only the columns a send needs, unpacked by position (170,000 rows at 100,000 households).
    stages = _STAGES
    return [Claimed(id_, worker_id, household_id, program_id, key, stages[stage], state,
                    attempts)
            for id_, worker_id, household_id, program_id, key, stage, state, attempts in rows]


async def _set(db: Database, ids: Sequence[int], sql: str, params: tuple[object, ...]) -> None:
    if not ids:
        return
    async with db.transaction() as tx:
        for start in range(0, len(ids), 500):
            chunk = list(ids[start:start + 500])
            await tx.execute(f"{sql} WHERE id IN ({','.join('?' * len(chunk))})",
                             (*params, *chunk))


async def mark_sent(db: Database, ids: Sequence[int], message_id: int | None,
                    now: datetime) -> None:
    """Telegram accepted the message carrying these reminders."""
    await _set(db, ids, "UPDATE reminders SET state = 'sent', message_id = ?, sent_at = ?, "
               "error = NULL", (message_id, to_db(now)))


async def mark_failed(db: Database, ids: Sequence[int], error: str, retry_at: datetime,
                      *, drop: bool = False, give_up_before: datetime | None = None) -> int:
    """Not sent: retried from retry_at (while still relevant), or given up if drop, or if
    planned before `give_up_before` (failing for too long); how many were given up."""
    if drop or give_up_before is None:
        await _set(db, ids, "UPDATE reminders SET state = ?, error = ?, next_attempt_at = ?",
                   ("dropped" if drop else "failed", error[:200], to_db(retry_at)))
        return len(ids) if drop else 0
    await _set(db, ids, "UPDATE reminders SET state = CASE WHEN created_at < ? THEN 'dropped' "
               "ELSE 'failed' END, error = ?, next_attempt_at = ?",
               (to_db(give_up_before), error[:200], to_db(retry_at)))
    if not ids:
        return 0
    return int(await db.fetchval(
        f"SELECT COUNT(*) FROM reminders WHERE state = 'dropped' AND id IN "
        f"({','.join('?' * len(ids))})", tuple(ids)) or 0)


async def cancel(db: Database, ids: Sequence[int]) -> None:
    """No longer relevant (met, or the obligation moved on to another stage or worker)."""
    await _set(db, ids, "UPDATE reminders SET state = 'cancelled'", ())


async def for_worker(db: Database, worker_id: int) -> list[Reminder]:
    """A worker's reminders, oldest first (for tests and support)."""
    rows = await db.fetchall(f"SELECT {_REMINDER} FROM reminders WHERE worker_id = ? "
                             "ORDER BY id", (worker_id,))
    return [_reminder(r) for r in rows]


async def counts(db: Database) -> dict[str, int]:
    """How many reminders are in each state."""
    rows = await db.fetchall("SELECT state, COUNT(*) AS n FROM reminders GROUP BY state")
    return {r["state"]: int(r["n"]) for r in rows}


# Reminders waiting because their worker blocked the bot or cannot be reached: retried daily,
# but not a failure of the network.
UNREACHABLE_ERRORS = ("forbidden", "unreachable")


async def retrying(db: Database) -> int:
    """Reminders and digests waiting to be tried again after a transient failure (network,
    timeout, 5xx); reminders to a worker who blocked the bot are not counted."""
    reminders = await db.fetchval(
        "SELECT COUNT(*) FROM reminders WHERE state = 'failed' AND error NOT IN (?, ?)",
        UNREACHABLE_ERRORS)
    digests = await db.fetchval("SELECT COUNT(*) FROM digests WHERE state = 'failed'")
    return int(reminders or 0) + int(digests or 0)


# -- digests ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class DigestRow:
    """One weekly digest to one chat."""

    id: int
    week: str
    chat_id: int
    language: str
    state: str
    parts_sent: int
    attempts: int
    created_at: datetime | None = None  # when the week's run planned it


_DIGEST = "id, week, chat_id, language, state, parts_sent, attempts, created_at"


def _digest(r: Row) -> DigestRow:
    return DigestRow(r["id"], r["week"], r["chat_id"], r["language"], r["state"],
                     r["parts_sent"], r["attempts"], from_db(r["created_at"]))


async def plan_digests(db: Database, week: str, targets: Iterable[tuple[int, str]],
                       now: datetime) -> int | None:
    """Record this week's digest run and one digest per target chat; None if already done."""
    stamp = to_db(now)
    async with db.transaction() as tx:
        if not await _run_recorded(tx, "digest", week, stamp):
            return None
        added = 0
        for chat_id, language in targets:
            added += await tx.rowcount(
                "INSERT OR IGNORE INTO digests (week, chat_id, language, next_attempt_at, "
                "created_at) VALUES (?, ?, ?, ?, ?)", (week, chat_id, language, stamp, stamp))
    return added


async def claim_digests(db: Database, now: datetime, lease: timedelta = LEASE,
                        claimer: str | None = None) -> list[DigestRow]:
    """Take the digests ready to (re)send (see claim)."""
    stamp = to_db(now)
    async with db.transaction() as tx:
        rows = await tx.fetchall(
            f"SELECT {_DIGEST} FROM digests "
            "WHERE (state IN ('pending', 'failed') AND next_attempt_at <= ?) "
            "OR (state = 'sending' AND claimed_at < ?) ORDER BY id", (stamp, to_db(now - lease)))
        for r in rows:
            await tx.execute("UPDATE digests SET state = 'sending', claimed_at = ?, "
                             "claimed_by = ?, attempts = attempts + 1 WHERE id = ?",
                             (stamp, claimer, r["id"]))
    return [_digest(r) for r in rows]


async def digest_progress(db: Database, digest_id: int, parts_sent: int) -> None:
    """One more part of the digest reached the chat."""
    async with db.transaction() as tx:
        await tx.execute("UPDATE digests SET parts_sent = ? WHERE id = ?",
                         (parts_sent, digest_id))


async def digest_done(db: Database, digest_id: int, now: datetime) -> None:
    """Every part of the digest reached the chat."""
    async with db.transaction() as tx:
        await tx.execute("UPDATE digests SET state = 'sent', sent_at = ?, error = NULL "
                         "WHERE id = ?", (to_db(now), digest_id))


async def digest_failed(db: Database, digest_id: int, error: str, retry_at: datetime,
                        *, drop: bool = False) -> None:
    """The digest stopped part-way; retried from retry_at where it stopped."""
    async with db.transaction() as tx:
        await tx.execute("UPDATE digests SET state = ?, error = ?, next_attempt_at = ? "
                         "WHERE id = ?",
                         ("dropped" if drop else "failed", error[:200], to_db(retry_at),
                          digest_id))


async def digests(db: Database) -> list[DigestRow]:
    """Every digest row (for tests and support)."""
    rows = await db.fetchall(f"SELECT {_DIGEST} FROM digests ORDER BY id")
    return [_digest(r) for r in rows]
