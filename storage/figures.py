"""Reads for the figures and the export, streamed from a read-only connection of their own.

These are plain (blocking) sqlite3 functions, meant to run in a worker thread
(asyncio.to_thread): a year of contacts is read in chunks and folded as it comes, and the
bot's own connection (and its lock) stays free for everyone else. WAL mode lets this
connection read while the bot writes.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from itertools import chain
from pathlib import Path
from typing import Any

from bot.domain.cadence import (
    ContactKind,
    ContactRecord,
    Program,
    Tenure,
    program_from_data,
)
from bot.domain.figures import (
    ContactRow,
    Count,
    HouseholdRow,
    PairingRow,
    ReportRow,
    Span,
    SpanReach,
)
from bot.domain.marks import Column
from storage.clock import from_db, to_db
from storage.db import BUSY_TIMEOUT_MS
from storage.household_areas import area_on
from storage.pairings import Cadence
from storage.program_categories import Holding, holding_of
from storage.reminders import House

CHUNK = 5000  # rows fetched at a time
REPORT_OUTCOMES = ("resolved", "referred", "closed")
# The groupings every household carries, as (name, SQL expression over h and a). The
# community `a` is the one the household was in on the span's last day (households()), its
# street the one that community is in now.
GROUPINGS: tuple[tuple[str, str], ...] = (
    ("category", "h.category"),
    ("street", "COALESCE(st.name, '')"),
    ("area", "COALESCE(a.name, '')"),
)


def connect(path: Path | str) -> sqlite3.Connection:
    """A read-only connection to the database file (close it when done)."""
    conn = sqlite3.connect(f"file:{Path(path)}?mode=ro", uri=True, check_same_thread=False)
    conn.row_factory = sqlite3.Row
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    return conn


@contextmanager
def snapshot(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """Every read inside sees the database as at the first: a figure read in several queries
    (the digest's marks of earlier months and of today's) never counts a contact corrected
    between two of them in both its periods, or in neither. Keep it short: while it lasts
    the WAL cannot be checkpointed past it (an erasure's compaction waits for it)."""
    conn.execute("BEGIN")
    try:
        yield conn
    finally:
        conn.rollback()  # read only: nothing to keep


def stream(conn: sqlite3.Connection, sql: str,
           params: Sequence[object] | Mapping[str, object] = ()) -> Iterator[sqlite3.Row]:
    """Rows of a query, fetched CHUNK at a time."""
    yield from _chunks(conn.execute(sql, params))


def _chunks(cur: sqlite3.Cursor) -> Iterator[Any]:
    """A cursor's rows, fetched CHUNK at a time; the cursor is closed at the end."""
    try:
        while True:
            rows = cur.fetchmany(CHUNK)
            if not rows:
                return
            yield from rows
    finally:
        cur.close()


def _day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


_ACTIVE = ("p.started_on <= ? AND (p.ended_on IS NULL OR "
           "(p.ended_on > ? AND p.ended_on > p.started_on))")


def _active_params(span: Span) -> tuple[str, str]:
    return span.end.isoformat(), span.start.isoformat()


def reach(conn: sqlite3.Connection, span: Span) -> SpanReach:
    """The span's reach over the whole registry, counted by SQLite: what `compute` gives for
    covered, paired and person-times, without reading every household and contact."""
    dates = (span.start.isoformat(), span.end.isoformat())
    months = _whole_months(span)
    if months is not None:  # a quarter (the digest's), a month, a year: contact_months says
        covered = conn.execute(
            "SELECT COUNT(*), COALESCE(SUM(h.people_count), 0) FROM households h "
            "WHERE h.id IN (SELECT household_id FROM contact_months "
            "WHERE year = ? AND (call | visit | deed | other) & ?)", months).fetchone()
    else:
        covered = conn.execute(
            "SELECT COUNT(*), COALESCE(SUM(h.people_count), 0) FROM households h "
            "WHERE EXISTS (SELECT 1 FROM contacts c WHERE c.household_id = h.id "
            "AND c.deleted = 0 AND c.day >= ? AND c.day <= ?)", dates).fetchone()
    # IN, not EXISTS per household: the active pairings are read once, into a set.
    paired = conn.execute(
        "SELECT COUNT(*), COALESCE(SUM(h.people_count), 0) FROM households h "
        f"WHERE h.id IN (SELECT p.household_id FROM pairings p WHERE {_ACTIVE})",
        _active_params(span)).fetchone()
    person_times = conn.execute(
        "SELECT COALESCE(SUM(people_reached), 0) FROM contacts "
        "WHERE deleted = 0 AND day >= ? AND day <= ?", dates).fetchone()[0]
    return SpanReach(Count(int(covered[0]), int(covered[1])),
                     Count(int(paired[0]), int(paired[1])), int(person_times))


def _whole_months(span: Span) -> tuple[int, int] | None:
    """A span of whole months of one year as contact_months reads it (the year, and its
    months as bits); None for any other span."""
    start, end = span.start, span.end
    if start.day != 1 or start.year != end.year or (end + timedelta(days=1)).day != 1:
        return None
    return start.year, (1 << end.month) - (1 << (start.month - 1))


def households(conn: sqlite3.Connection, span: Span, worker_id: int | None = None
               ) -> Iterator[HouseholdRow]:
    """The registry (archived ones marked), or a worker's: the households paired with them in
    the span and those they served in it (a contact of theirs dated in the span, as
    contacts() reads them; paired or not, e.g. logged for a day before the pairing began),
    so that every contact counted is counted in its household's groups too. Each is grouped
    by the community it was in on the span's last day (today's while the span runs), so a
    finished period's figures by community and street stay as reported when households move
    later (storage.household_areas)."""
    groups = ", ".join(f"{expr} AS g{n}" for n, (_, expr) in enumerate(GROUPINGS))
    then, area = area_on("h", "?")
    sql = (f"SELECT h.id, h.people_count, h.archived, {groups} FROM households h {then} "
           f"LEFT JOIN areas a ON a.id = {area} LEFT JOIN streets st ON st.id = a.street_id")
    params: list[object] = [span.end.isoformat()] * 2  # area_on's day
    if worker_id is not None:
        sql += (" WHERE EXISTS (SELECT 1 FROM pairings p WHERE p.household_id = h.id "
                f"AND p.worker_id = ? AND {_ACTIVE}) "
                "OR EXISTS (SELECT 1 FROM contacts c WHERE c.household_id = h.id "
                "AND c.worker_id = ? AND c.deleted = 0 AND c.day >= ? AND c.day <= ?)")
        params += [worker_id, *_active_params(span), worker_id, span.start.isoformat(),
                   span.end.isoformat()]
    names = [name for name, _ in GROUPINGS]
    for r in stream(conn, sql + " ORDER BY h.id", params):
        yield HouseholdRow(int(r["id"]), int(r["people_count"]),
                           tuple((name, str(r[f"g{n}"])) for n, name in enumerate(names)),
                           bool(r["archived"]))


def pairings(conn: sqlite3.Connection, span: Span, worker_id: int | None = None
             ) -> Iterator[PairingRow]:
    """Pairings active on some day of the span (of one worker, or all), each with the parts
    its programme holds the household in when the programme was ever limited (the same cut
    as the obligations: storage.program_categories)."""
    holds = holding_of(conn)
    sql = ("SELECT p.household_id, p.worker_id, p.program_id, p.started_on, p.ended_on, "
           f"{holds.categories()} AS codes FROM pairings p WHERE {_ACTIVE}")
    params: list[object] = [*_active_params(span)]
    if worker_id is not None:
        sql += " AND p.worker_id = ?"
        params.append(worker_id)
    limited = holds.limited
    for r in stream(conn, sql, params):
        program_id = int(r["program_id"])
        started_on, ended_on = date.fromisoformat(r["started_on"]), _day(r["ended_on"])
        held = (tuple(holds.spans(program_id, r["codes"], started_on, ended_on))
                if program_id in limited else None)
        yield PairingRow(int(r["household_id"]), int(r["worker_id"]), program_id,
                         started_on, ended_on, held)


def contacts(conn: sqlite3.Connection, span: Span, worker_id: int | None = None
             ) -> Iterator[ContactRow]:
    """Contacts (not deleted) dated in the span, of one worker or all."""
    sql = ("SELECT household_id, kind, day, people_reached, services FROM contacts "
           "WHERE deleted = 0 AND day >= ? AND day <= ?")
    params: list[object] = [span.start.isoformat(), span.end.isoformat()]
    if worker_id is not None:
        sql += " AND worker_id = ?"
        params.append(worker_id)
    days: dict[str, date] = {}
    for r in stream(conn, sql, params):
        day = days.get(r["day"])
        if day is None:
            day = days[r["day"]] = date.fromisoformat(r["day"])
        yield ContactRow(int(r["household_id"]), str(r["kind"]), day,
                         int(r["people_reached"]), _services(r["services"]))


def _services(text: str | None) -> tuple[str, ...]:
    if not text or text == "[]":
        return ()
    try:
        found = json.loads(text)
    except ValueError:
        return ()
    return tuple(str(code) for code in found) if isinstance(found, list) else ()


# A report is taken when a worker first takes it or is first assigned it. The case may go
# back to the queue later (given back, or its worker taken off duty) and be taken again, or be
# handed to another worker: reports.taken_at follows the case, but the period that counted it
# as taken, and its time to take, stay as they were. report_events keeps every take.
_FIRST_TAKE = "kind IN ('taken', 'assigned')"
# One worker's takes: taken by them, assigned to them, or handed to them by its taker.
_THEIR_TAKE = ("((kind = 'taken' AND actor_id = :worker) "
               "OR (kind = 'assigned' AND detail = CAST(:worker AS TEXT)) "
               "OR (kind = 'referred' AND detail = 'worker:' || :worker))")


def reports(conn: sqlite3.Connection, start: datetime, stop: datetime,
            worker_id: int | None = None) -> Iterator[ReportRow]:
    """Reports received, taken or finished in [start, stop) (all, or those taken by one
    worker); a report's taken_at is its first take (with worker_id: that worker's first),
    never moved by what happened to the case since. A report with no take in its history
    but a taker (written before takes were recorded) is taken when reports.taken_at says."""
    window = {"start": to_db(start), "stop": to_db(stop)}
    marks = ",".join(f":outcome{n}" for n in range(len(REPORT_OUTCOMES)))
    outcome_params = {f"outcome{n}": status for n, status in enumerate(REPORT_OUTCOMES)}
    outcome_sql = (f"SELECT report_id, status, at FROM report_events WHERE status IN ({marks}) "
                   "AND at >= :start AND at < :stop")
    outcomes: dict[int, list[tuple[str, datetime]]] = {}
    for r in stream(conn, outcome_sql, {**outcome_params, **window}):
        outcomes.setdefault(int(r["report_id"]), []).append((r["status"], from_db(r["at"])))
    params: dict[str, object] = {**outcome_params, **window}
    if worker_id is None:
        takes, legacy = _FIRST_TAKE, "r.taken_at"
        scope = ""
    else:
        takes = _THEIR_TAKE
        legacy = "CASE WHEN r.taken_by = :worker THEN r.taken_at END"
        scope = " AND taken_at IS NOT NULL"
        params["worker"] = worker_id
    sql = ("WITH took AS (SELECT report_id, MIN(at) AS at FROM report_events "
           f"WHERE {takes} GROUP BY report_id), "
           "found AS (SELECT r.id, r.category, COALESCE(a.name, r.area_text, '') AS area, "
           f"r.created_at, COALESCE(t.at, {legacy}) AS taken_at FROM reports r "
           "LEFT JOIN areas a ON a.id = r.area_id LEFT JOIN took t ON t.report_id = r.id) "
           "SELECT * FROM found WHERE ((created_at >= :start AND created_at < :stop) "
           "OR (taken_at >= :start AND taken_at < :stop) "
           f"OR id IN (SELECT report_id FROM report_events WHERE status IN ({marks}) "
           f"AND at >= :start AND at < :stop)){scope} ORDER BY id")
    for r in stream(conn, sql, params):
        yield ReportRow(int(r["id"]), str(r["category"]), str(r["area"]),
                        from_db(r["created_at"]),
                        from_db(r["taken_at"]) if r["taken_at"] else None,
                        tuple(outcomes.get(int(r["id"]), ())))


def programs(conn: sqlite3.Connection) -> list[Program]:
    """Every programme (ended ones too: their past obligations still count)."""
    rows = conn.execute("SELECT id, name, rules FROM programs ORDER BY id").fetchall()
    return [program_from_data(int(r["id"]), str(r["name"]), str(r["rules"])) for r in rows]


def cadence_stream(conn: sqlite3.Connection, worker_id: int | None = None
                   ) -> Iterator[tuple[Cadence, House]]:
    """Every household that was paired (archived ones too: their past periods still count),
    household by household, with each programme it was paired in (and that holds it): the
    rows the cadence engine needs (as storage.reminders.all_cadence) but streamed. With
    worker_id, only households that worker was paired with. bot/services/obligations.py
    computes what they owe."""
    for household_id, house, held, days in cadence_days(conn, worker_id):
        records = [ContactRecord(day, kind) for kind, found in days.items() for day in found]
        for program, spans in held:
            yield Cadence(household_id, program, spans, records), house


class _Days(dict[str, date]):
    """Dates by their text, each parsed once (a million contacts fall on a few hundred days)."""

    def __missing__(self, text: str) -> date:
        day = self[text] = date.fromisoformat(text)
        return day


Held = list[tuple[Program, list[Tenure]]]
_KINDS = tuple(ContactKind)
_KIND_COLUMNS = tuple(kind.value for kind in _KINDS)  # contact_months' mask columns


def cadence_days(conn: sqlite3.Connection, worker_id: int | None = None
                 ) -> Iterator[tuple[int, House, Held, dict[ContactKind, list[date]]]]:
    """cadence_stream's households with their contact days by kind (the cadence engine's
    bulk form, cadence.Engine.rows): households, pairings and contacts read in household
    order side by side, each household's contacts as one row."""
    days = _Days()
    day_of = days.__getitem__
    # One row per household, a column per kind: '2026-11-02,2026-11-20' (group_concat leaves
    # the NULLs of other kinds out). A million rows made into Python objects would cost more
    # than the rest of the digest's reading.
    each_kind = ", ".join(f"group_concat(CASE kind WHEN '{kind.value}' THEN day END)"
                          for kind in _KINDS)
    mine, params = _mine(worker_id)
    contact_rows = _tuples(conn, (
        f"SELECT household_id, {each_kind} FROM contacts "
        f"WHERE deleted = 0{mine.format('household_id')} "
        "GROUP BY household_id ORDER BY household_id"), params)
    for household_id, house, held, found in _held(conn, worker_id, contact_rows, days):
        by_kind = {} if found is None else {
            kind: list(map(day_of, text.split(",")))
            for kind, text in zip(_KINDS, found[1:], strict=True) if text}
        yield household_id, house, held, by_kind


# A household of one tenure under one programme as plain values: id, name, community id and
# name, programme, worker, pairing, first day and end (exclusive; None: open) as ordinals, and
# its marks.
OneTenure = Callable[[int, str, int | None, str | None, int, int, int, int, int | None,
                      Sequence[int]], None]
# Any other household (several tenures, several programmes, a programme limited to some
# categories): its programmes and their tenures (Held).
AnyTenures = Callable[[int, str, int | None, str | None, Held, Sequence[int]], None]


def fold_marks(conn: sqlite3.Connection, columns: Sequence[Column], today: date,
               one: OneTenure, many: AnyTenures) -> None:
    """Every paired household (archived ones too), in id order, with per column the bits of
    the periods in which a contact of the column's kinds is dated, up to today
    (bot/domain/marks.py): the months before today's from contact_months (a few rows per
    household, not every contact), today's month from the contacts dated in it. Handed to
    `one` when the household has one plain tenure (most do: no Tenure or House is made for
    it), else to `many`. Pairings and their households are read in one query, their days
    compared as ordinals."""
    known = {p.id: p for p in programs(conn)}
    holds = holding_of(conn)
    plain = set(known) - holds.limited  # programmes that hold every household every day
    area_names: dict[int | None, str | None] = {
        int(r[0]): r[1] for r in _tuples(conn, "SELECT id, name FROM areas")}
    ordinal = _Ordinals().__getitem__
    this_month = _this_month(conn, columns, today) if columns else {}
    none = (0,) * len(columns)
    month_rows = _packed_rows(conn, columns, today) if columns else iter(())
    month = next(month_rows, None)
    rows = _tuples(conn, (
        "SELECT p.household_id, p.program_id, p.id, p.worker_id, p.started_on, p.ended_on, "
        f"{holds.categories()}, h.name, h.area_id FROM pairings p "
        "JOIN households h ON h.id = p.household_id "
        "ORDER BY p.household_id, p.program_id, p.started_on"))
    first: tuple[Any, ...] | None = None  # the household's first pairing row
    rest: list[tuple[Any, ...]] = []  # and its others
    # One loop, no call per household but `one`'s: it runs a hundred thousand times. A
    # household is handed over when the first row of the next one comes; the last, when the
    # end marker (a row of no household) does.
    for row in chain(rows, ((None,),)):
        if first is None:
            first = row
            continue
        if row[0] == first[0]:
            rest.append(row)
            continue
        (household, program_id, pairing_id, worker, started_on, ended_on, _, name,
         area_id) = first  # the household just ended: handed over now
        while month is not None and month[0] < household:
            month = next(month_rows, None)
        marks: Sequence[int] = none
        if month is not None and month[0] == household:
            marks = month[1:]
        if this_month:
            extra = this_month.get(household)
            if extra is not None:
                marks = tuple(a | b for a, b in zip(marks, extra, strict=True))
        if not rest and program_id in plain:
            one(household, name, area_id, area_names.get(area_id), program_id, worker, pairing_id,
                ordinal(started_on), ordinal(ended_on) if ended_on else None, marks)
        else:
            rest.insert(0, first)
            held = _tenures(rest, holds, known)
            if held:
                many(household, name, area_id, area_names.get(area_id), held, marks)
            rest = []
        first = row


def _tenures(group: Sequence[tuple[Any, ...]], holds: Holding, known: Mapping[int, Program]
             ) -> Held:
    """One household's pairing rows (fold_marks's) as its programmes and tenures, as _held
    makes them."""
    days = _Days()
    tenures: dict[int, list[Tenure]] = {}
    for _, program_id, pairing_id, worker, started_on, ended_on, codes, _, _ in group:
        tenure = Tenure(pairing_id, worker, days[started_on],
                        days[ended_on] if ended_on else None)
        # Cut to the days the programme holds the household (none: left out).
        parts = (holds.tenures(program_id, codes, tenure) if program_id in holds.limited
                 else (tenure,))
        if parts:
            tenures.setdefault(program_id, []).extend(parts)
    return [(program, spans) for program_id, spans in tenures.items()
            if (program := known.get(program_id)) is not None]


class _Ordinals(dict[str, int]):
    """Days' ordinals by their text, each parsed once (a few hundred distinct days)."""

    def __missing__(self, text: str) -> int:
        day = self[text] = date.fromisoformat(text).toordinal()
        return day


def _packed_rows(conn: sqlite3.Connection, columns: Sequence[Column], today: date
                 ) -> Iterator[tuple[int, ...]]:
    """Per household with a counting month before today's, in id order: its id and, per
    column, the bits of its periods (contact_months). SQLite sums per household only each
    column's months packed into one integer (a year's twelve months after another's; a yearly
    column's years as bits), and numpy making them into the periods' bits for every
    household at once: a CASE per period and row cost SQLite 0.08 s of the 0.2 s."""
    import numpy as np
    sums: list[str] = []
    made: list[Callable[[Any], Any]] = []
    for column in columns:
        found = _packed(column, today)
        if found is None:  # a window too long to pack (more than five years of months)
            sums.append(f"SUM({_period_bits(column)})")
            made.append(lambda packed: packed)
        else:
            sums.append(found[0])
            made.append(found[1])
    oldest = min(c.first * c.months // 12 for c in columns)
    cur = conn.cursor()
    cur.row_factory = None
    cur.execute(
        f"SELECT household_id, {', '.join(sums)} FROM (SELECT household_id, year, "
        + ", ".join(f"CASE WHEN year = :year THEN {kind} & :cut ELSE {kind} END AS {kind}"
                    for kind in _KIND_COLUMNS)
        + " FROM contact_months WHERE year >= :oldest AND year <= :year) "
        "GROUP BY household_id ORDER BY household_id",
        {"year": today.year, "cut": (1 << (today.month - 1)) - 1, "oldest": oldest})
    parts = []
    try:
        while chunk := cur.fetchmany(CHUNK):
            parts.append(np.array(chunk, dtype=np.int64))
    finally:
        cur.close()
    if not parts:
        return iter(())
    rows = np.concatenate(parts)
    return zip(rows[:, 0].tolist(),
               *(make(rows[:, n + 1]).tolist() for n, make in enumerate(made)), strict=True)


def _packed(column: Column, today: date) -> tuple[str, Callable[[Any], Any]] | None:
    """SQL summing a household's months of the column's kinds as one integer (bit 12 * (year
    - the window's first year) + month - 1; a yearly column: bit year - its first year, as
    its periods' bits already), and what makes that into the periods' bits (numpy); None
    when the months do not fit in 62 bits. A year before the first shifts right: to nothing,
    as a period before the window has no bit."""
    if 12 % column.months:
        raise ValueError(f"a period of {column.months} months would span years")
    kinds = " | ".join(column.kinds) or "0"
    per_year = 12 // column.months
    first_year = column.first // per_year
    if column.months == 12:
        return f"SUM((({kinds}) != 0) << (year - {first_year}))", lambda packed: packed
    if 12 * (today.year - first_year + 1) > 62:
        return None
    months = (1 << column.months) - 1
    count = (today.year - first_year + 1) * per_year - (column.first - first_year * per_year)

    def periods(packed: Any) -> Any:
        """Each period's bit of the window: set when one of its months is."""
        import numpy as np
        bits = np.zeros(len(packed), dtype=np.int64)
        for index in range(count):
            number = column.first + index
            at = 12 * (number // per_year - first_year) + number % per_year * column.months
            bits |= ((packed >> at) & months != 0).astype(np.int64) << index
        return bits
    return f"SUM(({kinds}) << (12 * (year - {first_year})))", periods


def _period_bits(column: Column) -> str:
    """SQL for one contact_months row's bits of a column: per period of the row's year (a
    period is whole months of one year), its bit when a counting month of it is set and it
    is in the window (a period before it has no bit: a negative shift would shift right)."""
    if 12 % column.months:
        raise ValueError(f"a period of {column.months} months would span years")
    kinds = " | ".join(column.kinds) or "0"
    per_year = 12 // column.months
    terms = []
    for part in range(per_year):
        months = ((1 << column.months) - 1) << (part * column.months)
        number = f"year * {per_year} + {part - column.first}"
        terms.append(f"CASE WHEN ({kinds}) & {months} AND {number} >= 0 "
                     f"THEN 1 << ({number}) ELSE 0 END")
    return " + ".join(terms)


def _this_month(conn: sqlite3.Connection, columns: Sequence[Column], today: date
                ) -> dict[int, tuple[int, ...]]:
    """Per household with a contact dated from the first of today's month to today, per
    column its running period's bit if one of them counts (else 0)."""
    index = today.year * 12 + today.month - 1
    each = ", ".join(
        f"MAX(CASE WHEN kind IN ({', '.join(repr(k) for k in c.kinds)}) "
        f"THEN {_bit(c, index)} ELSE 0 END)" for c in columns)
    rows = _tuples(conn, (
        f"SELECT household_id, {each} FROM contacts WHERE deleted = 0 AND day >= ? "
        "AND day <= ? GROUP BY household_id"),
        (today.replace(day=1).isoformat(), today.isoformat()))
    return {r[0]: r[1:] for r in rows}


def _bit(column: Column, month: int) -> int:
    """The column's bit for the period holding a month index (0 before its window)."""
    number = month // column.months - column.first
    return 1 << number if number >= 0 else 0


def _mine(worker_id: int | None) -> tuple[str, tuple[Any, ...]]:
    """One worker's share: only the households they were ever paired with are read (with every
    pairing of those, as a handover decides who answers for a period), not all of them. A
    condition to format with the household id's column, and its parameters."""
    if worker_id is None:
        return "", ()
    return " AND {} IN (SELECT household_id FROM pairings WHERE worker_id = ?)", (worker_id,)


def _held(conn: sqlite3.Connection, worker_id: int | None,
          contact_rows: Iterator[tuple[Any, ...]], days: dict[str, date]
          ) -> Iterator[tuple[int, House, Held, tuple[Any, ...] | None]]:
    """Every household that was paired (with worker_id: by that worker), archived or not,
    in id order, with its programmes and tenures and its row of `contact_rows` (by household
    id first, in the same order; None if it has none): the three read side by side."""
    known = {p.id: p for p in programs(conn)}
    holds = holding_of(conn)
    limited = holds.limited
    mine, params = _mine(worker_id)
    pairing_rows = _tuples(conn, (
        "SELECT p.id, p.household_id, p.worker_id, p.program_id, p.started_on, p.ended_on, "
        f"{holds.categories()} FROM pairings p WHERE 1{mine.format('p.household_id')} "
        "ORDER BY p.household_id, p.program_id, p.started_on"), params)
    house_rows = _tuples(conn, (
        "SELECT h.id, h.name, h.area_id, a.name AS area_name FROM households h "
        "LEFT JOIN areas a ON a.id = h.area_id WHERE EXISTS (SELECT 1 FROM pairings p "
        f"WHERE p.household_id = h.id){mine.format('h.id')} "
        "ORDER BY h.id"), params)
    next_contact = next(contact_rows, None)
    next_pairing = next(pairing_rows, None)
    for household_id, name, area_id, area_name in house_rows:
        tenures: dict[int, list[Tenure]] = {}
        while next_pairing is not None and next_pairing[1] <= household_id:
            pairing_id, house_of, worker, program_id, started_on, ended_on, codes = next_pairing
            if house_of == household_id:
                tenure = Tenure(pairing_id, worker, days[started_on],
                                days[ended_on] if ended_on else None)
                # Cut to the days the programme holds the household (none: left out).
                parts = (holds.tenures(program_id, codes, tenure) if program_id in limited
                         else (tenure,))
                if parts:
                    tenures.setdefault(program_id, []).extend(parts)
            next_pairing = next(pairing_rows, None)
        found: tuple[Any, ...] | None = None
        while next_contact is not None and next_contact[0] <= household_id:
            if next_contact[0] == household_id:
                found = next_contact
            next_contact = next(contact_rows, None)
        if worker_id is not None and not any(t.worker_id == worker_id
                                             for spans in tenures.values() for t in spans):
            continue
        held = [(program, spans) for program_id, spans in tenures.items()
                if (program := known.get(program_id)) is not None]
        if held:
            yield household_id, House(name, area_id, area_name), held, found


def _tuples(conn: sqlite3.Connection, sql: str,
            params: Sequence[object] | Mapping[str, object] = ()) -> Iterator[tuple[Any, ...]]:
    """Rows of a query as plain tuples (cheaper than sqlite3.Row), fetched CHUNK at a time."""
    cur = conn.cursor()
    cur.row_factory = None
    yield from _chunks(cur.execute(sql, params))
