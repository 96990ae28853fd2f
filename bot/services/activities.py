"""Use cases of group activities: who takes part, and recording one (checked again on saving)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from bot.domain.activities import HOUSEHOLDS_MAX, PEOPLE_MAX, ActivityKind, counts_as
from bot.domain.households import Service
from bot.services.context import Services
from storage import activities, areas, projects
from storage.activities import NewActivity, Saved

# The households taking part: the recorder's own, everyone's (coordinators), or picked one by
# one from those the recorder may choose (their own; everyone's for coordinators).
MINE, ALL, PICK = "mine", "all", "pick"


class Refusal(StrEnum):
    """Why an activity was not saved (a catalog key under activity.problem)."""

    NO_HOUSEHOLDS = "no_households"
    TOO_MANY = "too_many"
    NOT_ALLOWED = "not_allowed"
    BAD_AREA = "bad_area"
    PROJECT_RETIRED = "project_retired"
    PROJECT_PERIOD = "project_period"


@dataclass(frozen=True)
class Draft:
    """An activity as the flow collected it."""

    title: str
    kind: ActivityKind
    day: date
    people_reached: int | None  # None: one per household
    area_ids: Sequence[int]
    scope: str
    household_ids: Sequence[int] = ()  # the picked ones, when scope is PICK
    services: Sequence[str] = ()
    project_id: int | None = None


async def pickable(services: Services, person_id: int, coordinator: bool,
                   area_ids: Sequence[int]) -> list[int] | Refusal:
    """The households one may pick one by one: everyone's in these communities for
    coordinators, a worker's own paired households otherwise."""
    return await participants(services, person_id, coordinator, area_ids,
                              ALL if coordinator else MINE)


async def chosen(services: Services, person_id: int, coordinator: bool,
                 draft: Draft) -> list[int] | Refusal:
    """The households taking part in a draft; a pick outside what one may pick is refused."""
    if draft.scope != PICK:
        return await participants(services, person_id, coordinator, draft.area_ids,
                                  draft.scope)
    pool = await pickable(services, person_id, coordinator, draft.area_ids)
    if isinstance(pool, Refusal):
        return pool
    picked = list(dict.fromkeys(draft.household_ids))
    if not set(picked) <= set(pool):
        return Refusal.NOT_ALLOWED
    return picked


async def participants(services: Services, person_id: int, coordinator: bool,
                       area_ids: Sequence[int], scope: str) -> list[int] | Refusal:
    """The households taking part; everyone's only for coordinators."""
    if scope not in (MINE, ALL) or (scope == ALL and not coordinator):
        return Refusal.NOT_ALLOWED
    live = {a.id for a in await areas.active(services.db)}
    if not area_ids or not set(area_ids) <= live:
        return Refusal.BAD_AREA
    return await activities.households_in(services.db, area_ids,
                                          None if scope == ALL else person_id)


async def record(services: Services, person_id: int, coordinator: bool,
                 draft: Draft) -> Saved | Refusal:
    """Save the activity and, when its kind counts, a contact per household; nothing
    half-saved."""
    found = await chosen(services, person_id, coordinator, draft)
    if isinstance(found, Refusal):
        return found
    if not found:
        return Refusal.NO_HOUSEHOLDS
    if len(found) > HOUSEHOLDS_MAX:
        return Refusal.TOO_MANY
    if draft.project_id is not None:
        project = await projects.get(services.db, draft.project_id)
        if project is None or project.retired:
            return Refusal.PROJECT_RETIRED
        if not project.starts_on <= draft.day <= project.ends_on:
            return Refusal.PROJECT_PERIOD
    known = {s.value for s in Service}
    given = [s for s in dict.fromkeys(draft.services) if s in known]
    people = min(draft.people_reached or len(found), PEOPLE_MAX)
    return await activities.add(services.db, NewActivity(
        title=draft.title, kind=draft.kind, day=draft.day, people_reached=people,
        created_by=person_id, area_ids=list(draft.area_ids), household_ids=found,
        services=given, project_id=draft.project_id),
        counts_as(draft.kind), services.clock())


async def pick_list(services: Services, person_id: int, coordinator: bool,
                    area_ids: Sequence[int]) -> list[tuple[int, str]] | Refusal:
    """The households one may pick, with their names, in registry order."""
    pool = await pickable(services, person_id, coordinator, area_ids)
    if isinstance(pool, Refusal):
        return pool
    found = await activities.names(services.db, pool)
    return [(h, found[h]) for h in pool if h in found]
