"""The communities (and their streets) as the chat offers them; coordinators add, rename and
retire them."""

from __future__ import annotations

from datetime import datetime

from bot.domain.paging import Page, page_holding, page_of
from bot.services.context import Services
from storage import areas
from storage import triage as store
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


async def page(services: Services, number: int, *, holding: int | None = None,
               named: str | None = None) -> Page[AreaStreet]:
    """Page `number` of the communities as /areas lists them (by street, then name), or the
    page that holds the community with id `holding` or name `named`."""
    listed = await areas.streets_of_areas(services.db)
    at = next((i for i, a in enumerate(listed)
               if a.area_id == holding or (named is not None and a.area_name == named)), None)
    return page_of(listed, number if at is None else page_holding(at))


async def add(services: Services, name: str, now: datetime) -> bool:
    """Add a community (or bring back a retired one); False if an active one has the name."""
    return await store.add_area(services.db, name, now)


async def rename(services: Services, area_id: int, name: str) -> bool:
    """Rename a community; False when the name is taken or the community unknown."""
    return await store.rename_area(services.db, area_id, name)


async def retire(services: Services, area_id: int) -> bool:
    """Retire a community (reports and people keep it; it is no longer offered)."""
    return await store.retire_area(services.db, area_id)


__all__ = ["Area", "AreaStreet", "active", "add", "by_street", "get", "page", "rename", "retire"]
