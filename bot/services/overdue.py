"""/overdue as a use case: last period's missed obligations, for an area or a worker."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from bot.domain import digest as dg
from bot.domain.people import Named
from bot.services import obligations
from bot.services.context import Services
from bot.services.people import staff_named
from storage import areas
from storage import reminders as store
from storage.areas import Area
from storage.reminders import Worker


@dataclass(frozen=True)
class Overdue:
    """What /overdue shows: the missed items, names to print, the filter that was applied."""

    missed: list[dg.Item] = field(default_factory=list)
    people: dict[int, Worker] = field(default_factory=dict)
    areas: list[Area] = field(default_factory=list)
    area_name: str | None = None  # filtered by this community
    worker_name: str | None = None  # filtered by this worker
    not_found: bool = False  # the query matched neither a community nor a worker
    matches: list[Named] = field(default_factory=list)  # several workers: which one?


async def overdue(services: Services, today: date, *, query: str = "",
                  area_id: int | None = None) -> Overdue:
    """Missed obligations of the period just ended, optionally for one area or worker."""
    items = await obligations.everyone(services.db, today, history_periods=1)
    people = await store.people_by_id(services.db, {i.worker_id for i in items})
    # A retired community is offered while households are still recorded under it.
    known = await areas.filterable(services.db)
    worker_id: int | None = None
    area_name: str | None = None
    worker_name: str | None = None
    if area_id is not None:
        area = await areas.get(services.db, area_id)
        area_name = area.name if area else "?"
    elif query:
        lowered = query.lower()
        match = next((a for a in known if lowered in a.name.lower()), None)
        if match is not None:
            area_id, area_name = match.id, match.name
        else:
            found = await staff_named(services, query)
            if len(found) != 1:  # none, or several to choose from: nothing is guessed
                return Overdue(areas=known, not_found=not found, matches=found)
            worker_id, worker_name = found[0].telegram_id, found[0].name
    missed = dg.missed_last_period(items, today, area_id=area_id, worker_id=worker_id)
    return Overdue(missed, people, known, area_name, worker_name)


__all__ = ["Area", "Overdue", "overdue"]
