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

The group of an item is a parameter (`group`), community by default, so the digest can
switch to streets without touching this module.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Final

from bot.domain.cadence import Rule, Status
from bot.domain.digest import Item
from bot.domain.periods import Period, period_containing

EARLY_SHARE: Final = 0.25  # below this share of a running period gone, show the last one
TREND_PERIODS: Final = 8

Group = Callable[[Item], str | None]


def by_community(item: Item) -> str | None:
    """The default grouping: the household's community (None: no community)."""
    return item.area_name


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


def _by_rule_period(items: Iterable[Item]) -> dict[tuple[int, Rule, Period], list[Item]]:
    out: dict[tuple[int, Rule, Period], list[Item]] = {}
    for item in items:
        o = item.obligation
        out.setdefault((item.program_id, o.rule, o.period), []).append(item)
    return out


def board(items: Sequence[Item], period: Period, today: date, group: Group = by_community,
          before: Tally | None = None) -> Board:
    """The board of one rule's period from that period's items (all of one rule)."""
    groups: dict[str | None, Tally] = {}
    done: dict[int, bool] = {}
    for item in items:
        key = group(item)
        status = item.obligation.status
        groups[key] = groups.get(key, Tally()).add(status)
        done[item.worker_id] = done.get(item.worker_id, False) or status is Status.MET
    rows = sorted(groups.items(), key=lambda kv: (kv[1].share or 0.0, -kv[1].total,
                                                  kv[0] is None, kv[0] or ""))
    first = items[0]
    return Board(first.program_id, first.program_name, first.obligation.rule, period,
                 running=today in period, rows=rows, total=tally(items),
                 idle_workers=sum(1 for met in done.values() if not met),
                 elapsed=elapsed(period, today), before=before)


def boards(items: Sequence[Item], today: date, group: Group = by_community,
           early: float = EARLY_SHARE) -> list[Board]:
    """One board per programme rule: its running period, or the last one when it is early.

    Ordered by programme, then by rule as the items list them.
    """
    found = _by_rule_period(items)
    rules: dict[tuple[int, Rule], None] = {}
    for program_id, rule, _ in found:
        rules.setdefault((program_id, rule), None)
    out: list[Board] = []
    for program_id, rule in sorted(rules, key=lambda k: k[0]):
        running = period_containing(rule.period, today)
        shown = running
        before: Tally | None = None
        if elapsed(running, today) < early and (program_id, rule, running.previous()) in found:
            shown = running.previous()
            earlier = found.get((program_id, rule, shown.previous()))
            before = tally(earlier) if earlier else None
        chosen = found.get((program_id, rule, shown))
        if chosen:
            out.append(board(chosen, shown, today, group, before))
    return out


def trend(items: Sequence[Item], today: date, periods: int = TREND_PERIODS,
          early: float = EARLY_SHARE) -> list[TrendLine]:
    """Per programme rule, the share met in each of the last `periods` periods, oldest first.

    The running period is the last point, unless it is early: then the points end with the
    period just ended (a share of a few days would look like a collapse). Rules with fewer
    than two periods owed are left out: one point is not a trend.
    """
    found = _by_rule_period(items)
    rules: dict[tuple[int, Rule], str] = {}
    for item in items:
        rules.setdefault((item.program_id, item.obligation.rule), item.program_name)
    out: list[TrendLine] = []
    for (program_id, rule), name in sorted(rules.items(), key=lambda kv: kv[0][0]):
        last = period_containing(rule.period, today)
        is_early = elapsed(last, today) < early
        if is_early:
            last = last.previous()
        points: list[tuple[Period, float | None]] = []
        for back in range(periods - 1, -1, -1):
            period = last.shift(-back)
            owed = found.get((program_id, rule, period))
            points.append((period, tally(owed).share if owed else None))
        if sum(share is not None for _, share in points) >= 2:
            out.append(TrendLine(program_id, name, rule, points, not is_early))
    return out
