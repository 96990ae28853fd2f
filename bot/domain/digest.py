"""What coordinators see each week: missed obligations by worker, coverage, longest overdue.

Pure: takes the obligations (as computed by the cadence engine) and today's local date.

Words used here:
- *missed in the last period*: an obligation of the period just before the running one (per
  rule: last quarter for calls, last half year for visits, last year for deeds) that ended
  without a counting contact. These are what `/overdue` lists: they are overdue now.
- *coverage*: of the obligations of the running periods, the share already met.
- *overdue longest*: for each household, the unbroken run of missed periods of one rule
  that ends with the last period; overdue since the end of the first missed period.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import TypeVar

from bot.domain import figures
from bot.domain.cadence import Obligation, Rule, Status
from bot.domain.periods import period_containing

K = TypeVar("K", bound=Hashable)


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
    groups: dict[int, list[Item]] = {}
    for item in items:
        groups.setdefault(item.worker_id, []).append(item)
    names = names or {}
    ordered = sorted(groups.items(),
                     key=lambda kv: (-len(kv[1]), names.get(kv[0], ""), kv[0]))
    return [(worker, sorted(group, key=lambda i: (i.obligation.due_by, i.household_name,
                                                  i.household_id, i.obligation.key)))
            for worker, group in ordered]


def coverage(items: Iterable[Item], today: date, key: Callable[[Item], K]) -> dict[K, Coverage]:
    """Coverage of the running periods, grouped by key(item): the promise kept over today
    (figures.kept), so /stats and the digest count obligations the same way."""
    counted = figures.kept(items, figures.Span(today, today), key)
    return {k: Coverage(c.met, c.total) for k, c in counted.items()}


def longest_overdue(items: Iterable[Item], today: date, limit: int = 5) -> list[Overdue]:
    """The households overdue longest (see the module docstring), longest first."""
    runs: dict[tuple[int, int, Rule], list[Obligation]] = {}
    info: dict[int, Item] = {}
    for item in items:
        if is_running(item.obligation, today):
            continue
        runs.setdefault((item.household_id, item.program_id, item.obligation.rule),
                        []).append(item.obligation)
        info.setdefault(item.household_id, item)
    worst: dict[int, Overdue] = {}
    missing: dict[int, set[str]] = {}
    for (household_id, _, _), obligations in runs.items():
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
        missing.setdefault(household_id, set()).add(last.key)
        since = first.period.end
        days = (today - since).days
        known = worst.get(household_id)
        if known is None or days > known.days:
            item = info[household_id]
            worst[household_id] = Overdue(household_id, item.household_name, item.area_name,
                                          last.worker_id, since, days, ())
    for household_id, found in worst.items():
        worst[household_id] = replace(found, keys=tuple(sorted(missing[household_id])))
    ordered = sorted(worst.values(), key=lambda o: (-o.days, o.household_name, o.household_id))
    return ordered[:limit]


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


def build(items: Sequence[Item], today: date, *, names: dict[int, str] | None = None,
          longest_limit: int = 5, no_area: str = "") -> DigestData:
    """The digest's figures from every household's obligations (running and past periods)."""
    missed = missed_last_period(items, today)
    return DigestData(
        today=today,
        missed=by_worker(missed, names),
        missed_count=len(missed),
        by_program=coverage(items, today, lambda i: i.program_id),
        by_program_rule=coverage(items, today, lambda i: (i.program_id, i.obligation.rule)),
        by_worker=coverage(items, today, lambda i: i.worker_id),
        by_area=coverage(items, today, lambda i: i.area_name or no_area),
        longest=longest_overdue(items, today, longest_limit),
        program_names={i.program_id: i.program_name for i in items},
    )
