"""The figures a district reports upward, for a span of days: one source for /stats, the
export's summary sheet and the digest.

Pure: rows come in (as iterables, so a year of contacts can stream through), figures come
out. Words used here:
- *covered*: a household with at least one contact dated in the span; its people are its
  household size.
- *person-times* (人次): the sum of people reached over all contacts of the span.
- *paired*: a household with a pairing active on at least one day of the span.
- *promise kept*: obligations (from the cadence engine, statuses as of today) whose period
  overlaps the span, counted met / due / missed, as the digest counts them.
- *groupings*: households carry their group values (category, community, …) as data, so a
  new breakdown (streets) is one more pair in HouseholdRow.groups.
"""

from __future__ import annotations

import math
import re
import statistics
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo
from enum import StrEnum
from typing import Final, Protocol, TypeVar

from bot.domain.cadence import ContactKind, Obligation, Rule, Status
from bot.domain.periods import Period, PeriodKind, local_date, period_containing


class HasObligation(Protocol):
    """Anything carrying one obligation (the digest's Item)."""

    @property
    def obligation(self) -> Obligation:
        """The obligation."""
        ...


class ProgramItem(HasObligation, Protocol):
    """An obligation with the programme it is owed under."""

    @property
    def program_id(self) -> int:
        """The programme."""
        ...


K = TypeVar("K", bound=Hashable)
T = TypeVar("T", bound=HasObligation)

MAX_SPAN_DAYS: Final = 5 * 365 + 2  # five years, leap days included
PRESETS: Final = ("month", "last_month", "quarter", "last_quarter", "year")
REPORT_OUTCOMES: Final = ("resolved", "referred", "closed")
KINDS: Final = tuple(k.value for k in ContactKind)


# -- spans --------------------------------------------------------------------------------


class SpanProblem(StrEnum):
    """Why a typed range was refused."""

    FORMAT = "format"  # not two dates
    DATE = "date"  # a date that does not exist
    REVERSED = "reversed"
    TOO_LONG = "too_long"


class SpanError(ValueError):
    """A typed range that cannot be used; `problem` says why."""

    def __init__(self, problem: SpanProblem) -> None:
        super().__init__(problem.value)
        self.problem = problem


@dataclass(frozen=True, slots=True)
class Span:
    """Days from start to end, both included, in the deployment's zone."""

    start: date
    end: date

    def __post_init__(self) -> None:
        """Refuse reversed and over-long spans."""
        if self.end < self.start:
            raise SpanError(SpanProblem.REVERSED)
        if self.days > MAX_SPAN_DAYS:
            raise SpanError(SpanProblem.TOO_LONG)

    @property
    def days(self) -> int:
        """Number of days, both ends included."""
        return (self.end - self.start).days + 1

    @property
    def stop(self) -> date:
        """The day after the last (exclusive end)."""
        return self.end + timedelta(days=1)

    def calendar_period(self) -> Period | None:
        """The calendar month, quarter, half year or year the span is exactly, if it is one."""
        for kind in PeriodKind:
            period = period_containing(kind, self.start)
            if period.start == self.start and period.last_day == self.end:
                return period
        return None

    def previous(self) -> Span:
        """The period before, as /stats compares with: when the span is exactly a calendar
        month, quarter, half year or year, the previous one of that kind (March: February;
        Q1: Q4 of the year before); any other range, the span of the same length just before.
        """
        period = self.calendar_period()
        if period is not None:
            before = period.previous()
            return Span(before.start, before.last_day)
        return Span(self.start - timedelta(days=self.days), self.start - timedelta(days=1))

    def __contains__(self, day: object) -> bool:
        """True if the date lies in the span."""
        return isinstance(day, date) and self.start <= day <= self.end

    def overlaps(self, start: date, stop: date) -> bool:
        """Whether [start, stop) shares a day with the span."""
        return start <= self.end and stop > self.start

    @property
    def code(self) -> str:
        """Compact text for buttons: 20260101-20260331."""
        return f"{self.start:%Y%m%d}-{self.end:%Y%m%d}"

    @classmethod
    def from_code(cls, code: str) -> Span:
        """Inverse of code; SpanError for anything else."""
        match = re.fullmatch(r"(\d{8})-(\d{8})", code)
        if match is None:
            raise SpanError(SpanProblem.FORMAT)
        return cls(_day(match[1], "%Y%m%d"), _day(match[2], "%Y%m%d"))


def _day(text: str, fmt: str = "%Y-%m-%d") -> date:
    try:
        return datetime.strptime(text, fmt).date()
    except ValueError:
        raise SpanError(SpanProblem.DATE) from None


_DATE = r"\d{4}[-/.]\d{1,2}[-/.]\d{1,2}"


def parse_span(text: str) -> Span:
    """Two typed dates, `2026-01-01 2026-03-31` (also with 至, ~ or –); SpanError otherwise."""
    match = re.fullmatch(rf"\s*({_DATE})\s*(?:[至~–—]|--?|to)?\s*({_DATE})\s*", text)
    if match is None:
        raise SpanError(SpanProblem.FORMAT)
    start, end = (re.sub(r"[/.]", "-", g) for g in match.groups())
    return Span(_day(start), _day(end))


def split_span(text: str) -> tuple[Span | None, str]:
    """Typed dates and what follows them (whose figures: a name or an id), as in
    `2026-01-01 2026-03-31 陈社工`: the longest run of leading words that are two dates, and the
    rest. (None, text) when no leading words are; SpanError when they are dates that cannot
    be (reversed, no such day, too long)."""
    words = text.split()
    for count in range(len(words), 0, -1):
        try:
            return parse_span(" ".join(words[:count])), " ".join(words[count:])
        except SpanError as exc:
            if exc.problem is not SpanProblem.FORMAT:
                raise
    return None, " ".join(words)


def months_between(since: date, today: date) -> int:
    """Whole months from the month of `since` to the month of `today` (0 if not before):
    how much cadence history reaches back to `since`."""
    return max(0, (today.year - since.year) * 12 + today.month - since.month)


def preset(name: str, today: date) -> Span:
    """A named span (PRESETS) around today; ValueError for other names."""
    kinds = {"month": PeriodKind.MONTH, "quarter": PeriodKind.QUARTER, "year": PeriodKind.YEAR}
    last = name.startswith("last_")
    kind = kinds.get(name.removeprefix("last_"))
    if kind is None or name not in PRESETS:
        raise ValueError(f"unknown span {name!r}")
    period = period_containing(kind, today)
    if last:
        period = period.previous()
    return Span(period.start, period.last_day)


# -- rows in --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class HouseholdRow:
    """One registered household: its size and its value in each grouping."""

    id: int
    people: int
    groups: tuple[tuple[str, str], ...] = ()  # (grouping, value): ("category", "dibao"), …
    archived: bool = False


@dataclass(frozen=True, slots=True)
class PairingRow:
    """One pairing; ended_on is exclusive, None while active."""

    household_id: int
    worker_id: int
    program_id: int
    started_on: date
    ended_on: date | None
    # The parts of the pairing its programme holds the household in ([start, end), by date:
    # bot/domain/limits.py); None: all of it.
    held: tuple[tuple[date, date | None], ...] | None = None

    def active_in(self, span: Span) -> bool:
        """Whether the pairing is active on at least one day of the span."""
        return _active(self.started_on, self.ended_on, span)

    def held_in(self, span: Span) -> bool:
        """Whether its programme holds the household on a day of the span it is active on."""
        if self.held is None:
            return self.active_in(span)
        return any(_active(start, end, span) for start, end in self.held)


def _active(started_on: date, ended_on: date | None, span: Span) -> bool:
    if ended_on is None:
        return started_on <= span.end
    return started_on <= span.end and ended_on > span.start and ended_on > started_on


@dataclass(frozen=True, slots=True)
class ContactRow:
    """One contact (not deleted): what, when, for how many, which services."""

    household_id: int
    kind: str
    day: date
    people_reached: int
    services: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ReportRow:
    """One resident report with the instants that matter to the figures."""

    id: int
    category: str
    area: str
    created_at: datetime
    taken_at: datetime | None
    outcomes: tuple[tuple[str, datetime], ...] = ()  # (resolved|referred|closed, at)


# -- figures out ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Count:
    """Households and the people in them."""

    households: int = 0
    people: int = 0


@dataclass(frozen=True, slots=True)
class Kept:
    """Obligations met, still due, and missed."""

    met: int = 0
    due: int = 0
    missed: int = 0

    @property
    def total(self) -> int:
        """All obligations counted."""
        return self.met + self.due + self.missed

    @property
    def percent(self) -> int:
        """Met as a whole percentage of all (0 when none)."""
        return round(100 * self.met / self.total) if self.total else 0

    def add(self, status: Status) -> Kept:
        """This count with one more obligation."""
        return Kept(self.met + (status is Status.MET), self.due + (status is Status.DUE),
                    self.missed + (status is Status.MISSED))


@dataclass(frozen=True, slots=True)
class Reach:
    """What one group of households received in the span."""

    registered: Count = Count()
    covered: Count = Count()
    person_times: int = 0
    contacts: int = 0


@dataclass(frozen=True)
class Pairs:
    """Who is paired with whom during the span."""

    workers: int = 0
    households: int = 0
    by_program: dict[int, Count] = field(default_factory=dict)  # households (people)
    workers_by_program: dict[int, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Reports:
    """Resident reports in the span and how fast they were taken."""

    received: int = 0
    taken: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)  # resolved, referred, closed
    by_category: dict[str, int] = field(default_factory=dict)
    by_area: dict[str, int] = field(default_factory=dict)
    take_median: timedelta | None = None
    take_p90: timedelta | None = None



@dataclass(frozen=True)
class SpanReach:
    """Who a span reached, as /stats counts it: households (and people) with a contact in it,
    households paired in it, and person-times. The digest prints only these."""

    covered: Count
    paired: Count
    person_times: int

@dataclass(frozen=True)
class Figures:
    """Every figure of one span."""

    span: Span
    registered: Count
    paired: Count
    covered: Count
    person_times: int
    contacts_by_kind: dict[str, int]
    services: dict[str, int]
    pairs: Pairs
    kept: dict[tuple[int, Rule], Kept]
    reports: Reports
    breakdowns: dict[str, dict[str, Reach]]

    @property
    def contacts(self) -> int:
        """All contacts of the span."""
        return sum(self.contacts_by_kind.values())


@dataclass(frozen=True)
class Comparison:
    """A span's figures beside the period before's (Span.previous: the previous calendar
    period, or for a free range the span of the same length just before)."""

    now: Figures
    before: Figures
    program_names: dict[int, str] = field(default_factory=dict)
    worker_id: int | None = None  # one worker's own figures, or everyone's
    worker_name: str = ""  # that worker's name, for a title that says whose they are


# -- computing ------------------------------------------------------------------------------


def paired_in(pairings: Iterable[PairingRow], span: Span,
              people: Mapping[int, int] | None = None) -> Pairs:
    """Workers and households with a pairing active in the span, overall and by programme (a
    programme counts a pairing on the days it holds the household: PairingRow.held), with
    people: household sizes, for the people paired per programme."""
    people = people or {}
    workers: set[int] = set()
    households: set[int] = set()
    by_program: dict[int, set[int]] = {}
    workers_by_program: dict[int, set[int]] = {}
    for p in pairings:
        if not p.active_in(span):
            continue
        workers.add(p.worker_id)
        households.add(p.household_id)
        if not p.held_in(span):  # paired, but not under a programme that holds it then
            continue
        by_program.setdefault(p.program_id, set()).add(p.household_id)
        workers_by_program.setdefault(p.program_id, set()).add(p.worker_id)
    return Pairs(len(workers), len(households),
                 {k: Count(len(v), sum(people.get(h, 0) for h in v))
                  for k, v in sorted(by_program.items())},
                 {k: len(v) for k, v in sorted(workers_by_program.items())})


def kept(items: Iterable[T], span: Span, key: Callable[[T], K]) -> dict[K, Kept]:
    """Obligations whose period overlaps the span, by status, grouped by key(item).

    The digest's coverage is this with a span of one day (today): the running periods.
    """
    return kept_many(items, (span,), key)[0]


def kept_many(items: Iterable[T], spans: Sequence[Span], key: Callable[[T], K]
              ) -> list[dict[K, Kept]]:
    """kept() for several spans in one pass over the items (they may be a stream)."""
    out: list[dict[K, Kept]] = [{} for _ in spans]
    for item in items:
        obligation = item.obligation
        start, stop = obligation.period.start, obligation.period.end
        for span, counts in zip(spans, out, strict=True):
            if span.overlaps(start, stop):
                k = key(item)
                counts[k] = counts.get(k, Kept()).add(obligation.status)
    return out


def program_rule(item: ProgramItem) -> tuple[int, Rule]:
    """The key promise kept is reported by: programme and rule."""
    return item.program_id, item.obligation.rule


def in_span(obligation: Obligation, span: Span) -> bool:
    """Whether an obligation's period shares a day with the span."""
    return span.overlaps(obligation.period.start, obligation.period.end)


def percentile(values: list[timedelta], share: float) -> timedelta | None:
    """The nearest-rank percentile (share in 0..1) of sorted values; None if empty."""
    if not values:
        return None
    return values[max(0, math.ceil(share * len(values)) - 1)]


def report_figures(rows: Iterable[ReportRow], span: Span, tz: tzinfo) -> Reports:
    """Reports received, taken and finished in the span; time to take for those received."""
    received = taken = 0
    outcomes = dict.fromkeys(REPORT_OUTCOMES, 0)
    by_category: dict[str, int] = {}
    by_area: dict[str, int] = {}
    waits: list[timedelta] = []
    for r in rows:
        if local_date(r.created_at, tz) in span:
            received += 1
            by_category[r.category] = by_category.get(r.category, 0) + 1
            by_area[r.area] = by_area.get(r.area, 0) + 1
            if r.taken_at is not None:
                waits.append(r.taken_at - r.created_at)
        if r.taken_at is not None and local_date(r.taken_at, tz) in span:
            taken += 1
        for status in {s for s, at in r.outcomes if local_date(at, tz) in span}:
            if status in outcomes:
                outcomes[status] += 1
    waits.sort()
    median = statistics.median_low(waits) if waits else None
    return Reports(received, taken, outcomes, _sorted(by_category), _sorted(by_area),
                   median, percentile(waits, 0.9))


def _sorted(counts: dict[str, int]) -> dict[str, int]:
    """Largest first, then by name."""
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def compute(span: Span, households: Iterable[HouseholdRow], pairings: Iterable[PairingRow],
            contacts: Iterable[ContactRow], reports: Iterable[ReportRow],
            kept_counts: dict[tuple[int, Rule], Kept], tz: tzinfo, *,
            services: Iterable[str] = (),
            kinds: Iterable[str] = KINDS) -> Figures:
    """Every figure of the span. `households` is the registry in scope (for a worker: the
    households paired with them in the span and those their own contacts of the span are
    with: every contact's household is listed, so the breakdowns add up to the totals);
    contacts outside the span are ignored;
    kept_counts: the promise kept over the span (kept(items, span, program_rule))."""
    homes = {h.id: h for h in households}
    pairings = [p for p in pairings if p.active_in(span)]
    pairs = paired_in(pairings, span, {h.id: h.people for h in homes.values()})
    paired_ids = {p.household_id for p in pairings}
    by_kind = dict.fromkeys(kinds, 0)
    by_service = dict.fromkeys(services, 0)
    covered: set[int] = set()
    person_times = 0
    group_reached: dict[tuple[str, str], list[int]] = {}  # contacts, person-times
    for c in contacts:
        if c.day not in span:
            continue
        by_kind[c.kind] = by_kind.get(c.kind, 0) + 1
        for code in c.services:
            by_service[code] = by_service.get(code, 0) + 1
        person_times += c.people_reached
        covered.add(c.household_id)
        home = homes.get(c.household_id)
        for pair in home.groups if home else ():
            tally = group_reached.setdefault(pair, [0, 0])
            tally[0] += 1
            tally[1] += c.people_reached
    registered = [h for h in homes.values() if not h.archived]
    breakdowns = _breakdowns(homes.values(), covered, group_reached)
    return Figures(
        span=span,
        registered=_count(registered),
        paired=_count(homes[h] for h in paired_ids if h in homes),
        covered=_count(homes[h] for h in covered if h in homes),
        person_times=person_times,
        contacts_by_kind=by_kind,
        services=by_service,
        pairs=pairs,
        kept=kept_counts,
        reports=report_figures(reports, span, tz),
        breakdowns=breakdowns,
    )


def _count(households: Iterable[HouseholdRow]) -> Count:
    n = people = 0
    for h in households:
        n += 1
        people += h.people
    return Count(n, people)


def _breakdowns(households: Iterable[HouseholdRow], covered: set[int],
                reached: dict[tuple[str, str], list[int]]) -> dict[str, dict[str, Reach]]:
    """Per grouping and value: registered, covered, person-times and contacts."""
    registered: dict[tuple[str, str], list[int]] = {}
    cover: dict[tuple[str, str], list[int]] = {}
    for h in households:
        for pair in h.groups:
            if not h.archived:
                r = registered.setdefault(pair, [0, 0])
                r[0] += 1
                r[1] += h.people
            if h.id in covered:
                c = cover.setdefault(pair, [0, 0])
                c[0] += 1
                c[1] += h.people
    out: dict[str, dict[str, Reach]] = {}
    for pair in sorted(set(registered) | set(cover) | set(reached)):
        grouping, value = pair
        r = registered.get(pair, [0, 0])
        c = cover.get(pair, [0, 0])
        m = reached.get(pair, [0, 0])
        out.setdefault(grouping, {})[value] = Reach(Count(r[0], r[1]), Count(c[0], c[1]),
                                                    m[1], m[0])
    return out
