"""Use cases of group activities: who takes part, and recording one (checked again on saving)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from bot.domain.activities import HOUSEHOLDS_MAX, PEOPLE_MAX, ActivityKind, counts_as
from bot.services.context import Services
from storage import activities, areas
from storage.activities import NewActivity, Saved

MINE, ALL = "mine", "all"  # the households taking part: the recorder's own, or everyone's


class Refusal(StrEnum):
    """Why an activity was not saved (a catalog key under activity.problem)."""

    NO_HOUSEHOLDS = "no_households"
    TOO_MANY = "too_many"
    NOT_ALLOWED = "not_allowed"
    BAD_AREA = "bad_area"


@dataclass(frozen=True)
class Draft:
    """An activity as the flow collected it."""

    title: str
    kind: ActivityKind
    day: date
    people_reached: int | None  # None: one per household
    area_ids: Sequence[int]
    scope: str


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
    found = await participants(services, person_id, coordinator, draft.area_ids, draft.scope)
    if isinstance(found, Refusal):
        return found
    if not found:
        return Refusal.NO_HOUSEHOLDS
    if len(found) > HOUSEHOLDS_MAX:
        return Refusal.TOO_MANY
    people = min(draft.people_reached or len(found), PEOPLE_MAX)
    return await activities.add(services.db, NewActivity(
        title=draft.title, kind=draft.kind, day=draft.day, people_reached=people,
        created_by=person_id, area_ids=list(draft.area_ids), household_ids=found),
        counts_as(draft.kind), services.clock())
