"""What `GET /healthz` reports: whether the database takes writes and the intake keeps up."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.services.context import Services
from storage import updates


@dataclass(frozen=True)
class Health:
    """The bot's state as an operator's monitor sees it."""

    database_writable: bool
    free_bytes: int | None
    last_update_received: datetime | None
    pending_updates: int
    scheduler_last_tick: datetime | None

    def as_json(self) -> dict[str, Any]:
        """The JSON body of /healthz (instants as ISO-8601, UTC)."""
        return {
            "ok": self.database_writable,
            "database_writable": self.database_writable,
            "free_bytes": self.free_bytes,
            "last_update_received": _iso(self.last_update_received),
            "pending_updates": self.pending_updates,
            "scheduler_last_tick": _iso(self.scheduler_last_tick),
        }


async def health(services: Services, wait_ms: int = 1000) -> Health:
    """Probe the database with a real write (nothing stays) and read the intake's state."""
    probe = await services.db.write_probe(wait_ms)
    try:
        pending, last = await updates.summary(services.db)
    except Exception:  # a damaged file: report what is known rather than fail the probe
        pending, last = 0, None
    return Health(probe.problem is None, probe.free_bytes, last, pending, services.last_tick)


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat(timespec="seconds")
