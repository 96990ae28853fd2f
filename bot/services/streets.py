"""Use cases of grouping communities into streets (coordinators only); a street never ends up
with no community."""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum

from bot.domain.access import Action
from bot.domain.areas import AREA_NAME_MAX, emptied_streets
from bot.services import access
from bot.services.context import Services
from storage import areas, streets
from storage.streets import Street


class Refusal(StrEnum):
    """Why a change was not made (a catalog key under streets.problem)."""

    NOT_ALLOWED = "not_allowed"
    NAME_BAD = "name_bad"
    NAME_TAKEN = "name_taken"
    NO_AREAS = "no_areas"
    LAST_AREA = "last_area"
    EMPTIES_OTHER = "empties_other"
    GONE = "gone"


def clean_name(text: str) -> str | None:
    """A street's name as typed, spaces tidied; None when empty, too long or with a slash."""
    value = " ".join(text.split())
    return value if 0 < len(value) <= AREA_NAME_MAX and "/" not in value else None


async def listed(services: Services) -> list[Street]:
    """Every street with its communities."""
    return await streets.listed(services.db)


async def get(services: Services, street_id: int) -> Street | None:
    """One street by id."""
    return await streets.get(services.db, street_id)


async def _may(services: Services, actor_id: int) -> bool:
    """Whether this person may change streets now (the access table, at the moment of use)."""
    return await access.allowed(services, await access.actor_by_id(services, actor_id),
                                Action.STAFF_MANAGE)


async def _would_empty(services: Services, moving: Sequence[int], into: int | None) -> bool:
    """Whether moving these communities into a street would leave another with none."""
    held = {s.id: s.area_ids for s in await streets.listed(services.db)}
    return bool(emptied_streets(held, moving, into))


async def create(services: Services, actor_id: int, name: str,
                 area_ids: Sequence[int]) -> Street | Refusal:
    """A coordinator adds a street with at least one community in use."""
    if not await _may(services, actor_id):
        return Refusal.NOT_ALLOWED
    cleaned = clean_name(name)
    if cleaned is None:
        return Refusal.NAME_BAD
    live = {a.id for a in await areas.active(services.db)}
    chosen = [a for a in dict.fromkeys(area_ids) if a in live]
    if not chosen:
        return Refusal.NO_AREAS
    if await _would_empty(services, chosen, None):
        return Refusal.EMPTIES_OTHER
    made = await streets.create(services.db, cleaned, chosen, actor_id, services.clock())
    if made is None:
        return Refusal.NAME_TAKEN
    found = await streets.get(services.db, made)
    return found if found is not None else Refusal.GONE


async def toggle_area(services: Services, actor_id: int, street_id: int,
                      area_id: int) -> Street | Refusal:
    """Move a community into this street, or take it out (never the street's last one)."""
    if not await _may(services, actor_id):
        return Refusal.NOT_ALLOWED
    street = await streets.get(services.db, street_id)
    live = {a.id for a in await areas.active(services.db)}
    if street is None or area_id not in live:
        return Refusal.GONE
    if area_id in street.area_ids:
        if len(street.area_ids) == 1:
            return Refusal.LAST_AREA
        await streets.move_area(services.db, area_id, None, actor_id, services.clock())
    elif await _would_empty(services, [area_id], street_id):
        return Refusal.EMPTIES_OTHER
    else:
        await streets.move_area(services.db, area_id, street_id, actor_id, services.clock())
    found = await streets.get(services.db, street_id)
    return found if found is not None else Refusal.GONE


async def rename(services: Services, actor_id: int, street_id: int,
                 name: str) -> Street | Refusal:
    """A coordinator gives a street a new name (the checks of a new street's name)."""
    if not await _may(services, actor_id):
        return Refusal.NOT_ALLOWED
    cleaned = clean_name(name)
    if cleaned is None:
        return Refusal.NAME_BAD
    done = await streets.rename(services.db, street_id, cleaned, actor_id, services.clock())
    if done is None:
        return Refusal.GONE
    if not done:
        return Refusal.NAME_TAKEN
    found = await streets.get(services.db, street_id)
    return found if found is not None else Refusal.GONE


async def remove(services: Services, actor_id: int, street_id: int) -> str | Refusal:
    """A coordinator removes a street; its communities are then in no street. Its name."""
    if not await _may(services, actor_id):
        return Refusal.NOT_ALLOWED
    removed = await streets.remove(services.db, street_id, actor_id, services.clock())
    return Refusal.GONE if removed is None else removed


__all__ = ["Refusal", "Street", "clean_name", "create", "get", "listed", "remove", "rename",
           "toggle_area"]
