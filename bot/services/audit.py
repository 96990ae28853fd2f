"""The audit trail as use cases see it: record who looked at or changed what; read it back.

Changes that have a transaction of their own record inside it (storage.audit.record); looks
and changes made by older code paths record right after, through `note`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.services.context import Services
from storage import audit, households, people
from storage import triage as staff
from storage.audit import Entry

PAGE = 10


async def note(services: Services, actor: int | None, action: str, object_type: str = "",
               object_id: object = "", detail: dict[str, Any] | None = None,
               at: datetime | None = None) -> None:
    """Append one entry now."""
    await audit.add(services.db, at or services.clock(), actor, action, object_type,
                    object_id, detail)


@dataclass(frozen=True)
class Line:
    """One entry with the names a coordinator reads."""

    entry: Entry
    actor_name: str
    object_name: str


@dataclass(frozen=True)
class Page:
    """A page of the trail, newest first; `older` is where the next page begins (the id of
    this page's last entry, to read entries before it), None when there is no more."""

    lines: list[Line]
    older: int | None


async def page(services: Services, *, actor_id: int | None = None,
               household_id: int | None = None, before: int | None = None) -> Page:
    """A page of the trail: all, or one person's doings, or everything about one household;
    the newest, or those before the entry `before`."""
    found = await audit.entries(
        services.db, actor_id=actor_id,
        object_type="household" if household_id is not None else None,
        object_id=household_id, limit=PAGE + 1, before=before)
    lines = []
    for entry in found[:PAGE]:
        who = await people.get(services.db, entry.actor_id) if entry.actor_id else None
        lines.append(Line(entry, who.display_name if who else "",
                          await _object_name(services, entry)))
    return Page(lines, lines[-1].entry.id if len(found) > PAGE else None)


async def _object_name(services: Services, entry: Entry) -> str:
    if entry.object_type == "household" and entry.object_id.isdigit():
        found = await households.get(services.db, int(entry.object_id))
        return found.name if found else entry.object_id
    if entry.object_type == "person" and entry.object_id.isdigit():
        person = await people.get(services.db, int(entry.object_id))
        return person.display_name if person else entry.object_id
    if entry.object_type == "report" and entry.object_id.isdigit():
        return f"R-{int(entry.object_id):04d}"
    return entry.object_id


async def household_named(services: Services, query: str) -> int | None:
    """The id of the first household whose name matches, for /audit 户 <name>."""
    found = await households.search(services.db, query, 1)
    return found[0].id if found else None


async def person_named(services: Services, query: str) -> int | None:
    """The Telegram id of a known person given by id or by part of a staff member's name."""
    if query.isdigit() and len(query) < 16:
        return int(query) if await people.get(services.db, int(query)) else None
    lowered = query.lower()
    for row in await staff.workers(services.db):
        if lowered in row.person.display_name.lower():
            return row.person.telegram_id
    return None
