"""A household's obligations over a window of periods as bit marks: the digest's bulk form.

The weekly digest needs, for every household, each rule's last periods (the running one and
the history before it): which are owed, by whom, and which are met. The cadence engine
answers that period by period (cadence.Engine.rows); at 100,000 households that is two
million rows of Python. Here the same answer comes in two parts that are cheap in bulk:

- what is owed and by whom depends on the household's pairings alone, and households share
  a few thousand shapes of pairing (the same start and end days): `Owing` works it out once
  per shape, by the engine's own rules, as the tenure responsible for each period;
- what is met is one bit per period: whether a counting contact is dated in it, up to today.
  SQLite sets the bits (storage.figures.fold_marks) from a `Column` per rule.

Bit i of a mask is the window's period i, oldest first; the last is the running period.
Pure: no clock, no storage; today is an argument.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date

from bot.domain.cadence import Rule, Tenure, counting_kinds, coverages, latest_owing_start
from bot.domain.periods import Period, PeriodKind, period_containing

NOT_OWED = -1  # in OwedPeriods.at: the period is not owed


@dataclass(frozen=True, slots=True)
class Window:
    """A kind of period's last periods as of today, oldest first; the last is running."""

    kind: PeriodKind
    periods: tuple[Period, ...]
    # Each period's last day, worked out once (a Period's last_day works it out each time).
    last_days: tuple[date, ...] = field(init=False)

    def __post_init__(self) -> None:
        """Each period's last day, worked out once."""
        object.__setattr__(self, "last_days", tuple(p.last_day for p in self.periods))

    @property
    def number(self) -> int:
        """The first period's number, counted in periods of its kind since year 0."""
        start = self.periods[0].start
        return (start.year * 12 + start.month - 1) // self.kind.months


def window(kind: PeriodKind, today: date, history_periods: int) -> Window:
    """The running period of this kind and the `history_periods` before it."""
    running = period_containing(kind, today)
    return Window(kind, tuple(running.shift(-back) for back in range(history_periods, -1, -1)))


@dataclass(frozen=True, slots=True)
class Column:
    """One rule's met marks as SQLite sets them: bit (month index // months - first) for a
    contact of one of `kinds`, where a day's month index is year * 12 + month - 1."""

    kinds: tuple[str, ...]  # the contact kinds that count, as stored
    months: int  # months per period
    first: int  # the window's first period number (Window.number)


def column(rule: Rule, frame: Window) -> Column:
    """The column of marks for a rule over its window."""
    return Column(tuple(sorted(kind.value for kind in counting_kinds(rule.kind))),
                  rule.period.months, frame.number)


@dataclass(frozen=True, slots=True)
class OwedPeriods:
    """What one shape of pairing owes over a window: per period, the position (in the
    household's tenures ordered by start, then pairing id) of the tenure responsible for it,
    or NOT_OWED; the owed periods as a mask, and how many."""

    at: tuple[int, ...]
    mask: int
    count: int


def ordered(tenures: Sequence[Tenure]) -> Sequence[Tenure]:
    """The tenures in the order OwedPeriods.at counts them: by start, then pairing id."""
    if len(tenures) == 1:
        return tenures
    return sorted(tenures, key=lambda t: (t.started_on, t.pairing_id))


class Owing:
    """OwedPeriods for each household's tenures over a window as of one day. One tenure (most
    households) owes a run of periods: from the first whose latest owing start it began by, to
    the last that ends by its end; each run is worked out once."""

    def __init__(self, today: date) -> None:
        self.today = today
        # By window: the window (kept alive, so its id stays its own), each period's latest
        # owing start (capped at today) and end.
        self._bounds: dict[int, tuple[Window, list[date], list[date]]] = {}
        self._runs: dict[tuple[int, int, int], OwedPeriods] = {}  # (window, first, last)
        self._known: dict[tuple[int, ...], OwedPeriods] = {}  # by `at`, the same for any window

    def __call__(self, tenures: Sequence[Tenure], frame: Window) -> OwedPeriods:
        """What these tenures (ordered: see `ordered`) owe over the window, by
        cadence.Engine.rows' rules: a coverage owes a period it covers the end of and began
        early enough in (see cadence.obligations); the tenure covering today (running
        period) or the period's last day answers for it."""
        bounds = self._bounds.get(id(frame))
        if bounds is None:
            bounds = self._bounds[id(frame)] = (
                frame, [min(latest_owing_start(p), self.today) for p in frame.periods],
                [p.end for p in frame.periods])
        _, owing_starts, ends = bounds
        if len(tenures) == 1:
            tenure = tenures[0]
            first = bisect_left(owing_starts, tenure.started_on)
            end = tenure.ended_on
            last = len(ends) - 1 if end is None else bisect_right(ends, end) - 1
            run = self._runs.get((id(frame), first, last))
            if run is None:
                run = self._runs[(id(frame), first, last)] = _owed(
                    tuple(0 if first <= i <= last else NOT_OWED for i in range(len(ends))))
            return run
        at = tuple(_responsible(tenures, self.today, owing_starts, ends, frame.last_days))
        known = self._known.get(at)
        if known is None:
            known = self._known[at] = _owed(at)
        return known


def _owed(at: tuple[int, ...]) -> OwedPeriods:
    mask = sum(1 << i for i, position in enumerate(at) if position != NOT_OWED)
    return OwedPeriods(at, mask, mask.bit_count())


def _responsible(tenures: Sequence[Tenure], today: date, owing_starts: Sequence[date],
                 ends: Sequence[date], last_days: Sequence[date]) -> Iterator[int]:
    """Per period of a window, the position of the tenure answering for it, or NOT_OWED."""
    spans = [span for span in coverages(tenures) if span.start <= today]
    starts = [span.start for span in spans]
    for owing_start, end, last_day in zip(owing_starts, ends, last_days, strict=True):
        # Coverages do not overlap: only the last one begun by the owing start can cover.
        index = bisect_right(starts, owing_start) - 1
        span = spans[index] if index >= 0 else None
        if span is None or (span.end is not None and span.end < end):
            yield NOT_OWED
            continue
        tenure = (span.tenures[0] if len(span.tenures) == 1
                  else span.responsible(today if today < end else last_day))
        if tenure is None:  # pragma: no cover - an owed span covers both days
            raise AssertionError(f"no tenure covers the period ending {end}")
        yield next(n for n, candidate in enumerate(tenures) if candidate is tenure)
