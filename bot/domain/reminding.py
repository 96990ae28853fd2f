"""When reminders and digests go out: quiet hours, the daily window, the weekly key.

Pure: every function takes the local time or date as an argument.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, time
from typing import TypeVar

from bot.domain.cadence import (
    ContactKind,
    Coverage,
    Obligation,
    Program,
    Rule,
    Stage,
    Status,
    Tenure,
    counting_kinds,
    coverages,
    current_statuses,
    obligation_key,
    reminder_stage,
)
from bot.domain.lengths import telegram_length
from bot.domain.periods import Period, period_containing

T = TypeVar("T")

DIGEST_WEEKDAY = 0  # Monday


def in_quiet_hours(moment: time, start: time, end: time) -> bool:
    """Whether a local wall time falls in the quiet hours [start, end).

    start > end wraps midnight (21:00–08:00); start < end is a span inside one day;
    start == end means no quiet hours at all.
    """
    moment = moment.replace(tzinfo=None)
    if start == end:
        return False
    if start < end:
        return start <= moment < end
    return moment >= start or moment < end


def window_open(local: datetime, reminder_time: time, quiet_start: time, quiet_end: time) -> bool:
    """Whether a daily run may happen at this local instant.

    The run belongs to the first tick at or after reminder_time that is not in quiet hours.
    If reminder_time itself lies in the quiet hours (a configuration slip), the run waits
    for the end of the quiet hours that same day instead of never happening.
    """
    now = local.time().replace(tzinfo=None)
    if in_quiet_hours(now, quiet_start, quiet_end):
        return False
    if now >= reminder_time:
        return True
    return in_quiet_hours(reminder_time, quiet_start, quiet_end) and now >= quiet_end


def digest_due(local: datetime, reminder_time: time, quiet_start: time, quiet_end: time,
               weekday: int = DIGEST_WEEKDAY) -> bool:
    """Whether this week's digest may go out now: from `weekday` at the daily time on,
    any later day of the same week (catch-up after downtime), never in quiet hours."""
    if in_quiet_hours(local.time(), quiet_start, quiet_end):
        return False
    if local.weekday() > weekday:
        return True
    return local.weekday() == weekday and window_open(local, reminder_time, quiet_start,
                                                      quiet_end)


def week_key(day: date) -> str:
    """ISO week of a local date: 2026-W48 (the week a digest belongs to)."""
    year, week, _ = day.isocalendar()
    return f"{year:04d}-W{week:02d}"


def stages_today(items: Iterable[tuple[T, Obligation]], today: date
                 ) -> list[tuple[T, Obligation, Stage]]:
    """The obligations that are at a reminder stage today, with that stage."""
    out: list[tuple[T, Obligation, Stage]] = []
    for tag, obligation in items:
        stage = reminder_stage(obligation, today)
        if stage is not None:
            out.append((tag, obligation, stage))
    return out


def pack(lines: list[str], budget: int = 3800, header: str = "") -> list[str]:
    """Lines joined into as few messages as fit within `budget` each, as Telegram counts
    (`telegram_length`: a 𠀀 or an emoji counts two).

    The header opens every message. Lines are never cut (a cut could break an HTML tag);
    callers keep each line short (names are bounded).
    """
    messages: list[str] = []
    current: list[str] = [header] if header else []
    size = telegram_length(header)
    for line in lines:
        length = telegram_length(line)
        if size + length + 1 > budget and (len(current) > (1 if header else 0)):
            messages.append("\n".join(current))
            current = [header] if header else []
            size = telegram_length(header)
        current.append(line)
        size += length + 1
    if len(current) > (1 if header else 0) or not messages:
        messages.append("\n".join(current))
    return messages


# --- the daily run at scale: the running periods only, many households at once ---------------


def staged_rules(program: Program, today: date) -> list[tuple[Rule, Stage]]:
    """The programme's rules whose running period is at a reminder stage today, in order."""
    found: list[tuple[Rule, Stage]] = []
    for rule in program.rules:
        period = period_containing(rule.period, today)
        # reminder_stage itself decides, for a due obligation of the running period.
        probe = Obligation(rule, period, Status.DUE, period.last_day, None, 0, 0)
        stage = reminder_stage(probe, today)
        if stage is not None:
            found.append((rule, stage))
    return found


def staged_keys(programs: Iterable[Program], today: date
                ) -> list[tuple[int, str, str, str, str]]:
    """Each rule at a stage today: what its reminder is keyed by but for worker and household
    (programme id, obligation key of the running period, stage), and what meets it (the
    period's first day, the contact kinds that count, comma-separated: current_statuses
    calls it met when one is dated from that day to today)."""
    found: list[tuple[int, str, str, str, str]] = []
    for program in programs:
        for rule, stage in staged_rules(program, today):
            period = period_containing(rule.period, today)
            found.append((program.id, obligation_key(rule, period), stage.value,
                          period.start.isoformat(),
                          ",".join(sorted(kind.value for kind in counting_kinds(rule.kind)))))
    return found


def coverage_on(tenures: Iterable[Tenure], day: date) -> Coverage | None:
    """The coverage (tenures joined at handovers) that covers the day, if any."""
    # A concrete type first: isinstance against the Sequence ABC costs a microsecond, and
    # the run asks 100,000 times.
    if isinstance(tenures, (list, tuple)) and len(tenures) == 1:
        # Most households have had one pairing: its coverage is itself (none if zero-length).
        only = tenures[0]
        if only.ended_on != only.started_on and only.covers(day):
            return Coverage(only.started_on, only.ended_on, (only,))
        return None
    for span in coverages(tenures):
        if span.covers(day):
            return span
    return None


# One rule of a programme at a stage today: its running period, due by that period's last day.
StagedColumn = tuple[Rule, Period, date, Stage]


def due_rows_at_stage(program: Program, today: date, spans: Sequence[Coverage],
                      latest: Mapping[ContactKind, Sequence[date | None]]
                      ) -> tuple[list[StagedColumn], list[tuple[int, int, Tenure]]]:
    """The running obligations at a reminder stage today that are due, for many households,
    without an object per obligation (the reminder run finds 170,000 at 100,000 households).

    Row i is one household's coverage that covers today (`spans[i]`, see coverage_on);
    latest[kind][i] its latest contact of that kind dated on or before today (None: none
    since the oldest running period began). Gives the programme's rules at a stage today
    (columns: rule, period, due by, stage) and, by row, then by rule as in the programme,
    (row, column, the tenure responsible today) for each that is due: what reminder_stage
    keeps of obligations(..., history_periods=0), the columns through current_statuses.
    """
    staged = staged_rules(program, today)
    if not staged or not spans:
        return [], []
    subset = Program(program.id, program.name, tuple(rule for rule, _ in staged))
    statuses = current_statuses(subset, today, [s.start for s in spans],
                                [s.end for s in spans], latest)
    columns: list[StagedColumn] = []
    for rule, stage in staged:
        period = period_containing(rule.period, today)
        columns.append((rule, period, period.last_day, stage))
    due = Status.DUE
    marks = [(n, statuses[rule]) for n, (rule, _) in enumerate(staged)]
    out: list[tuple[int, int, Tenure]] = []
    for row, span in enumerate(spans):
        tenure: Tenure | None = None
        for column, status in marks:
            if status[row] is not due:
                continue
            if tenure is None:
                tenure = span.responsible(today)
                if tenure is None:  # pragma: no cover - a span covering today has a tenure
                    raise AssertionError("no tenure covers today")
            out.append((row, column, tenure))
    return columns, out
