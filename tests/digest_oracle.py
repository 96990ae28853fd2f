"""The digest's figures as they were computed before the one-pass folds: from a list of
every obligation, one walk per figure. Kept verbatim as the oracle the folds are checked
against (tests/storage/test_digest_fold.py); nothing in bot/ uses it.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import replace
from datetime import date
from typing import TypeVar

from bot.domain import figures
from bot.domain.cadence import ContactKind, Obligation, Rule, Status
from bot.domain.coverage import (
    EARLY_SHARE,
    TREND_PERIODS,
    Board,
    Group,
    Tally,
    TrendLine,
    by_community,
    elapsed,
)
from bot.domain.digest import Coverage, DigestData, Item, Overdue, is_last_period, is_running
from bot.domain.periods import Period, period_containing

K = TypeVar("K", bound=Hashable)


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
        last_periods=last_periods(items, today),
    )


def last_periods(items: Iterable[Item], today: date) -> tuple[tuple[ContactKind, Period], ...]:
    """(Added with the digest's wording, not from before the folds.) Each rule of the running
    or just-missed obligations, with its kind and its period before the running one."""
    kinds = list(ContactKind)
    found = {(i.obligation.rule.kind,
              period_containing(i.obligation.rule.period, today).previous())
             for i in items if is_running(i.obligation, today)
             or (i.obligation.status is Status.MISSED and is_last_period(i.obligation, today))}
    return tuple(sorted(found, key=lambda kp: (kp[1].kind.months, kp[1].start,
                                               kinds.index(kp[0]))))


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
