"""The cadence engine's obligations() as it was before the bulk engine (Engine) took its rules:
kept verbatim (with coverages()) as the oracle both are checked against
(tests/domain/test_cadence_bulk.py); nothing in bot/ uses it.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from datetime import date

from bot.domain.cadence import (
    ContactKind,
    ContactRecord,
    Coverage,
    Obligation,
    Program,
    Status,
    Tenure,
    _schedule,
    counting_kinds,
)
from bot.domain.periods import period_containing, require_date

_ALL_KINDS = tuple(ContactKind)


def coverages(tenures: Iterable[Tenure]) -> list[Coverage]:
    """Merge a household's tenures under one program into unbroken coverages, by start."""
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
    require_date(today)
    if history_periods is not None and history_periods < 0:
        raise ValueError(f"history_periods must be >= 0 or None, got {history_periods}")
    spans = [span for span in coverages(tenures) if span.start <= today]
    if not spans:
        return []
    span_starts = [span.start for span in spans]

    # Future-dated contacts are ignored, not refused: a clock set back must not crash the run.
    by_kind: dict[ContactKind, list[date]] = {kind: [] for kind in _ALL_KINDS}
    for contact in contacts:
        if contact.day <= today:
            by_kind[contact.kind].append(contact.day)

    result: list[Obligation] = []
    for rule in program.rules:
        days = sorted(day for kind in counting_kinds(rule.kind) for day in by_kind[kind])
        first = period_containing(rule.period, spans[0].start).start
        for period, owed_start, due_by in _schedule(rule.period, first, today, history_periods):
            # Coverages do not overlap, so only the last one begun by owed_start can cover it.
            index = bisect_right(span_starts, owed_start) - 1
            if index < 0:
                continue
            span = spans[index]
            if span.end is not None and span.end < period.end:
                continue
            i = bisect_left(days, period.start)
            met_on = days[i] if i < len(days) and days[i] < period.end else None
            running = today < period.end
            status = (Status.MET if met_on is not None
                      else Status.DUE if running else Status.MISSED)
            tenure = span.responsible(today if running else due_by)
            if tenure is None:  # pragma: no cover - an owed span covers both days by construction
                raise AssertionError(f"no tenure covers {period.key}")
            result.append(Obligation(rule, period, status, due_by, met_on, tenure.worker_id,
                                     tenure.pairing_id))
    return result
