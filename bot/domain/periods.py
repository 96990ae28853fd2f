"""Calendar periods (month, quarter, half year, year) in the deployment's time zone."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from enum import StrEnum
from functools import lru_cache


class PeriodKind(StrEnum):
    """How long a period of an obligation is; periods follow the calendar."""

    MONTH = "month"
    QUARTER = "quarter"
    HALF_YEAR = "half_year"
    YEAR = "year"

    @property
    def months(self) -> int:
        """Number of calendar months in one period of this kind."""
        return _MONTHS[self]

    @classmethod
    def parse(cls, text: str) -> PeriodKind:
        """Read a kind from text ("quarter", "Half-year", "half year"); ValueError otherwise."""
        if not isinstance(text, str):
            raise ValueError(f"period kind must be text, got {text!r}")
        norm = re.sub(r"[\s\-]+", "_", text.strip().lower())
        norm = _ALIASES.get(norm, norm)
        try:
            return cls(norm)
        except ValueError:
            expected = ", ".join(k.value for k in cls)
            raise ValueError(
                f"unknown period kind {text!r}; expected one of: {expected}"
            ) from None


_MONTHS: dict[PeriodKind, int] = {
    PeriodKind.MONTH: 1,
    PeriodKind.QUARTER: 3,
    PeriodKind.HALF_YEAR: 6,
    PeriodKind.YEAR: 12,
}
_ALIASES = {"halfyear": "half_year", "half": "half_year"}


def _add_months(day: date, months: int) -> date:
    """First of the month `months` after the month of `day` (day must be a 1st)."""
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True, slots=True)
class Period:
    """One calendar period: [start, end), end exclusive."""

    kind: PeriodKind
    start: date
    end: date

    def __post_init__(self) -> None:
        """Refuse periods that are not aligned to the calendar, so keys stay unique."""
        months = self.kind.months
        if (
            self.start.day != 1
            or (self.start.month - 1) % months
            or self.end != _add_months(self.start, months)
        ):
            raise ValueError(f"not a calendar {self.kind}: {self.start} .. {self.end}")

    @property
    def last_day(self) -> date:
        """The period's last day (inclusive)."""
        return self.end - timedelta(days=1)

    @property
    def days(self) -> int:
        """Length of the period in days."""
        return (self.end - self.start).days

    @property
    def key(self) -> str:
        """Stable text key: 2026-11, 2026-Q4, 2026-H2, 2026."""
        y, m = self.start.year, self.start.month
        if self.kind is PeriodKind.MONTH:
            return f"{y:04d}-{m:02d}"
        if self.kind is PeriodKind.QUARTER:
            return f"{y:04d}-Q{(m - 1) // 3 + 1}"
        if self.kind is PeriodKind.HALF_YEAR:
            return f"{y:04d}-H{(m - 1) // 6 + 1}"
        return f"{y:04d}"

    def __contains__(self, day: object) -> bool:
        """True if the date lies in [start, end)."""
        return isinstance(day, date) and self.start <= day < self.end

    def shift(self, n: int) -> Period:
        """The period n periods later (n < 0: earlier)."""
        return _period_at(self.kind, _add_months(self.start, n * self.kind.months))

    def next(self) -> Period:
        """The following period."""
        return self.shift(1)

    def previous(self) -> Period:
        """The preceding period."""
        return self.shift(-1)

    def days_left(self, today: date) -> int:
        """Days of the period from `today` on, today included (0 once ended; all if not begun)."""
        require_date(today)
        return max(0, (self.end - max(today, self.start)).days)

    def last_months_start(self, n: int) -> date:
        """First day of the period's last n months (1 <= n <= months in the period)."""
        if not 1 <= n <= self.kind.months:
            raise ValueError(f"a {self.kind} has {self.kind.months} month(s), asked for last {n}")
        return _add_months(self.end, -n)


@lru_cache(maxsize=8192)
def _period_at(kind: PeriodKind, start: date) -> Period:
    """Cached constructor: the same few periods are asked for many times per run."""
    return Period(kind, start, _add_months(start, kind.months))


def require_date(day: object) -> None:
    """Refuse datetimes: their date part is in whatever zone they carry, not the deployment's."""
    if type(day) is date:  # the common case, asked for every tenure read in bulk
        return
    if isinstance(day, datetime) or not isinstance(day, date):
        raise TypeError(
            f"expected a date, got {type(day).__name__}; use local_date(now, tz) for instants"
        )


def period_containing(kind: PeriodKind, day: date) -> Period:
    """The period of the given kind that contains the day."""
    require_date(day)
    months = kind.months
    first_month = (day.month - 1) // months * months + 1
    return _period_at(kind, date(day.year, first_month, 1))


_KEY = re.compile(r"^(\d{4})(?:-(?:(\d{2})|Q([1-4])|H([12])))?$")


def period_from_key(key: str) -> Period:
    """Inverse of Period.key; ValueError for anything else."""
    match = _KEY.match(key)
    if match is None:
        raise ValueError(
            f"not a period key: {key!r} (expected e.g. 2026, 2026-H2, 2026-Q4, 2026-11)"
        )
    year_s, month_s, quarter_s, half_s = match.groups()
    year = int(year_s)
    if year < 1:
        raise ValueError(f"not a period key: {key!r} (year 0)")
    if month_s is not None:
        month = int(month_s)
        if not 1 <= month <= 12:
            raise ValueError(f"not a period key: {key!r} (month {month})")
        return _period_at(PeriodKind.MONTH, date(year, month, 1))
    if quarter_s is not None:
        return _period_at(PeriodKind.QUARTER, date(year, (int(quarter_s) - 1) * 3 + 1, 1))
    if half_s is not None:
        return _period_at(PeriodKind.HALF_YEAR, date(year, (int(half_s) - 1) * 6 + 1, 1))
    return _period_at(PeriodKind.YEAR, date(year, 1, 1))


def local_date(now: datetime, tz: tzinfo) -> date:
    """The calendar date of the instant `now` in zone `tz`; `now` must be timezone-aware."""
    if not isinstance(now, datetime):
        raise TypeError(f"expected a datetime, got {type(now).__name__}")
    if now.tzinfo is None or now.utcoffset() is None:
        # A naive time could be UTC or local; guessing moves contacts across midnight.
        raise ValueError(f"naive datetime {now.isoformat()}: pass a timezone-aware instant")
    return now.astimezone(tz).date()


def local_midnight(day: date, tz: tzinfo) -> datetime:
    """The first instant of `day` in zone `tz` (aware; 01:00 where midnight is skipped by DST)."""
    require_date(day)
    # Round-trip through UTC so a wall time inside a DST gap becomes the real first instant.
    naive_first = datetime.combine(day, time())
    return naive_first.replace(tzinfo=tz).astimezone(UTC).astimezone(tz)
