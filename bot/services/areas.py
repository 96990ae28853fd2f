"""The communities (and their streets) as the chat offers them; coordinators add, rename and
retire them."""

from __future__ import annotations

from datetime import datetime

from bot.domain.paging import Page, page_holding, page_of
from bot.services.context import Services
from storage import areas, audit
from storage import triage as store
from storage.areas import Area, AreaStreet, Standing


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


async def add(services: Services, actor: int, name: str, now: datetime) -> bool:
    """Add a community (or bring back a retired one), audited; False if an active one has the
    name."""
    async with services.db.transaction() as tx:
        added = await store.add_area_in(tx, name, now)
        if added is None:
            return False
        area_id, restored = added
        await audit.record(tx, now, actor, "area.restore" if restored else "area.add", "area",
                           area_id, {"name": name})
    return True


async def rename(services: Services, actor: int, area_id: int, name: str,
                 now: datetime) -> bool:
    """Rename a community, audited with both names; False when the name is taken or the
    community unknown."""
    async with services.db.transaction() as tx:
        old = await store.rename_area_in(tx, area_id, name)
        if old is None:
            return False
        await audit.record(tx, now, actor, "area.rename", "area", area_id,
                           {"from": old, "to": name})
    return True


async def standing(services: Services, area_id: int) -> Standing:
    """What the community has now (open reports, households, workers), to weigh retiring it."""
    return await areas.standing(services.db, area_id)


async def retire(services: Services, actor: int, area_id: int, now: datetime) -> bool:
    """Retire a community, audited with what it had (its reports, households and workers keep
    it; it is no longer offered); False if it was not in use."""
    async with services.db.transaction() as tx:
        if not await store.retire_area_in(tx, area_id):
            return False
        had = await areas.standing(tx, area_id)
        await audit.record(tx, now, actor, "area.retire", "area", area_id,
                           {"open_reports": had.open_reports, "households": had.households,
                            "workers": had.workers})
    return True


__all__ = ["Area", "AreaStreet", "Standing", "active", "add", "by_street", "get", "page",
           "rename", "retire", "standing"]
