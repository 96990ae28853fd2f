"""The one authorisation check: may this person, in their role as of now, do this to that?

Handlers and use cases ask here at press time for every button and command that acts on a
case, household, pairing, aid entry, contact or activity; the facts (is it theirs? of their
communities?) are read now, the decision is the table in bot/domain/access.py.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.access import Action, Refusal, case_refusal_of, refusal
from bot.domain.people import Person, Role
from bot.domain.reports import Report
from bot.domain.triage import Action as CaseAction
from bot.domain.triage import Refusal as CaseRefusal
from bot.services.context import Services
from storage import households, pairings, people
from storage import triage as routes


@dataclass(frozen=True)
class Actor:
    """Who acts: their id, their current role and the communities they serve."""

    id: int
    role: Role
    area_ids: tuple[int, ...] = ()


@dataclass(frozen=True)
class HouseholdRef:
    """A household by id (its pairing decides whose it is)."""

    id: int


@dataclass(frozen=True)
class EntryRef:
    """Something a person made: a logged contact, an aid entry."""

    made_by: int


Target = Report | HouseholdRef | EntryRef | None


def actor_of(services: Services, person: Person) -> Actor:
    """The person as an actor, with the role they hold right now."""
    return Actor(person.telegram_id, services.role_of(person), person.area_ids)


async def actor_by_id(services: Services, telegram_id: int) -> Actor:
    """The actor for an id (a stranger is a resident)."""
    person = await people.get(services.db, telegram_id)
    return Actor(telegram_id, Role.RESIDENT) if person is None else actor_of(services, person)


async def holds(services: Services, chat_id: int, role: Role) -> bool:
    """Whether the chat holds `role` now: a coordinator as configured (or the coordinators'
    group chat), a worker on duty; coordinators hold the worker's role too. Asked when a
    message addressed to someone for their role goes out (the role may have ended since)."""
    if role is Role.RESIDENT:
        return True
    if chat_id == services.settings.coordinator_chat:
        return True  # the coordinators' group, as configured now
    held = (await actor_by_id(services, chat_id)).role
    return held is Role.COORDINATOR if role is Role.COORDINATOR else held.is_staff


async def authorise(services: Services, actor: Actor | Person, action: Action,
                    target: Target = None) -> Refusal | None:
    """Why `actor` may not do `action` to `target` now; None if they may."""
    who = actor_of(services, actor) if isinstance(actor, Person) else actor
    owns, in_area = await _facts(services, who, target)
    return refusal(action, who.role, owns=owns, in_area=in_area)


async def allowed(services: Services, actor: Actor | Person, action: Action,
                  target: Target = None) -> bool:
    """Whether `authorise` lets it through."""
    return await authorise(services, actor, action, target) is None


async def case(services: Services, actor: Actor | Person, action: CaseAction,
               report: Report) -> CaseRefusal | None:
    """A case action: the access table and the report's lifecycle together."""
    who = actor_of(services, actor) if isinstance(actor, Person) else actor
    in_area = await _report_in_area(services, who, report)
    return case_refusal_of(action, who.role, who.id, report.status, report.taken_by,
                           report.reporter_id, in_area=in_area)


async def _report_in_area(services: Services, who: Actor, report: Report) -> bool:
    """Whether the report's card goes to this worker (the workers of its community)."""
    if who.role is not Role.WORKER:
        return False
    return who.id in await routes.route_targets(services.db, report.area_id)


async def _facts(services: Services, who: Actor, target: Target) -> tuple[bool, bool]:
    """(owns, in_area) for the target, read now."""
    if target is None:
        return False, False
    if isinstance(target, Report):
        return target.taken_by == who.id, await _report_in_area(services, who, target)
    if isinstance(target, EntryRef):
        return target.made_by == who.id, False
    found = await households.get(services.db, target.id)
    if found is None:
        return False, False
    owns = await pairings.is_paired(services.db, target.id, who.id)
    return owns, found.area_id in who.area_ids
