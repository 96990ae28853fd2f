"""Use cases of micro-projects (民生微实事): coordinators list, add and retire them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from enum import StrEnum

from bot.domain.aid import MAX_FEN
from bot.domain.projects import clean_name
from bot.services.context import Services
from storage import areas, projects
from storage.projects import NewProject, Project


class Refusal(StrEnum):
    """Why a project was not added (a catalog key under projects.problem)."""

    NOT_ALLOWED = "not_allowed"
    NAME_BAD = "name_bad"
    NAME_TAKEN = "name_taken"
    BUDGET_BAD = "budget_bad"
    PERIOD_BAD = "period_bad"
    NO_AREAS = "no_areas"


async def listed(services: Services, *, include_retired: bool = True) -> list[Project]:
    """The projects with the activities and households each reached."""
    return await projects.listed(services.db, include_retired=include_retired)


async def active(services: Services) -> list[Project]:
    """The projects offered when recording an activity."""
    return await projects.listed(services.db)


async def running_on(services: Services, day: date) -> list[Project]:
    """The projects offered for an activity on this day: not retired, and the day within their
    period."""
    return [p for p in await projects.listed(services.db) if p.starts_on <= day <= p.ends_on]


async def get(services: Services, project_id: int) -> Project | None:
    """One project by id."""
    return await projects.get(services.db, project_id)


async def add(services: Services, actor_id: int, coordinator: bool, name: str, budget_fen: int,
              period: tuple[date, date], area_ids: Sequence[int]) -> Project | Refusal:
    """A coordinator adds a project; everything is checked again here (nothing half-saved)."""
    if not coordinator:
        return Refusal.NOT_ALLOWED
    cleaned = clean_name(name)
    if cleaned is None:
        return Refusal.NAME_BAD
    if not 0 < budget_fen <= MAX_FEN:
        return Refusal.BUDGET_BAD
    if period[1] < period[0]:
        return Refusal.PERIOD_BAD
    live = {a.id for a in await areas.active(services.db)}
    if not area_ids or not set(area_ids) <= live:
        return Refusal.NO_AREAS
    added = await projects.add(services.db, NewProject(
        cleaned, budget_fen, period[0], period[1], list(dict.fromkeys(area_ids)), actor_id),
        services.clock())
    if added is None:
        return Refusal.NAME_TAKEN
    found = await projects.get(services.db, added)
    assert found is not None
    return found


async def retire(services: Services, actor_id: int, coordinator: bool,
                 project_id: int) -> Project | None:
    """A coordinator retires a project; None when not allowed or no such active project."""
    found = await projects.get(services.db, project_id)
    if not coordinator or found is None or found.retired:
        return None
    if not await projects.retire(services.db, project_id, actor_id, services.clock()):
        return None
    return found


__all__ = ["Project", "Refusal", "active", "add", "get", "listed", "retire", "running_on"]
