"""Use cases of the aid ledger: record aid, correct one's own entry, keep the funds, read totals.

Every change checks again who may do it (callback data and flow state are only requests).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from enum import StrEnum

from bot.domain.access import Action
from bot.domain.aid import MAX_FEN, clean_fund_name, format_yuan
from bot.domain.households import can_correct
from bot.domain.people import Role
from bot.domain.reports import Report, Status
from bot.domain.triage import Action as CaseAction
from bot.services import access
from bot.services.access import EntryRef, HouseholdRef
from bot.services.context import Services
from storage import aid, audit, households, reports, triage
from storage.aid import Aid, Fund, NewAid, Total

HISTORY_SHOWN = 5  # entries of aid shown in the service file


class Refusal(StrEnum):
    """Why aid was not saved (a catalog key under aid.problem)."""

    NOT_YOURS = "not_yours"
    FUND_RETIRED = "fund_retired"
    BAD_AMOUNT = "bad_amount"


@dataclass(frozen=True)
class History:
    """A household's aid for its service file: totals and the latest entries."""

    total: Total
    latest: list[Aid]


async def may_record(services: Services, person_id: int, coordinator: bool,
                     household_id: int) -> bool:
    """Workers record aid for their paired households; coordinators for any household.

    The role is read now (bot/services/access.py); `coordinator` is what the chat believed
    and can only narrow it."""
    found = await households.get(services.db, household_id)
    if found is None or found.archived:
        return False
    actor = await access.actor_by_id(services, person_id)
    if not coordinator and actor.role is Role.COORDINATOR:
        actor = replace(actor, role=Role.WORKER)
    return await access.allowed(services, actor, Action.AID_RECORD, HouseholdRef(household_id))


async def may_record_case(services: Services, person_id: int, coordinator: bool,
                          report_id: int) -> Report | None:
    """A case being worked that this person may record aid from: one they hold (any held
    case for coordinators); None otherwise. The role is read now, as in may_record: a
    coordinator removed, or a worker taken off duty, records nothing."""
    found = await reports.get(services.db, report_id)
    if found is None or found.status is not Status.ACKNOWLEDGED:
        return None
    actor = await access.actor_by_id(services, person_id)
    if not coordinator and actor.role is Role.COORDINATOR:
        actor = replace(actor, role=Role.WORKER)
    # Recording aid from a case is work on the case: the one check for case work decides.
    refused = await access.case(services, actor, CaseAction.NOTE, found)
    return found if refused is None else None


async def held_cases(services: Services, person_id: int) -> list[Report]:
    """The cases this person holds, to offer beside their households."""
    return await triage.open_cases(services.db, person_id)


async def _owner_checked(services: Services, new: NewAid, coordinator: bool) -> NewAid | None:
    """The entry as it will be stored (a case's aid also counts for its linked household), or
    None when the recorder may not record it."""
    if new.report_id is not None:
        if await may_record_case(services, new.worker_id, coordinator, new.report_id) is None:
            return None
        linked = await aid.case_household(services.db, new.report_id)
        return replace(new, household_id=linked)
    if new.household_id is None or not await may_record(services, new.worker_id, coordinator,
                                                        new.household_id):
        return None
    return new


async def record(services: Services, new: NewAid, coordinator: bool,
                 replaces: int | None = None) -> Aid | Refusal:
    """Save aid after checking ownership, amount and fund again; nothing half-saved."""
    checked = await _owner_checked(services, new, coordinator)
    if checked is None:
        return Refusal.NOT_YOURS
    new = checked
    if not 0 < new.amount_fen <= MAX_FEN:
        return Refusal.BAD_AMOUNT
    if replaces is not None:
        old = await aid.get(services.db, replaces)
        if old is None or old.worker_id != new.worker_id or old.deleted \
                or not can_correct(old.created_at, services.clock()):
            replaces = None  # too late to replace: the new entry stands beside the old one
    saved = await aid.add(services.db, new, services.clock(), replaces=replaces)
    return Refusal.FUND_RETIRED if saved is None else saved


class Correction(StrEnum):
    """What came of a request to delete or redo one's own entry."""

    OK = "ok"
    STALE = "stale"
    TOO_LATE = "too_late"


async def own_entry(services: Services, person_id: int, aid_id: int) -> tuple[Correction,
                                                                                Aid | None]:
    """One's own live entry, if it may still be corrected (24 hours)."""
    found = await aid.get(services.db, aid_id)
    if found is None or found.deleted or not await access.allowed(
            services, await access.actor_by_id(services, person_id), Action.ENTRY_CORRECT,
            EntryRef(found.worker_id)):
        return Correction.STALE, None
    if not can_correct(found.created_at, services.clock()):
        return Correction.TOO_LATE, found
    return Correction.OK, found


async def delete_own(services: Services, person_id: int, aid_id: int,
                     update_id: int | None = None) -> Correction:
    """Delete one's own entry within 24 hours (audited, with the update it was pressed in)."""
    outcome, found = await own_entry(services, person_id, aid_id)
    if outcome is not Correction.OK or found is None:
        return outcome
    deleted = await aid.delete(services.db, aid_id, person_id, services.clock(), update_id)
    return Correction.OK if deleted else Correction.STALE


async def deleted_by(services: Services, person_id: int, update_id: int, aid_id: int) -> bool:
    """Whether this very update of the person's deleted the entry (handled again after a
    crash, it is answered as the first time, not as a stale press)."""
    entry = await audit.of_update(services.db, person_id, update_id, "aid.delete")
    return entry is not None and entry.detail.get("aid") == aid_id


async def case(services: Services, report_id: int) -> Report | None:
    """The case an aid entry was given under (for its name when the entry is redone)."""
    return await reports.get(services.db, report_id)


async def history(services: Services, household_id: int) -> History:
    """The household's aid total and latest entries for the service file."""
    return History(await aid.household_total(services.db, household_id),
                   await aid.for_household(services.db, household_id, HISTORY_SHOWN))


async def case_history(services: Services, report_id: int) -> History:
    """The aid given from a case, for the case view."""
    return History(await aid.report_total(services.db, report_id),
                   await aid.for_report(services.db, report_id, HISTORY_SHOWN))


async def year_by_fund(services: Services, day: date) -> list[Total]:
    """Each fund's aid paid out in day's calendar year, and households reached."""
    return await aid.totals_by_fund(services.db, date(day.year, 1, 1), date(day.year, 12, 31))


async def year_overall(services: Services, day: date) -> Total:
    """All aid in day's calendar year."""
    return await aid.reached(services.db, date(day.year, 1, 1), date(day.year, 12, 31))


async def add_fund(services: Services, actor_id: int, coordinator: bool,
                   text: str) -> Fund | str:
    """A coordinator adds a fund; a problem key when not allowed, or the name is unusable or
    taken."""
    if not coordinator:
        return "not_allowed"
    name = clean_fund_name(text)
    if name is None:
        return "name_bad"
    added = await aid.add_fund(services.db, name, actor_id, services.clock())
    return "name_taken" if added is None else added


async def retire_fund(services: Services, actor_id: int, coordinator: bool,
                      fund_id: int) -> Fund | None:
    """A coordinator retires a fund; None when not allowed or there is no such active fund."""
    found = await aid.fund(services.db, fund_id)
    if not coordinator or found is None or found.retired:
        return None
    if not await aid.retire_fund(services.db, fund_id, actor_id, services.clock()):
        return None
    return found


async def active_funds(services: Services) -> list[Fund]:
    """The funds offered for new aid."""
    return await aid.funds(services.db)


async def all_funds(services: Services) -> list[Fund]:
    """Every fund, retired ones too."""
    return await aid.funds(services.db, include_retired=True)


async def fund(services: Services, fund_id: int) -> Fund | None:
    """One fund by id."""
    return await aid.fund(services.db, fund_id)


async def case_lines(services: Services, lang: str, report_id: int) -> list[str]:
    """The aid given from a case, as lines for the case view (none when there is none)."""
    found = await case_history(services, report_id)
    if not found.latest:
        return []
    t = services.t
    lines = [t(lang, "aid.file.title", count=found.total.entries,
               amount=format_yuan(found.total.amount_fen))]
    for entry in found.latest:
        lines.append(t(lang, "aid.file.line", day=entry.day.isoformat(),
                       kind=t(lang, f"aid.kind.{entry.kind.value}"),
                       amount=format_yuan(entry.amount_fen),
                       purpose=t(lang, f"aid.purpose.{entry.purpose.value}"),
                       fund=entry.fund_name))
    return lines


__all__ = [
    "Aid", "Correction", "History", "NewAid", "Refusal", "active_funds", "add_fund",
    "all_funds", "case", "case_history", "case_lines", "delete_own", "deleted_by", "fund",
    "held_cases", "history", "may_record", "may_record_case", "own_entry", "record",
    "retire_fund", "year_by_fund", "year_overall"
]
