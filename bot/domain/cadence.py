"""The cadence engine: which obligations a household's pairings owe, and their status.

Pure: no clock, no storage. "today" is always an argument, a date in the deployment's zone
(see periods.local_date).
"""

from __future__ import annotations

import json
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from functools import lru_cache
from typing import Final

from bot.domain.periods import Period, PeriodKind, period_containing, require_date


class ContactKind(StrEnum):
    """What a logged contact was."""

    CALL = "call"
    VISIT = "visit"
    DEED = "deed"
    OTHER = "other"

    @classmethod
    def parse(cls, text: str) -> ContactKind:
        """Read a kind from text (case and spaces ignored); ValueError otherwise."""
        if not isinstance(text, str):
            raise ValueError(f"contact kind must be text, got {text!r}")
        try:
            return cls(text.strip().lower())
        except ValueError:
            expected = ", ".join(k.value for k in cls)
            raise ValueError(
                f"unknown contact kind {text!r}; expected one of: {expected}"
            ) from None


# Which contact kinds meet an obligation of a given kind. A home visit includes talking to
# the household, so it also meets the call obligation; "other" is logged but owes nothing.
_COUNTING: Final[dict[ContactKind, frozenset[ContactKind]]] = {
    ContactKind.CALL: frozenset({ContactKind.CALL, ContactKind.VISIT}),
    ContactKind.VISIT: frozenset({ContactKind.VISIT}),
    ContactKind.DEED: frozenset({ContactKind.DEED}),
    ContactKind.OTHER: frozenset(),
}


_ALL_KINDS: Final = tuple(ContactKind)  # iterating an Enum class is slow; done per household


def counts_for(contact_kind: ContactKind, obligation_kind: ContactKind) -> bool:
    """True if a contact of contact_kind meets an obligation of obligation_kind."""
    return contact_kind in _COUNTING[obligation_kind]


def counting_kinds(obligation_kind: ContactKind) -> frozenset[ContactKind]:
    """All contact kinds that meet an obligation of this kind."""
    return _COUNTING[obligation_kind]


@dataclass(frozen=True, slots=True)
class Rule:
    """One obligation of a program: a contact of `kind` in every period of `period`."""

    kind: ContactKind
    period: PeriodKind

    def __post_init__(self) -> None:
        """Normalise plain strings and refuse obligations that nothing could meet."""
        object.__setattr__(self, "kind", ContactKind.parse(self.kind))
        object.__setattr__(self, "period", PeriodKind.parse(self.period))
        if self.kind is ContactKind.OTHER:
            raise ValueError("an obligation cannot be of kind 'other': no contact meets it")


@dataclass(frozen=True, slots=True)
class Program:
    """A named list of obligations, stored as data."""

    id: int
    name: str
    rules: tuple[Rule, ...]

    def __post_init__(self) -> None:
        """Refuse empty programs and duplicate rules."""
        rules = tuple(self.rules)
        object.__setattr__(self, "rules", rules)
        if not rules:
            raise ValueError(f"program {self.name!r} has no obligations")
        for rule in rules:
            if not isinstance(rule, Rule):
                raise ValueError(f"program {self.name!r}: not a rule: {rule!r}")
        if len(set(rules)) != len(rules):
            raise ValueError(f"program {self.name!r} lists the same obligation twice")


DEFAULT_PROGRAM: Final = Program(
    id=1,
    name="one-to-one",
    rules=(
        Rule(ContactKind.CALL, PeriodKind.QUARTER),
        Rule(ContactKind.VISIT, PeriodKind.HALF_YEAR),
        Rule(ContactKind.DEED, PeriodKind.YEAR),
    ),
)


def program_from_data(id: int, name: str, rules: str | Sequence[Mapping[str, object]]) -> Program:
    """Build a program from [{"kind": ..., "period": ...}, ...] or that list as JSON text."""
    data: object = rules
    if isinstance(rules, str):
        try:
            data = json.loads(rules)
        except json.JSONDecodeError as exc:
            raise ValueError(f"program {name!r}: rules are not valid JSON: {exc}") from None
    if not isinstance(data, Sequence) or isinstance(data, str):
        raise ValueError(f"program {name!r}: rules must be a list of {{kind, period}} objects")
    built: list[Rule] = []
    for n, item in enumerate(data, start=1):
        if not isinstance(item, Mapping):
            raise ValueError(f"program {name!r}, rule {n}: expected an object, got {item!r}")
        missing = [field for field in ("kind", "period") if field not in item]
        if missing:
            raise ValueError(f"program {name!r}, rule {n}: missing {', '.join(missing)}")
        extra = sorted(set(item) - {"kind", "period"})
        if extra:
            raise ValueError(f"program {name!r}, rule {n}: unknown field(s) {', '.join(extra)}")
        kind, period = item["kind"], item["period"]
        if not isinstance(kind, str) or not isinstance(period, str):
            raise ValueError(f"program {name!r}, rule {n}: kind and period must be text")
        try:
            built.append(Rule(ContactKind.parse(kind), PeriodKind.parse(period)))
        except ValueError as exc:
            raise ValueError(f"program {name!r}, rule {n}: {exc}") from None
    return Program(id=id, name=name, rules=tuple(built))


def program_to_data(program: Program) -> list[dict[str, str]]:
    """The inverse of program_from_data: plain data, ready for json.dumps."""
    return [{"kind": rule.kind.value, "period": rule.period.value} for rule in program.rules]


@dataclass(frozen=True, slots=True)
class Tenure:
    """One worker's pairing with one household under one program; ended_on is exclusive."""

    pairing_id: int
    worker_id: int
    started_on: date
    ended_on: date | None = None

    def __post_init__(self) -> None:
        """Refuse datetimes and tenures that end before they start."""
        require_date(self.started_on)
        if self.ended_on is not None:
            require_date(self.ended_on)
            if self.ended_on < self.started_on:
                raise ValueError(
                    f"pairing {self.pairing_id} ends ({self.ended_on}) before it starts "
                    f"({self.started_on})"
                )

    def covers(self, day: date) -> bool:
        """True if the worker was paired on that day."""
        return self.started_on <= day and (self.ended_on is None or day < self.ended_on)


@dataclass(frozen=True, slots=True)
class ContactRecord:
    """A logged contact with the household, by its date (not when it was logged)."""

    day: date
    kind: ContactKind

    def __post_init__(self) -> None:
        """Refuse datetimes: a contact is dated in the deployment's zone."""
        require_date(self.day)


@dataclass(frozen=True, slots=True)
class Coverage:
    """An unbroken stretch of pairing (handovers included): [start, end), end None = open."""

    start: date
    end: date | None
    tenures: tuple[Tenure, ...]

    def covers(self, day: date) -> bool:
        """True if some worker was paired on that day."""
        return self.start <= day and (self.end is None or day < self.end)

    def responsible(self, day: date) -> Tenure | None:
        """The tenure covering the day; on overlap the most recently started one."""
        found: Tenure | None = None
        for tenure in self.tenures:
            if tenure.covers(day):
                found = tenure
        return found


def coverages(tenures: Iterable[Tenure]) -> list[Coverage]:
    """Merge a household's tenures under one program into unbroken coverages, by start."""
    if isinstance(tenures, (list, tuple)) and len(tenures) == 1:  # most households: no sort
        only = tenures[0]
        return [] if only.ended_on == only.started_on else [
            Coverage(only.started_on, only.ended_on, (only,))]
    ordered = sorted(
        (t for t in tenures if t.ended_on != t.started_on),  # zero-length: covers no day
        key=lambda t: (t.started_on, t.pairing_id),
    )
    result: list[Coverage] = []
    start: date | None = None
    end: date | None = None
    group: list[Tenure] = []
    for tenure in ordered:
        # A handover (next starts the day the last one ends) or an overlap continues coverage.
        if start is not None and (end is None or tenure.started_on <= end):
            group.append(tenure)
            if end is not None and (tenure.ended_on is None or tenure.ended_on > end):
                end = tenure.ended_on
            continue
        if start is not None:
            result.append(Coverage(start, end, tuple(group)))
        start, end, group = tenure.started_on, tenure.ended_on, [tenure]
    if start is not None:
        result.append(Coverage(start, end, tuple(group)))
    return result


def latest_owing_start(period: Period) -> date:
    """The last start day on which a new coverage still owes this period.

    A coverage starting on day s inside the period owes it iff remaining >= ceil(length / 2),
    where remaining = (period.end - s) in days, counting s itself, and length is the period's
    number of days: at least half of the days remain, an exact half counts, and a half day
    rounds up (a 91-day quarter needs 46 remaining days, a 90-day one 45).
    """
    return period.end - timedelta(days=(period.days + 1) // 2)


class Status(StrEnum):
    """Where an obligation stands as of today."""

    MET = "met"
    DUE = "due"
    MISSED = "missed"


@dataclass(frozen=True, slots=True)
class Obligation:
    """What one rule asks of a household for one period, and who must do it."""

    rule: Rule
    period: Period
    status: Status
    due_by: date  # the period's last day, inclusive
    met_on: date | None  # the earliest counting contact in the period
    worker_id: int
    pairing_id: int

    @property
    def key(self) -> str:
        """Stable key within one household and program, e.g. call:2026-Q4."""
        return obligation_key(self.rule, self.period)


def obligation_key(rule: Rule, period: Period) -> str:
    """Obligation.key of the rule's obligation for that period."""
    return f"{rule.kind.value}:{period.key}"


class ObligationKeys:
    """obligation_key written once per rule and period, for runs over many households (the
    reminder run and the digest write 170,000 keys at 100,000 households, of a few dozen
    texts). A rule is found by identity (hashing one runs in Python) and kept alive here, so
    its id is not reused; a period by its start (a rule has one kind of period)."""

    def __init__(self) -> None:
        self._known: dict[tuple[int, date], tuple[Rule, str]] = {}

    def __call__(self, rule: Rule, period: Period) -> str:
        """The key of the rule's obligation for that period."""
        known = self._known.get((id(rule), period.start))
        if known is None:
            known = self._known[(id(rule), period.start)] = (rule, obligation_key(rule, period))
        return known[1]


# An obligation's fields in order (Obligation(*row) builds it): the bulk engine's output,
# folded without an object per obligation (the digest at a million contacts).
Row = tuple[Rule, Period, Status, date, date | None, int, int]


def obligations(
    program: Program,
    tenures: Iterable[Tenure],
    contacts: Iterable[ContactRecord],
    today: date,
    *,
    history_periods: int | None = None,
) -> list[Obligation]:
    """Every obligation one household owes under one program, up to the running period.

    tenures: the household's pairings under this program (its pairing history).
    contacts: the household's contacts, by any worker.
    history_periods: None for every period since coverage began; n for the running period
    and the n periods before it (per rule, counted in that rule's periods); 0 = running only.

    A coverage (tenures joined at handovers) owes a period iff it covers the period's end
    (is open, or ends on or after period.end) and it began either before the period or
    inside it with at least half the period's days remaining on the start day:
    (period.end - start).days >= ceil(period.days / 2), see latest_owing_start. A coverage
    that has not begun by today owes nothing yet.

    Status: met if a contact of a counting kind is dated inside the period and not after
    today (contacts before the pairing began count if inside an owed period); otherwise
    due while the period contains today, missed once it has ended. The responsible worker
    is the one whose tenure covers today (running period) or the period's last day.
    Ordered by rule as in the program, then by period.
    """
    engine = Engine(program, today, history_periods)
    by_kind: dict[ContactKind, list[date]] = {kind: [] for kind in _ALL_KINDS}
    for contact in contacts:
        by_kind[contact.kind].append(contact.day)
    return [Obligation(*row) for row in engine.rows(tenures, by_kind)]


class Engine:
    """The cadence engine for one programme as of one day, for many households one after
    another: obligations() is Engine(...).rows(...) made into objects. The digest folds the
    rows themselves; what every household shares (the rules' kinds, each schedule of
    periods) is worked out once per engine, not once per household."""

    def __init__(self, program: Program, today: date, history_periods: int | None = None
                 ) -> None:
        require_date(today)
        if history_periods is not None and history_periods < 0:
            raise ValueError(f"history_periods must be >= 0 or None, got {history_periods}")
        self.program = program
        self.today = today
        self.history_periods = history_periods
        # Per rule: the contact kinds that meet it, and its schedules by the first day of
        # the household's first coverage (a dict of dates: an enum is hashed in Python).
        self._statuses = Status.MET, Status.DUE, Status.MISSED
        self._rules = [(rule, tuple(sorted(counting_kinds(rule.kind))),
                        dict[date, tuple[tuple[Period, date, date], ...]]())
                       for rule in program.rules]

    def rows(self, tenures: Iterable[Tenure], days: Mapping[ContactKind, Sequence[date]]
             ) -> list[Row]:
        """What one household owes (see obligations()), as rows. days: the household's
        contact days by kind, in any order; days after today and kinds left out count for
        nothing."""
        today = self.today
        spans = [span for span in coverages(tenures) if span.start <= today]
        if not spans:
            return []
        span_starts = [span.start for span in spans]
        # One tenure: it is the coverage, and covers every day the coverage owes for.
        alone = [span.tenures[0] if len(span.tenures) == 1 else None for span in spans]
        first = spans[0].start
        met, due, missed = self._statuses
        # Kinds are matched by `in` a tuple (identity first), not looked up: an enum's hash
        # is computed in Python.
        contacts = list(days.items())
        result: list[Row] = []
        for rule, kinds, schedules in self._rules:
            counting: list[date] = []
            for kind, found in contacts:
                if kind in kinds:
                    counting += found
            counting.sort()
            # Future-dated contacts are ignored, not refused: a clock set back must not crash.
            cut = bisect_right(counting, today)
            if cut < len(counting):
                del counting[cut:]
            schedule = schedules.get(first)
            if schedule is None:
                schedule = schedules[first] = _schedule(
                    rule.period, period_containing(rule.period, first).start, today,
                    self.history_periods)
            for period, owed_start, due_by in schedule:
                # Coverages do not overlap, so only the last one begun by owed_start can cover.
                index = bisect_right(span_starts, owed_start) - 1
                if index < 0:
                    continue
                span = spans[index]
                end = period.end
                if span.end is not None and span.end < end:
                    continue
                i = bisect_left(counting, period.start)
                met_on = counting[i] if i < len(counting) and counting[i] < end else None
                running = today < end
                status = met if met_on is not None else due if running else missed
                tenure = alone[index] or span.responsible(today if running else due_by)
                if tenure is None:  # pragma: no cover - an owed span covers both days
                    raise AssertionError(f"no tenure covers {period.key}")
                result.append((rule, period, status, due_by, met_on, tenure.worker_id,
                               tenure.pairing_id))
        return result


def _month_index(day: date) -> int:
    """Months since the start of year 0, for comparing month distances."""
    return day.year * 12 + day.month - 1


@lru_cache(maxsize=1024)
def _schedule(kind: PeriodKind, first: date, today: date,
              history_periods: int | None) -> tuple[tuple[Period, date, date], ...]:
    """(period, last owing start capped at today, due_by) from `first` to today's period.

    Cached because a daily run asks the same question for every household.
    """
    current = period_containing(kind, today)
    period = period_containing(kind, first)
    if history_periods is not None:
        # Compare month indexes first: a huge history would shift before year 1 and raise.
        back = history_periods * kind.months
        if _month_index(current.start) - back > _month_index(period.start):
            period = current.shift(-history_periods)
    out: list[tuple[Period, date, date]] = []
    while period.start <= today:
        out.append((period, min(latest_owing_start(period), today), period.last_day))
        period = period.next()
    return tuple(out)


def earliest_needed(programs: Iterable[Program], today: date,
                    history_periods: int | None) -> date | None:
    """The first day a contact can count for `obligations(..., history_periods)` under these
    programmes as of today: the start of the oldest period asked for. None: every day can.

    Contacts before it meet no obligation asked for, so a bulk read may leave them out.
    """
    if history_periods is None:
        return None
    starts: list[date] = []
    for program in programs:
        for rule in program.rules:
            current = period_containing(rule.period, today)
            # As in _schedule: a huge history would shift before year 1 and raise.
            if _month_index(current.start) - history_periods * rule.period.months < 12:
                return None
            starts.append(current.shift(-history_periods).start)
    return min(starts, default=None)


class Stage(StrEnum):
    """Which reminder an unmet obligation is at."""

    FIRST = "first"
    FINAL = "final"


FINAL_REMINDER_DAYS: Final = 7


def stage_start(period: Period, stage: Stage) -> date:
    """The first day of a reminder stage for a period.

    first: the 15th for a month; the last month for a quarter; the last two months for a
    half year or a year. final: the last 7 days (due_by - 6 .. due_by).
    """
    if stage is Stage.FINAL:
        return period.end - timedelta(days=FINAL_REMINDER_DAYS)
    if period.kind is PeriodKind.MONTH:
        return period.start.replace(day=15)
    if period.kind is PeriodKind.QUARTER:
        return period.last_months_start(1)
    return period.last_months_start(2)


def reminder_stage(obligation: Obligation, today: date) -> Stage | None:
    """The reminder stage a due obligation is at today (final wins over first), else None."""
    require_date(today)
    period = obligation.period
    if obligation.status is not Status.DUE or not period.start <= today < period.end:
        return None
    if today >= stage_start(period, Stage.FINAL):
        return Stage.FINAL
    if today >= stage_start(period, Stage.FIRST):
        return Stage.FIRST
    return None


# --- fast path: the running period only, for many pairings at once --------------------------


def current_statuses(
    program: Program,
    today: date,
    covered_since: Sequence[date],
    covered_until: Sequence[date | None],
    latest: Mapping[ContactKind, Sequence[date | None]],
) -> dict[Rule, list[Status | None]]:
    """Status of the running period of every rule, for many households at once (columns).

    Row i is one household's coverage that contains today: covered_since[i] is its first
    day (handovers included, see coverages), covered_until[i] its exclusive end or None.
    latest[kind][i] is the household's latest contact of that kind dated on or before
    today, or None; kinds left out have no contacts. Per rule the answer is a list aligned
    with the rows: MET, DUE, or None where the running period is not owed. Same rules as
    obligations(); it skips objects per row to stay fast at a million rows.
    """
    require_date(today)
    rows = len(covered_since)
    columns = [covered_until, *latest.values()]
    if any(len(column) != rows for column in columns):
        raise ValueError("covered_since, covered_until and every latest column must align")
    met, due = Status.MET, Status.DUE
    result: dict[Rule, list[Status | None]] = {}
    for rule in program.rules:
        period = period_containing(rule.period, today)
        cut = min(latest_owing_start(period), today)
        start, end = period.start, period.end
        kinds = [latest[kind] for kind in sorted(counting_kinds(rule.kind)) if kind in latest]
        since, until = covered_since, covered_until
        # Comprehensions specialised by how many contact columns count: a generic inner loop
        # over kinds would cost more than the comparisons themselves.
        if not kinds:
            out: list[Status | None] = [
                due if s <= cut and (e is None or e >= end) else None
                for s, e in zip(since, until, strict=True)
            ]
        elif len(kinds) == 1:
            out = [
                (met if c is not None and start <= c <= today else due)
                if s <= cut and (e is None or e >= end) else None
                for s, e, c in zip(since, until, kinds[0], strict=True)
            ]
        else:
            merged = _latest_of(kinds, today)
            out = [
                (met if c is not None and c >= start else due)
                if s <= cut and (e is None or e >= end) else None
                for s, e, c in zip(since, until, merged, strict=True)
            ]
        result[rule] = out
    return result


def _latest_of(columns: list[Sequence[date | None]], today: date) -> list[date | None]:
    """Row-wise latest of several contact columns, ignoring dates after today."""
    merged: list[date | None] = [c if c is not None and c <= today else None for c in columns[0]]
    for column in columns[1:]:
        merged = [
            c if c is not None and c <= today and (m is None or c > m) else m
            for m, c in zip(merged, column, strict=True)
        ]
    return merged


def current_status_counts(
    program: Program,
    today: date,
    covered_since: Sequence[date],
    covered_until: Sequence[date | None],
    latest: Mapping[ContactKind, Sequence[date | None]],
) -> dict[Rule, dict[Status, int]]:
    """How many running-period obligations per rule are met and due (see current_statuses)."""
    statuses = current_statuses(program, today, covered_since, covered_until, latest)
    return {
        rule: {Status.MET: column.count(Status.MET), Status.DUE: column.count(Status.DUE)}
        for rule, column in statuses.items()
    }
