"""The communities (and their streets) as the chat offers them: read-only use cases."""

from __future__ import annotations

from bot.services.context import Services
from storage import areas
from storage.areas import Area, AreaStreet


async def active(services: Services) -> list[Area]:
    """The communities people can choose now, by name."""
    return await areas.active(services.db)


async def get(services: Services, area_id: int) -> Area | None:
    """One community by id (retired ones too)."""
    return await areas.get(services.db, area_id)


async def by_street(services: Services) -> list[AreaStreet]:
    """Each community in use with its street, by street then community, for /areas."""
    return await areas.streets_of_areas(services.db)


__all__ = ["Area", "AreaStreet", "active", "by_street", "get"]
