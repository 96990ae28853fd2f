"""How instants are stored: ISO-8601 text in UTC, which sorts and compares as text."""

from __future__ import annotations

from datetime import UTC, datetime


def to_db(moment: datetime) -> str:
    """Serialise an aware datetime as UTC ISO text (microseconds, +00:00)."""
    if moment.tzinfo is None:
        raise ValueError("naive datetimes are not stored: pass an aware one")
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def from_db(text: str) -> datetime:
    """Parse a stored instant back into an aware UTC datetime."""
    value = datetime.fromisoformat(text)
    return value if value.tzinfo else value.replace(tzinfo=UTC)
