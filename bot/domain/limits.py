"""Programmes limited to household categories, by date: the days a programme holds a household.

A category is in a programme's limit from `since` until `until` (exclusive; None: still in),
and a household carries a category over such a span too (an edit of its categories changes
them from that day on). On a day when the programme is limited to some category, it holds a
household only if the household carries, that day, one of the categories in the limit that
day; on a day it is limited to none, it holds every household. A pairing owes under its
programme only on the days the programme holds its household: its tenure is cut to those
days, so a finished period keeps what it owed (limiting, or editing a household's
categories, later never reaches back) and the cadence engine needs no change.

Pure: no clock, no storage; dates are arguments.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from bot.domain.cadence import Tenure

# Limits set before they were dated were in force "always": from this day.
ALWAYS = date(1, 1, 1)

Gap = tuple[date, date | None]  # [start, end) a programme does not hold a household; None: open


@dataclass(frozen=True, slots=True)
class Limit:
    """One category in a programme's limit from `since` until `until` (exclusive)."""

    category: str
    since: date
    until: date | None = None

    def covers(self, day: date) -> bool:
        """True if the category is in the limit on that day."""
        return self.since <= day and (self.until is None or day < self.until)


@dataclass(frozen=True, slots=True)
class Carried:
    """A household carries one category from `since` until `until` (exclusive)."""

    category: str
    since: date = ALWAYS
    until: date | None = None

    def covers(self, day: date) -> bool:
        """True if the household carries the category on that day."""
        return self.since <= day and (self.until is None or day < self.until)


def _dated(categories: Collection[str] | Iterable[Carried]) -> list[Carried]:
    """The household's categories as spans (a bare code: carried always), empty ones left out."""
    spans = [c if isinstance(c, Carried) else Carried(c) for c in categories]
    return [c for c in spans if c.until is None or c.since < c.until]


def gaps(limits: Iterable[Limit],
         categories: Collection[str] | Iterable[Carried]) -> tuple[Gap, ...]:
    """The stretches of days, in order and apart, on which a programme with these limits does
    not hold a household carrying these categories (codes carried always, or dated spans)."""
    dated = [limit for limit in limits if limit.until is None or limit.since < limit.until]
    carried = _dated(categories)
    # The answer can change only where a limit or a carried category begins or ends.
    spans: list[Limit | Carried] = [*dated, *carried]
    bounds = sorted({span.since for span in spans}
                    | {span.until for span in spans if span.until is not None})
    found: list[Gap] = []
    for n, day in enumerate(bounds):
        on = [limit for limit in dated if limit.covers(day)]
        held = not on or bool({limit.category for limit in on}
                               & {c.category for c in carried if c.covers(day)})
        if held:
            continue
        end = bounds[n + 1] if n + 1 < len(bounds) else None
        if found and found[-1][1] == day:
            found[-1] = (found[-1][0], end)
        else:
            found.append((day, end))
    return tuple(found)


def held_spans(started_on: date, ended_on: date | None, out: Sequence[Gap]
               ) -> list[tuple[date, date | None]]:
    """The parts of [started_on, ended_on) outside the gaps, in order; the span itself when
    there are none (even an empty one), and no empty parts otherwise."""
    if not out:
        return [(started_on, ended_on)]
    parts: list[tuple[date, date | None]] = []
    start: date | None = started_on
    for gap_start, gap_end in out:
        if start is None or (ended_on is not None and gap_start >= ended_on):
            break
        if gap_end is not None and gap_end <= start:
            continue
        if gap_start > start:
            parts.append((start, gap_start))
        start = gap_end
    if start is not None and (ended_on is None or start < ended_on):
        parts.append((start, ended_on))
    return parts


def held_tenures(tenure: Tenure, out: Sequence[Gap]) -> list[Tenure]:
    """The tenure cut to the days its programme holds the household (see held_spans): each
    part keeps the pairing and the worker."""
    if not out:
        return [tenure]
    return [Tenure(tenure.pairing_id, tenure.worker_id, start, end)
            for start, end in held_spans(tenure.started_on, tenure.ended_on, out)]
