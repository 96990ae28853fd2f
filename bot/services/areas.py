"""The communities (and their streets) as the chat offers them; coordinators add, rename and
retire them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.domain.paging import Page, page_holding, page_of
from bot.domain.periods import local_date
from bot.domain.referrals import Stage
from bot.domain.reports import Status
from bot.services import referral_notices, routing
from bot.services.context import Services
from storage import areas, audit, reports
from storage import referrals as referral_store
from storage import triage as store
from storage.areas import Area, AreaStreet, Moved, Standing


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


@dataclass(frozen=True)
class Retired:
    """How a retirement went: `done`, `already` (retired meanwhile), `not_empty` (it has
    something to move first), `no_target` (the community to move to is not in use); what it
    had, and where that went."""

    outcome: str
    had: Standing | None = None
    into: Area | None = None


async def retire(services: Services, actor: int, area_id: int, now: datetime, *,
                 into: int | None = None, update_id: int | None = None) -> Retired:
    """Retire a community, audited with what it had (and the update `update_id` it was
    pressed in). What it still has (open cases, active households, its workers) moves to the
    community `into` in the same transaction; without one, only a community with nothing to
    move is retired, so nothing is left stranded. The untaken reports and referrals moved
    are then offered to the workers where they went. The same update handled again after a
    crash is answered as the first time: done, with what moved where."""
    moved = Moved()
    async with services.db.transaction() as tx:
        area = await areas.get(tx, area_id)
        if area is None or area.retired:
            first = None if area is None or update_id is None else await audit.of_update(
                tx, actor, update_id, "area.retire")
            if first is not None and first.object_id == str(area_id):
                return _as_first(first.detail)
            return Retired("already")
        had = await areas.standing(tx, area_id)
        target = await areas.get(tx, into) if into is not None else None
        if into is not None and (target is None or target.retired or target.id == area_id):
            return Retired("no_target", had)
        if target is None and not had.empty:
            return Retired("not_empty", had)
        if target is not None:
            moved = await areas.move_in(tx, area_id, target.id,
                                        local_date(now, services.settings.timezone))
        await store.retire_area_in(tx, area_id)
        detail: dict[str, object] = {"open_reports": had.open_reports,
                                     "households": had.households, "workers": had.workers,
                                     "referrals": had.referrals}
        if target is not None:
            detail |= {"into": target.id, "into_name": target.name}
        await audit.record(tx, now, actor, "area.retire", "area", area_id, detail,
                           update_id=update_id)
    await _offer_moved(services, moved, now)
    return Retired("done", had, target)


def _as_first(detail: dict[str, Any]) -> Retired:
    """A retirement as its first handling told it, from its audit entry: what the community
    had and the community it went to, by the name it had then."""
    had = Standing(*(int(detail.get(k) or 0)
                     for k in ("open_reports", "households", "workers", "referrals")))
    into = detail.get("into")
    target = None if into is None else Area(int(into), str(detail.get("into_name", "")), False)
    return Retired("done", had, target)


async def _offer_moved(services: Services, moved: Moved, now: datetime) -> None:
    """Offer the untaken reports and referrals a move took along to the workers of the
    community they went to, as new ones are (what was taken meanwhile is not); a crash
    before this leaves them to the next tick (their `routed_at` was cleared with the move)."""
    for report_id in moved.reports:
        report = await reports.get(services.db, report_id)
        if report is not None and report.status is Status.NEW:
            await routing.route(services, report, now, heading="triage.notice.moved")
    waiting = [r for r in [await referral_store.get(services.db, i) for i in moved.referrals]
               if r is not None and r.worker_id is None and r.stage is not Stage.CLOSED]
    if waiting:
        await referral_notices.route(services, waiting, now)


async def move_targets(services: Services, area_id: int) -> list[Area]:
    """The communities in use that a retiring one's cases and households may move to."""
    return [a for a in await areas.active(services.db) if a.id != area_id]


async def filterable(services: Services) -> list[Area]:
    """Communities that lists filter by: in use, or retired with households still under them."""
    return await areas.filterable(services.db)


__all__ = ["Area", "AreaStreet", "Retired", "Standing", "active", "add", "by_street",
           "filterable", "get", "move_targets", "page", "rename", "retire", "standing"]
