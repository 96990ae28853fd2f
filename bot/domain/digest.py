"""What coordinators see each week: missed obligations by worker, coverage, longest overdue.

Pure: takes the obligations (as computed by the cadence engine) and today's local date.
DigestTally folds them household by household as they stream from the database, so the
digest never holds every obligation at once; build() and the list functions fold a list.

Words used here:
- *missed in the last period*: an obligation of the period just before the running one (per
  rule: last quarter for calls, last half year for visits, last year for deeds) that ended
  without a counting contact. These are what `/overdue` lists: they are overdue now.
- *coverage*: of the obligations of the running periods, the share already met.
- *overdue longest*: for each household, the unbroken run of missed periods of one rule
  that ends with the last period; overdue since the end of the first missed period.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any, Generic, TypeVar

from bot.domain import figures
from bot.domain.cadence import Obligation, Rule, Status
from bot.domain.periods import Period, PeriodKind, period_containing

K = TypeVar("K", bound=Hashable)
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Item:
    """One obligation of one household, with what the digest groups and shows it by."""

    household_id: int
    household_name: str
    area_id: int | None
    area_name: str | None
    program_id: int
    program_name: str
    obligation: Obligation

    @property
    def worker_id(self) -> int:
        """The worker responsible for the obligation."""
        return self.obligation.worker_id


@dataclass(frozen=True, slots=True)
class Coverage:
    """How many obligations of the running periods are met, of how many owed."""

    met: int = 0
    total: int = 0

    @property
    def share(self) -> float | None:
        """met / total, or None when nothing is owed."""
        return self.met / self.total if self.total else None

    @property
    def percent(self) -> int:
        """The share as a whole percentage (0 when nothing is owed)."""
        return round(100 * self.met / self.total) if self.total else 0

    def add(self, met: bool) -> Coverage:
        """This coverage with one more obligation."""
        return Coverage(self.met + int(met), self.total + 1)


@dataclass(frozen=True, slots=True)
class Overdue:
    """A household overdue: since when, for how long, and what it is missing."""

    household_id: int
    household_name: str
    area_name: str | None
    worker_id: int
    since: date
    days: int
    keys: tuple[str, ...]


def is_last_period(obligation: Obligation, today: date) -> bool:
    """Whether the obligation's period is the one just before the running one."""
    return obligation.period == period_containing(obligation.rule.period, today).previous()


def is_running(obligation: Obligation, today: date) -> bool:
    """Whether the obligation's period contains today."""
    return today in obligation.period


def missed_last_period(items: Iterable[Item], today: date, *, area_id: int | None = None,
                       worker_id: int | None = None) -> list[Item]:
    """Obligations of the last period that were missed (overdue now), optionally filtered."""
    return [i for i in items
            if i.obligation.status is Status.MISSED and is_last_period(i.obligation, today)
            and (area_id is None or i.area_id == area_id)
            and (worker_id is None or i.worker_id == worker_id)]


def by_worker(items: Iterable[Item], names: dict[int, str] | None = None
              ) -> list[tuple[int, list[Item]]]:
    """Items grouped by worker: most items first, then by name; inside, oldest due first."""
    grouped = ByWorker()
    for item in items:
        grouped.add(item)
    return grouped.groups(names)


def coverage(items: Iterable[Item], today: date, key: Callable[[Item], K]) -> dict[K, Coverage]:
    """Coverage of the running periods, grouped by key(item): the promise kept over today
    (figures.kept), so /stats and the digest count obligations the same way."""
    counted = figures.kept(items, figures.Span(today, today), key)
    return {k: Coverage(c.met, c.total) for k, c in counted.items()}


def household_overdue(items: Iterable[Item], today: date) -> Overdue | None:
    """How long one household has been overdue (see the module docstring), from its items;
    None if its last period was not missed under any rule."""
    runs: dict[tuple[int, Rule], list[Obligation]] = {}
    info: Item | None = None
    run: list[Obligation] = []
    rule: Rule | None = None
    program_id = 0
    for item in items:
        o = item.obligation
        if o.period.start <= today < o.period.end:  # running
            continue
        # Obligations come rule by rule: a rule is hashed (in Python) only when it changes.
        if o.rule is not rule or item.program_id != program_id:
            rule, program_id = o.rule, item.program_id
            run = runs.setdefault((program_id, rule), [])
        run.append(o)
        if info is None:
            info = item
    worst: Overdue | None = None
    missing: set[str] = set()
    for obligations in runs.values():
        obligations.sort(key=lambda o: o.period.start)
        last = obligations[-1]
        if last.status is not Status.MISSED or not is_last_period(last, today):
            continue
        first = last
        for obligation in reversed(obligations[:-1]):
            # The run stops at a met period or at a gap (a period that was not owed).
            contiguous = obligation.period.end == first.period.start
            if obligation.status is not Status.MISSED or not contiguous:
                break
            first = obligation
        missing.add(last.key)
        since = first.period.end
        days = (today - since).days
        if info is not None and (worst is None or days > worst.days):
            worst = Overdue(info.household_id, info.household_name, info.area_name,
                            last.worker_id, since, days, ())
    return None if worst is None else replace(worst, keys=tuple(sorted(missing)))


def longest_overdue(items: Iterable[Item], today: date, limit: int = 5) -> list[Overdue]:
    """The households overdue longest (see the module docstring), longest first."""
    longest = Ranked(_overdue_order, limit)
    for household in by_household(items):
        found = household_overdue(household, today)
        if found is not None:
            longest.offer(found)
    return longest.items


def by_household(items: Iterable[Item]) -> list[list[Item]]:
    """Items grouped by household, households and items in the order they came."""
    groups: dict[int, list[Item]] = {}
    for item in items:
        groups.setdefault(item.household_id, []).append(item)
    return list(groups.values())


def _overdue_order(o: Overdue) -> tuple[int, str, int]:
    return -o.days, o.household_name, o.household_id


def _item_order(i: Item) -> tuple[date, str, int, str]:
    return i.obligation.due_by, i.household_name, i.household_id, i.obligation.key


class Ranked(Generic[T]):
    """The first `keep` of what is offered, by key (None: all of it), kept in one pass; equal
    keys stay in the order they came, as a stable sort leaves them."""

    def __init__(self, key: Callable[[T], Any], keep: int | None = None) -> None:
        self._key = key
        self._keep = keep
        self._keys: list[Any] = []
        self.items: list[T] = []

    def offer(self, item: T) -> None:
        """Keep the item if it is among the first `keep` so far."""
        k = self._key(item)
        full = self._keep is not None and len(self.items) >= self._keep
        if full and not k < self._keys[-1]:
            return
        at = bisect_right(self._keys, k)
        self._keys.insert(at, k)
        self.items.insert(at, item)
        if full:
            self._keys.pop()
            self.items.pop()


class ByWorker:
    """Items grouped by worker in one pass: each worker's count, and only the first `keep` of
    each worker's items (oldest due first; None: all), as by_worker lists them."""

    def __init__(self, keep: int | None = None) -> None:
        self.keep = keep
        self.counts: dict[int, int] = {}
        self._first: dict[int, Ranked[Item]] = {}

    def add(self, item: Item) -> None:
        """Count one more item of its worker."""
        worker = item.worker_id
        self.counts[worker] = self.counts.get(worker, 0) + 1
        ranked = self._first.get(worker)
        if ranked is None:
            ranked = self._first[worker] = Ranked(_item_order, self.keep)
        ranked.offer(item)

    @property
    def count(self) -> int:
        """Every item counted."""
        return sum(self.counts.values())

    def groups(self, names: dict[int, str] | None = None) -> list[tuple[int, list[Item]]]:
        """Most items first, then by name; inside, oldest due first."""
        names = names or {}
        ordered = sorted(self.counts.items(), key=lambda kv: (-kv[1], names.get(kv[0], ""), kv[0]))
        return [(worker, self._first[worker].items) for worker, _ in ordered]


@dataclass(frozen=True)
class DigestData:
    """Everything a digest shows, computed once and rendered per language."""

    today: date
    missed: list[tuple[int, list[Item]]]
    missed_count: int
    by_program: dict[int, Coverage]
    by_program_rule: dict[tuple[int, Rule], Coverage]
    by_worker: dict[int, Coverage]
    by_area: dict[str, Coverage]
    longest: list[Overdue]
    program_names: dict[int, str] = field(default_factory=dict)
    missed_by_worker: dict[int, int] = field(default_factory=dict)  # all, listed or not
    owed: int = 0  # obligations counted, running and past (0: nothing owed at all)


class DigestTally:
    """The digest's figures folded household by household (every obligation of a household
    at once, running and past periods): running counts, and of the missed list and the
    longest runs only what the digest shows. Memory grows with workers, not households."""

    def __init__(self, today: date, *, missed_keep: int | None = None, longest_limit: int = 5,
                 no_area: str = "") -> None:
        self.today = today
        self.no_area = no_area
        self.owed = 0
        self.workers: set[int] = set()
        self.missed = ByWorker(missed_keep)
        self.longest = Ranked(_overdue_order, longest_limit)
        self.program_names: dict[int, str] = {}
        # met, total of the running periods, by what the digest groups them by
        self._by_program: dict[int, list[int]] = {}
        self._by_program_rule: dict[tuple[int, Rule], list[int]] = {}
        self._by_worker: dict[int, list[int]] = {}
        self._by_area: dict[str, list[int]] = {}
        self._last: dict[int, Period] = {}  # by kind: the period before the running one

    def add_household(self, items: Sequence[Item]) -> None:
        """Count one household's obligations (all of them: its longest run needs them)."""
        today = self.today
        self.owed += len(items)
        overdue = False
        for item in items:
            o = item.obligation
            period = o.period
            self.workers.add(o.worker_id)
            self.program_names[item.program_id] = item.program_name
            if period.start <= today < period.end:  # running (`in` costs twice as much)
                met = o.status is Status.MET
                _count(self._by_program, item.program_id, met)
                _count(self._by_program_rule, (item.program_id, o.rule), met)
                _count(self._by_worker, o.worker_id, met)
                _count(self._by_area, item.area_name or self.no_area, met)
            elif (o.status is Status.MISSED
                  # Of one kind, calendar periods with the same start are the same.
                  and period.start == self._last_period(o.rule.period).start):
                self.missed.add(item)
                overdue = True
        # A run ends with a period just missed: without one, the household is not overdue.
        found = household_overdue(items, today) if overdue else None
        if found is not None:
            self.longest.offer(found)

    def _last_period(self, kind: PeriodKind) -> Period:
        # By id: members of an enum are singletons, and their own hash is computed in Python.
        last = self._last.get(id(kind))
        if last is None:
            last = self._last[id(kind)] = period_containing(kind, self.today).previous()
        return last

    def result(self, names: dict[int, str] | None = None) -> DigestData:
        """The figures, the missed list ordered by worker (names break ties)."""
        return DigestData(
            today=self.today,
            missed=self.missed.groups(names),
            missed_count=self.missed.count,
            by_program=_coverages(self._by_program),
            by_program_rule=_coverages(self._by_program_rule),
            by_worker=_coverages(self._by_worker),
            by_area=_coverages(self._by_area),
            longest=self.longest.items,
            program_names=self.program_names,
            missed_by_worker=dict(self.missed.counts),
            owed=self.owed,
        )


def _count(counts: dict[K, list[int]], key: K, met: bool) -> None:
    found = counts.get(key)
    if found is None:
        found = counts[key] = [0, 0]
    found[0] += met
    found[1] += 1


def _coverages(counts: dict[K, list[int]]) -> dict[K, Coverage]:
    return {k: Coverage(met, total) for k, (met, total) in counts.items()}


def build(items: Sequence[Item], today: date, *, names: dict[int, str] | None = None,
          longest_limit: int = 5, no_area: str = "", missed_keep: int | None = None
          ) -> DigestData:
    """The digest's figures from every household's obligations (running and past periods);
    with missed_keep, only that many of each worker's missed items are kept (all counted)."""
    tally = DigestTally(today, missed_keep=missed_keep, longest_limit=longest_limit,
                        no_area=no_area)
    for household in by_household(items):
        tally.add_household(household)
    return tally.result(names)
