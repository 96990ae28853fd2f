"""What coordinators see each week: missed obligations by worker, coverage, longest overdue.

Pure: takes the obligations (as computed by the cadence engine) and today's local date.
DigestTally folds them household by household as the engine's rows (Owed: no object per
obligation; build() and the list functions turn items into rows and fold them so), or, for
the weekly digest, every household at once as columns (bot/domain/columns.py: a few integers
per household and rule, counted over arrays); tests/storage/test_digest_fold.py holds the
two to the same figures.

Words used here:
- *missed in the last period*: an obligation of the period just before the running one (per
  rule: last quarter for calls, last half year for visits, last year for deeds) that ended
  without a counting contact. These are what `/overdue` lists: they are overdue now.
- *coverage*: of the obligations of the running periods, the share already met.
- *overdue longest*: for each household, the unbroken run of missed periods of one rule
  that ends with the last period; overdue since the end of the first missed period.
"""

from __future__ import annotations

import heapq
from bisect import bisect_right
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import partial
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from bot.domain import figures
from bot.domain.cadence import (
    ContactKind,
    Obligation,
    ObligationKeys,
    Row,
    Rule,
    Status,
    obligation_key,
)
from bot.domain.columns import Columns, Houses, Lane
from bot.domain.periods import Period, PeriodKind, period_containing

if TYPE_CHECKING:
    from bot.domain.columns import Ints

K = TypeVar("K", bound=Hashable)
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Holder:
    """A household under one programme: what the digest groups and shows obligations by."""

    household_id: int
    household_name: str
    area_id: int | None
    area_name: str | None
    program_id: int
    program_name: str

    def item(self, row: Row) -> Item:
        """One of its obligations, from the cadence engine's row, as an item."""
        return Item(self.household_id, self.household_name, self.area_id, self.area_name,
                    self.program_id, self.program_name, Obligation(*row))


@dataclass(frozen=True, slots=True)
class Item(Holder):
    """One obligation of one household, with what the digest groups and shows it by."""

    obligation: Obligation

    @property
    def worker_id(self) -> int:
        """The worker responsible for the obligation."""
        return self.obligation.worker_id


# One household's obligations as the cadence engine gives them, each programme's rows (in the
# engine's order: by rule, then period) with the household under that programme. The folds
# take this form: an object per obligation would cost more than the counting.
Owed = Sequence[tuple[Holder, Sequence[Row]]]


def row_of(o: Obligation) -> Row:
    """An obligation as the cadence engine's row (Obligation(*row) is o again)."""
    return (o.rule, o.period, o.status, o.due_by, o.met_on, o.worker_id, o.pairing_id)


def owed_of(items: Iterable[Item]) -> list[tuple[Holder, list[Row]]]:
    """Items (of one household) in the folds' form: a programme's items in a row, one block."""
    owed: list[tuple[Holder, list[Row]]] = []
    rows: list[Row] = []
    holder: Holder | None = None
    for item in items:
        if holder is None or item.program_id != holder.program_id:
            holder, rows = item, []
            owed.append((holder, rows))
        rows.append(row_of(item.obligation))
    return owed


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


def last_periods(rules: Iterable[Rule], today: date) -> tuple[tuple[ContactKind, Period], ...]:
    """What "missed in the last period" looks at, rule by rule: the kind of contact and the
    period just before the running one (calls: last quarter, visits: last half year, deeds:
    last year); shortest periods first, then in the order of the kinds, each once."""
    kinds = list(ContactKind)
    found = {(rule.kind, period_containing(rule.period, today).previous()) for rule in rules}
    return tuple(sorted(found, key=lambda kp: (kp[1].kind.months, kp[1].start,
                                               kinds.index(kp[0]))))


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
    run = longest_run(owed_of(items), today)
    return None if run is None else run.overdue()


@dataclass(frozen=True, slots=True)
class Run:
    """A household's longest run of missed periods, before it is written as an Overdue (most
    households overdue are not among the longest: their keys are never written)."""

    holder: Holder
    worker_id: int
    since: date
    days: int
    missing: list[tuple[Rule, Period]]  # the last period missed, of every rule missed

    def overdue(self) -> Overdue:
        """The run as the digest lists it."""
        h = self.holder
        keys = {obligation_key(rule, period) for rule, period in self.missing}
        return Overdue(h.household_id, h.household_name, h.area_name, self.worker_id,
                       self.since, self.days, tuple(sorted(keys)))


def longest_run(owed: Owed, today: date,
                last_period: Callable[[PeriodKind], Period] | None = None) -> Run | None:
    """The household's longest run of missed periods that ends with the last period (see the
    module docstring); None if its last period was not missed under any rule. last_period
    gives the period just before the running one of a kind (a tally's, remembered)."""
    # Each programme rule's rows, in the order the rules first come; a rule is compared by
    # identity first (hashing one is done in Python, and the rows come rule by rule).
    runs: list[tuple[int, Rule, list[Row]]] = []
    info: Holder | None = None
    run: list[Row] = []
    rule: Rule | None = None
    program_id = 0
    for holder, rows in owed:
        for row in rows:
            period = row[1]
            if period.start <= today < period.end:  # running
                continue
            if row[0] is not rule or holder.program_id != program_id:
                rule, program_id = row[0], holder.program_id
                run = _run(runs, program_id, rule)
            run.append(row)
            if info is None:
                info = holder
    if info is None:
        return None
    previous = last_period or (lambda kind: period_containing(kind, today).previous())
    worst: tuple[int, date, int] | None = None  # days, since, worker
    missing: list[tuple[Rule, Period]] = []
    missed = Status.MISSED
    for _, last_rule, found in runs:
        found.sort(key=_row_start)
        at = len(found) - 1
        last = found[at]
        last_period_ = last[1]
        if last[2] is not missed:
            continue
        last_of_kind = previous(last_rule.period)
        # Periods are made once each (cached): identity first, equality (in Python) if not.
        if last_period_ is not last_of_kind and last_period_ != last_of_kind:
            continue
        start = last_period_.start
        # The run stops at a met period or at a gap (a period that was not owed).
        while at > 0 and found[at - 1][2] is missed and found[at - 1][1].end == start:
            at -= 1
            start = found[at][1].start
        missing.append((last_rule, last_period_))
        since = found[at][1].end
        days = (today - since).days
        if worst is None or days > worst[0]:
            worst = (days, since, last[5])
    if worst is None:
        return None
    days, since, worker = worst
    return Run(info, worker, since, days, missing)


def _run(runs: list[tuple[int, Rule, list[Row]]], program_id: int, rule: Rule) -> list[Row]:
    """The rows of a programme rule among the runs, a new run if it is not there yet."""
    for known_program, known_rule, rows in runs:
        if known_program == program_id and (known_rule is rule or known_rule == rule):
            return rows
    rows = []
    runs.append((program_id, rule, rows))
    return rows


def _row_start(row: Row) -> date:
    return row[1].start


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


def _row_order(pair: tuple[Holder, Row]) -> tuple[date, str, int, str]:
    """An item's place in its worker's missed list: oldest due first, then by household."""
    holder, row = pair
    return row[3], holder.household_name, holder.household_id, obligation_key(row[0], row[1])


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
        if self.wants(k):
            self.put(k, item)

    def wants(self, k: Any) -> bool:
        """Whether an item of key k would be kept (put it then): asked first when making
        the item costs more than its key."""
        return self._keep is None or len(self.items) < self._keep or k < self._keys[-1]

    def put(self, k: Any, item: T) -> None:
        """Keep an item of key k that wants() admits, dropping the last if over `keep`."""
        at = bisect_right(self._keys, k)
        self._keys.insert(at, k)
        self.items.insert(at, item)
        if self._keep is not None and len(self.items) > self._keep:
            self._keys.pop()
            self.items.pop()


class ByWorker:
    """Items grouped by worker in one pass: each worker's count, and of the items as by_worker
    lists them only the first `keep` (None: all). Kept as the engine's rows, each worker's
    first `keep` (the order of workers is known only at the end); the items are made once
    the first `keep` of the whole list are known."""

    def __init__(self, keep: int | None = None) -> None:
        self.keep = keep
        self.counts: dict[int, int] = {}
        self._first: dict[int, Ranked[tuple[Holder, Row]]] = {}
        # Workers counted in bulk (add_ordered): what makes their first n items.
        self._made: dict[int, Callable[[int], list[Item]]] = {}
        self._key = ObligationKeys()

    def add(self, item: Item) -> None:
        """Count one more item of its worker."""
        self.add_row(item, row_of(item.obligation))

    def add_row(self, holder: Holder, row: Row) -> None:
        """add(holder.item(row)) without making the item."""
        worker = row[5]
        self.counts[worker] = self.counts.get(worker, 0) + 1
        ranked = self._first.get(worker)
        if ranked is None:
            ranked = self._first[worker] = Ranked(_row_order, self.keep)
        k = (row[3], holder.household_name, holder.household_id,
             self._key(row[0], row[1]))  # _row_order
        if ranked.wants(k):
            ranked.put(k, (holder, row))

    def add_ordered(self, worker: int, count: int, first: Callable[[int], list[Item]]) -> None:
        """A worker's items counted in bulk (DigestTally.add_columns): how many, and what
        makes the first n of them in by_worker's order; for a worker add_row has not seen."""
        if worker in self.counts:  # pragma: no cover - one fold counts a worker one way
            raise ValueError(f"worker {worker} is counted already")
        self.counts[worker] = count
        self._made[worker] = first

    @property
    def count(self) -> int:
        """Every item counted."""
        return sum(self.counts.values())

    def groups(self, names: dict[int, str] | None = None) -> list[tuple[int, list[Item]]]:
        """Most items first, then by name; inside, oldest due first. With `keep`, only the
        first `keep` items of that list (what a list cut at `keep` shows), grouped so."""
        names = names or {}
        ordered = sorted(self.counts.items(), key=lambda kv: (-kv[1], names.get(kv[0], ""), kv[0]))
        # Items are made only for what is shown: with 1,000 workers, the digest's 60 of them
        # rather than 60 of each (a second at 100,000 households).
        left = self.keep
        out: list[tuple[int, list[Item]]] = []
        for worker, _ in ordered:
            if left is not None and left <= 0:
                break
            made = self._made.get(worker)
            if made is not None:
                items = made(self.counts[worker] if left is None else left)
            else:
                first = self._first[worker].items
                items = [holder.item(row) for holder, row in
                         (first if left is None else first[:left])]
            if left is not None:
                left -= len(items)
            out.append((worker, items))
        return out


@dataclass(frozen=True)
class DigestData:
    """Everything a digest shows, computed once and rendered per language."""

    today: date
    missed: list[tuple[int, list[Item]]]  # by worker; with missed_keep, the first that many
    missed_count: int
    by_program: dict[int, Coverage]
    by_program_rule: dict[tuple[int, Rule], Coverage]
    by_worker: dict[int, Coverage]
    by_area: dict[str, Coverage]
    longest: list[Overdue]
    program_names: dict[int, str] = field(default_factory=dict)
    missed_by_worker: dict[int, int] = field(default_factory=dict)  # all, listed or not
    owed: int = 0  # obligations counted, running and past (0: nothing owed at all)
    # The periods `missed` is of: each rule's kind and last period (last_periods), for the
    # rules of the running periods and of the missed obligations.
    last_periods: tuple[tuple[ContactKind, Period], ...] = ()


class DigestTally:
    """The digest's figures folded household by household (every obligation of a household
    at once, running and past periods) or from columns: running counts, and of the missed
    list and the longest runs only what the digest shows."""

    def __init__(self, today: date, *, missed_keep: int | None = None, longest_limit: int = 5,
                 no_area: str = "") -> None:
        self.today = today
        self.no_area = no_area
        self.owed = 0
        self.workers: set[int] = set()
        self.missed = ByWorker(missed_keep)
        self.longest_limit = longest_limit
        self.longest = Ranked(_overdue_order, longest_limit)
        self.program_names: dict[int, str] = {}
        # met, total (and the rule) of the running periods by programme, rule (by identity:
        # kept alive in the counts), worker and community: one count per obligation; the
        # groupings the digest shows are summed from it, in the order they first came.
        self._running: dict[tuple[int, int, int, str], list[Any]] = {}
        self._last: dict[int, Period] = {}  # by kind: the period before the running one
        self._missed_rules: dict[int, Rule] = {}  # by identity, as the running counts

    def add_household(self, items: Sequence[Item]) -> None:
        """Count one household's obligations (all of them: its longest run needs them)."""
        self.add_owed(owed_of(items))

    def add_owed(self, owed: Owed) -> None:
        """Count one household's obligations, as the cadence engine gives them (see Owed)."""
        today = self.today
        workers = self.workers
        running, last_by_kind = self._running, self._last
        met_, missed_ = Status.MET, Status.MISSED
        overdue = False
        for holder, rows in owed:
            if not rows:
                continue
            program_id = holder.program_id
            self.owed += len(rows)
            self.program_names[program_id] = holder.program_name
            area = holder.area_name or self.no_area
            rule: Rule | None = None
            rule_id = 0
            last_start: date | None = None
            seen: int | None = None  # the last worker added: most households have one
            for row in rows:
                rule_, period, status, _, _, worker, _ = row
                if worker != seen:
                    workers.add(worker)
                    seen = worker
                if rule_ is not rule:  # rule by rule: its last period found once per rule
                    rule, rule_id = rule_, id(rule_)
                    last = last_by_kind.get(id(rule.period))
                    last_start = (last or self._last_period(rule.period)).start
                if period.start <= today < period.end:  # running (`in` costs twice as much)
                    found = running.get((program_id, rule_id, worker, area))
                    if found is None:
                        found = running[(program_id, rule_id, worker, area)] = [0, 0, rule]
                    found[0] += status is met_
                    found[1] += 1
                # Of one kind, calendar periods with the same start are the same.
                elif status is missed_ and period.start == last_start:
                    self.missed.add_row(holder, row)
                    self._missed_rules[rule_id] = rule_
                    overdue = True
        # A run ends with a period just missed: without one, the household is not overdue.
        self._offer(longest_run(owed, today, self._last_period) if overdue else None)

    def add_columns(self, columns: Columns) -> None:
        """Count every household's obligations given as columns (bot/domain/columns.py):
        add_owed's figures, counted over arrays; of the missed list and the longest runs
        only what is shown is made into objects."""
        import numpy as np
        self.workers |= columns.workers
        lanes = sorted(columns.lanes, key=lambda lane: (int(lane.seq[0]), lane.place))
        for lane in lanes:  # in the order the programmes first owe something
            self.owed += int(np.bitwise_count(lane.owed).sum())
            self.program_names[lane.program_id] = lane.program_name
        self._running_columns(columns, lanes)
        missed = [(lane, np.flatnonzero(lane.owed >> last & ~lane.met >> last & 1))
                  for lane in columns.lanes if (last := len(lane.frame.periods) - 2) >= 0]
        missed = [(lane, rows) for lane, rows in missed if len(rows)]
        for lane, _ in missed:
            self._missed_rules[id(lane.rule)] = lane.rule
        self._missed_columns(columns, missed)
        self._longest_columns(columns, missed)

    def _running_columns(self, columns: Columns, lanes: Sequence[Lane]) -> None:
        """The running periods' counts by programme rule, worker and community, the keys in
        the order they first came (as add_owed adds them household by household)."""
        import numpy as np
        area, areas = columns.houses.by_area(lambda name: name or self.no_area)
        found: list[tuple[int, int, int, Rule, int, str, int, int]] = []
        for lane in lanes:
            owed, met = lane.bit(len(lane.frame.periods) - 1)
            rows = np.flatnonzero(owed)
            if not len(rows):
                continue
            # One integer per (worker, community): floor division and modulo take it apart.
            keys = lane.now_worker[rows] * len(areas) + area[lane.house[rows]]
            unique, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
            totals = np.bincount(inverse, minlength=len(unique))
            mets = np.bincount(inverse, weights=met[rows], minlength=len(unique))
            for key, at, total, met_ in zip(unique.tolist(), first.tolist(), totals.tolist(),
                                            mets.tolist(), strict=True):
                worker, code = divmod(key, len(areas))
                found.append((int(lane.seq[rows[at]]), lane.place, lane.program_id, lane.rule,
                              worker, areas[code], int(met_), total))
        found.sort(key=lambda f: (f[0], f[1]))
        running = self._running
        for _, _, program_id, rule, worker, area_name, met_, total in found:
            counts = running.setdefault((program_id, id(rule), worker, area_name), [0, 0, rule])
            counts[0] += met_
            counts[1] += total

    def _missed_columns(self, columns: Columns, missed: Sequence[tuple[Lane, Ints]]) -> None:
        """The last periods missed, counted by worker; a worker's items are made, and put in
        by_worker's order, only when the list shows them."""
        import numpy as np
        if not missed:
            return
        lane_of = np.concatenate([np.full(len(rows), n) for n, (_, rows) in enumerate(missed)])
        row = np.concatenate([rows for _, rows in missed])
        worker = np.concatenate([lane.last_worker[rows] for lane, rows in missed])
        seq = np.concatenate([lane.seq[rows] for lane, rows in missed])
        place = np.array([lane.place for lane, _ in missed], dtype=np.int64)[lane_of]
        # By worker; the lanes are in programme order, so a household's equal keys (one rule
        # in two programmes) stay in the order they came, as add_row keeps them.
        order = np.argsort(worker, kind="stable")
        workers, starts, counts = np.unique(worker[order], return_index=True,
                                            return_counts=True)
        came = np.lexsort((place, seq))  # household, programme, rule: as add_row counts
        _, first = np.unique(worker[came], return_index=True)
        by_worker = dict(zip(workers.tolist(), zip(starts.tolist(), counts.tolist(),
                                                   strict=True), strict=True))
        made = _MissedItems(columns.houses, [lane for lane, _ in missed], lane_of, row)
        for worker_ in worker[came[np.sort(first)]].tolist():  # workers as they first came
            start, count = by_worker[worker_]
            self.missed.add_ordered(worker_, count, partial(made.items,
                                                            order[start:start + count]))

    def _longest_columns(self, columns: Columns, missed: Sequence[tuple[Lane, Ints]]) -> None:
        """Each household's longest run (longest_run's), offered if among the longest."""
        import numpy as np
        if not missed:
            return
        houses = columns.houses
        today = self.today.toordinal()
        found = [_runs(lane, rows, today) for lane, rows in missed]
        house = np.concatenate([lane.house[rows] for lane, rows in missed])
        days = np.concatenate(found)
        best = np.full(len(houses.ids), -1, dtype=np.int64)
        np.maximum.at(best, house, days)
        overdue = np.flatnonzero(best >= 0)
        limit = self.longest_limit
        if len(overdue) > limit:  # only households at least as long as the limit's own
            floor = np.partition(best[overdue], len(overdue) - limit)[len(overdue) - limit]
            overdue = overdue[best[overdue] >= floor]
        # Ranked by the whole key first, and runs made only for the first `limit`: offered
        # one by one, tied households named in descending order would each displace the
        # last kept and have their run made (each run scans every missed row).
        names, ids = houses.names, houses.ids
        first = heapq.nsmallest(limit, ((-length, names[h], ids[h], h) for h, length in zip(
            overdue.tolist(), best[overdue].tolist(), strict=True)))
        for minus_days, name, household_id, h in first:
            key = (minus_days, name, household_id)
            if self.longest.wants(key):
                self.longest.put(key, self._run_of(columns, missed, found, h).overdue())

    def _run_of(self, columns: Columns, missed: Sequence[tuple[Lane, Ints]],
                found: Sequence[Ints], h: int) -> Run:
        """One household's longest run from the columns: its worst rule (the first of equal
        ones, in the engine's order) and the last period of every rule it missed."""
        import numpy as np
        houses = columns.houses
        worst: tuple[int, int, Lane] | None = None  # days, worker, lane
        missing: list[tuple[Rule, Period]] = []
        for (lane, rows), days in zip(missed, found, strict=True):
            at = np.flatnonzero(lane.house[rows] == h)
            if not len(at):
                continue
            n = int(rows[at[0]])
            missing.append((lane.rule, lane.frame.periods[-2]))
            if worst is None or int(days[at[0]]) > worst[0]:
                worst = (int(days[at[0]]), int(lane.last_worker[n]), lane)
        assert worst is not None
        days_, worker, lane = worst
        holder = Holder(*houses.house(h), lane.program_id, lane.program_name)
        return Run(holder, worker, date.fromordinal(self.today.toordinal() - days_), days_,
                   missing)

    def _offer(self, run: Run | None) -> None:
        """The household's run among the longest, if it is (its Overdue written only then)."""
        if run is not None:
            key = (-run.days, run.holder.household_name, run.holder.household_id)
            if self.longest.wants(key):  # _overdue_order, before the Overdue is written
                self.longest.put(key, run.overdue())

    def _last_period(self, kind: PeriodKind) -> Period:
        # By id: members of an enum are singletons, and their own hash is computed in Python.
        last = self._last.get(id(kind))
        if last is None:
            last = self._last[id(kind)] = period_containing(kind, self.today).previous()
        return last

    def result(self, names: dict[int, str] | None = None) -> DigestData:
        """The figures, the missed list ordered by worker (names break ties)."""
        by_program: dict[int, list[int]] = {}
        by_program_rule: dict[tuple[int, Rule], list[int]] = {}
        by_worker: dict[int, list[int]] = {}
        by_area: dict[str, list[int]] = {}
        rules = dict(self._missed_rules)
        for (program_id, _, worker, area), (met, total, rule) in self._running.items():
            rules[id(rule)] = rule
            _count(by_program, program_id, met, total)
            _count(by_program_rule, (program_id, rule), met, total)
            _count(by_worker, worker, met, total)
            _count(by_area, area, met, total)
        return DigestData(
            today=self.today,
            missed=self.missed.groups(names),
            missed_count=self.missed.count,
            by_program=_coverages(by_program),
            by_program_rule=_coverages(by_program_rule),
            by_worker=_coverages(by_worker),
            by_area=_coverages(by_area),
            longest=self.longest.items,
            program_names=self.program_names,
            missed_by_worker=dict(self.missed.counts),
            owed=self.owed,
            last_periods=last_periods(rules.values(), self.today),
        )


class _MissedItems:
    """The last periods missed, as rows of the columns (a lane and a row in it each): made
    into Items only when shown."""

    def __init__(self, houses: Houses, lanes: Sequence[Lane], lane_of: Ints, row: Ints) -> None:
        self.houses = houses
        self.lanes = lanes
        self.lane_of = lane_of
        self.row = row

    def items(self, ats: Ints, n: int) -> list[Item]:
        """The first n of one worker's missed rows at `ats` (in the order they came), as
        by_worker lists them (_row_order; equal keys in the order they came)."""
        rows = [self.row_of(at) for at in ats.tolist()]
        rows.sort(key=_row_order)
        return [holder.item(row) for holder, row in rows[:n]]

    def row_of(self, at: int) -> tuple[Holder, Row]:
        """The missed row at `at`, as its household and the engine's row."""
        houses, lane, n = self.houses, self.lanes[int(self.lane_of[at])], int(self.row[at])
        h = int(lane.house[n])
        last = len(lane.frame.periods) - 2
        return (Holder(*houses.house(h), lane.program_id, lane.program_name),
                (lane.rule, lane.frame.periods[last], Status.MISSED, lane.frame.last_days[last],
                 None, int(lane.last_worker[n]), int(lane.last_pairing[n])))


def _runs(lane: Lane, rows: Ints, today: int) -> Ints:
    """For rows whose last period was missed: how many days overdue their run of missed
    periods (back while the period before is owed and missed) has been, as longest_run."""
    import numpy as np
    last = len(lane.frame.periods) - 2
    owed, met = lane.owed[rows], lane.met[rows]
    first = np.full(len(rows), last, dtype=np.int64)
    going = np.ones(len(rows), dtype=bool)
    for index in range(last - 1, -1, -1):
        going &= (owed >> index & 1 & ~met >> index).astype(bool)
        first[going] = index
    ends = np.array([p.end.toordinal() for p in lane.frame.periods], dtype=np.int64)
    return today - ends[first]


def _count(counts: dict[K, list[int]], key: K, met: int, total: int) -> None:
    found = counts.get(key)
    if found is None:
        found = counts[key] = [0, 0]
    found[0] += met
    found[1] += total


def _coverages(counts: dict[K, list[int]]) -> dict[K, Coverage]:
    return {k: Coverage(met, total) for k, (met, total) in counts.items()}


def build(items: Sequence[Item], today: date, *, names: dict[int, str] | None = None,
          longest_limit: int = 5, no_area: str = "", missed_keep: int | None = None
          ) -> DigestData:
    """The digest's figures from every household's obligations (running and past periods);
    with missed_keep, only the first that many missed items are listed (all counted)."""
    tally = DigestTally(today, missed_keep=missed_keep, longest_limit=longest_limit,
                        no_area=no_area)
    for household in by_household(items):
        tally.add_household(household)
    return tally.result(names)
