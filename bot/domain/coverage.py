"""Where the promise stands, per group (community, later street): the digest's pictures.

Pure: takes the obligations (as computed by the cadence engine, running period and history)
and today's local date.

Words used here:
- a *board* is one picture: one rule of one programme in one period, with a bar per group
  (met / still open / missed) and the workers who have done nothing of it yet.
- *early*: less than a quarter of a rule's running period has gone. Then the board shows the
  period just ended (met vs missed), compared with the period before it, because a running
  period a few days old says nothing yet.
- the *trend* of a rule: the share of obligations met in each of its last periods.

PeriodTally counts them in one pass, as the cadence engine's rows (boards() and trend() fold
a list of items so) or, for the weekly digest, as columns (bot/domain/columns.py).

The group of an item is a parameter (`group`), community by default, so the digest can
switch to streets without touching this module.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Final

from bot.domain.cadence import Row, Rule, Status
from bot.domain.columns import Columns, Lane
from bot.domain.digest import Holder, Item, row_of
from bot.domain.periods import Period, period_containing

if TYPE_CHECKING:
    from bot.domain.columns import Ints

EARLY_SHARE: Final = 0.25  # below this share of a running period gone, show the last one
TREND_PERIODS: Final = 8

Group = Callable[[Holder], str | None]  # a household (an Item is one too) to its group


def by_community(household: Holder) -> str | None:
    """The default grouping: the household's community (None: no community)."""
    return household.area_name


@dataclass(frozen=True, slots=True)
class Tally:
    """Obligations of one group: met, still open (period running), missed (period over)."""

    met: int = 0
    open: int = 0
    missed: int = 0

    @property
    def total(self) -> int:
        """Every obligation counted."""
        return self.met + self.open + self.missed

    @property
    def share(self) -> float | None:
        """met / total, or None when nothing is owed."""
        return self.met / self.total if self.total else None

    @property
    def percent(self) -> int:
        """The share met as a whole percentage (0 when nothing is owed)."""
        return round(100 * self.met / self.total) if self.total else 0

    def add(self, status: Status) -> Tally:
        """This tally with one more obligation of that status."""
        return Tally(self.met + (status is Status.MET), self.open + (status is Status.DUE),
                     self.missed + (status is Status.MISSED))


@dataclass(frozen=True)
class Board:
    """One picture: one rule of one programme in one period, by group."""

    program_id: int
    program_name: str
    rule: Rule
    period: Period
    running: bool  # False: the period just ended (shown early in the next one)
    rows: list[tuple[str | None, Tally]]  # by group, furthest behind first
    total: Tally
    idle_workers: int  # workers owing this period who have met none of it
    elapsed: float  # share of the period gone (1.0 once ended)
    before: Tally | None = None  # the period before, for an ended board (None: nothing owed)


@dataclass(frozen=True)
class TrendLine:
    """The share met in each of a rule's last periods, oldest first (None: nothing owed)."""

    program_id: int
    program_name: str
    rule: Rule
    points: list[tuple[Period, float | None]]
    last_running: bool  # the last point's period is still running: its share is so far


def elapsed(period: Period, today: date) -> float:
    """The share of the period gone by the start of today (0 on its first day)."""
    return min(1.0, max(0.0, (today - period.start).days / period.days))


def tally(items: Iterable[Item]) -> Tally:
    """The items counted by status."""
    out = Tally()
    for item in items:
        out = out.add(item.obligation.status)
    return out


# A key's counts (met, open, missed) and, for the periods a board may show, by group and
# which workers met any.
_Recent = tuple[dict[str | None, list[int]], dict[int, bool]]
_Counts = tuple[list[int], _Recent | None]


class PeriodTally:
    """Boards and trend in one pass over the obligations: counts by programme rule and
    period, and by group and by worker for each rule's running period and the one before
    (the only ones a board can show). Memory grows with rules, groups and workers."""

    def __init__(self, today: date, group: Group = by_community) -> None:
        self.today = today
        self.group = group
        # By programme rule (in the order they came), then by the period's start (one rule,
        # one kind of period: the start tells periods apart).
        self._rules: dict[tuple[int, Rule], dict[date, _Counts]] = {}
        self._names: dict[tuple[int, Rule], str] = {}
        # The same counts by programme and the rule's id (the rule kept alive with them):
        # households come one after another with the same rule objects, and hashing a rule
        # is done in Python.
        self._by_id: dict[tuple[int, int], tuple[Rule, dict[date, _Counts]]] = {}

    def add(self, item: Item) -> None:
        """Count one obligation."""
        self.add_rows(item, (row_of(item.obligation),))

    def add_rows(self, holder: Holder, rows: Iterable[Row]) -> None:
        """Count a household's obligations under one programme (the cadence engine's rows)."""
        program_id = holder.program_id
        rule: Rule | None = None
        periods: dict[date, _Counts] = {}
        name: str | None = None
        named = False
        met, due = Status.MET, Status.DUE
        for rule_, period, status, _, _, worker, _ in rows:
            # A household's obligations come rule by rule: the rule's counts are found when
            # it changes, by identity.
            if rule_ is not rule:
                rule = rule_
                known = self._by_id.get((program_id, id(rule)))
                periods = (known[1] if known is not None
                           else self._periods(program_id, holder.program_name, rule))
            start = period.start
            found = periods.get(start)
            if found is None:
                found = periods[start] = self._first(rule, period)
            counts, by_period = found
            # Identity, not a dict of statuses: an enum's hash is computed in Python.
            slot = 0 if status is met else 1 if status is due else 2
            counts[slot] += 1
            if by_period is None:
                continue
            groups, done = by_period
            if not named:
                name, named = self.group(holder), True
            by_group = groups.get(name)
            if by_group is None:
                by_group = groups[name] = [0, 0, 0]
            by_group[slot] += 1
            done[worker] = done.get(worker, False) or slot == 0

    def add_columns(self, columns: Columns) -> None:
        """Count every household's obligations given as columns (bot/domain/columns.py):
        add_rows' figures, each period's counts summed over arrays. Programme rules are
        taken in the order they first come, as add_rows meets them."""
        import numpy as np
        group, groups = self._groups(columns)
        for lane in sorted(columns.lanes, key=lambda lane: (int(lane.seq[0]), lane.place)):
            periods = self._periods(lane.program_id, lane.program_name, lane.rule)
            now = len(lane.frame.periods) - 1
            for index, period in enumerate(lane.frame.periods):
                owed, met = lane.bit(index)
                total, met_ = int(owed.sum()), int(met.sum())
                if not total:
                    continue
                found = periods.get(period.start)
                if found is None:
                    found = periods[period.start] = self._first(lane.rule, period)
                counts, recent = found
                late = 1 if index == now else 2  # still open, or missed
                counts[0] += met_
                counts[late] += total - met_
                if recent is not None:
                    rows = np.flatnonzero(owed)
                    workers = (lane.now_worker if index == now else lane.last_worker)[rows]
                    _recent(recent, late, group(lane)[rows], groups, workers, met[rows])

    def _groups(self, columns: Columns) -> tuple[Callable[[Lane], Ints], list[str | None]]:
        """Each lane row's group as a code, and the groups by code: the community from the
        households' column, any other grouping asked of each household's Holder."""
        import numpy as np
        houses = columns.houses
        if self.group is by_community:
            area, areas = houses.by_area(lambda name: name)
            return lambda lane: area[lane.house], areas
        known: dict[str | None, int] = {}
        groups: list[str | None] = []

        def code(holder: Holder) -> int:
            name = self.group(holder)
            found = known.get(name)
            if found is None:
                found = known[name] = len(groups)
                groups.append(name)
            return found

        def group(lane: Lane) -> Ints:
            return np.array([code(Holder(*houses.house(h), lane.program_id, lane.program_name))
                             for h in lane.house.tolist()], dtype=np.int64)
        return group, groups

    def _periods(self, program_id: int, program_name: str, rule: Rule
                 ) -> dict[date, _Counts]:
        """The counts of a programme rule, by period (remembered by the rule's id too)."""
        key = (program_id, rule)
        periods = self._rules.get(key)
        if periods is None:
            periods = self._rules[key] = {}
            self._names[key] = program_name
        self._by_id[(key[0], id(rule))] = (rule, periods)
        return periods

    def _first(self, rule: Rule, period: Period) -> _Counts:
        """Counts for a rule's period that comes for the first time."""
        running = period_containing(rule.period, self.today)
        return [0, 0, 0], ({}, {}) if period in (running, running.previous()) else None

    def _found(self, program_id: int, rule: Rule, period: Period) -> _Counts | None:
        return self._rules.get((program_id, rule), {}).get(period.start)

    def _tally(self, program_id: int, rule: Rule, period: Period) -> Tally | None:
        found = self._found(program_id, rule, period)
        return None if found is None else Tally(*found[0])

    def _board(self, program_id: int, rule: Rule, period: Period, before: Tally | None
               ) -> Board:
        found = self._found(program_id, rule, period)
        assert found is not None
        counts, by_period = found
        assert by_period is not None  # a board shows the running period or the last one
        by_group, done = by_period
        groups = {name: Tally(*counts) for name, counts in by_group.items()}
        rows = sorted(groups.items(), key=lambda kv: (kv[1].share or 0.0, -kv[1].total,
                                                      kv[0] is None, kv[0] or ""))
        return Board(program_id, self._names[(program_id, rule)], rule, period,
                     running=self.today in period, rows=rows, total=Tally(*counts),
                     idle_workers=sum(1 for met in done.values() if not met),
                     elapsed=elapsed(period, self.today), before=before)

    def boards(self, early: float = EARLY_SHARE) -> list[Board]:
        """One board per programme rule: its running period, or the last one when it is
        early. Ordered by programme, then by rule as the obligations came."""
        out: list[Board] = []
        for program_id, rule in sorted(self._names, key=lambda k: k[0]):
            running = period_containing(rule.period, self.today)
            shown = running
            before: Tally | None = None
            if (elapsed(running, self.today) < early
                    and self._found(program_id, rule, running.previous()) is not None):
                shown = running.previous()
                before = self._tally(program_id, rule, shown.previous())
            if self._found(program_id, rule, shown) is not None:
                out.append(self._board(program_id, rule, shown, before))
        return out

    def trend(self, periods: int = TREND_PERIODS, early: float = EARLY_SHARE
              ) -> list[TrendLine]:
        """Per programme rule, the share met in each of the last `periods` periods (see
        trend())."""
        out: list[TrendLine] = []
        for (program_id, rule), name in sorted(self._names.items(), key=lambda kv: kv[0][0]):
            last = period_containing(rule.period, self.today)
            is_early = elapsed(last, self.today) < early
            if is_early:
                last = last.previous()
            points: list[tuple[Period, float | None]] = []
            for back in range(periods - 1, -1, -1):
                period = last.shift(-back)
                owed = self._tally(program_id, rule, period)
                points.append((period, owed.share if owed else None))
            if sum(share is not None for _, share in points) >= 2:
                out.append(TrendLine(program_id, name, rule, points, not is_early))
        return out


def _recent(recent: _Recent, late: int, group: Ints, groups: Sequence[str | None],
            workers: Ints, met: Ints) -> None:
    """One of the periods a board shows: the owed rows counted by group (met, or `late`:
    still open or missed), and for each worker whether they met any."""
    import numpy as np
    by_group, done = recent
    size = int(group.max()) + 1
    mets = np.bincount(group, weights=met, minlength=size)
    totals = np.bincount(group, minlength=size)
    for code in np.flatnonzero(totals).tolist():
        counts = by_group.setdefault(groups[code], [0, 0, 0])
        counts[0] += int(mets[code])
        counts[late] += int(totals[code] - mets[code])
    for worker in np.unique(workers[met == 0]).tolist():
        done.setdefault(worker, False)
    for worker in np.unique(workers[met == 1]).tolist():
        done[worker] = True


def boards(items: Iterable[Item], today: date, group: Group = by_community,
           early: float = EARLY_SHARE) -> list[Board]:
    """One board per programme rule: its running period, or the last one when it is early.

    Ordered by programme, then by rule as the items list them.
    """
    return _folded(items, today, group).boards(early)


def trend(items: Iterable[Item], today: date, periods: int = TREND_PERIODS,
          early: float = EARLY_SHARE) -> list[TrendLine]:
    """Per programme rule, the share met in each of the last `periods` periods, oldest first.

    The running period is the last point, unless it is early: then the points end with the
    period just ended (a share of a few days would look like a collapse). Rules with fewer
    than two periods owed are left out: one point is not a trend.
    """
    return _folded(items, today).trend(periods, early)


def _folded(items: Iterable[Item], today: date, group: Group = by_community) -> PeriodTally:
    folded = PeriodTally(today, group)
    for item in items:
        folded.add(item)
    return folded
